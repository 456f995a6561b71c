"""Telegram's flood limits counted across every Rasa server: send times booked in Redis.

Several Rasa servers behind a load balancer send for one bot, and Telegram counts the bot's
messages, not each server's. Each send books its time with one Lua script (atomic across servers),
on Redis's clock (``TIME``), so the servers' own clocks do not matter:

- overall, sends take distinct slots of ``1/overall_per_second`` (40 ms at 25/s), the earliest free
  one at or after the send's earliest time, so no second holds more than 25 whatever the chats and
  servers; a chat waiting for its own second does not hold anyone else up;
- per chat, the next free time is a second after its last booked send;
- after a 429 every server's bookings start after the ``retry_after`` Telegram named.

The script answers the booked time and Redis's now; the caller sleeps the difference. Redis's
microseconds are cut to milliseconds, which only lengthens a wait, so a send never leaves before
its slot; it leaves late by the answer's trip and the event loop's delay (1-25 ms on an idle
2-core machine here, up to 0.18 s with both cores busy), which the margin between our 25/s and
Telegram's 30/s absorbs, and by which two sends of one chat can come closer than their second.

Keys share one hash tag (``{telegram:<bot id>:pace}``: one slot in Redis Cluster) and expire: a
chat's record when its next free time has come, the pause when it ends, the booked slots a second
after the last one (past slots are dropped by every booking). When Redis cannot be reached, sends
are spaced in this process (``RateLimiter``, 25/s per server) with a warning, and Redis is tried
again after ``RETRY_REDIS_SECONDS``: a send never fails because the limiter's store is down.
"""

import asyncio
import logging
import math
import time
from dataclasses import dataclass

from channels.kit.redis_access import LoopRedis, StoreUnavailable
from channels.telegram.sender import RateLimiter, Sleep

logger = logging.getLogger(__name__)
RETRY_REDIS_SECONDS = 5.0

# KEYS[1] booked slots (sorted set of slot numbers), KEYS[2] the chat's next free time, KEYS[3] the pause's end.
# ARGV[1] slot length (ms), ARGV[2] per-chat interval (ms), ARGV[3] a pause to start now (ms; 0: none).
# Returns {booked send time, Redis's now}, in ms since the epoch.
_BOOK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slot_ms, chat_ms, pause_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if pause_ms > 0 and now + pause_ms > tonumber(redis.call('GET', KEYS[3]) or '0') then
  redis.call('SET', KEYS[3], string.format('%d', now + pause_ms), 'PX', pause_ms)
end
local earliest = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0'), tonumber(redis.call('GET', KEYS[3]) or '0'))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', math.floor(now / slot_ms)))
local slot = math.ceil(earliest / slot_ms)
for _, booked in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], slot, '+inf')) do
  if tonumber(booked) ~= slot then break end
  slot = slot + 1
end
local member = string.format('%d', slot)
redis.call('ZADD', KEYS[1], member, member)
local start = slot * slot_ms
redis.call('SET', KEYS[2], string.format('%d', start + chat_ms), 'PX', string.format('%d', start + chat_ms - now))
local last = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1)[1])
redis.call('PEXPIRE', KEYS[1], string.format('%d', last * slot_ms - now + 1000))
return {start, now}
"""


@dataclass(frozen=True)
class Booking:
    """A booked send: when (seconds since the epoch; Redis's clock when ``shared``) and how long to wait."""

    start: float
    wait: float
    shared: bool


class SharedRateLimiter:
    """Send times for every server of one bot: per chat one per ``per_chat_interval``, overall
    ``overall_per_second`` (module doc); the in-process ``RateLimiter`` while Redis is down."""

    def __init__(self, redis_url: str, *, bot_id: str, per_chat_interval: float = 1.0, overall_per_second: int = 25,
                 timeout: float = 0.5, sleep: Sleep = asyncio.sleep) -> None:
        self.slot_ms = math.ceil(1000 / overall_per_second)  # rounded up: never more than the rate
        self.chat_ms = math.ceil(per_chat_interval * 1000)
        self.prefix = f"{{telegram:{bot_id}:pace}}"
        self.redis = LoopRedis(redis_url, timeout=timeout)
        self.local = RateLimiter(per_chat_interval=per_chat_interval, overall_per_second=overall_per_second,
                                 sleep=sleep)
        self.sleep = sleep
        self._pending_pause_ms = 0
        self._retry_redis_at = 0.0
        self._shared = True

    async def book(self, chat_id: str) -> Booking:
        """Book the chat's next send, in Redis when it answers, else in this process."""
        if time.monotonic() >= self._retry_redis_at:
            try:
                return await self._book_shared(chat_id)
            except StoreUnavailable as error:
                self._fall_back(error)
        wait = self.local.reserve(chat_id)
        return Booking(time.time() + wait, wait, shared=False)

    async def _book_shared(self, chat_id: str) -> Booking:
        pause_ms, self._pending_pause_ms = self._pending_pause_ms, 0
        try:
            start_ms, now_ms = await self.redis.run(
                "eval", _BOOK, 3, f"{self.prefix}:slots", f"{self.prefix}:chat:{chat_id}", f"{self.prefix}:paused",
                self.slot_ms, self.chat_ms, pause_ms)
        except StoreUnavailable:
            self._pending_pause_ms = max(self._pending_pause_ms, pause_ms)
            raise
        if not self._shared:
            logger.info("Telegram send limits shared through Redis again")
            self._shared = True
        return Booking(int(start_ms) / 1000, (int(start_ms) - int(now_ms)) / 1000, shared=True)

    def _fall_back(self, error: StoreUnavailable) -> None:
        self._retry_redis_at = time.monotonic() + RETRY_REDIS_SECONDS
        if self._shared:
            logger.warning("Telegram send limits kept in this process (%d/s on each server) while Redis is down: %s",
                           self.local.overall_per_second, error)
            self._shared = False

    async def wait(self, chat_id: str) -> None:
        """Wait until the chat's next send may go."""
        booking = await self.book(chat_id)
        if booking.wait > 0:
            await self.sleep(booking.wait)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends before ``seconds`` from now (every server from its next booking)."""
        self.local.pause(seconds)
        self._pending_pause_ms = max(self._pending_pause_ms, math.ceil(seconds * 1000))
