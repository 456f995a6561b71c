"""A local fake of WeChat's server API for tests: stable_token, customer-service and template messages.

Runs a stdlib HTTP server in a thread and records every call. Like WeChat, stable_token's normal
mode returns the token still valid; messages with any other token get errcode 40001. A test can
queue errcodes for the next calls of an endpoint (``fail("message/custom/send", 45015)``) and
slow stable_token down (``token_delay``) to race several clients.
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.doubles.http_thread import serving_in_thread
from tools.ports import free_port

CUSTOM = "message/custom/send"
TEMPLATE = "message/template/send"
TOKEN = "stable_token"


@dataclass(frozen=True)
class Call:
    endpoint: str          # path under /cgi-bin/
    query: dict[str, str]
    body: dict[str, Any]
    answer: dict[str, Any]


class FakeWeChat:
    """Records calls; ``calls_to(endpoint)`` lists them, oldest first."""

    def __init__(self, token_delay: float = 0.0) -> None:
        self.token_delay = token_delay
        self.calls: list[Call] = []
        self._failures: dict[str, list[int]] = {}
        self._token_number = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def fail(self, endpoint: str, *errcodes: int) -> None:
        """The next calls to ``endpoint`` answer these errcodes, one each."""
        with self._lock:
            self._failures.setdefault(endpoint, []).extend(errcodes)

    def expire_token(self) -> None:
        """WeChat invalidates the current token (the next stable_token gives a new one)."""
        with self._lock:
            self._token_number += 1

    @property
    def current_token(self) -> str:
        return f"TOKEN-{self._token_number}"

    def calls_to(self, endpoint: str, touser: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.endpoint == endpoint and touser in (None, c.body.get("touser"))]

    def texts_to(self, touser: str) -> list[str]:
        """Texts of the customer-service messages WeChat accepted for ``touser``."""
        return [c.body["text"]["content"] for c in self.calls_to(CUSTOM, touser) if c.answer["errcode"] == 0]

    def wait_for(self, endpoint: str, touser: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(endpoint, touser)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.calls_to(endpoint, touser)

    def answer(self, endpoint: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if endpoint == TOKEN:
            time.sleep(self.token_delay)
            with self._lock:
                if body.get("grant_type") != "client_credential" or not body.get("appid") or not body.get("secret"):
                    return {"errcode": 40002, "errmsg": "invalid grant_type"}
                if body.get("force_refresh"):
                    self._token_number += 1
                return {"access_token": self.current_token, "expires_in": 7200}
        with self._lock:
            if query.get("access_token") != self.current_token:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            failures = self._failures.get(endpoint)
            if failures:
                code = failures.pop(0)
                return {"errcode": code, "errmsg": f"fake error {code}"}
        if endpoint not in (CUSTOM, TEMPLATE):
            return {"errcode": 48001, "errmsg": "api unauthorized"}
        return {"errcode": 0, "errmsg": "ok", **({"msgid": len(self.calls)} if endpoint == TEMPLATE else {})}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parsed = urlparse(self.path)
                endpoint = parsed.path.removeprefix("/cgi-bin/")
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw or b"{}")
                answer = fake.answer(endpoint, query, body)
                with fake._lock:
                    fake.calls.append(Call(endpoint, query, body, answer))
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator["FakeWeChat"]:
        with serving_in_thread(self.port, self._handler()):
            yield self


# ---------- what WeChat sends to our webhook ----------

ACCOUNT = "gh_10f6c3c3ac5a"


def message_xml(**fields: str | int) -> str:
    """A message as WeChat posts it; strings in CDATA, numbers bare (ToUserName defaults to ACCOUNT)."""
    fields = {"ToUserName": ACCOUNT, "CreateTime": int(time.time()), **fields}
    parts = [f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()]
    return "<xml>" + "".join(parts) + "</xml>"


def webhook_call(xml: str, *, token: str, app_id: str, aes_key: str | None, timestamp: int | None = None,
                 nonce: str = "1320562132") -> tuple[dict[str, str], bytes]:
    """The query and body WeChat would post for ``xml``: signed, and in safe mode encrypted."""
    from wechatpy.crypto import PrpCrypto, WeChatCrypto

    from channels.wechat.crypto import sha1_signature

    stamp = str(timestamp if timestamp is not None else int(time.time()))
    query = {"timestamp": stamp, "nonce": nonce, "signature": sha1_signature(token, stamp, nonce)}
    if aes_key is None:
        return query, xml.encode("utf-8")
    encrypted = PrpCrypto(WeChatCrypto(token, aes_key, app_id).key).encrypt(xml, app_id).decode()
    query.update(encrypt_type="aes", msg_signature=sha1_signature(token, stamp, nonce, encrypted))
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return query, body.encode("utf-8")
