"""The per-conversation lock, atomic across every Rasa server that shares a Redis (endpoints.yml).

Rasa 3.6's ``RedisLockStore`` issues tickets with a read-change-write of one JSON value (two servers
can both think they hold a conversation) and a turn that waits for the lock sleeps a whole second
between looks: the tail near one second that a busy conversation sees. Here each conversation's lock
is a Redis list of tickets in arrival order, changed only by Lua scripts (atomic in Redis):

- a turn pushes its ticket, ``<uuid>:<deadline in ms>`` (now + the lock's lifetime, Redis's clock);
- it holds the lock while its ticket is first; tickets whose deadline passed (a server killed with the
  lock) are dropped by whoever looks next;
- a waiting turn looks again after 2 ms, then up to every ``MAX_POLL_SECONDS``; it gives up with Rasa's
  ``LockError`` when its own ticket expired;
- the holder removes its ticket when the turn ends, and the list expires with the last ticket.

Messages of one conversation are handled one at a time and in the order they arrived, on any server.
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from channels.kit.redis_access import LoopRedis

logger = logging.getLogger(__name__)

FIRST_POLL_SECONDS = 0.002
MAX_POLL_SECONDS = 0.025

# KEYS[1]: the conversation's ticket list; ARGV[1]: the ticket. 1: it holds the lock; 0: wait; -1: the
# ticket is gone (expired and dropped).
_TRY = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
while true do
  local first = redis.call('LINDEX', KEYS[1], 0)
  if not first then return -1 end
  if first == ARGV[1] then return 1 end
  local deadline = tonumber(string.match(first, ':(%d+)$'))
  if deadline and deadline < now_ms then
    redis.call('LPOP', KEYS[1])
  else
    if redis.call('LPOS', KEYS[1], ARGV[1]) then return 0 end
    return -1
  end
end
"""
# KEYS[1]: the ticket list; ARGV[1]: the ticket's id; ARGV[2]: lifetime in ms. Returns the ticket.
_ISSUE = """
local now = redis.call('TIME')
local deadline = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[2])
local ticket = ARGV[1] .. ':' .. string.format('%d', deadline)
redis.call('RPUSH', KEYS[1], ticket)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return ticket
"""


class QueueLockStore(LockStore):
    """Per-conversation locks as Redis ticket lists (module doc)."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, host: str = "localhost", port: Any = 6379,
                 db: Any = 0, password: str | None = None, key_prefix: str = "assistant", **_: Any) -> None:
        settings = {**(endpoint_config.kwargs if endpoint_config else {})}
        host = (endpoint_config.url if endpoint_config and endpoint_config.url else None) or host
        port, db = settings.get("port", port), settings.get("db", db)
        password = settings.get("password", password) or None
        key_prefix = settings.get("key_prefix", key_prefix)
        auth = f":{password}@" if password else ""
        self.redis = LoopRedis(f"redis://{auth}{host}:{int(port)}/{int(db)}", timeout=5.0)
        self.prefix = f"{key_prefix}:lock:" if key_prefix else "lock:"

    def _key(self, conversation_id: str) -> str:
        return f"{self.prefix}{conversation_id}"

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Holds the conversation's lock for the block (``wait_time_in_seconds`` is not used: a waiting
        turn looks again within milliseconds)."""
        client = self.redis.client()
        key = self._key(conversation_id)
        ticket = str(await client.eval(_ISSUE, 1, key, uuid.uuid4().hex, int(lock_lifetime * 1000)))
        try:
            await self._wait_for(key, ticket, conversation_id)
            yield TicketLock(conversation_id)
        finally:
            await client.lrem(key, 1, ticket)

    async def _wait_for(self, key: str, ticket: str, conversation_id: str) -> None:
        client, pause = self.redis.client(), FIRST_POLL_SECONDS
        while True:
            state = int(await client.eval(_TRY, 1, key, ticket))
            if state == 1:
                return
            if state == -1:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_POLL_SECONDS)

    # Rasa's ticket-lock bookkeeping is not used by this store.
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        return None

    def save_lock(self, lock: TicketLock) -> None:
        return None
