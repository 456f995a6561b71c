"""What the connector remembers between calls: dedupe records, button payloads, the reply window.

A dedupe record (per MsgId, or sender + CreateTime for events) moves, atomically:

    (none) --claim--> processing --finish--> done (with the passive reply to give)
                          \\--settle--> async (someone answered ``success``: the reply goes
                                               through the customer-service API)

Exactly one of ``finish`` and ``settle`` wins, so the reply is delivered exactly one way, and a
retry never starts a second turn.

The reply window counts what WeChat allows through the customer-service API after a resident's
action: after a message, ``WECHAT_WINDOW_MESSAGES`` (default 5) messages within 48 hours, counted
afresh at each message; after a menu click or subscribing, 3 within a minute (never cutting a
longer window short). Each customer-service message takes one, atomically, so all servers together
stay within it; when none is left the delivery sends a template message instead of a call WeChat
would refuse (45047). Passive replies are not counted: WeChat does not count them.

``RedisStore`` is shared by all workers; ``MemoryStore`` is for a single process without Redis
(development with endpoints.memory.yml).
"""

import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

from channels.kit.redis_access import LoopRedis
from channels.kit.redis_access import StoreUnavailable as StoreUnavailable

RECORD_SECONDS = 3600          # WeChat retries within ~15 s; an hour is plenty
BUTTONS_SECONDS = 24 * 3600
WINDOW_SECONDS = 48 * 3600     # customer-service messages: within 48 hours of the resident's last message


@dataclass(frozen=True)
class Allowance:
    """Customer-service messages WeChat allows after a resident's action, and for how long."""

    messages: int
    seconds: int


EVENT_ALLOWANCE = Allowance(3, 60)  # a menu click or subscribing

_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'processing')
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""
_FINISH = """
if redis.call('HGET', KEYS[1], 'state') ~= 'processing' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'reply', ARGV[1])
return 1
"""
_SETTLE = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'processing' then
  redis.call('HSET', KEYS[1], 'state', 'async')
  return {'async', ''}
end
return {state or 'missing', redis.call('HGET', KEYS[1], 'reply') or ''}
"""
# KEYS[1] the resident's window: messages left, expiring with it. ARGV: messages, seconds.
_OPEN = """
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
if left > 0 and redis.call('PTTL', KEYS[1]) > tonumber(ARGV[2]) * 1000 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
_TAKE = """
if tonumber(redis.call('GET', KEYS[1]) or '0') < 1 then return 0 end
redis.call('DECR', KEYS[1])
return 1
"""


class WeChatStore(Protocol):
    async def claim(self, key: str) -> bool: ...
    async def finish(self, key: str, reply: str) -> bool: ...
    async def settle(self, key: str) -> tuple[str, str]: ...
    async def state(self, key: str) -> str | None: ...
    async def remember_buttons(self, openid: str, payloads: list[str]) -> None: ...
    async def button_payload(self, openid: str, number: int) -> str | None: ...
    async def open_window(self, openid: str, allowance: Allowance) -> None: ...
    async def take_window_message(self, openid: str) -> bool: ...
    async def close_window(self, openid: str) -> None: ...


class RedisStore:
    """The store in Redis, shared by every worker; errors become ``StoreUnavailable``."""

    def __init__(self, url: str, *, app_id: str, timeout: float = 1.0) -> None:
        self.prefix = f"wechat:{app_id}"
        self._redis = LoopRedis(url, timeout=timeout)

    async def _run(self, command: str, *args: Any) -> Any:
        return await self._redis.run(command, *args)

    async def claim(self, key: str) -> bool:
        return bool(await self._run("eval", _CLAIM, 1, f"{self.prefix}:msg:{key}", RECORD_SECONDS))

    async def finish(self, key: str, reply: str) -> bool:
        return bool(await self._run("eval", _FINISH, 1, f"{self.prefix}:msg:{key}", reply))

    async def settle(self, key: str) -> tuple[str, str]:
        state, reply = await self._run("eval", _SETTLE, 1, f"{self.prefix}:msg:{key}")
        return str(state), str(reply)

    async def state(self, key: str) -> str | None:
        value = await self._run("hget", f"{self.prefix}:msg:{key}", "state")
        return str(value) if value is not None else None

    async def remember_buttons(self, openid: str, payloads: list[str]) -> None:
        key = f"{self.prefix}:buttons:{openid}"
        if payloads:
            await self._run("set", key, json.dumps(payloads, ensure_ascii=False), BUTTONS_SECONDS)
        else:
            await self._run("delete", key)

    async def button_payload(self, openid: str, number: int) -> str | None:
        raw = await self._run("get", f"{self.prefix}:buttons:{openid}")
        payloads = json.loads(raw) if raw else []
        return str(payloads[number - 1]) if 1 <= number <= len(payloads) else None

    async def open_window(self, openid: str, allowance: Allowance) -> None:
        """The resident acted: WeChat allows ``allowance`` from now (a longer window is kept)."""
        await self._run("eval", _OPEN, 1, f"{self.prefix}:window:{openid}", allowance.messages, allowance.seconds)

    async def take_window_message(self, openid: str) -> bool:
        """Take one customer-service message from the resident's window; False: none left (or no window)."""
        return bool(await self._run("eval", _TAKE, 1, f"{self.prefix}:window:{openid}"))

    async def close_window(self, openid: str) -> None:
        """WeChat refused a customer-service message (45015/45047): none until the resident acts again."""
        await self._run("delete", f"{self.prefix}:window:{openid}")


class MemoryStore:
    """The same in one process's memory (no Redis: development only, one worker)."""

    def __init__(self) -> None:
        self._records: dict[str, dict[str, str]] = {}
        self._claimed_at: dict[str, float] = {}
        self._buttons: dict[str, list[str]] = {}
        self._windows: dict[str, tuple[int, float]] = {}  # openid -> (messages left, until)

    async def claim(self, key: str) -> bool:
        now = time.monotonic()
        for old in [k for k, at in self._claimed_at.items() if now - at > RECORD_SECONDS]:
            self._records.pop(old, None)
            self._claimed_at.pop(old, None)
        if key in self._records:
            return False
        self._records[key], self._claimed_at[key] = {"state": "processing"}, now
        return True

    async def finish(self, key: str, reply: str) -> bool:
        record = self._records.get(key)
        if record is None or record["state"] != "processing":
            return False
        record.update(state="done", reply=reply)
        return True

    async def settle(self, key: str) -> tuple[str, str]:
        record = self._records.get(key)
        if record is None:
            return "missing", ""
        if record["state"] == "processing":
            record["state"] = "async"
        return record["state"], record.get("reply", "")

    async def state(self, key: str) -> str | None:
        record = self._records.get(key)
        return record["state"] if record else None

    async def remember_buttons(self, openid: str, payloads: list[str]) -> None:
        self._buttons[openid] = list(payloads)

    async def button_payload(self, openid: str, number: int) -> str | None:
        payloads = self._buttons.get(openid, [])
        return payloads[number - 1] if 1 <= number <= len(payloads) else None

    def _window(self, openid: str) -> tuple[int, float]:
        left, until = self._windows.get(openid, (0, 0.0))
        return (left, until) if until > time.monotonic() else (0, 0.0)

    async def open_window(self, openid: str, allowance: Allowance) -> None:
        left, until = self._window(openid)
        if not (left > 0 and until - time.monotonic() > allowance.seconds):
            self._windows[openid] = (allowance.messages, time.monotonic() + allowance.seconds)

    async def take_window_message(self, openid: str) -> bool:
        left, until = self._window(openid)
        if left < 1:
            self._windows.pop(openid, None)
            return False
        self._windows[openid] = (left - 1, until)
        return True

    async def close_window(self, openid: str) -> None:
        self._windows.pop(openid, None)
