"""The WeChat webhook over real HTTP with a stub bot instead of Rasa: real Sanic, real Redis, fake WeChat API.

The stub bot answers at once, after a delay (``slow``), with buttons, or with a long text, and
records every turn, so the deadline race, dedupe and rendering are checked without a model.
The same behaviour against the real Rasa stack: test_wechat_integration.py.
"""

import asyncio
import concurrent.futures
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import xmltodict
from rasa.core.channels.channel import OutputChannel
from sanic import Sanic
from wechatpy.crypto import WeChatCrypto

from channels.wechat.connector import WeChatInput
from channels.wechat.settings import WeChatSettings
from channels.wechat.store import RedisStore
from tests.doubles.fake_wechat import CUSTOM, FakeWeChat, message_xml, webhook_call
from tests.doubles.sanic_thread import serving
from tests.doubles.stub_bot import RecordingBot
from tools.ports import free_port

pytestmark = pytest.mark.integration  # a real Sanic server and redis-server
TOKEN, AES_KEY = "hotline-wechat-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DEADLINE = 1.0
LONG = "您的诉求已经转交朝阳区三里屯街道办事处处理。" * 40  # 2,640 bytes


class StubBot(RecordingBot):
    async def answer(self, text: str, out: OutputChannel, sender: str) -> None:
        if text.startswith("slow"):
            await asyncio.sleep(DEADLINE + 0.5)
        if text == "buttons":
            await out.send_text_with_buttons(sender, "处理好了吗？", [{"title": "是", "payload": "/affirm"},
                                                                   {"title": "否", "payload": "/deny"}])
        elif text == "long":
            await out.send_text_message(sender, LONG)
        else:
            await super().answer(text, out, sender)
            await out.send_text_message(sender, "还有别的吗？")


@dataclass
class Webhook:
    url: str
    app_id: str
    bot: StubBot
    fake: FakeWeChat

    def post(self, xml: str, **changes: str) -> httpx.Response:
        query, body = webhook_call(xml, token=TOKEN, app_id=self.app_id, aes_key=AES_KEY)
        return httpx.post(f"{self.url}/webhooks/wechat/webhook", params={**query, **changes}, content=body,
                          timeout=10)

    def reply_text(self, answer: httpx.Response) -> str:
        """The passive reply's text (decrypted), or "" for ``success``."""
        assert answer.status_code == 200, answer.text
        if answer.text == "success":
            return ""
        outer = xmltodict.parse(answer.text)["xml"]
        plain = WeChatCrypto(TOKEN, AES_KEY, self.app_id).decrypt_message(
            answer.text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
        reply = xmltodict.parse(plain)["xml"]
        assert reply["MsgType"] == "text" and reply["FromUserName"] == "gh_10f6c3c3ac5a"
        return str(reply["Content"])


def text_xml(sender: str, content: str, msg_id: int | None = None) -> str:
    return message_xml(FromUserName=sender, MsgType="text", Content=content,
                       MsgId=msg_id if msg_id is not None else uuid.uuid4().int % 10**18)


def webhook_app(redis_url: str, fake: FakeWeChat, bot: StubBot, **settings: Any) -> tuple[Sanic, str]:
    """A Sanic app with the WeChat blueprint where Rasa would mount it, for a fresh official account."""
    app_id = f"wx{uuid.uuid4().hex[:16]}"
    config = WeChatSettings(token=TOKEN, app_id=app_id, app_secret="app-secret", aes_key=AES_KEY,
                            api_base_url=fake.url, redis_url=redis_url, reply_deadline_seconds=DEADLINE,
                            template_resolved="tmpl-resolved", **settings)
    app = Sanic(f"wechat_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.blueprint(WeChatInput(config).blueprint(bot), url_prefix="/webhooks/wechat")
    return app, app_id


@pytest.fixture
def webhook(redis_url: str, fake_wechat: FakeWeChat) -> Iterator[Webhook]:
    bot = StubBot()
    app, app_id = webhook_app(redis_url, fake_wechat, bot)
    with serving(app) as url:
        yield Webhook(url, app_id, bot, fake_wechat)


def test_url_verification(webhook: Webhook) -> None:
    query, _ = webhook_call("", token=TOKEN, app_id=webhook.app_id, aes_key=None)
    answer = httpx.get(f"{webhook.url}/webhooks/wechat/webhook", params={**query, "echostr": "shr5ch"})
    assert (answer.status_code, answer.text) == (200, "shr5ch")
    bad = httpx.get(f"{webhook.url}/webhooks/wechat/webhook", params={**query, "echostr": "x", "signature": "0" * 40})
    assert bad.status_code == 403 and "x" not in bad.text


def test_a_quick_turn_is_answered_passively_and_encrypted(webhook: Webhook) -> None:
    answer = webhook.post(text_xml("o-quick", "路灯坏了"))
    assert "<Encrypt>" in answer.text and "路灯" not in answer.text
    assert webhook.reply_text(answer) == "收到：路灯坏了\n\n还有别的吗？"  # the turn's messages in one
    assert webhook.bot.texts_of("o-quick") == ["路灯坏了"]
    turn = webhook.bot.turns[0]
    assert turn.input_channel == "wechat" and turn.metadata == {"wechat": {"msg_id": turn.message_id,
                                                                           "msg_type": "text"}}
    assert webhook.fake.calls_to(CUSTOM) == []


def test_four_deliveries_of_one_message_make_one_turn_and_one_reply(webhook: Webhook) -> None:
    xml = text_xml("o-retry", "我要投诉", msg_id=6054768590064713728)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:  # the original and three retries, overlapping
        answers = list(pool.map(lambda _: webhook.post(xml), range(4)))
    replies = {webhook.reply_text(a) for a in answers}
    assert replies == {"收到：我要投诉\n\n还有别的吗？"}  # retries get the same passive reply, never a new turn
    for _ in range(4):  # and four more, one after another
        assert webhook.reply_text(webhook.post(xml)) == "收到：我要投诉\n\n还有别的吗？"
    assert webhook.bot.texts_of("o-retry") == ["我要投诉"]
    assert webhook.fake.calls_to(CUSTOM) == []


def test_a_slow_turn_answers_success_in_time_then_through_the_api(webhook: Webhook) -> None:
    xml = text_xml("o-slow", "slow please")
    started = time.monotonic()
    answer = webhook.post(xml)
    assert answer.text == "success" and time.monotonic() - started < DEADLINE + 0.3
    retry = webhook.post(xml)  # WeChat retrying while the turn still runs
    assert retry.text == "success"
    sent = webhook.fake.wait_for(CUSTOM, "o-slow", count=1, timeout=10)
    assert [c.body["text"]["content"] for c in sent] == ["收到：slow please\n\n还有别的吗？"]
    assert webhook.post(xml).text == "success"  # a retry after the API answer: nothing new
    time.sleep(0.3)
    assert len(webhook.fake.calls_to(CUSTOM, "o-slow")) == 1
    assert webhook.bot.texts_of("o-slow") == ["slow please"]


def test_numbers_answer_the_last_buttons(webhook: Webhook) -> None:
    assert webhook.reply_text(webhook.post(text_xml("o-buttons", "buttons"))) == "处理好了吗？\n1. 是\n2. 否"
    webhook.post(text_xml("o-buttons", "２"))
    webhook.post(text_xml("o-other", "2"))  # someone else's number means nothing
    assert webhook.bot.texts_of("o-buttons") == ["buttons", "/deny"]
    assert webhook.bot.texts_of("o-other") == ["2"]


def test_a_long_answer_is_split_first_piece_passive_rest_through_the_api(webhook: Webhook) -> None:
    first = webhook.reply_text(webhook.post(text_xml("o-long", "long")))
    rest = [c.body["text"]["content"] for c in webhook.fake.wait_for(CUSTOM, "o-long")]
    assert len(first.encode()) <= 2048 and len(rest) == 1
    assert first + rest[0] == LONG


def test_events_without_a_question_are_acknowledged_without_a_turn(webhook: Webhook) -> None:
    answer = webhook.post(message_xml(FromUserName="o-gone", MsgType="event", Event="unsubscribe"))
    assert answer.text == "success" and webhook.bot.turns == []


def test_subscribe_greets(webhook: Webhook) -> None:
    webhook.post(message_xml(FromUserName="o-new", MsgType="event", Event="subscribe"))
    assert webhook.bot.texts_of("o-new") == ["/greet"]


def test_the_reply_window_follows_what_the_resident_did(webhook: Webhook, redis_url: str) -> None:
    """A message allows five customer-service messages (48 hours), a menu click three (a minute)."""
    webhook.post(text_xml("o-wrote", "路灯坏了"))
    webhook.post(message_xml(FromUserName="o-clicked", MsgType="event", Event="CLICK", EventKey="check_status"))
    store = RedisStore(redis_url, app_id=webhook.app_id)

    async def takes(openid: str) -> list[bool]:
        return [await store.take_window_message(openid) for _ in range(6)]
    assert asyncio.run(takes("o-wrote")) == [True] * 5 + [False]  # the passive reply took none
    assert asyncio.run(takes("o-clicked")) == [True] * 3 + [False] * 3


@pytest.mark.parametrize("xml, changes, status", [
    ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><FromUserName>&e;</FromUserName></xml>', {}, 400),
    (text_xml("o-bad", "x" * 40_000), {}, 413),
    (text_xml("o-bad", "hi"), {"msg_signature": "0" * 40}, 403),
    (text_xml("o-bad", "hi"), {"signature": "0" * 40}, 403),
    (text_xml("o-bad", "hi"), {"timestamp": "1409735669"}, 403),
])
def test_refused_calls_never_reach_the_bot(webhook: Webhook, xml: str, changes: dict[str, str], status: int) -> None:
    answer = webhook.post(xml, **changes)
    assert answer.status_code == status
    assert webhook.bot.turns == []


def test_a_streamed_body_is_cut_off_at_the_limit(webhook: Webhook) -> None:
    query, _ = webhook_call("", token=TOKEN, app_id=webhook.app_id, aes_key=AES_KEY)

    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to refuse it by
        yield b"<xml><Encrypt><![CDATA["
        for _ in range(64):
            yield b"A" * 1024

    answer = httpx.post(f"{webhook.url}/webhooks/wechat/webhook", params=query, content=chunks(), timeout=10)
    assert answer.status_code == 413 and webhook.bot.turns == []


def test_redis_down_answers_503_and_runs_no_turn(fake_wechat: FakeWeChat) -> None:
    bot = StubBot()
    app, app_id = webhook_app(f"redis://127.0.0.1:{free_port()}/0", fake_wechat, bot)
    with serving(app) as url:
        hook = Webhook(url, app_id, bot, fake_wechat)
        answer = hook.post(text_xml("o-outage", "你好"))
    assert answer.status_code == 503 and bot.turns == []


def test_redis_store_is_used_by_the_connector(redis_url: str, fake_wechat: FakeWeChat) -> None:
    bot = StubBot()
    app, app_id = webhook_app(redis_url, fake_wechat, bot)
    with serving(app) as url:
        Webhook(url, app_id, bot, fake_wechat).post(text_xml("o-redis", "你好", msg_id=42))

    async def state() -> str | None:
        return await RedisStore(redis_url, app_id=app_id).state("42")
    assert asyncio.run(state()) == "done"
