"""A local fake of Telegram's Bot API for tests and benchmarks: records every call.

Runs a stdlib HTTP server in a thread. Answers getMe, sendMessage, sendPhoto,
answerCallbackQuery, getFile (+ the file download under /file/bot<token>/), setWebhook,
deleteWebhook and getUpdates (long polling over updates a test queues with ``push``; 409 while a
webhook is set, as Telegram does). A wrong token gets 401. A test can queue failures for the
next calls of a method: ``fail("sendMessage", retry_after(2), FORBIDDEN)``.
Parameters arrive as PTB sends them (form fields, JSON-encoded values), as JSON, or multipart.
"""

import email.parser
import email.policy
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

BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SEND = "sendMessage"
ANSWER = "answerCallbackQuery"
FORBIDDEN: tuple[int, dict[str, Any]] = (403, {"ok": False, "error_code": 403,
                                               "description": "Forbidden: bot was blocked by the user"})


def retry_after(seconds: int) -> tuple[int, dict[str, Any]]:
    return 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {seconds}",
                 "parameters": {"retry_after": seconds}}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    status: int
    at: float  # time.monotonic() when answered


def _value(raw: str) -> Any:
    if raw[:1] in ("{", "[") or raw in ("true", "false"):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


class FakeTelegram:
    """Records calls; ``calls_to(method, chat_id)`` lists them, oldest first."""

    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.webhook: dict[str, Any] | None = None
        self.delay = 0.0  # seconds before every answer (a slow network)
        self._failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_message_id = 1
        self._lock = threading.Condition()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    # ---------- what tests set up and read ----------

    def fail(self, method: str, *answers: tuple[int, dict[str, Any]]) -> None:
        with self._lock:
            self._failures.setdefault(method, []).extend(answers)

    def add_file(self, file_id: str, content: bytes, path: str = "photos/file_0.jpg") -> None:
        with self._lock:
            self.files[file_id] = content
            self.files[f"path:{path}"] = content
            self.files[f"for:{file_id}"] = path.encode()

    def push(self, update: dict[str, Any]) -> None:
        """An update for getUpdates (long polling)."""
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()

    def calls_to(self, method: str, chat_id: str | int | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method
                    and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def texts_to(self, chat_id: str | int) -> list[str]:
        """Texts of the messages Telegram accepted for the chat."""
        return [str(c.params.get("text")) for c in self.calls_to(SEND, chat_id) if c.status == 200]

    def wait_for(self, method: str, chat_id: str | int | None = None, count: int = 1,
                 timeout: float = 30.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [c for c in self.calls_to(method, chat_id) if c.status == 200]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        return [c for c in self.calls_to(method, chat_id) if c.status == 200]

    # ---------- the API ----------

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            failures = self._failures.get(method)
            if failures:
                return failures.pop(0)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        result = handler(params)
        if isinstance(result, tuple):
            return result
        return 200, {"ok": True, "result": result}

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "12345 Hotline",
                "username": "hotline12345_bot", "can_join_groups": False}

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        with self._lock:
            number, self._next_message_id = self._next_message_id, self._next_message_id + 1
        chat_id = params.get("chat_id", 0)
        return {"message_id": number, "date": int(time.time()),
                "chat": {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else 0, "type": "private"},
                "from": self._api_getMe({}), **content}

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        if not str(params.get("text") or "").strip():
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        if len(str(params["text"]).encode("utf-16-le")) // 2 > 4096:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
        return self._message(params, text=params["text"])

    def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        return self._message(params, photo=[{"file_id": "sent", "file_unique_id": "s", "width": 1, "height": 1}])

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        with self._lock:
            path = self.files.get(f"for:{file_id}")
        if path is None:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
        return {"file_id": file_id, "file_unique_id": f"u{abs(hash(file_id)) % 10**8}",
                "file_size": len(self.files[file_id]), "file_path": path.decode()}

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = params
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = None
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        with self._lock:
            if self.webhook is not None:
                return 409, {"ok": False, "error_code": 409,
                             "description": "Conflict: can't use getUpdates method while webhook is active"}
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]  # offset confirms
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates[:100])
                self._lock.wait(timeout=max(0.0, deadline - time.monotonic()))

    # ---------- HTTP ----------

    def _params(self, handler: BaseHTTPRequestHandler, raw: bytes, query: str) -> dict[str, Any]:
        params: dict[str, Any] = {k: _value(v[0]) for k, v in parse_qs(query).items()}
        kind = handler.headers.get("Content-Type", "")
        if kind.startswith("application/json") and raw:
            params.update(json.loads(raw))
        elif kind.startswith("application/x-www-form-urlencoded"):
            params.update({k: _value(v[0]) for k, v in parse_qs(raw.decode("utf-8")).items()})
        elif kind.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {kind}\r\n\r\n".encode() + raw)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if name and isinstance(payload, bytes):
                    params[str(name)] = _value(payload.decode("utf-8", "replace"))
        return params

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, data: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self) -> None:
                parsed = urlparse(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if fake.delay:
                    time.sleep(fake.delay)
                file_prefix = f"/file/bot{fake.token}/"
                if parsed.path.startswith(file_prefix):
                    content = fake.files.get(f"path:{parsed.path[len(file_prefix):]}")
                    if content is None:
                        self._reply(404, b"not found", "text/plain")
                    else:
                        self._reply(200, content, "application/octet-stream")
                    return
                prefix, _, method = parsed.path.rpartition("/")
                if prefix != f"/bot{fake.token}":
                    status, answer = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    method = method or "?"
                    params: dict[str, Any] = {}
                else:
                    params = fake._params(self, raw, parsed.query)
                    status, answer = fake.answer(method, params)
                with fake._lock:
                    fake.calls.append(Call(method, params, status, time.monotonic()))
                self._reply(status, json.dumps(answer, ensure_ascii=False).encode("utf-8"))

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator["FakeTelegram"]:
        with serving_in_thread(self.port, self._handler()):
            yield self


# ---------- what Telegram sends ----------

def _user(chat_id: int, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Resident"}
    if language_code:
        user["language_code"] = language_code
    return user


def message_update(update_id: int, chat_id: int, *, language_code: str | None = "en", chat_type: str = "private",
                   **content: Any) -> dict[str, Any]:
    """An update with a message from ``chat_id`` carrying ``content`` (text=..., location=..., photo=...)."""
    return {"update_id": update_id, "message": {
        "message_id": update_id % 10**6, "date": int(time.time()), "from": _user(chat_id, language_code),
        "chat": {"id": chat_id, "type": chat_type, "first_name": "Resident"}, **content}}


def text_update(update_id: int, chat_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return message_update(update_id, chat_id, **content, **kwargs)


def location_update(update_id: int, chat_id: int, latitude: float, longitude: float, **kwargs: Any) -> dict[str, Any]:
    return message_update(update_id, chat_id, location={"latitude": latitude, "longitude": longitude}, **kwargs)


def venue_update(update_id: int, chat_id: int, latitude: float, longitude: float, title: str, address: str,
                 **kwargs: Any) -> dict[str, Any]:
    location = {"latitude": latitude, "longitude": longitude}
    return message_update(update_id, chat_id, location=location,
                          venue={"location": location, "title": title, "address": address}, **kwargs)


def photo_update(update_id: int, chat_id: int, file_id: str, caption: str | None = None,
                 **kwargs: Any) -> dict[str, Any]:
    sizes = [{"file_id": f"{file_id}-small", "file_unique_id": "s1", "width": 90, "height": 67, "file_size": 1200},
             {"file_id": file_id, "file_unique_id": "s2", "width": 1280, "height": 960, "file_size": 98000}]
    return message_update(update_id, chat_id, photo=sizes, **({"caption": caption} if caption else {}), **kwargs)


def voice_update(update_id: int, chat_id: int, **kwargs: Any) -> dict[str, Any]:
    return message_update(update_id, chat_id, voice={"file_id": "voice-1", "file_unique_id": "v1", "duration": 3},
                          **kwargs)


def callback_update(update_id: int, chat_id: int, data: str, *, language_code: str | None = "en") -> dict[str, Any]:
    return {"update_id": update_id, "callback_query": {
        "id": f"cq-{update_id}", "from": _user(chat_id, language_code), "chat_instance": "ci-1", "data": data,
        "message": {"message_id": 7, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                    "text": "buttons"}}}
