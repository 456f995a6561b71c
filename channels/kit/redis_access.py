"""Redis for the connectors: one asyncio client per event loop, Redis errors as ``StoreUnavailable``.

Connectors must not go on without their Redis records (dedupe, queues, button payloads), so
every failure to reach Redis becomes one exception type the webhooks map to 503.
"""

import asyncio
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError


class StoreUnavailable(RuntimeError):
    """Redis cannot be reached: the connector cannot dedupe or record."""


class LoopRedis:
    """A lazily built client for the running event loop (a client belongs to one loop)."""

    def __init__(self, url: str, *, timeout: float = 1.0) -> None:
        self.url, self.timeout = url, timeout
        self._client: aioredis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def client(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # Connecting gets the same time as a command: a fresh Rasa server takes a burst of conversations
            # and opens a connection for each while its loop is busy, and a 1 s connect limit turned that into
            # 500s (tests/assistant/test_two_instances.py, under load).
            self._client = aioredis.Redis.from_url(self.url, socket_timeout=self.timeout,
                                                   socket_connect_timeout=self.timeout, decode_responses=True)
            self._loop = loop
        return self._client

    async def run(self, command: str, *args: Any, **kwargs: Any) -> Any:
        """``client.<command>(*args, **kwargs)``.

        Raises:
            StoreUnavailable: Redis refused, timed out or could not be reached.
        """
        try:
            return await getattr(self.client(), command)(*args, **kwargs)
        except (RedisError, OSError) as error:
            raise StoreUnavailable(f"redis: {error}") from error
