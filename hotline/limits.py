"""ASGI middleware at the edge: body size limit, no control characters in URLs."""

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_plus

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


class RejectControlCharacters:
    """A 400 for control characters (NUL and friends) in the path or query string.

    PostgreSQL cannot store NUL in text, and no legitimate id or filter contains one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = unquote_plus(scope.get("query_string", b"").decode("latin-1"))
            if _CONTROL.search(scope["path"]) or _CONTROL.search(query):
                response = render_error(error_format(scope["path"]),  # type: ignore[arg-type]
                                        400, "control characters are not allowed in the URL")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
