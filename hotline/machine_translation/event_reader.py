"""The translation worker's side of ``hotline:events``: its consumer group, one entry at a time.

Each process is its own consumer (``consumer_name``: host, pid and a random tail); two copies
sharing a name would share one pending list and take each other's entries. An entry is read
one at a time, so nothing waits in this consumer's pending list behind the entry in hand (where
another copy would see it idle and take it over), and is acknowledged only after its work is
done. Entries left pending by a consumer that died are taken over with XAUTOCLAIM once idle
longer than the claim time, again one at a time. ``TicketLeases`` keeps two copies from
translating one ticket at once (the sweep of one and the event in another).
"""

import os
import secrets
import socket
from collections.abc import Iterator
from typing import Any

import redis

GROUP = "translation"
LEASE_PREFIX = "hotline:translation:lease:"
Entry = tuple[str, dict[str, str]]

# KEYS: the lease. ARGV: the holder. Deletes the lease only if this holder still has it.
RELEASE_IF_HELD = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def consumer_name() -> str:
    """Unique per process, readable in ``XINFO CONSUMERS``."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entry(entry_id: Any, fields: dict[Any, Any]) -> Entry:
    return _text(entry_id), {_text(key): _text(value) for key, value in fields.items()}


class EventReader:
    def __init__(self, client: redis.Redis, *, stream: str, consumer: str, group: str = GROUP) -> None:
        self.client = client
        self.stream = stream
        self.consumer = consumer
        self.group = group

    def ensure_group(self) -> None:
        """Create the group at the stream's end (older tickets are found by the worker's sweep)."""
        try:
            self.client.xgroup_create(self.stream, self.group, id="$", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read_one(self, block_ms: int | None) -> Entry | None:
        """The next new entry, pending for this consumer until ``ack``; None after ``block_ms`` without one."""
        batches: Any = self.client.xreadgroup(self.group, self.consumer, {self.stream: ">"}, count=1, block=block_ms)
        entries = [_entry(entry_id, fields) for _stream, items in batches or [] for entry_id, fields in items]
        return entries[0] if entries else None

    def take_over(self, min_idle_ms: int) -> Iterator[Entry]:
        """Entries idle longer than ``min_idle_ms`` in any consumer's pending list, claimed one by one as the
        caller asks for the next (a caller that stops claims no more); entries trimmed away are acknowledged."""
        cursor = "0-0"
        while True:
            answer: Any = self.client.xautoclaim(self.stream, self.group, self.consumer, min_idle_ms, cursor, count=1)
            cursor, entries, deleted = _text(answer[0]), answer[1], answer[2] if len(answer) > 2 else []
            if deleted:
                self.client.xack(self.stream, self.group, *deleted)
            for entry_id, fields in entries:
                if fields is not None:
                    yield _entry(entry_id, fields)
            if cursor == "0-0":
                return

    def ack(self, entry_id: str) -> None:
        self.client.xack(self.stream, self.group, entry_id)

    def pending(self) -> int:
        """How many entries this consumer holds unacknowledged."""
        held: Any = self.client.xpending_range(self.stream, self.group, min="-", max="+", count=1,
                                               consumername=self.consumer)
        return len(held)

    def leave(self) -> bool:
        """Remove this consumer from the group when it holds nothing (a clean stop); True if it left.

        A consumer with pending entries stays, so that they can be taken over.
        """
        if self.pending():
            return False
        self.client.xgroup_delconsumer(self.stream, self.group, self.consumer)
        return True


class TicketLeases:
    """One worker translates a ticket at a time: SET NX with an expiry, released only by its holder."""

    def __init__(self, client: redis.Redis, *, holder: str, ttl_ms: int) -> None:
        self.client = client
        self.holder = holder
        self.ttl_ms = ttl_ms
        self._release = client.register_script(RELEASE_IF_HELD)

    def take(self, request_id: str) -> bool:
        return bool(self.client.set(LEASE_PREFIX + request_id, self.holder, nx=True, px=self.ttl_ms))

    def release(self, request_id: str) -> None:
        self._release(keys=[LEASE_PREFIX + request_id], args=[self.holder])
