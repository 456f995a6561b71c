"""The translation worker: ``python -m hotline.machine_translation.worker``.

Reads ``ticket.created`` events from the Redis Stream ``hotline:events`` in its own consumer
group (``translation``), translates the appeal (hotline/machine_translation/jobs.py) and acks after the
ticket is written. Filing never waits for it. Tickets filed while no worker or no Redis ran are
found by a sweep of the database at start and every ``sweep_seconds``. Without Redis it keeps sweeping.

Several copies may run (hotline/machine_translation/event_reader.py): each is its own consumer,
reads one entry at a time and acks it when the ticket is written; an entry whose handling failed
stays pending, and entries a dead copy left pending are taken over (XAUTOCLAIM) once idle for
``claim_idle_ms``. A ticket is translated under a lease in Redis, so the sweep of one copy and an
event in another never translate it at the same time (without Redis the sweep goes on without
leases: ``translate_ticket`` is idempotent). SIGTERM or SIGINT: the entry or swept ticket in hand
is finished and acked, nothing more is read, the consumer leaves the group if it holds nothing
pending, and the process exits 0.
"""

import contextlib
import json
import logging
import signal
import threading
import time
from collections import Counter

import redis

from hotline.db import Database
from hotline.domain.events import TICKET_CREATED
from hotline.machine_translation.event_reader import EventReader, TicketLeases, consumer_name
from hotline.machine_translation.jobs import translate_ticket, untranslated_ids
from hotline.machine_translation.translator import Translator

log = logging.getLogger(__name__)
CLAIM_IDLE_MS = 300_000  # an entry pending this long belongs to a dead copy (one translation takes seconds)


class TranslationWorker:
    """One consumer; ``run_once`` handles what is waiting, ``run`` loops until ``stop`` is set."""

    def __init__(self, db: Database, client: redis.Redis, translator: Translator, *, stream: str,
                 consumer: str | None = None, block_ms: int = 2000, sweep_seconds: float = 60.0,
                 claim_idle_ms: int = CLAIM_IDLE_MS) -> None:
        self.db = db
        self.client = client
        self.translator = translator
        self.stream = stream
        self.consumer = consumer or consumer_name()
        self.block_ms = block_ms
        self.sweep_seconds = sweep_seconds
        self.claim_idle_ms = claim_idle_ms
        self.reader = EventReader(client, stream=stream, consumer=self.consumer)
        self.leases = TicketLeases(client, holder=self.consumer, ttl_ms=claim_idle_ms)
        self.stop = threading.Event()  # set on SIGTERM: finish the entry in hand, read nothing more
        self.outcomes: list[tuple[str, str]] = []  # (service_request_id, outcome), newest last; for logs and tests
        self.counts: Counter[str] = Counter()  # outcomes, and "acked" entries
        self._group_ready = False
        self._next_take_over = 0.0

    def ensure_group(self) -> None:
        self.reader.ensure_group()
        self._group_ready = True

    def sweep(self) -> int:
        """Translate tickets no event brought (filed while this worker or Redis was down); returns how many
        were found."""
        ids = untranslated_ids(self.db)
        for request_id in ids:
            if self.stop.is_set():
                break
            self._handle(request_id)
        return len(ids)

    def run_once(self, block_ms: int | None = None) -> int:
        """Take over abandoned entries when it is time, then read and handle one new entry; returns how
        many entries were handled."""
        if not self._group_ready:
            self.ensure_group()
        handled = self.take_over_abandoned() if time.monotonic() >= self._next_take_over else 0
        if self.stop.is_set():
            return handled
        entry = self.reader.read_one(self.block_ms if block_ms is None else block_ms)
        if entry is not None:
            self._work_on(*entry)
        return handled + (entry is not None)

    def take_over_abandoned(self) -> int:
        """Handle, one by one, entries idle in a pending list longer than ``claim_idle_ms``; returns how many."""
        self._next_take_over = time.monotonic() + self.claim_idle_ms / 2000
        taken = 0
        for entry_id, fields in self.reader.take_over(self.claim_idle_ms):
            self._work_on(entry_id, fields)
            taken += 1
            if self.stop.is_set():
                break
        if taken:
            log.info("translation worker %s: took over %d entries left pending", self.consumer, taken)
        return taken

    def _work_on(self, entry_id: str, fields: dict[str, str]) -> None:
        """Handle one entry, then ack it; a failure (not Redis) leaves it pending for a later take-over."""
        try:
            self._event(fields)
        except redis.RedisError:
            raise
        except Exception:
            log.exception("translation: entry %s failed; it stays pending and is tried again later", entry_id)
            return
        self.reader.ack(entry_id)
        self.counts["acked"] += 1

    def _event(self, fields: dict[str, str]) -> None:
        if fields.get("event_type") != TICKET_CREATED:
            return
        payload = json.loads(fields.get("payload", "{}"))
        if payload.get("service_request_id"):
            self._handle(payload["service_request_id"])

    def _handle(self, request_id: str) -> None:
        try:
            leased = self.leases.take(request_id)
        except redis.RedisError:  # sweeping without Redis: no lease to take
            self._translate(request_id)
            return
        if not leased:
            self._record(request_id, "busy_elsewhere")  # another copy translates it right now
            return
        try:
            self._translate(request_id)
        finally:
            with contextlib.suppress(redis.RedisError):
                self.leases.release(request_id)

    def _translate(self, request_id: str) -> None:
        started = time.perf_counter()
        outcome = translate_ticket(self.db, self.translator, request_id)
        self._record(request_id, outcome)
        if outcome in ("translated", "needs_multilingual_operator"):
            log.info("translation: %s %s in %.2f s", request_id, outcome, time.perf_counter() - started)

    def _record(self, request_id: str, outcome: str) -> None:
        self.outcomes = [*self.outcomes[-99:], (request_id, outcome)]
        self.counts[outcome] += 1

    def run(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set, then leave the group; Redis outages are logged once and retried."""
        self.stop = stop
        next_sweep, healthy = 0.0, True
        while not stop.is_set():
            if time.monotonic() >= next_sweep:
                try:
                    self.sweep()
                except Exception:
                    log.exception("translation sweep failed")
                next_sweep = time.monotonic() + self.sweep_seconds
            try:
                self.run_once()
                healthy = True
            except redis.RedisError as exc:
                if healthy:
                    log.warning("translation worker: Redis unavailable (%s); sweeping the database instead", exc)
                healthy, self._group_ready = False, False
                stop.wait(min(5.0, self.sweep_seconds))
        self._leave()

    def _leave(self) -> None:
        try:
            left = self.reader.leave()
        except redis.RedisError as exc:
            log.warning("translation worker %s stopped without leaving its group: %s", self.consumer, exc)
            return
        log.info("translation worker %s stopped%s", self.consumer,
                 "" if left else "; its pending entries are left for another copy to take over")


def main() -> int:
    from hotline.config import load_settings
    from hotline.machine_translation.bootstrap import build_translator

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    db = Database(settings.database_url)
    translator = build_translator(settings, db)
    pairs = sorted(f"{p.from_code}->{p.to_code}" for p in translator.engine.packages())
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=10, socket_connect_timeout=2)
    worker = TranslationWorker(db, client, translator, stream=settings.events_stream)
    print(f"translation worker {worker.consumer}: packages in {settings.argos_packages_dir}: "
          f"{', '.join(pairs) or 'none'}"
          + ("" if pairs else " (appeals in other languages are flagged for a multilingual operator)"), flush=True)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop.set())
    try:
        worker.run(worker.stop)
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
