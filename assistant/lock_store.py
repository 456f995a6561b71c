"""The per-conversation lock, atomic across every Rasa server that shares a Redis (endpoints.yml).

Rasa 3.6's ``RedisLockStore`` issues tickets with a read-change-write of one JSON value (two servers
can both think they hold a conversation) and a turn that waits for the lock sleeps a whole second
between looks: the tail near one second that a busy conversation sees. Here each conversation's lock
is a Redis list of tickets in arrival order, changed only by Lua scripts (atomic in Redis):

- a turn pushes its ticket (a uuid) and records its deadline (Redis's clock) in a hash beside the list;
- while the turn waits or runs, its server renews the deadline to now + ``LEASE_SECONDS`` (never past
  the lock's lifetime, Rasa's ``TICKET_LOCK_LIFETIME``), so a turn that hangs frees the lock after its
  lifetime and a server killed with the lock frees it within ``LEASE_SECONDS``, not a whole lifetime;
- it holds the lock while its ticket is first; tickets whose deadline passed are dropped by whoever
  looks next;
- a waiting turn looks again after 2 ms, then up to every ``MAX_POLL_SECONDS``; it gives up with Rasa's
  ``LockError`` when its own ticket expired;
- the holder removes its ticket when the turn ends, and both keys expire after the last ticket.

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
LEASE_SECONDS = 5.0  # a killed server's tickets are dropped this long after its last renewal

# KEYS[1]: the conversation's ticket list; KEYS[2]: the tickets' deadlines (hash, ms); ARGV[1]: the ticket.
# 1: it holds the lock; 0: wait; -1: the ticket is gone (expired and dropped).
_TRY = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') < now_ms then
  redis.call('LREM', KEYS[1], 1, ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return -1
end
while true do
  local first = redis.call('LINDEX', KEYS[1], 0)
  if not first then return -1 end
  if first == ARGV[1] then return 1 end
  local deadline = tonumber(redis.call('HGET', KEYS[2], first) or '0')
  if deadline < now_ms then
    redis.call('LPOP', KEYS[1])
    redis.call('HDEL', KEYS[2], first)
  else
    if redis.call('LPOS', KEYS[1], ARGV[1]) then return 0 end
    return -1
  end
end
"""
# KEYS as above; ARGV[1]: the ticket; ARGV[2]: its new deadline in ms from now (the lease); ARGV[3]: the
# latest deadline it may have (absolute ms, its lifetime), or 0 on issue; ARGV[4]: 1 to issue it. Returns
# the latest deadline (issue) or 1 / 0 (renewed / gone).
_LEASE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local deadline = now_ms + tonumber(ARGV[2])
local latest = tonumber(ARGV[3])
if ARGV[4] == '1' then
  latest = deadline
  deadline = math.min(deadline, now_ms + tonumber(ARGV[5]))
  redis.call('RPUSH', KEYS[1], ARGV[1])
elseif not redis.call('HEXISTS', KEYS[2], ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], string.format('%d', math.min(deadline, latest)))
local keep = math.max(latest - now_ms, 1000) * 2
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[2], keep)
if ARGV[4] == '1' then return latest end
return 1
"""
_RELEASE = """
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""


class QueueLockStore(LockStore):
    """Per-conversation locks as Redis ticket lists (module doc)."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, host: str = "localhost", port: Any = 6379,
                 db: Any = 0, password: str | None = None, key_prefix: str = "assistant",
                 lease_seconds: Any = LEASE_SECONDS, **_: Any) -> None:
        settings = {**(endpoint_config.kwargs if endpoint_config else {})}
        host = (endpoint_config.url if endpoint_config and endpoint_config.url else None) or host
        port, db = settings.get("port", port), settings.get("db", db)
        password = settings.get("password", password) or None
        key_prefix = settings.get("key_prefix", key_prefix)
        self.lease_seconds = float(settings.get("lease_seconds", lease_seconds))
        auth = f":{password}@" if password else ""
        self.redis = LoopRedis(f"redis://{auth}{host}:{int(port)}/{int(db)}", timeout=5.0)
        self.prefix = f"{key_prefix}:lock:" if key_prefix else "lock:"

    def _keys(self, conversation_id: str) -> tuple[str, str]:
        key = f"{self.prefix}{conversation_id}"
        return key, f"{key}:deadlines"

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Holds the conversation's lock for the block (``wait_time_in_seconds`` is not used: a waiting
        turn looks again within milliseconds)."""
        client = self.redis.client()
        keys = self._keys(conversation_id)
        ticket = uuid.uuid4().hex
        lease_ms, lifetime_ms = int(self.lease_seconds * 1000), int(lock_lifetime * 1000)
        latest = int(await client.eval(_LEASE, 2, *keys, ticket, lifetime_ms, 0, 1, lease_ms))
        renewal = asyncio.create_task(self._renew(keys, ticket, latest, lease_ms))
        try:
            await self._wait_for(keys, ticket, conversation_id)
            yield TicketLock(conversation_id)
        finally:
            renewal.cancel()
            await client.eval(_RELEASE, 2, *keys, ticket)

    async def _renew(self, keys: tuple[str, str], ticket: str, latest: int, lease_ms: int) -> None:
        """Push the ticket's deadline on every third of a lease until it is gone or its lifetime is over."""
        client = self.redis.client()
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                if not int(await client.eval(_LEASE, 2, *keys, ticket, lease_ms, latest, 0, lease_ms)):
                    return
            except Exception:  # Redis hiccup: the next renewal or the turn's own calls will tell
                logger.warning("could not renew the lock ticket of %s", keys[0], exc_info=True)

    async def _wait_for(self, keys: tuple[str, str], ticket: str, conversation_id: str) -> None:
        client, pause = self.redis.client(), FIRST_POLL_SECONDS
        while True:
            state = int(await client.eval(_TRY, 2, *keys, ticket))
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
