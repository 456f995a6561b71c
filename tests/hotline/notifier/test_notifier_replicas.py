"""Two notifiers in one consumer group on a real Redis stream: every event handled once in all, a dead
consumer's entries taken over; SIGTERM finishes the delivery in hand, acks it and exits 0."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from hotline.config import ROOT
from hotline.domain.models import Status
from tests.doubles.fake_rasa import SECRET, FakeRasa, fake_rasa
from tests.hotline.notifier.notifier_kit import STREAM, Backend, backend, clean_redis, pending_count, rasa, wire

pytestmark = pytest.mark.integration
__all__ = ["backend", "clean_redis", "rasa"]  # fixtures
GROUP = "notifier"


def consumers(redis_url: str) -> dict[str, int]:
    """Consumer name -> entries it holds pending."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    return {c["name"]: int(c["pending"]) for c in client.xinfo_consumers(STREAM, GROUP)}


def test_two_notifiers_handle_100_announced_events_once_in_all_and_take_over_a_dead_ones(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    residents = [f"web-{n}" for n in range(100)]
    for user in residents:
        backend.move(backend.file("webchat", user), Status.ACCEPTED)  # ticket.created (skipped) + accepted
    backend.publish()

    async def scenario() -> tuple[list[int], int]:
        dead = wire(clean_redis, rasa, consumer="dead-one", claim_idle_ms=1000)
        await dead.notifier.stream.ensure_group()
        held = len(await dead.notifier.stream.read(30, 10))  # read thirty entries, then died
        replicas = [wire(clean_redis, rasa, consumer=name, claim_idle_ms=1000) for name in ("replica-a", "replica-b")]
        stop = asyncio.Event()
        running = [asyncio.create_task(r.notifier.run(stop, reminder_poll_seconds=0.2)) for r in replicas]
        deadline = time.monotonic() + 30
        while (len(rasa.calls) < len(residents) or pending_count(clean_redis)) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*running)
        for wired in (dead, *replicas):
            await wired.close()
        handled = [r.notifier.counts["delivered"] + r.notifier.counts["skipped"] for r in replicas]
        return handled, held

    handled, held = asyncio.run(scenario())
    assert held == 30 and sum(handled) == 2 * len(residents)  # every entry once: 100 skipped, 100 delivered
    assert min(handled) > 0  # both took a share
    assert sorted(c["sender"] for c in rasa.calls) == sorted(residents)  # one call per announced event
    assert pending_count(clean_redis) == 0
    assert consumers(clean_redis) == {"dead-one": 0}  # the replicas left on stop; the dead one lost its entries


def test_sigterm_finishes_the_delivery_in_hand_acks_it_and_exits_0(
        backend: Backend, clean_redis: str, tmp_path: Path) -> None:
    residents = [f"tg-{n}" for n in range(3)]
    tickets = [backend.file("telegram", user) for user in residents]
    for ticket in tickets:  # after all three filings: the announced events come one after another
        backend.move(ticket, Status.ACCEPTED)
    backend.publish()
    log = tmp_path / "notifier.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REDIS_URL": clean_redis, "RASA_JWT_SECRET": SECRET,
           "NOTIFIER_CONSUMER": "stopping-one", "NOTIFIER_MAX_IN_FLIGHT": "1"}
    with fake_rasa() as rasa:
        rasa.fail(delay=2.0)  # Rasa speaks at once and answers two seconds later
        process = subprocess.Popen([sys.executable, "-m", "hotline.notifier"], cwd=ROOT,
                                   env={**env, "RASA_URL": rasa.url}, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        try:
            rasa.wait_for(1, timeout=30, what="calls")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
        assert len(rasa.calls) == 1  # nothing new was read after SIGTERM
        assert pending_count(clean_redis) == 0 and "stopping-one" not in consumers(clean_redis)
        rasa.fail()
        later = wire(clean_redis, rasa, consumer="later")

        async def deliver_the_rest() -> None:
            await later.notifier.stream.ensure_group()
            while await later.notifier.poll(block_ms=20):
                pass
            await later.notifier.drain()
            await later.close()

        asyncio.run(deliver_the_rest())
    assert sorted(m["sender"] for m in rasa.messages) == residents and len(rasa.calls) == 3  # once each


def test_a_delivery_slower_than_the_lease_is_not_sent_again_by_a_notifier_that_took_the_entry_over(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    backend.move(backend.file("webchat", "web-slow"), Status.ACCEPTED)
    backend.publish()
    rasa.fail(delay=1.5)  # Rasa takes five leases' time to answer

    async def scenario() -> None:
        slow = wire(clean_redis, rasa, consumer="slow-one", claim_idle_ms=300)
        other = wire(clean_redis, rasa, consumer="other-one", claim_idle_ms=300)
        await slow.notifier.stream.ensure_group()
        entries = await slow.notifier.stream.read(10, 10)
        delivering = asyncio.gather(*(slow.notifier.handle(*entry) for entry in entries))
        await asyncio.sleep(0.8)  # the lease's first 300 ms are long gone: the other one takes everything over
        taken = await other.notifier.stream.claim_abandoned(0)
        await asyncio.gather(*(other.notifier.handle(*entry) for entry in taken))
        await delivering
        for wired in (slow, other):
            await wired.close()

    asyncio.run(scenario())
    assert [c["sender"] for c in rasa.calls] == ["web-slow"]  # once, although the entry was handled twice
    assert pending_count(clean_redis) == 0
