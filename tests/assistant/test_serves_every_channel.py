"""The documented start command alone serves every channel: ``python -m assistant run`` (no tools/).

Rasa and the action server are started here exactly as the README's deployment section says,
with Redis (endpoints.yml) and the WeChat and Telegram settings in the environment; the fake
WeChat and Telegram APIs stand in for the platforms. Each channel answers a resident: the REST
channel, the web chat page, WeChat (plain mode, a passive or customer-service reply) and
Telegram (a webhook update, answered through sendMessage).
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.doubles.fake_telegram import BOT_TOKEN, SEND, FakeTelegram, text_update
from tests.doubles.fake_wechat import CUSTOM, FakeWeChat, message_xml, webhook_call
from tests.doubles.local_servers import redis_server
from tools.ports import free_port, wait_for_port
from tools.stack import DEV_ACTION_TOKEN, Stack, wait_for_rasa
from tools.train_model import model_path, train

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
RASA_JWT_SECRET = "every-channel-jwt-secret"
WECHAT_TOKEN, WECHAT_APP_ID = "every-channel-wechat-token", "wx5e1f2d3c4b5a6978"
TELEGRAM_SECRET = "every-channel-telegram-secret"


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeWeChat, FakeTelegram]]:
    with FakeWeChat().running() as wechat, FakeTelegram().running() as telegram:
        yield wechat, telegram


@pytest.fixture(scope="module")
def rasa_url(fakes: tuple[FakeWeChat, FakeTelegram], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    model = model_path() if model_path().exists() else train()
    wechat, telegram = fakes
    logs = tmp_path_factory.mktemp("every-channel")
    rasa_port, actions_port = free_port(), free_port()
    url = f"http://127.0.0.1:{rasa_port}"
    with redis_server() as redis_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "TELEGRAM_", "VIRTUAL_ENV"))}
        env.update(PYTHONPATH=str(ROOT), REDIS_URL=redis_url, REDIS_HOST="127.0.0.1",
                   REDIS_PORT=redis_url.rsplit(":", 1)[1].split("/")[0], REDIS_DB="0", REDIS_PASSWORD="",
                   TRACKER_RETENTION_DAYS="90", ACTION_SERVER_TOKEN=DEV_ACTION_TOKEN, RASA_JWT_SECRET=RASA_JWT_SECRET,
                   ACTION_SERVER_URL=f"http://127.0.0.1:{actions_port}/webhook", RASA_URL=url,
                   HOTLINE_URL=f"http://127.0.0.1:{free_port()}",
                   WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_APP_ID=WECHAT_APP_ID, WECHAT_APP_SECRET="every-channel-secret",
                   WECHAT_API_BASE_URL=wechat.url, TELEGRAM_BOT_TOKEN=BOT_TOKEN, TELEGRAM_API_BASE_URL=telegram.url,
                   TELEGRAM_SECRET_TOKEN=TELEGRAM_SECRET, TELEGRAM_WEBHOOK_URL=f"{url}/webhooks/telegram/webhook")
        commands = {
            "actions": [sys.executable, "-m", "actions.server", "--port", str(actions_port)],
            "rasa": [sys.executable, "-m", "assistant", "run", "--model", str(model), "--port", str(rasa_port),
                     "--enable-api", "--endpoints", "endpoints.yml"],
        }
        processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(logs / f"{name}.log", "wb"),
                                      stderr=subprocess.STDOUT) for name, command in commands.items()]
        try:
            wait_for_port(actions_port, timeout=120)
            wait_for_rasa(url, RASA_JWT_SECRET)
            yield url
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)


def test_the_rest_channel_answers(rasa_url: str) -> None:
    answer = httpx.post(f"{rasa_url}/webhooks/rest/webhook", timeout=60, headers=Stack.rest_headers(),
                        json={"sender": f"rest-{uuid.uuid4().hex[:8]}", "message": "你好"})
    assert answer.status_code == 200 and any(m.get("text") for m in answer.json()), answer.text


def test_the_web_chat_page_is_served(rasa_url: str) -> None:
    page = httpx.get(f"{rasa_url}/webhooks/socketio/chat", timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_wechat_verifies_and_answers(rasa_url: str, fakes: tuple[FakeWeChat, FakeTelegram]) -> None:
    wechat, _ = fakes
    query, _ = webhook_call("", token=WECHAT_TOKEN, app_id=WECHAT_APP_ID, aes_key=None)
    echo = httpx.get(f"{rasa_url}/webhooks/wechat/webhook", params={**query, "echostr": "hello-wechat"}, timeout=30)
    assert echo.status_code == 200 and echo.text == "hello-wechat"
    openid = f"o-{uuid.uuid4().hex[:20]}"
    xml = message_xml(FromUserName=openid, MsgType="text", Content="你好", MsgId=uuid.uuid4().int % 10**18)
    query, body = webhook_call(xml, token=WECHAT_TOKEN, app_id=WECHAT_APP_ID, aes_key=None)
    answer = httpx.post(f"{rasa_url}/webhooks/wechat/webhook", params=query, content=body, timeout=30)
    assert answer.status_code == 200
    if answer.text == "success":  # the reply missed the passive deadline: it goes through the API
        wechat.wait_for(CUSTOM, openid, timeout=60)
    else:
        assert "<Content>" in answer.text and openid in answer.text


def test_telegram_registers_its_webhook_and_answers(rasa_url: str, fakes: tuple[FakeWeChat, FakeTelegram]) -> None:
    _, telegram = fakes
    assert telegram.calls_to("setWebhook"), "the channel registers TELEGRAM_WEBHOOK_URL at start"
    chat = uuid.uuid4().int % 10**9 + 1
    update = text_update(uuid.uuid4().int % 10**9, chat, "Hello")
    refused = httpx.post(f"{rasa_url}/webhooks/telegram/webhook", json=update, timeout=30,
                         headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert refused.status_code == 403
    accepted = httpx.post(f"{rasa_url}/webhooks/telegram/webhook", json=update, timeout=30,
                          headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert accepted.status_code == 200
    assert telegram.wait_for(SEND, chat, timeout=60)
