"""What the Telegram connector keeps in Redis: accepted updates, their queue, buttons, blocked chats.

An update is accepted once, atomically (one Lua script): ``SET NX`` of its update_id (kept 48
hours; Telegram gives up on an update after 24) and ``XADD`` of its JSON to a stream. Only then
does the webhook answer 200 (or long polling move its offset): from there on the update is
Redis's to keep. Workers read the stream in a consumer group and ``XACK`` + ``XDEL`` an entry
after its turn; an entry left pending by a crashed worker is claimed again (``XAUTOCLAIM``) after
``RECLAIM_IDLE_SECONDS`` and marked ``reclaimed``, so the handler can check Rasa's tracker before
running its turn again.

Buttons: the payloads of one keyboard live under a short random id (callback_data is at most 64
bytes and Telegram does not check it against the keyboard it sent). A keyboard answers once.

``MemoryStore`` does the same in one process for development without Redis (nothing survives a
restart there).
"""

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import RedisError, ResponseError

from channels.kit.redis_access import LoopRedis, StoreUnavailable

UPDATE_SECONDS = 48 * 3600
KEYBOARD_SECONDS = 30 * 24 * 3600  # survey buttons may be pressed days after the push
RECLAIM_IDLE_SECONDS = 60.0
GROUP = "turns"

_ACCEPT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('XADD', KEYS[2], '*', 'update', ARGV[2])
return 1
"""
_ACK = """
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return redis.call('XDEL', KEYS[1], ARGV[2])
"""
_TAKE = """
local payload = redis.call('HGET', KEYS[1], ARGV[1])
if not payload then return {'expired', ''} end
if redis.call('HSETNX', KEYS[1], 'used', ARGV[1]) == 0 then return {'used', ''} end
return {'ok', payload}
"""


@dataclass(frozen=True)
class Entry:
    """One queued update: the stream entry's id, the update's JSON, claimed again after a crash."""

    entry_id: str
    raw: str
    reclaimed: bool = False


class TelegramStore(Protocol):
    async def accept(self, update_id: int, raw: str) -> bool: ...
    async def prepare(self) -> None: ...
    async def read(self, consumer: str, count: int, block_seconds: float) -> list[Entry]: ...
    async def reclaim(self, consumer: str, count: int) -> list[Entry]: ...
    async def ack(self, entry_id: str) -> None: ...
    async def save_keyboard(self, payloads: list[str]) -> str: ...
    async def take_button(self, keyboard: str, index: int) -> tuple[str, str]: ...
    async def set_blocked(self, chat_id: str, blocked: bool) -> None: ...
    async def is_blocked(self, chat_id: str) -> bool: ...


class RedisStore:
    """The store in Redis, shared by every worker; errors become ``StoreUnavailable``."""

    def __init__(self, url: str, *, bot_id: str, timeout: float = 1.0, reclaim_idle: float = RECLAIM_IDLE_SECONDS,
                 block_seconds: float = 1.0) -> None:
        self.prefix, self.reclaim_idle = f"telegram:{bot_id}", reclaim_idle
        self.stream = f"{self.prefix}:updates"
        self._redis = LoopRedis(url, timeout=timeout)
        self._blocking = LoopRedis(url, timeout=block_seconds + timeout + 1.0)

    async def accept(self, update_id: int, raw: str) -> bool:
        return bool(await self._redis.run("eval", _ACCEPT, 2, f"{self.prefix}:update:{update_id}", self.stream,
                                          UPDATE_SECONDS, raw))

    async def prepare(self) -> None:
        """Create the consumer group (from the stream's start, so nothing accepted before is missed)."""
        try:
            await self._redis.client().xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise StoreUnavailable(f"redis: {error}") from error
        except (RedisError, OSError) as error:
            raise StoreUnavailable(f"redis: {error}") from error

    async def read(self, consumer: str, count: int, block_seconds: float) -> list[Entry]:
        answer = await self._blocking.run("xreadgroup", GROUP, consumer, {self.stream: ">"}, count=count,
                                          block=max(1, int(block_seconds * 1000)))
        return [Entry(entry_id, fields.get("update", "")) for _, entries in answer or [] for entry_id, fields in entries
                if fields]

    async def reclaim(self, consumer: str, count: int) -> list[Entry]:
        answer = await self._redis.run("xautoclaim", self.stream, GROUP, consumer,
                                       int(self.reclaim_idle * 1000), "0-0", count)
        entries: list[Any] = answer[1] if answer and len(answer) > 1 else []
        return [Entry(entry_id, fields.get("update", ""), reclaimed=True) for entry_id, fields in entries if fields]

    async def ack(self, entry_id: str) -> None:
        await self._redis.run("eval", _ACK, 1, self.stream, GROUP, entry_id)

    async def save_keyboard(self, payloads: list[str]) -> str:
        keyboard = secrets.token_urlsafe(9)
        key = f"{self.prefix}:keyboard:{keyboard}"
        client = self._redis.client()
        try:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping={str(index): payload for index, payload in enumerate(payloads)})
                pipe.expire(key, KEYBOARD_SECONDS)
                await pipe.execute()
        except (RedisError, OSError) as error:
            raise StoreUnavailable(f"redis: {error}") from error
        return keyboard

    async def take_button(self, keyboard: str, index: int) -> tuple[str, str]:
        status, payload = await self._redis.run("eval", _TAKE, 1, f"{self.prefix}:keyboard:{keyboard}", str(index))
        return str(status), str(payload)

    async def set_blocked(self, chat_id: str, blocked: bool) -> None:
        if blocked:
            await self._redis.run("sadd", f"{self.prefix}:blocked", chat_id)
            await self._redis.run("incr", f"{self.prefix}:metrics:forbidden")
        else:
            await self._redis.run("srem", f"{self.prefix}:blocked", chat_id)

    async def is_blocked(self, chat_id: str) -> bool:
        return bool(await self._redis.run("sismember", f"{self.prefix}:blocked", chat_id))


class MemoryStore:
    """The same in one process's memory (no Redis: development only, one worker)."""

    def __init__(self) -> None:
        self._accepted: dict[int, float] = {}
        self._queue: asyncio.Queue[Entry] | None = None
        self._keyboards: dict[str, dict[str, str]] = {}
        self.blocked: set[str] = set()
        self.forbidden_count = 0

    def _pending(self) -> "asyncio.Queue[Entry]":
        if self._queue is None:
            self._queue = asyncio.Queue()
        return self._queue

    async def accept(self, update_id: int, raw: str) -> bool:
        now = time.monotonic()
        if update_id in self._accepted and now - self._accepted[update_id] < UPDATE_SECONDS:
            return False
        self._accepted[update_id] = now
        self._pending().put_nowait(Entry(str(update_id), raw))
        return True

    async def prepare(self) -> None:
        self._pending()

    async def read(self, consumer: str, count: int, block_seconds: float) -> list[Entry]:
        queue = self._pending()
        try:
            entries = [await asyncio.wait_for(queue.get(), timeout=block_seconds)]
        except asyncio.TimeoutError:
            return []
        while len(entries) < count and not queue.empty():
            entries.append(queue.get_nowait())
        return entries

    async def reclaim(self, consumer: str, count: int) -> list[Entry]:
        return []

    async def ack(self, entry_id: str) -> None:
        return None

    async def save_keyboard(self, payloads: list[str]) -> str:
        keyboard = secrets.token_urlsafe(9)
        self._keyboards[keyboard] = {str(index): payload for index, payload in enumerate(payloads)}
        return keyboard

    async def take_button(self, keyboard: str, index: int) -> tuple[str, str]:
        buttons = self._keyboards.get(keyboard, {})
        if str(index) not in buttons:
            return "expired", ""
        if "used" in buttons:
            return "used", ""
        buttons["used"] = str(index)
        return "ok", buttons[str(index)]

    async def set_blocked(self, chat_id: str, blocked: bool) -> None:
        if blocked:
            self.blocked.add(chat_id)
            self.forbidden_count += 1
        else:
            self.blocked.discard(chat_id)

    async def is_blocked(self, chat_id: str) -> bool:
        return chat_id in self.blocked
