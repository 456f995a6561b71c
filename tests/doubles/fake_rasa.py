"""A fake Rasa HTTP API for the notifier: records ``trigger_intent`` calls, can fail on purpose.

Like the real bot it remembers the event ids it announced per conversation, so ``messages`` is
what residents would have seen (a redelivered event makes a call but no second message).
It runs in a thread of the test (or benchmark) process; notifier subprocesses reach it over HTTP.
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from bot.rasa_jwt import verify
from tools.ports import free_port

SECRET = "fake-rasa-jwt-secret"  # the notifier signs its JWTs with it (RASA_JWT_SECRET)
INTENTS = frozenset({"EXTERNAL_ticket_update", "EXTERNAL_survey_reminder"})


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog (5) resets connections under a notifier's 64 in flight

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a killed notifier's broken connections are part of the tests


@dataclass
class Script:
    """What the next calls get: ``statuses`` are answered first, one per call; each answer comes
    ``delay`` seconds after the call was recorded (Rasa has spoken; its answer is slow)."""

    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0


class FakeRasa:
    def __init__(self, secret: str = SECRET, port: int | None = None) -> None:
        self.secret = secret
        self.script = Script()
        self.calls: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.lock = threading.Condition()
        self.port = port or free_port()
        self.server = QuietServer(("127.0.0.1", self.port), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, *statuses: int, delay: float = 0.0) -> None:
        with self.lock:
            self.script = Script(list(statuses), delay)

    def answer(self, sender: str, query: dict[str, list[str]], body: dict[str, Any], authorization: str = "") -> int:
        with self.lock:
            status = self.script.statuses.pop(0) if self.script.statuses else 200
            scheme, _, token = authorization.partition(" ")
            claims = verify(token, self.secret) if scheme == "Bearer" else None
            if claims is None or claims.get("user", {}).get("role") != "admin" or "token" in query:
                status = 401
            elif body.get("name") not in INTENTS:
                status = 404
            call = {"sender": sender, "output_channel": (query.get("output_channel") or [""])[0],
                    "name": body.get("name"), "entities": body.get("entities", {}), "status": status,
                    "at": time.time()}
            self.calls.append(call)
            event_id = call["entities"].get("event_id")
            seen = {(m["sender"], m["entities"].get("event_id")) for m in self.messages}
            if status < 300 and (sender, event_id) not in seen:
                self.messages.append(call)
            self.lock.notify_all()
            return status

    def wait_for(self, count: int, timeout: float = 10.0, *, what: str = "messages") -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(getattr(self, what)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(getattr(self, what))} {what} of {count} after {timeout} s")
                self.lock.wait(left)
            return list(getattr(self, what))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                url = urlparse(self.path)
                parts = url.path.strip("/").split("/")
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                if len(parts) != 3 or parts[0] != "conversations" or parts[2] != "trigger_intent":
                    return self._reply(404, {"error": "no such route"})
                status = fake.answer(unquote(parts[1]), parse_qs(url.query), body,
                                     self.headers.get("authorization", ""))
                time.sleep(fake.script.delay)
                self._reply(status, {"tracker": {}} if status < 300 else {"error": "scripted"})

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, name="fake-rasa", daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def fake_rasa(port: int | None = None) -> Iterator[FakeRasa]:
    fake = FakeRasa(port=port)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()

