"""Relay outbox rows to the Redis Stream ``hotline:events`` (at-least-once, in order).

Each stream entry carries ``event_id``; consumers dedupe on it. When Redis is down the rows
stay in the outbox (with the error noted) and go out, in order, once it is back.
"""

import json
import logging
import threading
from datetime import datetime, timezone
from typing import Any

import redis
from sqlalchemy import func, select

from hotline.db import Database
from hotline.domain.models import OutboxEvent

log = logging.getLogger(__name__)
STREAM_MAXLEN = 1_000_000  # approximate trim; far beyond any consumer's backlog


def stream_fields(event: OutboxEvent) -> dict[str, str]:
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "payload": json.dumps(event.payload, ensure_ascii=False, sort_keys=True),
    }


class OutboxRelay:
    """Publishes pending outbox rows; ``publish_pending`` is one pass, ``run`` loops."""

    def __init__(self, db: Database, client: redis.Redis, *, stream: str, batch_size: int = 200) -> None:
        self.db = db
        self.client = client
        self.stream = stream
        self.batch_size = batch_size
        self.wake = threading.Event()
        self.healthy = True  # log an outage once, not on every pass

    def publish_pending(self) -> int:
        """Publish one batch in id order; stop at the first Redis failure. Returns how many went out."""
        published = 0
        with self.db.write() as session, session.begin():
            pending = session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            for event in pending:
                try:
                    fields: dict[Any, Any] = dict(stream_fields(event))
                    self.client.xadd(self.stream, fields, maxlen=STREAM_MAXLEN, approximate=True)
                except redis.RedisError as exc:
                    event.attempts += 1
                    event.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    if self.healthy:
                        log.warning("outbox: Redis unavailable, events wait in the outbox: %s", exc)
                    self.healthy = False
                    break
                if not self.healthy:
                    log.warning("outbox: Redis is back, publishing waiting events")
                    self.healthy = True
                event.published_at = datetime.now(timezone.utc)
                event.attempts += 1
                event.last_error = None
                published += 1
        return published

    def pending_count(self) -> int:
        with self.db.read() as session:
            return session.scalar(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
            ) or 0

    def run(self, stop: threading.Event, interval: float) -> None:
        """Loop until ``stop`` is set; ``wake`` cuts a wait short after a commit."""
        while not stop.is_set():
            try:
                while self.publish_pending() == self.batch_size and not stop.is_set():
                    pass
            except Exception:  # the relay must outlive database hiccups too
                log.exception("outbox relay pass failed; retrying")
            self.wake.wait(interval)
            self.wake.clear()


class RelayThread:
    """Runs an ``OutboxRelay`` in a daemon thread for the life of the web process."""

    def __init__(self, relay: OutboxRelay, interval: float) -> None:
        self.relay = relay
        self._stop = threading.Event()
        self._thread = threading.Thread(target=relay.run, args=(self._stop, interval), name="outbox-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.relay.wake.set()
        self._thread.join(timeout=10)
