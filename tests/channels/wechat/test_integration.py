"""WeChat against the real stack: `rasa run` with the WeChat channel (safe mode), action server,
backend, Redis, and the fake WeChat API server in this process.

A resident files a whole appeal from WeChat with a shared location and the confirmation sent
four times; other message types; proactive messages in and outside the 48-hour window; refused
calls that never reach Rasa. A second stack, whose backend accepts connections but never
answers (the actions wait for their 5-second timeout), shows a slow turn answered ``success``
in time and its reply sent through the customer-service API.
"""

import concurrent.futures
import json
import re
import socket
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import xmltodict
from wechatpy.crypto import WeChatCrypto

from tests.doubles.fake_wechat import CUSTOM, TEMPLATE, FakeWeChat, message_xml, webhook_call
from tools.ports import free_port
from tools.stack import Stack, running_stack

pytestmark = pytest.mark.integration
TOKEN, APP_ID, AES_KEY = "hotline-wechat-token", "wx5e1f2d3c4b5a6978", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TICKET = re.compile(r"\b\d{15}\b")
DEADLINE = 4.0


def wechat_env(fake: FakeWeChat) -> dict[str, str]:
    return {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": "integration-app-secret",
            "WECHAT_AES_KEY": AES_KEY, "WECHAT_API_BASE_URL": fake.url, "WECHAT_TEMPLATE_RESOLVED": "tmpl-resolved"}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat().running() as running:
        yield running


@pytest.fixture(scope="module")
def stack(model: Path, redis_url: str, fake: FakeWeChat, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("wechat")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in wechat_env(fake).items():
            patch.setenv(name, value)
        patch.delenv("WECHAT_REPLY_DEADLINE_SECONDS", raising=False)
        with running_stack(model, log_dir=folder / "log", redis_url=redis_url,
                           database_url=f"sqlite:///{folder / 'hotline.db'}") as running:
            yield running


class Resident:
    """One WeChat user talking to the stack: posts signed, encrypted calls; reads every answer."""

    def __init__(self, stack: Stack, fake: FakeWeChat, openid: str | None = None) -> None:
        self.stack, self.fake = stack, fake
        self.openid = openid or f"o-{uuid.uuid4().hex[:20]}"
        self.redis = redis.Redis.from_url(stack.redis_url or "", decode_responses=True)

    def post(self, xml: str, **changes: str) -> httpx.Response:
        query, body = webhook_call(xml, token=TOKEN, app_id=APP_ID, aes_key=AES_KEY)
        return httpx.post(f"{self.stack.rasa_url}/webhooks/wechat/webhook", params={**query, **changes},
                          content=body, timeout=30)

    @staticmethod
    def passive(answer: httpx.Response) -> str:
        assert answer.status_code == 200, answer.text
        if answer.text == "success":
            return ""
        outer = xmltodict.parse(answer.text)["xml"]
        plain = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(answer.text, outer["MsgSignature"],
                                                                      outer["TimeStamp"], outer["Nonce"])
        return str(xmltodict.parse(plain)["xml"]["Content"])

    def send(self, **fields: str | int) -> str:
        """Post one message; its answer, passive or (after ``success``) through the API."""
        before = len(self.fake.texts_to(self.openid))
        started = time.monotonic()
        answer = self.post(message_xml(FromUserName=self.openid, **fields))
        assert time.monotonic() - started < DEADLINE + 0.5, "WeChat's 5 seconds"
        reply = self.passive(answer)
        if reply:
            return reply
        self.fake.wait_for(CUSTOM, self.openid, count=before + 1, timeout=60)
        time.sleep(0.5)
        return "\n\n".join(self.fake.texts_to(self.openid)[before:])

    def say(self, text: str) -> str:
        return self.send(MsgType="text", Content=text, MsgId=uuid.uuid4().int % 10**18)

    def number_of(self, wanted: Callable[[str], bool]) -> str | None:
        """The option number whose remembered payload matches, as the resident would type it."""
        payloads = json.loads(self.redis.get(f"wechat:{APP_ID}:buttons:{self.openid}") or "[]")
        return next((str(n) for n, p in enumerate(payloads, start=1) if wanted(p)), None)

    def tracker_events(self) -> list[dict[str, Any]]:
        url = urllib.request.Request(f"{self.stack.rasa_url}/conversations/{self.openid}/tracker",
                                     headers=self.stack.rasa_headers())
        with urllib.request.urlopen(url, timeout=30) as response:
            events: list[dict[str, Any]] = json.load(response)["events"]
        return events

    def user_turns(self) -> list[dict[str, Any]]:
        return [e for e in self.tracker_events() if e.get("event") == "user"]


def backend(stack: Stack, path: str) -> Any:
    request = urllib.request.Request(f"{stack.backend_url}{path}",
                                     headers={"Authorization": "Bearer dev-operator-token"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_a_whole_appeal_from_wechat_with_a_shared_location_and_a_quadruple_confirmation(
        stack: Stack, fake: FakeWeChat) -> None:
    resident = Resident(stack, fake)
    asked = resident.say("我要投诉：小区门口的路灯坏了一个星期，晚上很黑")
    assert asked
    categories = resident.send(MsgType="location", Location_X="39.9338", Location_Y="116.4551", Scale="16",
                               Label="北京市朝阳区三里屯路19号", MsgId=uuid.uuid4().int % 10**18)
    assert re.search(r"^1\. ", categories, re.MULTILINE), categories  # options as numbered lines
    step = resident.say(resident.number_of(lambda p: p.startswith("/")) or "1")
    if number := resident.number_of(lambda p: "/inform_attribute" in p):
        step = resident.say(number)
    if resident.number_of(lambda p: p.startswith("/affirm")) and (deny := resident.number_of(lambda p: p == "/deny")):
        step = resident.say(deny)  # no phone number
    assert "三里屯" in step, step
    confirm = resident.number_of(lambda p: p.startswith("/affirm"))
    assert confirm, step

    # The confirmation, delivered four times (the original and WeChat's three retries) at once.
    confirmation = message_xml(FromUserName=resident.openid, MsgType="text", Content=confirm, MsgId=7_000_000_000_001)
    before = len(fake.texts_to(resident.openid))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: resident.post(confirmation), range(4)))
    passive = {Resident.passive(a) for a in answers} - {""}
    assert len(passive) <= 1  # every passive reply is the same one
    if not passive:
        fake.wait_for(CUSTOM, resident.openid, count=before + 1, timeout=60)
    time.sleep(1.0)
    through_api = fake.texts_to(resident.openid)[before:]
    assert (len(passive), len(through_api)) in ((1, 0), (0, 1)), (passive, through_api)  # one reply, one way
    filed = (passive or set(through_api)).pop()
    ticket = TICKET.search(filed)
    assert ticket, filed
    assert len([e for e in resident.user_turns() if e.get("message_id") == "7000000000001"]) == 1

    detail = backend(stack, f"/api/tickets/{ticket.group()}")
    assert detail["contact"]["channel"] == "wechat" and detail["contact"]["channel_user_id"] == resident.openid
    assert abs(float(detail["lat"]) - 39.9338) < 1e-4 and abs(float(detail["long"]) - 116.4551) < 1e-4
    assert "三里屯" in (detail.get("address") or "")
    listed = backend(stack, "/api/tickets?q=%E8%B7%AF%E7%81%AF")
    assert [t["service_request_id"] for t in listed["tickets"]] == [ticket.group()]


def test_subscribe_greets_in_chinese_and_menu_clicks_are_intents(stack: Stack, fake: FakeWeChat) -> None:
    resident = Resident(stack, fake)
    greeting = resident.send(MsgType="event", Event="subscribe", CreateTime=int(time.time()))
    assert re.search(r"[\u4e00-\u9fff]", greeting), greeting
    resident.send(MsgType="event", Event="CLICK", EventKey="check_status", CreateTime=int(time.time()) + 1)
    intents = [e["parse_data"]["intent"]["name"] for e in resident.user_turns()]
    assert intents == ["greet", "check_status"]


@pytest.mark.parametrize("fields, intent", [
    ({"MsgType": "voice", "MediaId": "m1", "Format": "amr", "Recognition": "我的诉求到哪了"}, "check_status"),
    ({"MsgType": "voice", "MediaId": "m2", "Format": "amr"}, "unsupported_message"),
    ({"MsgType": "video", "MediaId": "m3", "ThumbMediaId": "t"}, "unsupported_message"),
    ({"MsgType": "image", "PicUrl": "https://mmbiz.qpic.cn/mmbiz_jpg/lamp.jpg", "MediaId": "m4"}, "share_media"),
])
def test_other_message_types_are_answered(stack: Stack, fake: FakeWeChat, fields: dict[str, str],
                                          intent: str) -> None:
    resident = Resident(stack, fake)
    assert resident.send(**fields, MsgId=uuid.uuid4().int % 10**18)
    assert [e["parse_data"]["intent"]["name"] for e in resident.user_turns()] == [intent]


@pytest.mark.parametrize("xml, changes, status", [
    ('<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><FromUserName>o-xxe</FromUserName>'
     '<MsgType>text</MsgType><Content>&e;</Content><MsgId>1</MsgId></xml>', {}, 400),
    (message_xml(FromUserName="o-xxe", MsgType="text", Content="路" * 20_000, MsgId=2), {}, 413),
    (message_xml(FromUserName="o-xxe", MsgType="text", Content="hi", MsgId=3), {"msg_signature": "0" * 40}, 403),
    (message_xml(FromUserName="o-xxe", MsgType="text", Content="hi", MsgId=4), {"signature": "0" * 40}, 403),
])
def test_refused_calls_never_reach_rasa(stack: Stack, fake: FakeWeChat, xml: str, changes: dict[str, str],
                                        status: int) -> None:
    resident = Resident(stack, fake, openid="o-xxe")
    assert resident.post(xml, **changes).status_code == status
    assert resident.user_turns() == []


def test_url_verification(stack: Stack) -> None:
    query, _ = webhook_call("", token=TOKEN, app_id=APP_ID, aes_key=None)
    answer = httpx.get(f"{stack.rasa_url}/webhooks/wechat/webhook", params={**query, "echostr": "5837109"})
    assert (answer.status_code, answer.text) == (200, "5837109")


def trigger(stack: Stack, openid: str) -> None:
    httpx.post(f"{stack.rasa_url}/conversations/{openid}/trigger_intent",
               params={"output_channel": "wechat"}, headers=stack.rasa_headers(), timeout=60,
               json={"name": "EXTERNAL_appeal_filed",
                     "entities": {"ticket_id": "202611220000123", "reference": "Q-0A1B2C3D"}}).raise_for_status()


def test_proactive_messages_use_the_customer_service_api_in_the_window_and_templates_outside(
        stack: Stack, fake: FakeWeChat) -> None:
    inside = Resident(stack, fake)
    inside.say("你好")
    before = len(fake.texts_to(inside.openid))
    trigger(stack, inside.openid)
    assert "202611220000123" in "\n".join(fake.texts_to(inside.openid)[before:])
    assert fake.calls_to(TEMPLATE, inside.openid) == []

    fake.fail(CUSTOM, 45015)  # WeChat says the window is over after all
    trigger(stack, inside.openid)
    assert len(fake.calls_to(TEMPLATE, inside.openid)) == 1

    never_wrote = f"o-{uuid.uuid4().hex[:20]}"  # no message in 48 hours: a template message at once
    trigger(stack, never_wrote)
    trigger(stack, never_wrote)
    assert fake.calls_to(CUSTOM, never_wrote) == []
    first, second = fake.calls_to(TEMPLATE, never_wrote)
    assert first.body["template_id"] == "tmpl-resolved"
    assert first.body["data"]["character_string2"]["value"] == "202611220000123"
    assert all(len(field["value"]) <= 20 for field in first.body["data"].values())
    assert first.body["client_msg_id"] == second.body["client_msg_id"]  # WeChat delivers it once


# ---------- a turn slower than the deadline ----------

@pytest.fixture(scope="module")
def slow_stack(model: Path, redis_url: str, fake: FakeWeChat,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The backend's port accepts connections and never answers: actions wait their 5-second timeout."""
    folder = tmp_path_factory.mktemp("wechat-slow")
    port = free_port()
    with socket.socket() as blackhole, pytest.MonkeyPatch.context() as patch:
        blackhole.bind(("127.0.0.1", port))
        blackhole.listen(64)
        for name, value in wechat_env(fake).items():
            patch.setenv(name, value)
        with running_stack(model, log_dir=folder / "log", redis_url=redis_url.rsplit("/", 1)[0] + "/2",
                           backend_port=port, start_backend=False) as running:
            yield running


def test_a_slow_turn_answers_success_in_time_and_the_reply_comes_through_the_api(
        slow_stack: Stack, fake: FakeWeChat) -> None:
    resident = Resident(slow_stack, fake)
    resident.say("你好")  # warm up: the first turn loads what is lazy
    before = len(fake.texts_to(resident.openid))
    xml = message_xml(FromUserName=resident.openid, MsgType="text", Content="我的诉求到哪了", MsgId=8_000_000_000_001)
    started = time.monotonic()
    answer = resident.post(xml)
    assert answer.text == "success" and time.monotonic() - started < DEADLINE + 0.5
    retries = [resident.post(xml) for _ in range(3)]
    assert [r.text for r in retries] == ["success"] * 3
    replies = fake.wait_for(CUSTOM, resident.openid, count=before + 1, timeout=60)
    time.sleep(1.0)
    assert len(fake.texts_to(resident.openid)) == before + 1 and replies[-1].answer["errcode"] == 0
    assert len([e for e in resident.user_turns() if e.get("message_id") == "8000000000001"]) == 1


def test_the_bot_follows_a_resident_who_switches_language_mid_conversation(stack: Stack, fake: FakeWeChat) -> None:
    kana, han = re.compile(r"[\u3040-\u30ff]"), re.compile(r"[\u4e00-\u9fff]")
    resident = Resident(stack, fake)
    chinese = resident.say("签证快到期了，怎么延期？")
    assert "出入境" in chinese and not kana.search(chinese), chinese
    assert "Exit-Entry" in resident.say("How do I extend my visa before it expires?")
    japanese = resident.say("ビザの延長はどうすればいいですか")
    assert kana.search(japanese) and "出入境" in japanese, japanese
    back = resident.say("说中文吧")
    assert han.search(back) and not kana.search(back), back
