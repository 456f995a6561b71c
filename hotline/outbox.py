"""Relay outbox rows to the Redis Stream ``hotline:events`` (at-least-once, in order).

Each stream entry carries ``event_id``; consumers dedupe on it. When Redis is down the rows
stay in the outbox (with the error noted) and go out, in order, once it is back.

With several backend replicas only one relays: ``RelayThread`` takes the relay leadership
(hotline.leadership) before each pass, and the others stand by and try again every interval.
The leader also logs the stream report (hotline.stream_report) now and then.
"""

import json
import logging
import threading
from datetime import datetime, timezone
from typing import Any

import redis
from sqlalchemy import func, select

from hotline.db import Database
from hotline.dispatch.escalation import EscalationSweep
from hotline.domain.models import OutboxEvent
from hotline.leadership import LeaderLock
from hotline.stream_report import StreamWatch

log = logging.getLogger(__name__)
STREAM_MAXLEN = 1_000_000  # approximate trim; far beyond any consumer's backlog
RELAY_BATCH = 200  # rows per pass: also the most a pass cut short (a crash) can publish twice


def stream_fields(event: OutboxEvent) -> dict[str, str]:
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "payload": json.dumps(event.payload, ensure_ascii=False, sort_keys=True),
    }


class OutboxRelay:
    """Publishes pending outbox rows; ``publish_pending`` is one pass, ``run`` loops."""

    def __init__(self, db: Database, client: redis.Redis, *, stream: str, batch_size: int = RELAY_BATCH) -> None:
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
                # Wait for, never skip, rows another pass holds: a replica that still thinks it leads
                # for a moment must not publish later rows ahead of earlier ones.
                .with_for_update()
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

    def drain(self, stop: threading.Event) -> None:
        """Publish batch after batch until the outbox is empty, a pass fails, or ``stop`` is set."""
        while self.publish_pending() == self.batch_size and not stop.is_set():
            pass


class RelayThread:
    """Runs an ``OutboxRelay`` in a daemon thread for the life of the web process, on the leader only.

    Every ``interval`` (or sooner, when ``relay.wake`` is set) the thread takes or confirms the relay
    leadership; the leader publishes and runs the stream watch, a standby publishes nothing. On stop
    the leadership is released, so a standby takes over on its next try.
    """

    def __init__(self, relay: OutboxRelay, interval: float, *, leadership: LeaderLock,
                 watch: StreamWatch | None = None, sweep: EscalationSweep | None = None) -> None:
        self.relay = relay
        self.sweep = sweep  # the escalation sweep, a singleton like the relay (its events go out on the next pass)
        self.interval = interval
        self.leadership = leadership
        self.watch = watch
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
        self._was_leading: bool | None = None

    @property
    def role(self) -> str:
        """``leader``, ``standby``, or ``off`` when the thread is not running."""
        if not self._thread.is_alive() or self._stop.is_set():
            return "off"
        return "leader" if self.leadership.held else "standby"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.relay.wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self._pass()
                except Exception:  # the relay must outlive database hiccups too
                    log.exception("outbox relay pass failed; retrying")
                if self.sweep is not None and self.sweep.behind and self.leadership.held:
                    continue  # a catch-up sweep goes on at once, its events published in between
                self.relay.wake.wait(self.interval)
                self.relay.wake.clear()
        finally:
            self.leadership.release()

    def _pass(self) -> None:
        leading = self.leadership.try_acquire()
        if leading != self._was_leading:
            log.info("outbox relay: this replica publishes events" if leading else
                     "outbox relay: standby (another replica holds the relay lock, or the database is unreachable)")
            self._was_leading = leading
        if leading:
            self.relay.drain(self._stop)
            if self.watch is not None:
                self.watch.run_if_due()
            if self.sweep is not None:
                self.sweep.run_if_due(self._stop)
