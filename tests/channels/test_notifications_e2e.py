"""Resolution notices and surveys, end to end, on every channel.

One stack with everything: backend, action server, outbox worker, notifier, `rasa run` with the
web chat, WeChat (safe mode, fake WeChat API) and Telegram (fake Bot API). A resident files an
appeal on each channel in their own language; an operator resolves it through the operator API;
the notifier has Rasa tell the resident on their channel, in their language, and ask the survey;
the answers are stored, and "not resolved" reopens the ticket.
"""

import asyncio
import json
import re
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.channels.telegram import test_integration as telegram
from tests.channels.wechat import test_integration as wechat
from tests.doubles.fake_telegram import BOT_TOKEN, FakeTelegram, venue_update
from tests.doubles.fake_wechat import CUSTOM, FakeWeChat
from tools.ports import free_port
from tools.stack import Stack, running_stack

pytestmark = pytest.mark.integration
TICKET = re.compile(r"\b\d{15}\b")
NOTE = "路灯已更换，夜间照明恢复"


@pytest.fixture(scope="module")
def telegram_api() -> Iterator[FakeTelegram]:
    with FakeTelegram().running() as running:
        yield running


@pytest.fixture(scope="module")
def wechat_api() -> Iterator[FakeWeChat]:
    with FakeWeChat().running() as running:
        yield running


@pytest.fixture(scope="module")
def everything(model: Path, redis_url: str, telegram_api: FakeTelegram, wechat_api: FakeWeChat,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("notifications")
    rasa_port = free_port()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in wechat.wechat_env(wechat_api).items():
            patch.setenv(name, value)
        patch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
        patch.setenv("TELEGRAM_SECRET_TOKEN", telegram.SECRET)
        patch.setenv("TELEGRAM_API_BASE_URL", telegram_api.url)
        patch.setenv("TELEGRAM_PUBLIC_URL", f"http://127.0.0.1:{rasa_port}")
        patch.delenv("TELEGRAM_WEBHOOK_URL", raising=False)
        with running_stack(model, log_dir=folder / "log", redis_url=redis_url, rasa_port=rasa_port,
                           database_url=f"sqlite:///{folder / 'hotline.db'}") as running:
            yield running


def resolve(stack: Stack, ticket_id: str) -> None:
    request = urllib.request.Request(
        f"{stack.backend_url}/api/tickets/{ticket_id}/updates", method="POST",
        data=json.dumps({"status": "resolved", "note": NOTE, "note_language": "zh"}).encode(),
        headers={"Authorization": "Bearer dev-operator-token", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30):
        pass


def ticket(stack: Stack, ticket_id: str) -> Any:
    return telegram.backend(stack, f"/api/tickets/{ticket_id}")


def test_telegram_resident_hears_in_english_and_not_resolved_reopens(everything: Stack,
                                                                    telegram_api: FakeTelegram) -> None:
    resident, ticket_id = file_on_telegram(everything, telegram_api)
    before = len(resident.messages())
    resolve(everything, ticket_id)
    told = resident.wait_answer(before, quiet=2.0)
    assert ticket_id in telegram.text_of(told) and NOTE in telegram.text_of(told), telegram.text_of(told)
    assert "Was your problem resolved?" in telegram.text_of(told)
    rating = resident.press(told, lambda p: p == "/deny")  # not resolved
    assert rating and "1 = very dissatisfied" in telegram.text_of(rating)
    comment = resident.press(rating, lambda p: '"2"' in p)
    assert comment and "Anything else" in telegram.text_of(comment)
    reopened = resident.say("Still dark at night")
    assert "reopened" in telegram.text_of(reopened), telegram.text_of(reopened)
    detail = ticket(everything, ticket_id)
    assert detail["detailed_status"] == "reopened"
    assert [(s["resolved"], s["rating"]) for s in detail["satisfaction"]] == [(False, 2)]


def test_wechat_resident_hears_in_chinese_and_rates_by_number(everything: Stack, wechat_api: FakeWeChat) -> None:
    resident = wechat.Resident(everything, wechat_api)
    resident.say("我要投诉：小区门口的路灯坏了一个星期，晚上很黑")
    resident.send(MsgType="location", Location_X="39.9338", Location_Y="116.4551", Scale="16",
                  Label="北京市朝阳区三里屯路19号", MsgId=uuid.uuid4().int % 10**18)
    resident.say(resident.number_of(lambda p: p.startswith("/choose_category")) or "1")
    if number := resident.number_of(lambda p: "/inform_attribute" in p):
        resident.say(number)
    if deny := resident.number_of(lambda p: p == "/deny"):
        resident.say(deny)
    filed = resident.say(resident.number_of(lambda p: p.startswith("/affirm")) or "1")
    found = TICKET.search(filed)
    assert found, filed
    before = len(wechat_api.texts_to(resident.openid))
    resolve(everything, found.group())
    wechat_api.wait_for(CUSTOM, resident.openid, count=before + 1, timeout=60)
    time.sleep(1.5)
    told = "\n".join(wechat_api.texts_to(resident.openid)[before:])
    assert found.group() in told and NOTE in told and "解决了吗" in told, told
    assert re.search(r"^1\. ", told, re.MULTILINE)  # the answers as numbered options
    resident.say(resident.number_of(lambda p: p == "/affirm") or "1")  # resolved
    resident.say("5")  # a typed number answers the numbered ratings
    thanks = resident.say(resident.number_of(lambda p: p == "/deny") or "跳过")  # no comment
    assert "感谢" in thanks, thanks
    detail = ticket(everything, found.group())
    assert detail["detailed_status"] == "closed" and [s["rating"] for s in detail["satisfaction"]] == [5]


class WebChatResident:
    """A web chat page as a socket.io client: one session, every bot message collected."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.session: str | None = None  # the signed session the server issues (channels/webchat/sessions.py)
        self.answers: list[dict[str, Any]] = []
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("bot_uttered", self.answers.append)

    async def __aenter__(self) -> "WebChatResident":
        confirmed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.client.on("session_confirm", lambda data: confirmed.done() or confirmed.set_result(data))
        await self.client.connect(self.stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {"session_id": None})
        self.session = str(await asyncio.wait_for(confirmed, 30))
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.eio.disconnect(abort=True)

    async def wait(self, before: int, quiet: float = 1.5, timeout: float = 60.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.answers) == before and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        seen = -1
        while seen != len(self.answers):
            seen = len(self.answers)
            await asyncio.sleep(quiet)
        return self.answers[before:]

    async def say(self, text: str) -> list[dict[str, Any]]:
        before = len(self.answers)
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session})
        return await self.wait(before)


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [str(r.get("payload")) for m in messages for r in (m.get("quick_replies") or [])]


def test_web_chat_resident_hears_in_japanese(everything: Stack) -> None:
    async def scenario() -> tuple[str, str]:
        async with WebChatResident(everything) as page:
            await page.say('/switch_language{"language": "ja"}')
            await page.say("/report_problem")  # the greeting's "report a problem" button
            await page.say("家の前の街灯が一週間も消えたままで、夜はとても暗くて危ないです")
            step = await page.say("北京市朝陽区三里屯路19号")
            choices = [p for p in payloads(step) if p.startswith("/choose_category")]
            assert choices, step
            step = await page.say(choices[0])
            while "/deny" not in payloads(step) and any(p.startswith("/inform_attribute") for p in payloads(step)):
                step = await page.say(payloads(step)[0])
            step = await page.say("/deny")  # no phone call
            found = TICKET.search(texts(await page.say("/affirm")))
            assert found, texts(step)
            before = len(page.answers)
            resolve(everything, found.group())
            told = texts(await page.wait(before, quiet=2.0))
            await page.say("/affirm")
            await page.say('/inform_rating{"survey_rating": "4"}')
            thanks = texts(await page.say("/deny"))
            return found.group(), told + "\n" + thanks

    ticket_id, said = asyncio.run(scenario())
    assert ticket_id in said and NOTE in said and "解決しましたか" in said and "ありがとうございます" in said, said
    detail = ticket(everything, ticket_id)
    assert detail["detailed_status"] == "closed" and [s["rating"] for s in detail["satisfaction"]] == [4]


def file_on_telegram(stack: Stack, api: FakeTelegram) -> tuple[telegram.Resident, str]:
    resident = telegram.Resident(stack, api, language_code="en")
    resident.say("The street light outside my building has been broken for a week")
    step = resident.send(venue_update(resident.new_update_id(), resident.chat, 39.9338, 116.4551,
                                      "Sanlitun 19", "19 Sanlitun Road, Chaoyang District"))
    step = resident.press(step, lambda p: p.startswith("/choose_category")) or step
    step = resident.press(step, lambda p: p.startswith("/inform_attribute")) or step
    step = resident.press(step, lambda p: p == "/deny") or step
    found = TICKET.search(telegram.text_of(resident.press(step, lambda p: p.startswith("/affirm")) or []))
    assert found, telegram.text_of(step)
    return resident, found.group()


def notices(resident: telegram.Resident, ticket_id: str) -> int:
    return sum(ticket_id in str(m.params.get("text")) and "resolved" in str(m.params.get("text"))
               for m in resident.messages())


def wait_for_notices(resident: telegram.Resident, ticket_id: str, timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    while notices(resident, ticket_id) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3.0)  # anything doubled would arrive by now (1 message/s per chat)
    return notices(resident, ticket_id)


@pytest.mark.parametrize("victim", ["rasa", "backend"])
def test_kill_9_of_rasa_or_the_backend_loses_no_notice_and_doubles_none(everything: Stack,
                                                                         telegram_api: FakeTelegram,
                                                                         victim: str) -> None:
    resident, ticket_id = file_on_telegram(everything, telegram_api)
    if victim == "rasa":
        everything.kill("rasa")  # the notifier finds nobody to speak through: it must wait and retry
        resolve(everything, ticket_id)
        time.sleep(3.0)
        everything.restart("rasa")
    else:
        resolve(everything, ticket_id)
        everything.kill("backend")  # right after the commit: the event is in the outbox, maybe not yet relayed
        everything.restart("backend")
    assert wait_for_notices(resident, ticket_id) == 1
