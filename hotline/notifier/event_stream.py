"""The notifier's side of ``hotline:events``: a consumer group, and what it remembers per event.

Each process is its own consumer (NotifierSettings.consumer: host and pid; two copies sharing a
name would share one pending list), acknowledges an entry only when it is delivered, skipped or
dead-lettered, takes over the entries of a dead consumer with XAUTOCLAIM, and on a clean stop
leaves the group if it holds nothing pending.

Per event id Redis keeps ``done`` (delivered, skipped or dead; a redelivered entry is then only
acknowledged), a short ``lease`` (one process sends an event at a time) and the failed ``attempts``
(they survive restarts, so a crash loop still ends in the dead-letter stream).
"""

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

DONE_TTL_SECONDS = 30 * 24 * 3600  # far longer than any entry stays pending
_EXTEND_IF_OURS = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                   "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end")
Entry = tuple[str, dict[str, str]]


@dataclass(frozen=True)
class StreamNames:
    stream: str
    dead_stream: str
    group: str
    consumer: str
    prefix: str = "hotline:notifier"


class EventStream:
    def __init__(self, client: "Redis", names: StreamNames) -> None:
        self.redis = client
        self.n = names

    def _key(self, kind: str, event_id: str) -> str:
        return f"{self.n.prefix}:{kind}:{event_id}"

    async def ensure_group(self) -> None:
        """Create the group at the stream's start (events published before the first start count)."""
        try:
            await self.redis.xgroup_create(self.n.stream, self.n.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read(self, count: int, block_ms: int) -> list[Entry]:
        """New entries for this consumer; waits up to ``block_ms`` for the first."""
        answer: Any = await self.redis.xreadgroup(self.n.group, self.n.consumer, {self.n.stream: ">"},
                                                  count=count, block=block_ms)
        return [(str(entry_id), fields) for _stream, entries in answer or [] for entry_id, fields in entries]

    async def claim_abandoned(self, min_idle_ms: int, count: int = 100) -> list[Entry]:
        """XAUTOCLAIM every entry idle longer than ``min_idle_ms``; entries trimmed away are acknowledged."""
        claimed: list[Entry] = []
        cursor = "0-0"
        while True:
            cursor, entries, deleted = await self.redis.xautoclaim(
                self.n.stream, self.n.group, self.n.consumer, min_idle_ms, cursor, count=count)
            claimed.extend((entry_id, fields) for entry_id, fields in entries if fields is not None)
            if deleted:
                await self.redis.xack(self.n.stream, self.n.group, *deleted)
            if cursor == "0-0":
                return claimed

    async def keep(self, entry_ids: list[str]) -> None:
        """Reset the idle time of entries still being worked on, so no one else claims them."""
        if entry_ids:
            ids: list[Any] = list(entry_ids)
            await self.redis.xclaim(self.n.stream, self.n.group, self.n.consumer, 0, ids, justid=True)

    async def leave(self) -> bool:
        """Remove this consumer from the group when it holds nothing (a clean stop); True if it left.

        A consumer with pending entries stays, so that another notifier can take them over.
        """
        held: Any = await self.redis.xpending_range(self.n.stream, self.n.group, min="-", max="+", count=1,
                                                    consumername=self.n.consumer)
        if held:
            return False
        await self.redis.xgroup_delconsumer(self.n.stream, self.n.group, self.n.consumer)
        return True

    async def is_done(self, event_id: str) -> bool:
        return bool(await self.redis.exists(self._key("done", event_id)))

    async def take_lease(self, event_id: str, ttl_ms: int) -> bool:
        return bool(await self.redis.set(self._key("lease", event_id), self.n.consumer, nx=True, px=ttl_ms))

    async def extend_lease(self, event_id: str, ttl_ms: int) -> bool:
        """Keep this consumer's lease for another ``ttl_ms`` (a slow delivery); False when it is no longer ours."""
        return bool(await self.redis.eval(_EXTEND_IF_OURS, 1, self._key("lease", event_id), self.n.consumer,
                                          ttl_ms))

    async def release_lease(self, event_id: str) -> None:
        await self.redis.delete(self._key("lease", event_id))

    async def attempts(self, event_id: str) -> int:
        return int(await self.redis.get(self._key("attempts", event_id)) or 0)

    async def failed_attempt(self, event_id: str) -> int:
        """Count one more failed delivery; returns the total so far."""
        key = self._key("attempts", event_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, DONE_TTL_SECONDS)
            count, _ = await pipe.execute()
        return int(count)

    async def finish(self, entry_id: str, event_id: str, outcome: str) -> bool:
        """Record ``outcome`` for the event and XACK its entry, in one transaction; False when another
        notifier had recorded one first (an entry taken over while this one was still on it)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            self._finish(pipe, entry_id, event_id, outcome)
            recorded, *_ = await pipe.execute()
        return bool(recorded)

    async def ack(self, entry_id: str) -> None:
        await self.redis.xack(self.n.stream, self.n.group, entry_id)

    async def dead_letter(self, entry_id: str | None, event_id: str, fields: dict[str, str], *, reason: str,
                          attempts: int) -> None:
        """Copy the entry (or a reminder: no entry) to the dead-letter stream with why, and finish it,
        in one transaction."""
        dead = {**fields, "event_id": event_id, "original_id": entry_id or "", "reason": reason[:1000],
                "attempts": str(attempts), "failed_at": datetime.now(timezone.utc).isoformat(),
                "consumer": self.n.consumer}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.n.dead_stream, dead)  # type: ignore[arg-type]
            self._finish(pipe, entry_id, event_id, "dead")
            await pipe.execute()

    def _finish(self, pipe: Any, entry_id: str | None, event_id: str, outcome: str) -> None:
        pipe.set(self._key("done", event_id), outcome, ex=DONE_TTL_SECONDS, nx=True)  # the first outcome stands
        if entry_id is not None:
            pipe.xack(self.n.stream, self.n.group, entry_id)
        pipe.delete(self._key("lease", event_id), self._key("attempts", event_id))

    async def outcome(self, event_id: str) -> str | None:
        value = await self.redis.get(self._key("done", event_id))
        return None if value is None else str(value)

