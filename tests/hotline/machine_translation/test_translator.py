"""Machine translation through the real argostranslate code path, with tiny models built offline.

The models translate into nonsense: tests assert behaviour (installed, loaded, pivoted, cached,
protected), never wording.
"""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.gazetteer import load_gazetteer
from hotline.config import DEV_OPERATOR_TOKEN, ROOT
from hotline.db import Database, migrate
from hotline.machine_translation.cache import TranslationCache
from hotline.machine_translation.engine import ArgosEngine, InstalledPackage, installed_packages
from hotline.machine_translation.glossary import Glossary
from hotline.machine_translation.jobs import translate_note
from hotline.machine_translation.translator import NoRoute, Translator

AUTH = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}


class CountingEngine:
    """The real engine, counting the calls that reach a model."""

    def __init__(self, inner: ArgosEngine) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls: list[tuple[str, str]] = []

    def packages(self) -> list[InstalledPackage]:
        return self.inner.packages()

    def translate(self, text: str, source: str, target: str) -> str:
        self.calls.append((source, target))
        return self.inner.translate(text, source, target)


@pytest.fixture
def db(sqlite_url: str) -> Database:
    database = Database(sqlite_url)
    migrate(database.engine)
    return database


@pytest.fixture(scope="session")
def glossary() -> Glossary:
    return Glossary.for_gazetteer(load_gazetteer())


@pytest.fixture
def engine(argos_packages: Path) -> CountingEngine:
    return CountingEngine(ArgosEngine(argos_packages))


@pytest.fixture
def translator(engine: CountingEngine, db: Database, glossary: Glossary) -> Translator:
    return Translator(engine, TranslationCache(db), glossary)


def test_packages_install_with_argostranslates_own_installer(argos_packages: Path) -> None:
    from argostranslate import package

    ours = {(p.from_code, p.to_code) for p in installed_packages(argos_packages)}
    theirs = {(p.from_code, p.to_code) for p in package.get_installed_packages()}
    assert ours == theirs == {("en", "zh"), ("zh", "en"), ("ja", "en"), ("en", "ja")}


def test_direct_pair_translates_repeatably(translator: Translator, engine: CountingEngine) -> None:
    first = translator.translate("The street light outside my building is broken.", source="en", target="zh")
    assert first.text.strip() and first.route == ("en", "zh") and not first.pivoted and not first.cached
    assert engine.calls == [("en", "zh")]
    again = ArgosEngine(engine.inner.packages_dir).translate("The street light outside my building is broken.",
                                                             "en", "zh")
    assert again == first.text


@pytest.mark.parametrize("source, target", [("ja", "zh"), ("zh", "ja")])
def test_japanese_and_chinese_pivot_through_english(translator: Translator, engine: CountingEngine,
                                                    source: str, target: str) -> None:
    text = "ビザの延長はどうすればいいですか" if source == "ja" else "我的签证快到期了怎么办"
    result = translator.translate(text, source=source, target=target)
    assert result.route == (source, "en", target) and result.pivoted and result.text.strip()
    assert engine.calls == [(source, "en"), ("en", target)]


def test_second_translation_comes_from_the_cache(translator: Translator, engine: CountingEngine,
                                                 db: Database, glossary: Glossary) -> None:
    text = "駐車場の騒音がひどいです"
    first = translator.translate(text, source="ja", target="zh")
    calls = len(engine.calls)
    second = translator.translate(text, source="ja", target="zh")
    assert (second.text, second.cached, len(engine.calls)) == (first.text, True, calls)
    # another process (a fresh translator on the same database) finds it too
    other = CountingEngine(engine.inner)
    assert Translator(other, TranslationCache(db), glossary).translate(text, source="ja", target="zh").cached
    assert other.calls == []


def test_place_names_and_hotline_terms_survive(translator: Translator) -> None:
    text = ("I live in Sanlitun Subdistrict, Chaoyang District. Call 138 1234 5678 about ticket 202611220000001 "
            "or the 12345 hotline; photo at https://example.cn/a_b?id=AB_123")
    result = translator.translate(text, source="en", target="zh").text
    for kept in ("三里屯街道", "朝阳区", "138 1234 5678", "202611220000001", "12345热线",
                 "https://example.cn/a_b?id=AB_123"):
        assert kept in result, (kept, result)
    back = translator.translate("三里屯街道的路灯坏了", source="zh", target="en").text
    assert "Sanlitun Subdistrict" in back


def test_without_a_model_there_is_no_route_and_nothing_is_loaded(tmp_path: Path, db: Database,
                                                                 glossary: Glossary) -> None:
    empty = Translator(ArgosEngine(tmp_path / "none"), TranslationCache(db), glossary)
    assert empty.route("en", "zh") is None
    with pytest.raises(NoRoute):
        empty.translate("hello there", source="en", target="zh")


def test_languages_without_a_package_have_no_route(translator: Translator) -> None:
    with pytest.raises(NoRoute):
        translator.translate("소음이 너무 심해요", source="ko", target="zh")


def test_operator_notes_go_into_the_residents_language(translator: Translator, engine: CountingEngine) -> None:
    note = translate_note(translator, "已派发朝阳区城管执法局，今日内到场处置。", note_language="zh",
                          resident_language="ja")
    assert note.machine_translated and note.language == "ja" and "朝阳区" in note.text
    assert set(engine.calls) == {("zh", "en"), ("en", "ja")}  # two segments around the place name
    same = translate_note(translator, "已受理", note_language="zh", resident_language="zh")
    assert (same.text, same.machine_translated) == ("已受理", False)
    unknown = translate_note(translator, "已受理", note_language="zh", resident_language="ko")
    assert (unknown.text, unknown.language, unknown.machine_translated) == ("已受理", "zh", False)


def test_status_lists_installed_pairs_and_pivots(app_factory: Callable[..., FastAPI], sqlite_url: str,
                                                 argos_packages: Path, tmp_path: Path) -> None:
    with TestClient(app_factory(sqlite_url, argos_packages_dir=argos_packages)) as client:
        assert client.get("/api/translation/status").status_code == 401
        body = client.get("/api/translation/status", headers=AUTH).json()
    assert {(p["from"], p["to"]) for p in body["installed"]} == {("en", "zh"), ("zh", "en"), ("ja", "en"), ("en", "ja")}
    routes = {(r["from"], r["to"]): r for r in body["routes"]}
    assert routes[("ja", "zh")] == {"from": "ja", "to": "zh", "available": True, "via": ["en"]}
    assert routes[("en", "zh")]["via"] == [] and body["pivot_available"] is True
    with TestClient(app_factory(sqlite_url, argos_packages_dir=tmp_path / "none")) as client:
        empty = client.get("/api/translation/status", headers=AUTH).json()
    assert empty["installed"] == [] and not empty["machine_translation_available"] and not empty["pivot_available"]


def test_make_models_installs_every_package_in_a_folder(argos_models: Path, tmp_path: Path) -> None:
    env = {**os.environ, "ARGOS_PACKAGES_DIR": str(tmp_path / "packages"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "hotline.machine_translation.install", str(argos_models)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("installed translate-") == 4 and "ja->zh: ja -> en -> zh (through en)" in result.stdout
    assert len(installed_packages(tmp_path / "packages")) == 4


def test_the_notifiers_entry_point_answers_or_stays_empty(argos_packages: Path, sqlite_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import hotline.machine_translation
    from hotline.machine_translation.bootstrap import process_translator

    migrate(Database(sqlite_url).engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(argos_packages))
    process_translator.cache_clear()
    try:
        assert hotline.machine_translation.translate_note("已派发朝阳区城管执法局。", "zh", "en").strip()
        assert hotline.machine_translation.translate_note("已受理", "zh", "ko") == ""
    finally:
        process_translator.cache_clear()
