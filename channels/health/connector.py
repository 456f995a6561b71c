"""``GET /webhooks/health/live`` and ``GET /webhooks/health/ready`` on every Rasa server (credentials.yml).

Rasa's own ``/`` answers as soon as Sanic serves and ``/status`` needs a JWT; a probe needs neither.

- ``live``: 200 while the process serves requests (no I/O).
- ``ready``: 200 when the model is loaded and the stores answer (the tracker store's and the lock
  store's Redis ``PING``, at most ``PROBE_TIMEOUT_SECONDS``), else 503 with what is missing. Nothing
  in the answer is secret: which parts are up, never addresses or settings.

A server told to stop (SIGTERM) closes its listening socket and lets the turns in flight finish
(Sanic's graceful shutdown, 15 s), so the load balancer's checks fail and it sends no new turns there.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

PROBE_TIMEOUT_SECONDS = 2.0


def _unwrapped(store: Any) -> Any:
    """The store itself: Rasa wraps the tracker store (``AwaitableTrackerStore``, ``FailSafeTrackerStore``)."""
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


async def _redis_answers(store: Any) -> bool | None:
    """Whether a store kept in Redis answers PING; None for a store that is not (in memory)."""
    redis = getattr(_unwrapped(store), "redis", None)
    client = getattr(redis, "client", None)
    if client is None:
        return None
    try:
        return bool(await asyncio.wait_for(client().ping(), PROBE_TIMEOUT_SECONDS))
    except Exception:  # down, refused, timed out: not ready, whatever the error
        return False


async def readiness(agent: Any) -> dict[str, str]:
    """Each part's state: "ok", "down" or "memory" (kept in the process, no Redis)."""
    parts = {"model": "ok" if agent is not None and agent.is_ready() else "down"}
    for name in ("tracker_store", "lock_store"):
        answered = await _redis_answers(getattr(agent, name, None))
        parts[name] = "memory" if answered is None else ("ok" if answered else "down")
    return parts


class HealthInput(InputChannel):
    """Takes no messages: it only answers the probes."""

    @classmethod
    def name(cls) -> str:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        probes = Blueprint("health_probes", __name__)

        @probes.route("/live", methods=["GET"])
        async def live(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @probes.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            parts = await readiness(getattr(request.app.ctx, "agent", None))
            status = 503 if "down" in parts.values() else 200
            return response.json({"status": "ready" if status == 200 else "not ready", **parts}, status=status)

        return probes
