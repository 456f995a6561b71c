"""The backend's filing endpoint and Rasa's ``trigger_intent``, recording what the outbox worker asks.

Each double serves in-process through ``httpx.MockTransport`` (workers built by the test) or over
HTTP in a thread (``python -m actions.outbox_worker`` as a subprocess). The backend answers one
ticket per Idempotency-Key, however often it is filed, like the real one.
"""

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlparse

import httpx

from tests.doubles.http_thread import serving_in_thread
from tools.ports import free_port

FILING_PATH = "/open311/v2/requests.json"


@dataclass
class RecordingBackend:
    """Every filing is recorded by key as it arrives; the answer comes ``seconds_per_filing`` later."""

    seconds_per_filing: float = 0.0
    filings: list[str] = field(default_factory=list)
    tickets: dict[str, str] = field(default_factory=dict)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def file(self, idempotency_key: str) -> str:
        with self.lock:
            self.filings.append(idempotency_key)
            self.arrived.set()
            return self.tickets.setdefault(idempotency_key, f"20261122{len(self.tickets) + 1:07d}")

    def answer(self, ticket_id: str) -> tuple[int, list[dict[str, Any]]]:
        return 201, [{"service_request_id": ticket_id, "expected_datetime": None, "service_notice": "ok"}]

    def transport(self) -> httpx.MockTransport:
        async def handle(request: httpx.Request) -> httpx.Response:
            if request.url.path != FILING_PATH:
                return httpx.Response(404)
            ticket_id = self.file(request.headers["idempotency-key"])
            await asyncio.sleep(self.seconds_per_filing)
            status, body = self.answer(ticket_id)
            return httpx.Response(status, json=body)

        return httpx.MockTransport(handle)

    @contextmanager
    def serving(self) -> Iterator[str]:
        """Serve over HTTP; yields the base URL."""
        backend = self

        class Handler(_Quiet):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers.get("content-length", 0)))
                if urlparse(self.path).path != FILING_PATH:
                    return self.reply(404, {})
                ticket_id = backend.file(self.headers["idempotency-key"])
                time.sleep(backend.seconds_per_filing)
                self.reply(*backend.answer(ticket_id))

        with _served(Handler) as url:
            yield url


@dataclass
class RecordingRasa:
    """``trigger_intent`` calls as (sender, intent, entities), in the order they came."""

    told: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, body: dict[str, Any]) -> int:
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "conversations" or parts[2] != "trigger_intent":
            return 404
        with self.lock:
            self.told.append((unquote(parts[1]), body.get("name", ""), body.get("entities", {})))
        return 200

    def senders(self) -> list[str]:
        with self.lock:
            return [sender for sender, _, _ in self.told]

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            return httpx.Response(self.record(request.url.path, json.loads(request.content)), json={})

        return httpx.MockTransport(handle)

    @contextmanager
    def serving(self) -> Iterator[str]:
        rasa = self

        class Handler(_Quiet):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                self.reply(rasa.record(urlparse(self.path).path, body), {})

        with _served(Handler) as url:
            yield url


class _Quiet(BaseHTTPRequestHandler):
    def reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def _served(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    port = free_port()
    with serving_in_thread(port, handler):
        yield f"http://127.0.0.1:{port}"
