"""Several translation workers in one consumer group on a real Redis stream: each entry handled once,
a dead worker's entries taken over, and a stop (SIGTERM) that finishes the entry in hand first."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import redis

from bot.gazetteer import load_gazetteer
from hotline.app import create_app, make_relay
from hotline.config import ROOT, Settings
from hotline.domain.tickets import NewRequest
from hotline.machine_translation.cache import TranslationCache
from hotline.machine_translation.engine import ArgosEngine, Engine, InstalledPackage
from hotline.machine_translation.event_reader import GROUP
from hotline.machine_translation.glossary import Glossary
from hotline.machine_translation.translator import Translator
from hotline.machine_translation.worker import TranslationWorker
from tests.hotline.helpers import plain_leaf

pytestmark = pytest.mark.integration
ENGLISH = "The street light outside my building has been broken for a week."
CHINESE = "小区门口路灯坏了一个星期，晚上很黑"
HANDLED = ("translated", "not_needed", "needs_multilingual_operator")


@dataclass
class Desk:
    """The real backend (SQLite, no relay thread); the test publishes its outbox to the stream by hand."""

    settings: Settings
    redis_url: str

    def __post_init__(self) -> None:
        self.backend = create_app(self.settings, run_relay=False).state.backend

    def file(self, description: str, language: str) -> str:
        ticket, _ = self.backend.desk.file(NewRequest(
            service_code=plain_leaf(self.backend.taxonomy).code, description=description, language=language,
            address_string="朝阳区三里屯街道"))
        return str(ticket.service_request_id)

    def publish(self) -> None:
        relay = make_relay(self.backend)
        while relay.publish_pending():
            pass

    def worker(self, engine: Engine | None = None, *, block_ms: int = 2000, claim_idle_ms: int = 300_000,
               sweep_seconds: float = 60.0) -> TranslationWorker:
        """A worker of its own (a copy in another process), with its own Redis connection and consumer name."""
        translator = Translator(engine or ArgosEngine(self.settings.argos_packages_dir),
                                TranslationCache(self.backend.db), Glossary.for_gazetteer(load_gazetteer()))
        return TranslationWorker(self.backend.db, redis.Redis.from_url(self.redis_url, decode_responses=True),
                                 translator, stream=self.settings.events_stream, block_ms=block_ms,
                                 claim_idle_ms=claim_idle_ms, sweep_seconds=sweep_seconds)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, decode_responses=True)


@pytest.fixture
def desk(tmp_path: Path, redis_url: str, request: pytest.FixtureRequest) -> Iterator[Desk]:
    """No translation model: English is flagged for a multilingual operator, Chinese needs nothing."""
    stream = f"test:events:{request.node.name}"
    settings = replace(Settings(), database_url=f"sqlite:///{tmp_path / 'hotline.db'}", redis_url=redis_url,
                       events_stream=stream, argos_packages_dir=tmp_path / "no-models")
    yield Desk(settings, redis_url)
    redis.Redis.from_url(redis_url).delete(stream)


def consumers(client: redis.Redis, stream: str) -> dict[str, int]:
    """Consumer name -> entries it holds pending (none before the group exists)."""
    try:
        return {c["name"]: int(c["pending"]) for c in client.xinfo_consumers(stream, GROUP)}
    except redis.ResponseError:
        return {}


def wait_for_group(client: redis.Redis, stream: str) -> None:
    """Until a worker has created its group (it has swept the database and waits on the stream)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if any(group["name"] == GROUP for group in client.xinfo_groups(stream)):
                return
        except redis.ResponseError:  # no stream yet
            pass
        time.sleep(0.02)
    raise TimeoutError(f"no group {GROUP} on {stream}")


def test_two_workers_handle_100_events_exactly_once_in_all(desk: Desk) -> None:
    workers = [desk.worker(block_ms=50), desk.worker(block_ms=50)]
    workers[0].ensure_group()
    tickets = [desk.file(ENGLISH if n % 2 else CHINESE, "en" if n % 2 else "zh") for n in range(100)]
    desk.publish()
    entries = desk.client().xlen(desk.settings.events_stream)
    stop = threading.Event()

    def consume(worker: TranslationWorker) -> None:
        while not stop.is_set():
            worker.run_once()

    threads = [threading.Thread(target=consume, args=(worker,), daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while sum(w.counts["acked"] for w in workers) < entries and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)

    counts = workers[0].counts + workers[1].counts
    assert counts["acked"] == entries and sum(counts[o] for o in HANDLED) == 100
    assert counts["done_before"] == 0 and counts["busy_elsewhere"] == 0  # no ticket handled twice
    assert all(w.counts["acked"] > 0 for w in workers)  # both took a share
    handled = Counter(request_id for w in workers for request_id, _ in w.outcomes)
    assert sorted(handled) == sorted(tickets) and set(handled.values()) == {1}
    assert desk.client().xpending(desk.settings.events_stream, GROUP)["pending"] == 0
    assert workers[0].consumer != workers[1].consumer  # one pending list each


def test_a_dead_workers_pending_entries_are_taken_over_after_the_claim_time(desk: Desk) -> None:
    dead, survivor = desk.worker(claim_idle_ms=1500), desk.worker(claim_idle_ms=1500, block_ms=10)
    dead.ensure_group()
    tickets = [desk.file(ENGLISH, "en") for _ in range(3)]
    desk.publish()
    held = [dead.reader.read_one(10), dead.reader.read_one(10)]  # it read two entries, then died
    assert all(held) and consumers(desk.client(), desk.settings.events_stream)[dead.consumer] == 2

    assert survivor.run_once() == 1  # the third, new entry; the dead one's may still be in hand
    assert survivor.run_once() == 0
    time.sleep(1.6)
    assert survivor.run_once() == 2  # idle past the claim time: taken over
    assert sorted(request_id for request_id, _ in survivor.outcomes) == sorted(tickets)
    assert consumers(desk.client(), desk.settings.events_stream) == {dead.consumer: 0, survivor.consumer: 0}


class SlowEngine:
    """An en->zh model that waits for the test before it answers."""

    name = "slow"

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()

    def packages(self) -> list[InstalledPackage]:
        return [InstalledPackage("en", "zh", "slow", Path("."))]

    def translate(self, text: str, source: str, target: str) -> str:
        self.entered.set()
        self.release.wait(30)
        return "译文"


def test_stop_finishes_and_acks_the_entry_in_hand_reads_no_more_and_leaves_the_group(desk: Desk) -> None:
    engine = SlowEngine()
    worker = desk.worker(engine, block_ms=50, sweep_seconds=3600)
    client, stream = desk.client(), desk.settings.events_stream
    stop = threading.Event()
    running = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    running.start()  # its first sweep finds nothing; then it reads the stream
    try:
        wait_for_group(client, stream)
        tickets = [desk.file(ENGLISH, "en") for _ in range(3)]
        desk.publish()
        assert engine.entered.wait(10)
    finally:
        stop.set()  # what SIGTERM does
        engine.release.set()
        running.join(timeout=10)

    assert not running.is_alive() and worker.outcomes == [(tickets[0], "translated")]
    assert worker.counts["acked"] == 1 and client.xpending(stream, GROUP)["pending"] == 0
    assert worker.consumer not in consumers(client, stream)  # it left: nothing pending
    later = desk.worker(block_ms=10)
    while later.run_once():
        pass
    assert [request_id for request_id, _ in later.outcomes] == tickets[1:]  # the rest was never taken


def test_sigterm_stops_the_worker_process_with_exit_code_0_after_leaving_the_group(
        tmp_path: Path, redis_url: str) -> None:
    stream = Settings().events_stream  # the process reads the default stream
    redis.Redis.from_url(redis_url).delete(stream)
    desk = Desk(replace(Settings(), database_url=f"sqlite:///{tmp_path / 'hotline.db'}", redis_url=redis_url,
                        argos_packages_dir=tmp_path / "no-models"), redis_url)
    log = tmp_path / "worker.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": desk.settings.database_url, "REDIS_URL": redis_url,
           "ARGOS_PACKAGES_DIR": str(tmp_path / "no-models"), "XDG_DATA_HOME": str(tmp_path / "xdg"),
           "XDG_CACHE_HOME": str(tmp_path / "xdg"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    process = subprocess.Popen([sys.executable, "-m", "hotline.machine_translation.worker"], cwd=ROOT, env=env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    client = desk.client()
    try:
        wait_for_group(client, stream)
        ticket = desk.file(ENGLISH, "en")
        desk.publish()
        deadline = time.monotonic() + 20
        while ticket not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        (consumer,) = consumers(client, stream)  # the one that read the event
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    assert f"{ticket} needs_multilingual_operator" in log.read_text()
    assert f"translation worker {consumer} stopped" in log.read_text()
    assert consumers(client, stream) == {} and client.xpending(stream, GROUP)["pending"] == 0
    client.delete(stream)
