"""The one place where the action server's clients are built (once per process)."""

from functools import lru_cache

from redis.asyncio import Redis

from actions.appeal_outbox import AppealOutbox
from actions.hotline_client import HotlineClient
from actions.settings import load_action_settings


@lru_cache(maxsize=1)
def hotline() -> HotlineClient:
    settings = load_action_settings()
    return HotlineClient(settings.hotline_url, api_key=settings.hotline_api_key,
                         service_key=settings.hotline_service_key, timeout=settings.timeout_seconds)


@lru_cache(maxsize=1)
def appeal_outbox() -> AppealOutbox | None:
    """The Redis outbox, or None when REDIS_URL is not set (then nothing can be queued)."""
    url = load_action_settings().redis_url
    return AppealOutbox(Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)) if url else None
