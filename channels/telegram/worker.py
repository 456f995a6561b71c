"""The queue consumer in the Rasa process, and long polling (development without a public URL).

``Worker`` reads accepted updates from the store (channels/telegram/store.py), runs up to
``concurrency`` of them at once but one at a time per chat, in the order they were accepted, and
acks each after its handler returned (or failed: a bug must not replay forever; Rasa logged it).
Every ``reclaim_every`` seconds it also claims entries a crashed worker left pending.

``poll`` is the webhook's twin for development: getUpdates (long polling), each update accepted
into the same store exactly as the webhook does, and the offset moved past an update only once
it is accepted, so Telegram keeps what Redis did not take.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import RetryAfter, TelegramError

from channels.kit.redis_access import StoreUnavailable
from channels.telegram.sender import retry_seconds
from channels.telegram.store import Entry, TelegramStore

logger = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


class Worker:
    """Consumes the store's queue: per-chat order, bounded concurrency, ack after the handler."""

    def __init__(self, store: TelegramStore, handle: Callable[[Entry], Awaitable[None]], key_of: Callable[[str], str],
                 *, consumer: str, concurrency: int = 16, block_seconds: float = 1.0,
                 reclaim_every: float = 30.0) -> None:
        self.store, self.handle, self.key_of, self.consumer = store, handle, key_of, consumer
        self.concurrency, self.block_seconds, self.reclaim_every = concurrency, block_seconds, reclaim_every
        self._inflight: set[asyncio.Task[None]] = set()
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Until ``stop``: read, schedule, and now and then reclaim. Redis outages are waited out."""
        prepared, next_reclaim = False, 0.0
        while not self._stopping.is_set():
            try:
                if not prepared:
                    await self.store.prepare()
                    prepared = True
                if len(self._inflight) >= self.concurrency:
                    await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                free = self.concurrency - len(self._inflight)
                if time.monotonic() >= next_reclaim:
                    next_reclaim = time.monotonic() + self.reclaim_every
                    entries = await self.store.reclaim(self.consumer, free)
                else:
                    entries = await self.store.read(self.consumer, free, self.block_seconds)
            except StoreUnavailable as error:  # also a stream deleted under us (NOGROUP): prepare again
                logger.error("Telegram queue unavailable, retrying in 1 s: %s", error)
                prepared = False
                await asyncio.sleep(1.0)
                continue
            for entry in entries:
                self._schedule(entry)

    def _schedule(self, entry: Entry) -> None:
        try:
            key = self.key_of(entry.raw)
        except ValueError:
            key = entry.entry_id
        task = asyncio.create_task(self._process(entry, self._tails.get(key)))
        self._tails[key] = task
        self._inflight.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._inflight.discard(finished)
            if self._tails.get(key) is finished:
                del self._tails[key]
        task.add_done_callback(done)

    async def _process(self, entry: Entry, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        try:
            await self.handle(entry)
        except Exception:
            logger.exception("Telegram update %s failed", entry.entry_id)
        try:
            await self.store.ack(entry.entry_id)
        except StoreUnavailable as error:  # it stays pending and is reclaimed; the handler checks for a turn
            logger.error("Telegram update %s not acknowledged: %s", entry.entry_id, error)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop reading; give running turns ``timeout`` seconds (what is left stays pending)."""
        self._stopping.set()
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=timeout)

    async def drain(self) -> None:
        """Wait for every scheduled update (tests and benchmarks)."""
        while self._inflight:
            await asyncio.wait(self._inflight)


async def poll(bot: Bot, store: TelegramStore, stopping: asyncio.Event, *, timeout: int = 25) -> None:
    """Long polling until ``stopping`` is set: getUpdates, accept each update, then move the offset."""
    offset: int | None = None
    removed = False
    while not stopping.is_set():
        try:
            if not removed:  # getUpdates is refused while a webhook is set
                await bot.delete_webhook(drop_pending_updates=False)
                removed = True
            updates = await bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        except RetryAfter as error:
            await asyncio.sleep(retry_seconds(error))
            continue
        except TelegramError as error:
            logger.warning("Telegram getUpdates failed, retrying in 2 s: %s", error)
            await asyncio.sleep(2.0)
            continue
        for update in updates:
            while not stopping.is_set():
                try:
                    await store.accept(update.update_id, update.to_json())
                    break
                except StoreUnavailable as error:
                    logger.error("Telegram update %s not accepted yet (Redis): %s", update.update_id, error)
                    await asyncio.sleep(1.0)
            else:
                return
            offset = update.update_id + 1
