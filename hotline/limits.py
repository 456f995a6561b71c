"""ASGI middleware at the edge: body size limit; URLs that are UTF-8, without control characters or repeats."""

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from hotline.open311.formats import render_error

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def error_format(path: str) -> str:
    return "xml" if path.startswith("/open311/") and path.endswith(".xml") else "json"


class BodySizeLimit:
    """Buffers the body up to ``max_bytes``; anything larger gets a 413 with an Open311 error body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = render_error(error_format(scope["path"]),  # type: ignore[arg-type]
                                413, f"the body is larger than {self.max_bytes} bytes")
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def url_problem(raw_path: bytes, query_string: bytes) -> str | None:
    """What is wrong with a URL no client of ours would send, or None.

    Control characters (PostgreSQL cannot store NUL in text, and no id or filter contains one),
    percent-escapes that are not UTF-8 (Starlette would quietly turn them into U+FFFD), and a query
    parameter given twice (FastAPI would quietly keep one of them).
    """
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
        pairs = [[unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8") for part in pair.split(b"=", 1)]
                 for pair in query_string.split(b"&") if pair]
    except UnicodeDecodeError:
        return "the URL must be UTF-8 (percent-escapes included)"
    if _CONTROL.search(path) or any(_CONTROL.search(part) for pair in pairs for part in pair):
        return "control characters are not allowed in the URL"
    names = [pair[0] for pair in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        return f"the query parameter {repeated[0]!r} is given more than once"
    return None


class CheckURL:
    """A 400 with an error body for a URL that ``url_problem`` refuses, before any route sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            problem = url_problem(raw_path, scope.get("query_string", b""))
            if problem is not None:
                response = render_error(error_format(scope["path"]), 400, problem)  # type: ignore[arg-type]
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
