"""Sending to Telegram within its flood limits: 1 message/second per chat, 25/second overall.

``RateLimiter`` hands out send times: a chat's next message waits a second after its last one,
and overall the sends take distinct 40 ms slots, so no second holds more than 25 whatever the
chats. A chat waiting for its own second does not hold anyone else up. After a 429 (PTB's
``RetryAfter``) every send pauses for the ``retry_after`` Telegram named, then the message is
sent again. ``Forbidden`` (the resident blocked the bot, or deleted the account) is recorded in
the store and counted, and never retried; the chat is unblocked when the resident writes again.
Network errors are retried with backoff (a timed-out send may then arrive twice: Telegram has no
idempotency key for sendMessage; a lost answer is the worse failure for a hotline).

``RateLimiter`` counts in this process only: a second process would get its own 25/s. With
REDIS_URL set the connector uses ``SharedRateLimiter`` (channels/telegram/shared_limiter.py)
instead, which books the same send times in Redis for every Rasa server of the bot and falls back
to this class while Redis is down.
"""

import asyncio
import logging
import math
import time
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from channels.kit.redis_access import StoreUnavailable
from channels.telegram.store import TelegramStore

logger = logging.getLogger(__name__)
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds (PTB 22 warns about the attribute's future type: read it quietly)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class RateLimiter:
    """Send times: per chat one per ``per_chat_interval``, overall ``overall_per_second``."""

    def __init__(self, *, per_chat_interval: float = 1.0, overall_per_second: int = 25, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.per_chat_interval, self.overall_per_second = per_chat_interval, overall_per_second
        self.clock, self.sleep = clock, sleep
        self._chat_next: dict[str, float] = {}
        self._slots: set[int] = set()
        self._paused_until = 0.0

    def reserve(self, chat_id: str) -> float:
        """Book the chat's next send; returns how long to wait for it (seconds)."""
        now = self.clock()
        earliest = max(now, self._chat_next.get(chat_id, now), self._paused_until)
        slot = math.ceil(earliest * self.overall_per_second - 1e-9)
        while slot in self._slots:
            slot += 1
        self._slots.add(slot)
        start = max(earliest, slot / self.overall_per_second)
        self._chat_next[chat_id] = start + self.per_chat_interval
        self._forget(now)
        return start - now

    def _forget(self, now: float) -> None:
        if len(self._slots) > 4 * self.overall_per_second:
            oldest = math.floor((now - 1.0) * self.overall_per_second)
            self._slots = {s for s in self._slots if s >= oldest}
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}

    async def wait(self, chat_id: str) -> None:
        delay = self.reserve(chat_id)
        if delay > 0:
            await self.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends before ``seconds`` from now."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)


class Limiter(Protocol):
    """What the sender needs of a limiter: in this process (``RateLimiter``) or shared through Redis."""

    sleep: Sleep

    async def wait(self, chat_id: str) -> None: ...
    def pause(self, seconds: float) -> None: ...


class Sender:
    """Runs one send call per message through the limiter, with Telegram's errors handled."""

    def __init__(self, limiter: Limiter, store: TelegramStore, *, max_attempts: int = 5) -> None:
        self.limiter, self.store, self.max_attempts = limiter, store, max_attempts
        self.counts = {"sent": 0, "retry_after": 0, "forbidden": 0, "failed": 0}

    async def send(self, chat_id: str, call: Callable[[], Awaitable[Any]]) -> bool:
        """Send one message to ``chat_id``; False when it was not delivered (blocked, refused, gave up)."""
        for attempt in range(1, self.max_attempts + 1):
            await self.limiter.wait(chat_id)
            try:
                await call()
            except RetryAfter as error:
                seconds = retry_seconds(error)
                self.counts["retry_after"] += 1
                logger.warning("Telegram flood limit: waiting %.0f s (chat %s, attempt %d)", seconds, chat_id, attempt)
                self.limiter.pause(seconds)
                continue
            except Forbidden as error:
                await self._blocked(chat_id, error)
                return False
            except BadRequest as error:  # the message itself is wrong: sending it again cannot help
                self.counts["failed"] += 1
                logger.error("Telegram refused a message to chat %s: %s", chat_id, error)
                return False
            except NetworkError as error:
                logger.warning("Telegram unreachable (chat %s, attempt %d): %s", chat_id, attempt, error)
                await self.limiter.sleep(min(2.0 ** attempt, 30.0))
                continue
            except TelegramError as error:
                self.counts["failed"] += 1
                logger.error("Telegram error for chat %s: %s", chat_id, error)
                return False
            self.counts["sent"] += 1
            return True
        self.counts["failed"] += 1
        logger.error("message to chat %s not delivered after %d attempts", chat_id, self.max_attempts)
        return False

    async def _blocked(self, chat_id: str, error: Forbidden) -> None:
        self.counts["forbidden"] += 1
        logger.warning("Telegram chat %s blocked the bot (%s): recorded, not retried", chat_id, error)
        try:
            await self.store.set_blocked(chat_id, True)
        except StoreUnavailable as unavailable:
            logger.error("could not record the blocked chat %s: %s", chat_id, unavailable)
