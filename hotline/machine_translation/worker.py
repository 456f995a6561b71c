"""The translation worker: ``python -m hotline.machine_translation.worker``.

Reads ``ticket.created`` events from the Redis Stream ``hotline:events`` in its own consumer
group (``translation``), translates the appeal (hotline/machine_translation/jobs.py) and acks after the
ticket is written. Filing never waits for it. Entries read but not acked (a crash) are read
again at start; tickets filed while no worker or no Redis ran are found by a sweep of the
database at start and every ``sweep_seconds``. Without Redis it keeps sweeping.
"""

import json
import logging
import os
import signal
import threading
import time
from typing import Any

import redis

from hotline.db import Database
from hotline.domain.events import TICKET_CREATED
from hotline.machine_translation.jobs import translate_ticket, untranslated_ids
from hotline.machine_translation.translator import Translator

log = logging.getLogger(__name__)
GROUP = "translation"


class TranslationWorker:
    """One consumer; ``run_once`` handles what is waiting, ``run`` loops until stopped."""

    def __init__(self, db: Database, client: redis.Redis, translator: Translator, *, stream: str,
                 consumer: str = "worker-1", block_ms: int = 2000, sweep_seconds: float = 60.0) -> None:
        self.db = db
        self.client = client
        self.translator = translator
        self.stream = stream
        self.consumer = consumer
        self.block_ms = block_ms
        self.sweep_seconds = sweep_seconds
        self.outcomes: list[tuple[str, str]] = []  # (service_request_id, outcome), newest last; for logs and tests
        self._group_ready = False
        self._backlog = True  # our own unacked entries first, then new ones

    def ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.stream, GROUP, id="$", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def sweep(self) -> int:
        """Translate tickets no event brought (filed while this worker or Redis was down)."""
        ids = untranslated_ids(self.db)
        for request_id in ids:
            self._handle(request_id)
        return len(ids)

    def run_once(self, block_ms: int | None = None) -> int:
        """Read one batch from the stream and handle it; returns how many entries were read."""
        if not self._group_ready:
            self.ensure_group()
        entries = self._read("0", None) if self._backlog else []
        if not entries:
            self._backlog = False
            entries = self._read(">", self.block_ms if block_ms is None else block_ms)
        for entry_id, fields in entries:
            self._event(fields)
            self.client.xack(self.stream, GROUP, entry_id)
        return len(entries)

    def _read(self, start: str, block_ms: int | None) -> list[tuple[Any, dict[Any, Any]]]:
        batches: Any = self.client.xreadgroup(GROUP, self.consumer, {self.stream: start}, count=50, block=block_ms)
        return [entry for _stream, items in batches or [] for entry in items]

    def _event(self, fields: dict[Any, Any]) -> None:
        decoded = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
                   for k, v in fields.items()}
        if decoded.get("event_type") != TICKET_CREATED:
            return
        payload = json.loads(decoded.get("payload", "{}"))
        if payload.get("service_request_id"):
            self._handle(payload["service_request_id"])

    def _handle(self, request_id: str) -> None:
        started = time.perf_counter()
        outcome = translate_ticket(self.db, self.translator, request_id)
        self.outcomes = [*self.outcomes[-99:], (request_id, outcome)]
        if outcome in ("translated", "needs_multilingual_operator"):
            log.info("translation: %s %s in %.2f s", request_id, outcome, time.perf_counter() - started)

    def run(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set; Redis outages are logged once and retried."""
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
                healthy, self._group_ready, self._backlog = False, False, True
                stop.wait(min(5.0, self.sweep_seconds))


def main() -> int:
    from hotline.config import load_settings
    from hotline.machine_translation.bootstrap import build_translator

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    db = Database(settings.database_url)
    translator = build_translator(settings, db)
    pairs = sorted(f"{p.from_code}->{p.to_code}" for p in translator.engine.packages())
    print(f"translation worker: packages in {settings.argos_packages_dir}: {', '.join(pairs) or 'none'}"
          + ("" if pairs else " (appeals in other languages are flagged for a multilingual operator)"), flush=True)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=10, socket_connect_timeout=2)
    worker = TranslationWorker(db, client, translator, stream=settings.events_stream,
                               consumer=os.environ.get("HOSTNAME", "worker-1"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        worker.run(stop)
    except KeyboardInterrupt:
        pass
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
