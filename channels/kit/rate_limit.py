"""Token buckets shared by every assistant process through Redis, with a local fallback.

A bucket holds up to ``burst`` tokens and refills at ``per_minute`` tokens a minute; each
message takes one. The check is one Lua script (atomic across machines). When Redis cannot be
reached, each process keeps its own buckets, so a limit still holds, per machine, rather than
failing open; a warning says so once.
"""

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from channels.kit.redis_access import LoopRedis, StoreUnavailable

logger = logging.getLogger(__name__)

# KEYS[1] bucket; ARGV: now (ms), refill per ms, burst, cost (1: take a token, 0: only look).
# Returns the wait in ms (0: a token was there). Looking writes nothing.
_TAKE = """
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local now, rate, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - cost else wait = math.ceil((1 - tokens) / rate) end
if cost > 0 then
  redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
end
return wait
"""
LOCAL_BUCKETS = 50_000  # the fallback forgets the least recently used keys beyond this


@dataclass(frozen=True)
class Limit:
    per_minute: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1:
            raise ValueError("a limit needs per_minute > 0 and burst >= 1")

    def from_env(self, env: Mapping[str, str], name: str) -> "Limit":
        """This limit, or the one ``<name>_PER_MINUTE`` and ``<name>_BURST`` set."""
        return Limit(float(env.get(f"{name}_PER_MINUTE", self.per_minute)), int(env.get(f"{name}_BURST", self.burst)))


class RateLimiter:
    """``await limiter.wait_for(key)``: 0.0 when the message may pass (a token is taken), else seconds
    to wait; ``await limiter.peek(key)`` answers the same without taking a token."""

    def __init__(self, limit: Limit, *, redis_url: str | None, prefix: str) -> None:
        self.limit, self.prefix = limit, prefix
        self.redis = LoopRedis(redis_url, timeout=0.5) if redis_url else None
        self._local: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._warned = False

    async def wait_for(self, key: str) -> float:
        return await self._bucket(key, cost=1)

    async def peek(self, key: str) -> float:
        return await self._bucket(key, cost=0)

    async def _bucket(self, key: str, cost: int) -> float:
        now = time.time()
        if self.redis is not None:
            try:
                wait_ms = await self.redis.run("eval", _TAKE, 1, f"{self.prefix}:{key}", int(now * 1000),
                                               self.limit.per_minute / 60_000, self.limit.burst, cost)
                return float(wait_ms) / 1000
            except StoreUnavailable as error:
                if not self._warned:
                    logger.warning("rate limits kept per process: %s", error)
                    self._warned = True
        return self._take_local(key, now, cost)

    def _take_local(self, key: str, now: float, cost: int) -> float:
        rate = self.limit.per_minute / 60
        if cost == 0 and key not in self._local:
            return 0.0
        tokens, at = self._local.pop(key, (float(self.limit.burst), now))
        tokens = min(float(self.limit.burst), tokens + (now - at) * rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= cost
        else:
            wait = (1 - tokens) / rate
        self._local[key] = (tokens, now)
        while len(self._local) > LOCAL_BUCKETS:
            self._local.popitem(last=False)
        return wait


def retry_after(seconds: float) -> str:
    """The Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
