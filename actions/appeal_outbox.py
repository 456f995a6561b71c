"""A durable queue in Redis for appeals (and survey answers) the backend could not take yet.

An appeal is stored under its Idempotency-Key, so filing it later (any number of times)
still makes exactly one ticket; survey answers (``kind="rating"``) are keyed by ticket and
resident, and the backend takes one rating per resolution. The outbox worker (actions/outbox_worker.py) retries due
appeals with exponential backoff and tells the resident the ticket id once it is filed.

Several workers may share one outbox. ``claim`` is one Lua script: it takes up to ``limit`` due
items, pushes their score to now + the lease and records the claimant (this outbox's token) in
CLAIMS, so no other worker sees them until the lease runs out. ``extend``, ``done``,
``retry_later``, ``reject`` and ``release`` are scripts too and take effect only for the current
claimant: a worker whose lease ran out and whose item another worker claimed changes nothing.
A worker killed mid-item leaves its claim behind; the item is due again when the lease runs out
and is filed again (the Idempotency-Key makes that the same ticket). ``mark_notified`` (SET NX)
keeps the resident's notification to at most one per appeal. Times are the Redis server's
(``TIME``), so workers on machines with different clocks agree on what is due.
"""

import json
import os
import secrets
import socket
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis

QUEUE = "assistant:appeal_queue"  # sorted set: idempotency key -> next attempt or lease end (epoch seconds)
ITEMS = "assistant:appeals"  # hash: idempotency key -> appeal JSON
CLAIMS = "assistant:appeal_claims"  # hash: idempotency key -> token of the worker holding it
DEAD = "assistant:appeals:rejected"  # hash: appeals the backend refused for good
NOTIFIED = "assistant:appeal_notified:"  # + idempotency key: the resident was told (or is being told)
NOTIFIED_TTL_SECONDS = 30 * 24 * 3600  # far longer than any lease, so a re-claimed appeal is never announced twice
BASE_DELAY_SECONDS = 5.0
MAX_DELAY_SECONDS = 600.0
LEASE_SECONDS = 120.0  # a claimed item is hidden this long; far longer than one filing (5 s timeout)

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 "
_IS_CLAIMANT = "if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end "

# KEYS: queue, items, claims. ARGV: idempotency key, appeal JSON, delay. A claimed item keeps its lease.
PUT = _NOW + """
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
end
return 1
"""
# KEYS: queue, items, claims. ARGV: limit, token, lease. Returns key, JSON, key, JSON, ...
CLAIM = _NOW + """
local claimed = {}
for _, key in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))) do
  local item = redis.call('HGET', KEYS[2], key)
  if item then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), key)
    redis.call('HSET', KEYS[3], key, ARGV[2])
    table.insert(claimed, key)
    table.insert(claimed, item)
  else
    redis.call('ZREM', KEYS[1], key)
    redis.call('HDEL', KEYS[3], key)
  end
end
return claimed
"""
# KEYS: queue, items, claims. ARGV: key, token, seconds from now, JSON ('' keeps it), keep the claim (1/0).
RESCHEDULE = _IS_CLAIMANT + _NOW + """
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) end
if ARGV[5] == '0' then redis.call('HDEL', KEYS[3], ARGV[1]) end
return 1
"""
# KEYS: queue, items, claims, dead. ARGV: key, token, rejection JSON ('' for done).
FINISH = _IS_CLAIMANT + """
if ARGV[3] ~= '' then redis.call('HSET', KEYS[4], ARGV[1], ARGV[3]) end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
"""


@dataclass
class QueuedAppeal:
    idempotency_key: str
    fields: dict[str, str]
    sender_id: str
    output_channel: str
    language: str
    attempts: int = 0
    queued_at: float = field(default_factory=time.time)
    kind: str = "appeal"  # or "rating": survey answers for actions/survey.py

    @property
    def reference(self) -> str:
        """A short reference the resident can quote before the ticket id exists."""
        return "Q-" + self.idempotency_key.rsplit(":", 1)[-1][:8].upper()

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def backoff(attempts: int) -> float:
    return float(min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(0, attempts - 1)))


def claimant_token() -> str:
    """Unique per worker, readable in redis-cli: host, process id and a random tail."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class AppealOutbox:
    """The queue as one worker (``claimant``) sees it; build one per worker."""

    def __init__(self, redis: Redis, *, claimant: str | None = None, lease_seconds: float = LEASE_SECONDS) -> None:
        self.redis = redis
        self.claimant = claimant or claimant_token()
        self.lease_seconds = lease_seconds
        self._put = redis.register_script(PUT)
        self._claim = redis.register_script(CLAIM)
        self._reschedule = redis.register_script(RESCHEDULE)
        self._finish = redis.register_script(FINISH)

    async def put(self, appeal: QueuedAppeal, *, delay: float = 0.0) -> None:
        """Store (or overwrite) an appeal and schedule its next attempt; idempotent per key."""
        await self._put(keys=[QUEUE, ITEMS, CLAIMS], args=[appeal.idempotency_key, appeal.to_json(), delay])

    async def claim(self, limit: int = 20) -> list[QueuedAppeal]:
        """Take up to ``limit`` due items for this worker, hidden from others for the lease."""
        flat = await self._claim(keys=[QUEUE, ITEMS, CLAIMS], args=[limit, self.claimant, self.lease_seconds])
        return [QueuedAppeal(**json.loads(_text(item))) for item in flat[1::2]]

    async def due(self) -> list[QueuedAppeal]:
        """Look only, claim nothing (tests, operators): the items due now (held ones only once their lease ran out)."""
        keys: list[Any] = list(await self.redis.zrangebyscore(QUEUE, "-inf", time.time()))  # members, no scores
        raw = await self.redis.hmget(ITEMS, keys) if keys else []
        return [QueuedAppeal(**json.loads(_text(item))) for item in raw if item is not None]

    async def extend(self, appeal: QueuedAppeal) -> bool:
        """Restart the lease before working on an item; False if another worker holds it now."""
        return await self._reschedule_claimed(appeal, self.lease_seconds, keep_claim=True)

    async def retry_later(self, appeal: QueuedAppeal) -> float | None:
        """Count a failed attempt and hand the item back, due after the backoff.

        Returns:
            The delay in seconds, or None when another worker holds the item now (nothing changed).
        """
        appeal.attempts += 1
        delay = backoff(appeal.attempts)
        if await self._reschedule_claimed(appeal, delay, keep_claim=False, stored=appeal.to_json()):
            return delay
        return None

    async def release(self, appeal: QueuedAppeal) -> bool:
        """Hand back a claimed item untouched, due now (a worker that stops before reaching it)."""
        return await self._reschedule_claimed(appeal, 0.0, keep_claim=False)

    async def done(self, appeal: QueuedAppeal) -> bool:
        """Remove a filed item; False (and nothing changed) if this worker no longer holds it."""
        return bool(await self._finish(keys=[QUEUE, ITEMS, CLAIMS, DEAD],
                                       args=[appeal.idempotency_key, self.claimant, ""]))

    async def reject(self, appeal: QueuedAppeal, reason: str) -> bool:
        """Keep an appeal the backend refused (4xx) for an operator to look at; stop retrying."""
        rejected = json.dumps({**asdict(appeal), "reason": reason})
        return bool(await self._finish(keys=[QUEUE, ITEMS, CLAIMS, DEAD],
                                       args=[appeal.idempotency_key, self.claimant, rejected]))

    async def mark_notified(self, appeal: QueuedAppeal, ticket_id: str) -> bool:
        """Record that the resident is being told; True only the first time for this appeal."""
        return bool(await self.redis.set(NOTIFIED + appeal.idempotency_key, ticket_id, nx=True,
                                         ex=NOTIFIED_TTL_SECONDS))

    async def size(self) -> int:
        return int(await self.redis.zcard(QUEUE))

    async def claimed(self) -> dict[str, str]:
        """Idempotency key -> claimant, for every item some worker holds now."""
        held = await self.redis.hgetall(CLAIMS)
        return {_text(key): _text(token) for key, token in held.items()}

    async def _reschedule_claimed(self, appeal: QueuedAppeal, seconds: float, *, keep_claim: bool,
                                  stored: str = "") -> bool:
        return bool(await self._reschedule(keys=[QUEUE, ITEMS, CLAIMS],
                                           args=[appeal.idempotency_key, self.claimant, seconds, stored,
                                                 int(keep_claim)]))
