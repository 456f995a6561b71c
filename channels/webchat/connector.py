"""The web chat: Rasa's socket.io channel plus the page that talks to it.

Configured in credentials.yml as ``channels.webchat.WebChatInput`` with the socket.io settings.
The channel keeps the name ``socketio`` (the output channel name the actions and the backend
map to "webchat"), and adds two routes under ``/webhooks/socketio/``:

- ``GET /chat``: the chat page;
- ``GET /static/<name>``: its script, style sheet and the vendored socket.io client.

Only the files named in ``STATIC_FILES`` are ever served; they are read once, at start.

Two socket.io handlers of the parent are replaced or guarded:

- ``session_request``: python-socketio 5.x made ``AsyncServer.enter_room`` a coroutine, which
  Rasa 3.6 calls without awaiting, so the socket never joined its session's room and the bot's
  answers (emitted to that room) were lost. Ours awaits it, and continues a session only for a
  token this server signed (channels/webchat/sessions.py), so a page cannot pick a conversation;
  new sessions per client address are limited (``WEBCHAT_SESSIONS_PER_MINUTE``, burst
  ``WEBCHAT_SESSIONS_BURST``).
- ``user_uttered``: a message is handed to Rasa only for a signed session this socket has joined,
  and at most ``WEBCHAT_ADDRESS_PER_MINUTE`` (burst ``WEBCHAT_ADDRESS_BURST``) per client address; a
  refused page is told to slow down, with the emergency numbers.

The address limits are generous (60 sessions and 600 messages a minute) because many residents share
one address behind a carrier's NAT; one conversation is held to its own, much lower rate by the message
gate (assistant/gate.py).

A page that reconnects says how many bot messages it has shown (``seen``); it gets the ones it
missed while offline (channels/webchat/catchup.py) and, in ``session_confirm``, the new total.

Several Rasa servers: with ``REDIS_URL`` set, the socket.io server shares its rooms through Redis
(python-socketio's ``AsyncRedisManager``, channel ``WEBCHAT_SOCKETIO_CHANNEL``), so a bot message
emitted on one server (a push from the notifier, the outbox worker's "your ticket is filed")
reaches a page connected to another. A page's own connection stays on one server (a WebSocket, or
the load balancer's sticky cookie while socket.io polls: tools/load_balancer.py).
"""

import html
import inspect
import logging
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeGuard

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from channels.kit.notices import slow_down_notice
from channels.kit.rate_limit import Limit, RateLimiter
from channels.webchat.catchup import missed, page_messages
from channels.webchat.sessions import issue, reporter_digest, session_key, verified_id

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE = "index.html"
STATIC_FILES = ("webchat.js", "webchat.css", "socket.io.min.js")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


def _is_count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9


def content_security_policy(host: str | None) -> str:
    """The page's policy: only our own scripts, styles and socket.io connections.

    Args:
        host: the request's Host header; named explicitly for ws/wss because older browsers
            do not let ``'self'`` match WebSocket URLs. Ignored unless it looks like a host.
    """
    connect = ["'self'"]
    if host and _HOST.match(host):
        connect += [f"ws://{host}", f"wss://{host}"]
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        f"connect-src {' '.join(connect)}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


SESSIONS_PER_ADDRESS = Limit(60, 30)  # WEBCHAT_SESSIONS_PER_MINUTE, WEBCHAT_SESSIONS_BURST
MESSAGES_PER_ADDRESS = Limit(600, 120)  # WEBCHAT_ADDRESS_PER_MINUTE, WEBCHAT_ADDRESS_BURST


def share_rooms_through_redis(sio: AsyncServer, redis_url: str | None) -> bool:
    """Give ``sio`` a Redis client manager (before any page connects); False without Redis."""
    if not redis_url:
        return False
    channel = os.environ.get("WEBCHAT_SOCKETIO_CHANNEL", "assistant:socketio")
    manager = AsyncRedisManager(redis_url, channel=channel, redis_options={"socket_connect_timeout": 2})
    manager.set_server(sio)
    sio.manager = manager
    return True


class WebChatInput(SocketIOInput):
    """Rasa's socket.io channel, serving its own chat page."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def _page(self) -> bytes:
        """The chat page, told where the socket.io endpoint is (attribute-escaped)."""
        text = (STATIC_DIR / PAGE).read_text(encoding="utf-8")
        text = text.replace("{{socketio_path}}", html.escape(self.socketio_path or "/socket.io", quote=True))
        text = text.replace("{{namespace}}", html.escape(self.namespace or "", quote=True))
        return text.encode("utf-8")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's socket.io blueprint plus ``GET /chat`` and ``GET /static/<name>``."""
        blueprint: Blueprint = super().blueprint(on_new_message)
        if self.sio is None:  # the parent's blueprint() sets it
            raise RuntimeError("socket.io server missing after SocketIOInput.blueprint()")
        self._guard_sessions(self.sio)
        shared = share_rooms_through_redis(self.sio, os.environ.get("REDIS_URL") or None)

        @blueprint.listener("after_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self._app = app  # its ctx.agent holds the tracker store, for pages catching up
            if shared and not self.sio.manager_initialized:  # listen before the first page connects
                self.sio.manager_initialized = True
                self.sio.manager.initialize()

        page = self._page()
        files = {name: (STATIC_DIR / name).read_bytes() for name in STATIC_FILES}

        def serve(body: bytes, name: str, request: Request) -> HTTPResponse:
            headers = {
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": content_security_policy(request.host),
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-cache",
            }
            return response.raw(body, content_type=CONTENT_TYPES[Path(name).suffix], headers=headers)

        @blueprint.route("/chat", methods=["GET"])
        async def chat(request: Request) -> HTTPResponse:
            return serve(page, PAGE, request)

        @blueprint.route("/static/<name>", methods=["GET"])
        async def static(request: Request, name: str) -> HTTPResponse:
            body = files.get(name)
            if body is None:
                return response.text("not found", status=404, headers={"X-Content-Type-Options": "nosniff"})
            return serve(body, name, request)

        return blueprint

    async def _catch_up(self, sio: AsyncServer, sid: str, session_id: str, seen: int) -> int | None:
        """Send the page what it missed; the number of bot messages it has now, or None."""
        agent = getattr(getattr(getattr(self, "_app", None), "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return None
        try:
            tracker = await store.retrieve(session_id)
        except Exception:  # the tracker store is down: the page keeps what it has
            logger.exception("web chat catch-up failed for a session")
            return None
        if tracker is None:
            return None
        messages = await page_messages(tracker.events, session_id)
        for message in missed(messages, seen):
            await sio.emit(self.bot_message_evt, message, room=sid, namespace=self.namespace or "/")
        return len(messages)

    def _guard_sessions(self, sio: AsyncServer) -> None:
        """Replace the parent's session_request handler and guard its user message handler."""
        if not self.session_persistence:
            return
        namespace = self.namespace or "/"
        handle_message = sio.handlers[namespace][self.user_message_evt]
        key = session_key()
        env, redis_url = os.environ, os.environ.get("REDIS_URL") or None
        sessions = RateLimiter(SESSIONS_PER_ADDRESS.from_env(env, "WEBCHAT_SESSIONS"), redis_url=redis_url,
                               prefix="assistant:rate:webchat-session")
        messages = RateLimiter(MESSAGES_PER_ADDRESS.from_env(env, "WEBCHAT_ADDRESS"), redis_url=redis_url,
                               prefix="assistant:rate:webchat-addr")

        def address(sid: str) -> str:
            request = (sio.get_environ(sid, namespace=namespace) or {}).get("sanic.request")
            return str(getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "unknown")

        async def slow_down(sid: str, text: Any) -> None:
            notice = slow_down_notice(text if isinstance(text, str) else None)
            await sio.emit(self.bot_message_evt, {"text": notice}, room=sid, namespace=namespace)

        async def session_request(sid: str, data: Any) -> None:
            token = data.get("session_id") if isinstance(data, dict) else None
            seen = data.get("seen") if isinstance(data, dict) else None
            session_id = verified_id(token, key)
            if session_id is None:
                if await sessions.wait_for(address(sid)) > 0:
                    await slow_down(sid, None)
                    return
                token = issue(key)
                session_id, seen = verified_id(token, key), None
            assert session_id is not None
            entered = sio.enter_room(sid, session_id, namespace=namespace)
            if inspect.isawaitable(entered):
                await entered
            total = await self._catch_up(sio, sid, session_id, seen) if _is_count(seen) else None
            confirm: Any = token if total is None else {"session_id": token, "bot_messages": total}
            await sio.emit("session_confirm", confirm, room=sid, namespace=namespace)

        async def user_message(sid: str, data: Any) -> None:
            session_id = verified_id(data.get("session_id") if isinstance(data, dict) else None, key)
            if session_id is None or session_id not in sio.rooms(sid, namespace=namespace):
                logger.warning("web chat message ignored: no session_request for this session first")
                return
            if await messages.wait_for(address(sid)) > 0:
                await slow_down(sid, data.get("message"))
                return
            # The page's own metadata is not passed on; the connector says which network it came
            # from (a keyed digest, never the address), so an emergency flood from one network merges.
            metadata = {"reporter": reporter_digest(address(sid), key)}
            await handle_message(sid, {**data, "session_id": session_id, self.metadata_key: metadata})

        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, user_message, namespace=namespace)
