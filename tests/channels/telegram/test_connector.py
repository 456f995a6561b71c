"""The Telegram webhook over real HTTP with a stub bot instead of Rasa: real Sanic, real Redis, fake Bot API.

The stub bot answers at once, with buttons, or with a long text, and records every turn, so the
secret check, dedupe, the queue, buttons, media links and pacing are checked without a model.
The same channel against the real Rasa stack: test_telegram_integration.py.
"""

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import OutputChannel
from sanic import Sanic

from channels.telegram.connector import SECRET_HEADER, TelegramInput
from channels.telegram.handler import UpdateHandler
from channels.telegram.output import Delivery
from channels.telegram.sender import RateLimiter, Sender
from channels.telegram.settings import TelegramSettings
from channels.telegram.store import Entry, MemoryStore
from tests.doubles.fake_telegram import (
    ANSWER,
    BOT_TOKEN,
    SEND,
    FakeTelegram,
    callback_update,
    photo_update,
    retry_after,
    text_update,
    voice_update,
)
from tests.doubles.sanic_thread import serving
from tests.doubles.stub_bot import RecordingBot
from tools.ports import free_port

pytestmark = pytest.mark.integration  # a real Sanic server and redis-server
SECRET = "hotline-telegram-secret"
LONG_PAYLOAD = '/choose_category{"appeal_category": "road_excavation_unrestored"}'
LONG = "您的诉求已经转交朝阳区三里屯街道办事处处理。" * 300  # 6,600 characters


class StubBot(RecordingBot):
    async def answer(self, text: str, out: OutputChannel, sender: str) -> None:
        if text == "buttons":
            await out.send_text_with_buttons(sender, "请选择类别：",
                                             [{"title": "道路挖掘后未恢复", "payload": LONG_PAYLOAD},
                                              {"title": "其他", "payload": "/deny"}])
        elif text == "long":
            await out.send_text_message(sender, LONG)
        else:
            await super().answer(text, out, sender)


@dataclass
class Webhook:
    url: str
    bot: StubBot
    fake: FakeTelegram
    channel: TelegramInput

    def post(self, update: dict[str, Any] | bytes, secret: str | None = SECRET, **kwargs: Any) -> httpx.Response:
        headers = {b"Content-Type": b"application/json"}
        if secret is not None:
            headers[SECRET_HEADER.encode()] = secret.encode()  # bytes: a non-ASCII secret must arrive too
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        return httpx.post(f"{self.url}/webhooks/telegram/webhook", content=body, timeout=10, headers=headers,
                          **kwargs)

    def replies(self, chat: int, count: int = 1) -> list[str]:
        self.fake.wait_for(SEND, chat, count=count, timeout=15)
        return self.fake.texts_to(chat)


def settings_for(fake: FakeTelegram, redis_url: str | None, *, webhook: bool = True) -> TelegramSettings:
    return TelegramSettings(bot_token=BOT_TOKEN, secret_token=SECRET, api_base_url=fake.url,
                            webhook_url="https://bot.example/webhooks/telegram/webhook" if webhook else None,
                            public_url="https://bot.example", redis_url=redis_url, poll_timeout_seconds=1)


def channel_app(settings: TelegramSettings, bot: StubBot) -> tuple[Sanic, TelegramInput]:
    channel = TelegramInput(settings)
    app = Sanic(f"telegram_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/telegram")
    return app, channel


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram().running() as running:
        yield running


@pytest.fixture
def webhook(redis_url: str, fake: FakeTelegram) -> Iterator[Webhook]:
    bot = StubBot()
    app, channel = channel_app(settings_for(fake, redis_url), bot)
    with serving(app, lifecycle=True) as url:
        yield Webhook(url, bot, fake, channel)


def chat_id() -> int:
    return uuid.uuid4().int % 10**9 + 1


def update_id() -> int:
    return uuid.uuid4().int % 10**9


def test_start_sets_the_webhook_with_the_secret(webhook: Webhook) -> None:
    assert webhook.fake.webhook is not None
    assert webhook.fake.webhook["url"] == "https://bot.example/webhooks/telegram/webhook"
    assert webhook.fake.webhook["secret_token"] == SECRET
    assert webhook.fake.calls_to("getMe") and not webhook.fake.calls_to("getUpdates")


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", "秘密"])
def test_a_wrong_or_missing_secret_gets_403_and_never_reaches_the_bot(webhook: Webhook, secret: str | None) -> None:
    chat = chat_id()
    answer = webhook.post(text_update(update_id(), chat, "hello"), secret=secret)
    assert answer.status_code == 403
    assert webhook.post(text_update(update_id(), chat, "now with the secret")).status_code == 200
    assert webhook.replies(chat) == ["收到：now with the secret"]
    assert webhook.bot.texts_of(chat) == ["now with the secret"]


def test_the_same_update_sent_twice_gets_one_reply(webhook: Webhook) -> None:
    chat, number = chat_id(), update_id()
    update = text_update(number, chat, "路灯坏了")
    answers = [webhook.post(update) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert webhook.replies(chat) == ["收到：路灯坏了"]
    webhook.post(update)  # and again, after the turn
    webhook.post(text_update(update_id(), chat, "next"))
    assert webhook.replies(chat, count=2) == ["收到：路灯坏了", "收到：next"]
    assert webhook.bot.texts_of(chat) == ["路灯坏了", "next"]
    assert webhook.bot.turns[-2].message_id == f"tg-{number}" and webhook.bot.turns[-2].input_channel == "telegram"


def test_turns_of_one_chat_run_in_order(webhook: Webhook) -> None:
    chat = chat_id()
    for n in range(5):
        assert webhook.post(text_update(update_id(), chat, f"第{n}条")).status_code == 200
    webhook.replies(chat, count=5)
    assert webhook.bot.texts_of(chat) == [f"第{n}条" for n in range(5)]


@pytest.mark.parametrize("body, status", [
    (b"not json", 400), (b'{"message": {}}', 400), (b'{"update_id": "12"}', 400), (b"[]", 400),
    (b'{"update_id": 1, "pad": "' + b"x" * 200_000 + b'"}', 413),
])
def test_refused_bodies(webhook: Webhook, body: bytes, status: int) -> None:
    assert webhook.post(body).status_code == status


def test_a_streamed_body_is_cut_off_at_the_limit(webhook: Webhook) -> None:
    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to refuse it by
        yield b'{"update_id": 5, "pad": "'
        for _ in range(200):
            yield b"A" * 1024
    answer = httpx.post(f"{webhook.url}/webhooks/telegram/webhook", content=chunks(), headers={SECRET_HEADER: SECRET},
                        timeout=10)
    assert answer.status_code == 413


def test_buttons_carry_short_keys_and_every_press_is_answered(webhook: Webhook) -> None:
    chat = chat_id()
    webhook.post(text_update(update_id(), chat, "buttons"))
    [shown] = webhook.fake.wait_for(SEND, chat)
    keyboard = shown.params["reply_markup"]["inline_keyboard"]
    datas = [button["callback_data"] for row in keyboard for button in row]
    assert [button["text"] for row in keyboard for button in row] == ["道路挖掘后未恢复", "其他"]
    assert all(len(d.encode()) <= 64 for d in datas) and LONG_PAYLOAD not in json.dumps(keyboard)
    assert "parse_mode" not in shown.params

    press = callback_update(update_id(), chat, datas[0], language_code="en")
    webhook.post(press)
    webhook.post(press)  # Telegram's retry of the same update: nothing more
    webhook.replies(chat, count=2)
    webhook.post(callback_update(update_id(), chat, datas[1], language_code="en"))  # the same keyboard again
    webhook.post(callback_update(update_id(), chat, "forged:0", language_code="ja"))
    answers = webhook.fake.wait_for(ANSWER, count=3)
    mine = [a.params for a in answers if str(a.params.get("callback_query_id", "")).startswith("cq-")][-3:]
    assert [a.get("text") for a in mine] == [None, "You already chose this.",
                                             "このボタンは期限切れです。回答を入力してください。"]
    assert webhook.bot.texts_of(chat) == ["buttons", LONG_PAYLOAD]


def test_lang_offers_the_three_languages(webhook: Webhook) -> None:
    chat = chat_id()
    webhook.post(text_update(update_id(), chat, "/lang", language_code="ja"))
    [menu] = webhook.fake.wait_for(SEND, chat)
    assert menu.params["text"].startswith("言語を選んでください")
    buttons = [b for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["中文", "English", "日本語"]
    webhook.post(callback_update(update_id(), chat, buttons[1]["callback_data"]))
    webhook.replies(chat, count=2)
    assert webhook.bot.texts_of(chat) == ['/switch_language{"language": "en"}']


def test_start_and_status_and_voice(webhook: Webhook) -> None:
    chat = chat_id()
    webhook.post(text_update(update_id(), chat, "/start", language_code="ja"))
    webhook.post(text_update(update_id(), chat, "/status"))
    webhook.post(voice_update(update_id(), chat))
    webhook.replies(chat, count=4)
    assert webhook.bot.texts_of(chat) == ['/switch_language{"language": "ja"}', "/greet", "/check_status",
                                          "/unsupported_message"]


def test_a_photo_link_serves_the_file_and_carries_no_token(webhook: Webhook) -> None:
    chat, photo = chat_id(), b"\xff\xd8\xff\xe0 a JPEG of a broken street light"
    webhook.fake.add_file("AgACAgUAAxkBAAIB-lamp", photo, path="photos/file_7.jpg")
    webhook.post(photo_update(update_id(), chat, "AgACAgUAAxkBAAIB-lamp", caption="门口路灯坏了"))
    webhook.replies(chat, count=2)
    share, caption = webhook.bot.texts_of(chat)
    assert caption == "门口路灯坏了"
    url = json.loads(share.removeprefix("/share_media"))["media_url"]
    assert url.startswith("https://bot.example/webhooks/telegram/media/") and BOT_TOKEN.split(":")[1] not in url
    token = url.rsplit("/", 1)[1]
    got = httpx.get(f"{webhook.url}/webhooks/telegram/media/{token}", timeout=10)
    assert (got.status_code, got.content, got.headers["content-type"]) == (200, photo, "image/jpeg")
    assert httpx.get(f"{webhook.url}/webhooks/telegram/media/{token[:-3]}AAA", timeout=10).status_code == 404


def test_a_long_answer_arrives_in_pieces_in_order(webhook: Webhook) -> None:
    chat = chat_id()
    webhook.post(text_update(update_id(), chat, "long"))
    pieces = webhook.replies(chat, count=2)
    assert len(pieces) == 2 and "".join(pieces) == LONG
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)


def test_a_429_from_telegram_delays_the_reply_but_does_not_lose_it(webhook: Webhook) -> None:
    chat = chat_id()
    webhook.fake.fail(SEND, retry_after(1))
    webhook.post(text_update(update_id(), chat, "挤一挤"))
    assert webhook.replies(chat) == ["收到：挤一挤"]
    first, second = webhook.fake.calls_to(SEND, chat)
    assert first.status == 429 and second.at - first.at >= 1.0


def test_redis_down_answers_503_so_telegram_retries(fake: FakeTelegram) -> None:
    bot = StubBot()
    app, _ = channel_app(settings_for(fake, f"redis://127.0.0.1:{free_port()}/0"), bot)
    with serving(app) as url:
        answer = Webhook(url, bot, fake, _).post(text_update(update_id(), 42, "你好"))
    assert answer.status_code == 503 and bot.turns == []


def test_long_polling_feeds_the_same_handler(redis_url: str, fake: FakeTelegram) -> None:
    bot = StubBot()
    app, channel = channel_app(settings_for(fake, redis_url, webhook=False), bot)
    chat, number = chat_id(), update_id()
    with serving(app, lifecycle=True):
        fake.push(text_update(number, chat, "polled"))
        fake.wait_for(SEND, chat, timeout=15)
        fake.push(text_update(number, chat, "polled"))  # Telegram sending it again
        fake.push(text_update(number + 1, chat, "second"))
        fake.wait_for(SEND, chat, count=2, timeout=15)
    assert fake.texts_to(chat) == ["收到：polled", "收到：second"]
    assert bot.texts_of(chat) == ["polled", "second"]
    assert fake.calls_to("deleteWebhook") and not fake.calls_to("setWebhook")


def test_a_reclaimed_update_whose_turn_rasa_recorded_is_not_run_again() -> None:
    bot = StubBot()
    store = MemoryStore()
    recorded = {("42", "tg-9")}

    async def turn_recorded(sender: str, message_id: str) -> bool:
        return (sender, message_id) in recorded

    async def scenario() -> None:
        delivery = Delivery(None, Sender(RateLimiter(), store), store)  # type: ignore[arg-type]  # nothing is sent
        handler = UpdateHandler(bot=None, store=store, delivery=delivery, on_new_message=bot,  # type: ignore[arg-type]
                                media_link=lambda _: None, turn_recorded=turn_recorded)
        bot_answers: list[Any] = []
        delivery.deliver_all = lambda chat, messages: asyncio.sleep(0, bot_answers.append(messages))  # type: ignore
        raw = json.dumps(text_update(9, 42, "crashed after the turn"))
        await handler.handle(Entry("1-0", raw, reclaimed=True))
        await handler.handle(Entry("2-0", json.dumps(text_update(10, 42, "crashed before it")), reclaimed=True))
        await handler.handle(Entry("3-0", raw, reclaimed=False))  # first delivery: the check is not needed
    asyncio.run(scenario())
    assert bot.texts_of(42) == ["crashed before it", "crashed after the turn"]
