"""Tracker stores whose conversations expire: nothing a stranger sends grows storage for ever.

- ``RetainedRedisTrackerStore`` (endpoints.yml): Rasa's Redis store with every conversation's
  key expiring ``retention_days`` after its last message (Redis ``EX``), and an optional password.
- ``BoundedInMemoryTrackerStore`` (endpoints.memory.yml, development without Redis): at most
  ``max_conversations``, least recently used first out, each forgotten after ``retention_days``.

Both take their settings from endpoints.yml, which reads ``TRACKER_RETENTION_DAYS`` (default
90 in tools/stack.py) and ``REDIS_PASSWORD`` from the environment.
"""

import time
from collections import OrderedDict
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

DAY_SECONDS = 86_400


def retention_seconds(days: Any) -> int:
    value = float(days)
    if value <= 0:
        raise ValueError("retention_days must be positive")
    return max(1, int(value * DAY_SECONDS))


class RetainedRedisTrackerStore(RedisTrackerStore):
    def __init__(self, domain: Domain, host: str = "localhost", port: Any = 6379, db: Any = 0,
                 password: str | None = None, retention_days: Any = 90, **kwargs: Any) -> None:
        kwargs.pop("record_exp", None)
        super().__init__(domain, host=host, port=int(port), db=int(db), password=password or None,
                         record_exp=retention_seconds(retention_days), **kwargs)


class BoundedInMemoryTrackerStore(InMemoryTrackerStore):
    def __init__(self, domain: Domain, host: str | None = None, max_conversations: Any = 10_000,
                 retention_days: Any = 90, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        self.store: OrderedDict[str, str] = OrderedDict()
        self.saved_at: dict[str, float] = {}
        self.max_conversations = int(max_conversations)
        self.retention = retention_seconds(retention_days)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        self.store.move_to_end(tracker.sender_id)
        self.saved_at[tracker.sender_id] = time.monotonic()
        while len(self.store) > self.max_conversations:
            oldest, _ = self.store.popitem(last=False)
            self.saved_at.pop(oldest, None)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        saved = self.saved_at.get(sender_id)
        if saved is not None and time.monotonic() - saved > self.retention:
            self.store.pop(sender_id, None)
            self.saved_at.pop(sender_id, None)
            return None
        return await super()._retrieve(sender_id, fetch_all_sessions)
