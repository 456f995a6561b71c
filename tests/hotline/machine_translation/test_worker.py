"""The translation job off the request path: real Redis stream, consumer group, tiny Argos models."""

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.gazetteer import load_gazetteer
from hotline.app import make_relay
from hotline.config import DEV_OPERATOR_TOKEN
from hotline.machine_translation.cache import TranslationCache
from hotline.machine_translation.engine import ArgosEngine, Engine, InstalledPackage
from hotline.machine_translation.glossary import Glossary
from hotline.machine_translation.jobs import translate_ticket
from hotline.machine_translation.translator import Translator
from hotline.machine_translation.worker import TranslationWorker
from tests.hotline.console.test_routes import BROWSER_ARGS, DOCS, chromium_or_skip
from tests.hotline.helpers import file_request

AUTH = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}
ENGLISH = "The street light outside my building in Sanlitun Subdistrict has been broken for a week."
JAPANESE = "ビザの延長はどうすればいいですか。駐車場の騒音もひどいです。"


def file_appeal(client: TestClient, description: str, **fields: str) -> str:
    response = file_request(client, description=description, **fields)
    assert response.status_code == 201, response.text
    request_id: str = response.json()[0]["service_request_id"]
    return request_id


@dataclass
class Rig:
    client: TestClient
    app: FastAPI
    worker: TranslationWorker

    def file(self, description: str, **fields: str) -> str:
        return file_appeal(self.client, description, **fields)

    def ticket(self, request_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.client.get(f"/api/tickets/{request_id}", headers=AUTH).json()
        return body

    def deliver(self) -> None:
        """The outbox relay publishes, the worker consumes."""
        make_relay(self.app.state.backend).publish_pending()
        while self.worker.run_once(block_ms=100):
            pass


def rig_for(app: FastAPI, redis_url: str, engine: Engine, stream: str) -> Iterator[Rig]:
    backend = app.state.backend
    translator = Translator(engine, TranslationCache(backend.db), Glossary.for_gazetteer(load_gazetteer()))
    client = redis.Redis.from_url(redis_url)
    with TestClient(app) as test_client:
        yield Rig(test_client, app, TranslationWorker(backend.db, client, translator, stream=stream))
    client.delete(stream)


@pytest.fixture
def rig(app_factory: Callable[..., FastAPI], sqlite_url: str, redis_url: str, argos_packages: Path,
        request: pytest.FixtureRequest) -> Iterator[Rig]:
    stream = f"test:events:{request.node.name}"
    app = app_factory(sqlite_url, redis_url=redis_url, events_stream=stream, argos_packages_dir=argos_packages)
    yield from rig_for(app, redis_url, ArgosEngine(argos_packages), stream)


@pytest.fixture
def bare_rig(app_factory: Callable[..., FastAPI], sqlite_url: str, redis_url: str, tmp_path: Path,
             request: pytest.FixtureRequest) -> Iterator[Rig]:
    """No model installed."""
    stream = f"test:events:{request.node.name}"
    app = app_factory(sqlite_url, redis_url=redis_url, events_stream=stream, argos_packages_dir=tmp_path / "none")
    yield from rig_for(app, redis_url, ArgosEngine(tmp_path / "none"), stream)


@pytest.mark.integration
def test_a_filed_english_appeal_gets_its_translation_from_the_worker(rig: Rig) -> None:
    rig.worker.ensure_group()
    request_id = rig.file(ENGLISH, language="en")
    before = rig.ticket(request_id)
    assert before["translation"] is None and not before["machine_translated"]  # filing did not wait
    rig.deliver()
    after = rig.ticket(request_id)
    assert after["original_text"] == ENGLISH  # the original is always kept
    assert after["translation"] and "三里屯街道" in after["translation"]
    assert (after["translation_language"], after["source_language"], after["machine_translated"],
            after["needs_multilingual_operator"]) == ("zh", "en", True, False)
    assert rig.worker.outcomes[-1] == (request_id, "translated")
    rig.deliver()  # nothing left: the event was acked
    assert rig.worker.outcomes[-1] == (request_id, "translated") and len(rig.worker.outcomes) == 1


@pytest.mark.integration
def test_japanese_pivots_through_english_and_chinese_is_left_alone(rig: Rig) -> None:
    rig.worker.ensure_group()
    japanese = rig.file(JAPANESE, language="ja")
    chinese = rig.file("小区门口路灯坏了一个星期，晚上很黑", language="zh")
    english_as_zh = rig.file(ENGLISH)  # an Open311 client that leaves language at its default (zh)
    rig.deliver()
    assert dict(rig.worker.outcomes) == {japanese: "translated", chinese: "not_needed", english_as_zh: "translated"}
    assert rig.ticket(japanese)["machine_translated"] and rig.ticket(japanese)["source_language"] == "ja"
    assert rig.ticket(english_as_zh)["source_language"] == "en"
    assert rig.ticket(chinese)["translation"] is None and rig.ticket(chinese)["source_language"] == "zh"


@pytest.mark.integration
def test_filing_never_waits_for_a_busy_translator(rig: Rig, argos_packages: Path) -> None:
    release = threading.Event()

    class Slow:
        name = "slow"

        def packages(self) -> list[InstalledPackage]:
            return ArgosEngine(argos_packages).packages()

        def translate(self, text: str, source: str, target: str) -> str:
            release.wait(30)
            return "译文"

    rig.worker.translator = Translator(Slow(), rig.worker.translator.cache, rig.worker.translator.glossary)
    rig.worker.ensure_group()
    first = rig.file(ENGLISH, language="en")
    make_relay(rig.app.state.backend).publish_pending()
    busy = threading.Thread(target=rig.worker.run_once, kwargs={"block_ms": 100})
    busy.start()
    time.sleep(0.3)  # the worker is now stuck in the model
    started = time.perf_counter()
    second = rig.file("Another broken light on Gongti North Road.", language="en")
    assert time.perf_counter() - started < 5 and rig.ticket(second)["translation"] is None
    release.set()
    busy.join(timeout=30)
    assert rig.ticket(first)["translation"] == "译文三里屯街道译文"  # place name kept between segments


@pytest.mark.integration
def test_the_sweep_finds_tickets_filed_while_no_worker_listened(rig: Rig) -> None:
    request_id = rig.file(ENGLISH, language="en")  # no consumer group yet: the event is not for us
    assert rig.worker.sweep() == 1 and rig.ticket(request_id)["machine_translated"]
    assert rig.worker.sweep() == 0


@pytest.mark.integration
def test_without_a_model_tickets_are_flagged_for_a_multilingual_operator(bare_rig: Rig) -> None:
    bare_rig.worker.ensure_group()
    english = bare_rig.file(ENGLISH, language="en")
    chinese = bare_rig.file("小区门口路灯坏了一个星期，晚上很黑")
    bare_rig.deliver()
    ticket = bare_rig.ticket(english)
    assert ticket["needs_multilingual_operator"] and ticket["translation"] is None and not ticket["machine_translated"]
    assert not bare_rig.ticket(chinese)["needs_multilingual_operator"]
    listed = bare_rig.client.get("/api/tickets?needs_multilingual_operator=true", headers=AUTH).json()
    assert [t["service_request_id"] for t in listed["tickets"]] == [english]
    bare_rig.client.post("/console/login", data={"token": DEV_OPERATOR_TOKEN})
    queue = bare_rig.client.get("/console/?multilingual=1").text
    assert english in queue and chinese not in queue and "需多语种坐席" in queue
    assert chinese in bare_rig.client.get("/console/").text
    page = bare_rig.client.get(f"/console/tickets/{english}").text
    assert 'id="needs-multilingual"' in page and "英文" in page


@pytest.mark.integration
def test_other_languages_are_flagged_with_their_language(rig: Rig) -> None:
    rig.worker.ensure_group()
    korean = rig.file("집 앞 가로등이 일주일째 고장났어요", language="ko")
    rig.deliver()
    ticket = rig.ticket(korean)
    assert (ticket["language"], ticket["source_language"], ticket["needs_multilingual_operator"]) == ("en", "ko", True)
    rig.client.post("/console/login", data={"token": DEV_OPERATOR_TOKEN})
    assert "韩文" in rig.client.get(f"/console/tickets/{korean}").text


# --- The console in real Chromium: original and translation side by side ---------------------------

class Phrasebook:
    """Readable stand-in for a real model in the screenshot only (no real model may be downloaded here;
    the tiny test models translate into nonsense). Everything around it is the real code path."""

    name = "phrasebook"
    PHRASES = {
        "The street light outside my building in": "我家楼外的路灯在",
        "has been broken for a week. At night the whole path to": "已经坏了一个星期。晚上通往",
        "is dark. Please call me on": "的整条路都是黑的。请打电话给我：",
    }

    def packages(self) -> list[InstalledPackage]:
        return [InstalledPackage("en", "zh", "phrasebook", Path("."))]

    def translate(self, text: str, source: str, target: str) -> str:
        return self.PHRASES.get(text, text)


@pytest.mark.integration
@pytest.mark.browser
def test_console_shows_original_and_translation_side_by_side_in_chromium(live_server: tuple[str, FastAPI]) -> None:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    base, app = live_server
    backend = app.state.backend
    with TestClient(app) as client:
        english = file_appeal(client, "The street light outside my building in Sanlitun Subdistrict has been "
                              "broken for a week. At night the whole path to Gongti North Road is dark. "
                              "Please call me on 138 1234 5678.", language="en",
                              address_string="Sanlitun Subdistrict, Chaoyang District")
        korean = file_appeal(client, "집 앞 가로등이 일주일째 고장났어요", language="ko")
    places = [{"zh": p.name_zh, "en": p.name_en, "ja": p.name_zh} for p in backend.gazetteer.subdistricts.values()]
    glossary = Glossary([{"zh": "工体北路", "en": "Gongti North Road", "ja": "工体北路"}, *places])
    readable = Translator(Phrasebook(), TranslationCache(backend.db), glossary)
    assert translate_ticket(backend.db, readable, english) == "translated"
    assert translate_ticket(backend.db, readable, korean) == "needs_multilingual_operator"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
            page.goto(f"{base}/console/login")
            page.fill("#token", DEV_OPERATOR_TOKEN)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/console/")
            page.click(f"text={english}")
            page.wait_for_url(f"**/console/tickets/{english}")
            panes = page.locator("#appeal-text .pane")
            assert panes.count() == 2
            assert "原文（英文）" in panes.nth(0).inner_text() and "Sanlitun" in panes.nth(0).inner_text()
            translated = panes.nth(1).inner_text()
            assert "译文（中文）" in translated and "机器翻译" in translated and "三里屯街道" in translated
            box0, box1 = panes.nth(0).bounding_box(), panes.nth(1).bounding_box()
            assert box0 and box1 and abs(box0["y"] - box1["y"]) < 2 and box1["x"] > box0["x"]  # side by side
            DOCS.mkdir(exist_ok=True)
            page.screenshot(path=str(DOCS / "console-translation.png"), full_page=True)
            page.goto(f"{base}/console/?multilingual=1")
            rows = page.locator("table.tickets tbody tr")
            assert rows.count() == 1 and korean in rows.first.inner_text() and "韩文" in rows.first.inner_text()
        finally:
            browser.close()
