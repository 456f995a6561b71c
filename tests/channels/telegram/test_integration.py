"""Telegram against the real stack: `rasa run` with the Telegram channel, action server, backend,
Redis, and the fake Bot API server in this process (TELEGRAM_API_BASE_URL).

The stack runs without TELEGRAM_WEBHOOK_URL, as `make run` does in development, so the channel
long-polls the fake server; the webhook route is served all the same, and most tests post updates
to it as Telegram would (with the secret). A resident files a whole appeal with a shared venue
and a photo; the ticket has the coordinates and a media link that serves the photo and carries
no bot token. The same update posted twice gives one turn and one reply; a wrong secret never
reaches Rasa; long polling feeds the same handler; the notifier's push reaches the resident.
"""

import concurrent.futures
import json
import re
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.doubles.fake_telegram import (
    ANSWER,
    BOT_TOKEN,
    SEND,
    Call,
    FakeTelegram,
    callback_update,
    photo_update,
    text_update,
    venue_update,
    voice_update,
)
from tools.ports import free_port
from tools.stack import Stack, running_stack

pytestmark = pytest.mark.integration
SECRET = "integration-telegram-secret"
TICKET = re.compile(r"\b\d{15}\b")
PHOTO = b"\xff\xd8\xff\xe0JFIF a photo of the broken street light"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram().running() as running:
        yield running


@pytest.fixture(scope="module")
def stack(model: Path, redis_url: str, fake: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("telegram")
    rasa_port = free_port()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
        patch.setenv("TELEGRAM_SECRET_TOKEN", SECRET)
        patch.setenv("TELEGRAM_API_BASE_URL", fake.url)
        patch.setenv("TELEGRAM_PUBLIC_URL", f"http://127.0.0.1:{rasa_port}")
        patch.delenv("TELEGRAM_WEBHOOK_URL", raising=False)
        for name in ("WECHAT_TOKEN", "WECHAT_APP_ID"):
            patch.delenv(name, raising=False)
        with running_stack(model, log_dir=folder / "log", redis_url=redis_url, rasa_port=rasa_port,
                           database_url=f"sqlite:///{folder / 'hotline.db'}") as running:
            yield running


class Resident:
    """One Telegram user: posts updates to the webhook, reads what the fake Bot API received for them."""

    def __init__(self, stack: Stack, fake: FakeTelegram, language_code: str = "zh-hans") -> None:
        self.stack, self.fake, self.language_code = stack, fake, language_code
        self.chat = uuid.uuid4().int % 10**9 + 1
        self.redis = redis.Redis.from_url(stack.redis_url or "", decode_responses=True)

    @staticmethod
    def new_update_id() -> int:
        return uuid.uuid4().int % 10**9

    def post(self, update: dict[str, Any], secret: str = SECRET) -> httpx.Response:
        return httpx.post(f"{self.stack.rasa_url}/webhooks/telegram/webhook", json=update, timeout=30,
                          headers={"X-Telegram-Bot-Api-Secret-Token": secret})

    def messages(self) -> list[Call]:
        return [c for c in self.fake.calls_to(SEND, self.chat) if c.status == 200]

    def wait_answer(self, before: int, quiet: float = 1.6, timeout: float = 60.0) -> list[Call]:
        """The messages after the first ``before``, once none came for ``quiet`` seconds (1/s per chat)."""
        self.fake.wait_for(SEND, self.chat, count=before + 1, timeout=timeout)
        seen, last_change = len(self.messages()), time.monotonic()
        while time.monotonic() - last_change < quiet:
            time.sleep(0.1)
            if len(self.messages()) != seen:
                seen, last_change = len(self.messages()), time.monotonic()
        return self.messages()[before:]

    def send(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.messages())
        assert self.post(update).status_code == 200
        return self.wait_answer(before)

    def say(self, text: str) -> list[Call]:
        return self.send(text_update(self.new_update_id(), self.chat, text, language_code=self.language_code))

    def payloads(self, message: Call) -> list[tuple[str, str]]:
        """(callback_data, payload) of a message's buttons, the payloads read from the connector's Redis."""
        buttons = [b for row in (message.params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        found = []
        for button in buttons:
            keyboard, _, index = button["callback_data"].partition(":")
            payload = self.redis.hget(f"telegram:{BOT_TOKEN.split(':')[0]}:keyboard:{keyboard}", index)
            found.append((button["callback_data"], str(payload)))
        return found

    def press(self, answer: list[Call], wanted: Callable[[str], bool]) -> list[Call] | None:
        """Press the first button of the answer whose payload matches; None if there is none."""
        for message in reversed(answer):
            for data, payload in self.payloads(message):
                if wanted(payload):
                    return self.send(callback_update(self.new_update_id(), self.chat, data,
                                                     language_code=self.language_code))
        return None

    def user_turns(self) -> list[dict[str, Any]]:
        url = urllib.request.Request(f"{self.stack.rasa_url}/conversations/{self.chat}/tracker",
                                     headers=self.stack.rasa_headers())
        with urllib.request.urlopen(url, timeout=30) as response:
            return [e for e in json.load(response)["events"] if e.get("event") == "user"]


def text_of(answer: list[Call]) -> str:
    return "\n".join(str(c.params.get("text")) for c in answer)


def backend(stack: Stack, path: str) -> Any:
    request = urllib.request.Request(f"{stack.backend_url}{path}",
                                     headers={"Authorization": "Bearer dev-operator-token"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_a_whole_appeal_with_a_shared_location_and_a_photo_ends_in_a_ticket(stack: Stack, fake: FakeTelegram) -> None:
    resident = Resident(stack, fake)
    fake.add_file("AgACAgUAAxkBAAIC-streetlight", PHOTO, path="photos/file_42.jpg")
    assert resident.say("我要投诉：小区门口的路灯坏了一个星期，晚上很黑")
    attached = resident.send(photo_update(resident.new_update_id(), resident.chat, "AgACAgUAAxkBAAIC-streetlight"))
    assert attached
    categories = resident.send(venue_update(resident.new_update_id(), resident.chat, 39.9338, 116.4551,
                                            "三里屯路19号院", "北京市朝阳区三里屯路19号"))
    step = resident.press(categories, lambda p: p.startswith("/choose_category")) or categories
    step = resident.press(step, lambda p: p.startswith("/inform_attribute")) or step
    if any(p.startswith("/affirm") for m in step for _, p in resident.payloads(m)):
        step = resident.press(step, lambda p: p == "/deny") or step  # no phone number
    assert "三里屯" in text_of(step), text_of(step)
    filed = resident.press(step, lambda p: p.startswith("/affirm"))
    assert filed, text_of(step)
    ticket = TICKET.search(text_of(filed))
    assert ticket, text_of(filed)
    assert [a.params.get("text") for a in fake.calls_to(ANSWER) if
            str(a.params.get("callback_query_id")).startswith("cq-")].count(None) >= 2  # every press answered

    detail = backend(stack, f"/api/tickets/{ticket.group()}")
    assert detail["contact"]["channel"] == "telegram" and detail["contact"]["channel_user_id"] == str(resident.chat)
    assert abs(float(detail["lat"]) - 39.9338) < 1e-4 and abs(float(detail["long"]) - 116.4551) < 1e-4
    media_url = detail["media_url"]
    assert media_url.startswith(f"{stack.rasa_url}/webhooks/telegram/media/"), media_url
    assert BOT_TOKEN not in media_url and BOT_TOKEN.split(":")[1] not in media_url and "api.telegram" not in media_url
    got = httpx.get(media_url, timeout=30)
    assert got.status_code == 200 and got.content == PHOTO


def test_the_same_update_sent_twice_gets_one_reply(stack: Stack, fake: FakeTelegram) -> None:
    resident = Resident(stack, fake, language_code="en")
    update = text_update(resident.new_update_id(), resident.chat, "How do I extend my visa?", language_code="en")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: resident.post(update), range(2)))
    assert [a.status_code for a in answers] == [200, 200]
    replies = resident.wait_answer(0, quiet=3.0)
    assert len(resident.post(update).text) and len(replies) >= 1
    time.sleep(2.0)
    assert resident.messages() == replies  # nothing more came, neither for the retry after the turn
    turns = resident.user_turns()
    assert [t["message_id"] for t in turns] == [f"tg-{update['update_id']}"]


def test_a_wrong_or_missing_secret_never_reaches_rasa(stack: Stack, fake: FakeTelegram) -> None:
    resident = Resident(stack, fake)
    update = text_update(resident.new_update_id(), resident.chat, "你好")
    assert resident.post(update, secret="not-the-secret").status_code == 403
    assert httpx.post(f"{stack.rasa_url}/webhooks/telegram/webhook", json=update, timeout=30).status_code == 403
    time.sleep(1.0)
    assert resident.user_turns() == [] and resident.messages() == []


def test_voice_gets_a_polite_request_to_type_in_the_residents_language(stack: Stack, fake: FakeTelegram) -> None:
    resident = Resident(stack, fake, language_code="en")
    resident.say("Hello")
    answer = resident.send(voice_update(resident.new_update_id(), resident.chat, language_code="en"))
    assert "type" in text_of(answer).lower(), text_of(answer)
    assert [t["parse_data"]["intent"]["name"] for t in resident.user_turns()][-1] == "unsupported_message"


def test_long_polling_feeds_the_same_handler(stack: Stack, fake: FakeTelegram) -> None:
    resident = Resident(stack, fake, language_code="en")
    fake.push(text_update(resident.new_update_id(), resident.chat, "/start", language_code="en"))
    greeting = resident.wait_answer(0, timeout=60)
    assert "Hello" in text_of(greeting) or "hotline" in text_of(greeting).lower(), text_of(greeting)
    assert [t["parse_data"]["intent"]["name"] for t in resident.user_turns()] == ["switch_language", "greet"]
    assert fake.calls_to("getUpdates") and fake.webhook is None


def test_a_proactive_message_reaches_the_resident(stack: Stack, fake: FakeTelegram) -> None:
    resident = Resident(stack, fake)
    resident.say("你好")
    before = len(resident.messages())
    httpx.post(f"{stack.rasa_url}/conversations/{resident.chat}/trigger_intent",
               params={"output_channel": "telegram"}, headers=stack.rasa_headers(), timeout=60,
               json={"name": "EXTERNAL_appeal_filed",
                     "entities": {"ticket_id": "202611220000123", "reference": "Q-0A1B2C3D"}}).raise_for_status()
    assert "202611220000123" in text_of(resident.wait_answer(before))


def test_the_bot_follows_a_resident_who_switches_language_mid_conversation(stack: Stack, fake: FakeTelegram) -> None:
    kana, han = re.compile(r"[\u3040-\u30ff]"), re.compile(r"[\u4e00-\u9fff]")
    resident = Resident(stack, fake, language_code="zh-hans")
    chinese = text_of(resident.say("签证快到期了，怎么延期？"))
    assert "出入境" in chinese and not kana.search(chinese), chinese
    assert "Exit-Entry" in text_of(resident.say("How do I extend my visa before it expires?"))
    japanese = text_of(resident.say("ビザの延長はどうすればいいですか"))
    assert kana.search(japanese) and "出入境" in japanese, japanese
    back = text_of(resident.say("说中文吧"))
    assert han.search(back) and not kana.search(back), back
