"""Several outbox workers on one real Redis: each queued appeal is claimed by one worker at a time,
filed once (again only after a worker died holding it), and each resident is told once.

The backend and Rasa are recording doubles of their HTTP APIs (tests/doubles/filing_doubles.py);
the claiming, the leases and Redis are real.
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from actions.appeal_outbox import CLAIMS, ITEMS, QUEUE, AppealOutbox, QueuedAppeal
from actions.hotline_client import HotlineClient
from actions.outbox_worker import OutboxWorker
from actions.settings import ActionSettings
from tests.doubles.filing_doubles import RecordingBackend, RecordingRasa

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SECRET = "outbox-claims-test-secret"


def queued_appeal(number: int) -> QueuedAppeal:
    return QueuedAppeal(idempotency_key=f"assistant:{number:012x}", sender_id=f"resident-{number}",
                        fields={"service_code": "street_light_out", "description": "路灯坏了", "language": "zh",
                                "address_string": "三里屯"},
                        output_channel="socketio", language="zh")


def worker_on(redis_url: str, backend: RecordingBackend, rasa: RecordingRasa, *, lease_seconds: float = 120.0,
              batch: int = 20) -> OutboxWorker:
    """A worker with its own Redis connection and claimant token, filing through the real HotlineClient."""
    outbox = AppealOutbox(Redis.from_url(redis_url), lease_seconds=lease_seconds)
    hotline = HotlineClient("http://backend", api_key="k", service_key="s", transport=backend.transport())
    settings = ActionSettings(rasa_jwt_secret=SECRET)
    rasa_client = httpx.AsyncClient(base_url="http://rasa", transport=rasa.transport())
    return OutboxWorker(outbox, hotline, settings, rasa=rasa_client, batch=batch)


async def queue(redis_url: str, count: int) -> None:
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    outbox = AppealOutbox(redis)
    for number in range(count):
        await outbox.put(queued_appeal(number))
    await redis.close()


async def close(*workers: OutboxWorker) -> None:
    for worker in workers:
        await worker.close()
        await worker.hotline.close()
        await worker.outbox.redis.close()


def test_three_workers_file_200_appeals_once_each_and_tell_each_resident_once(redis_url: str) -> None:
    asyncio.run(queue(redis_url, 200))
    backend, rasa = RecordingBackend(seconds_per_filing=0.002), RecordingRasa()
    filed_by: list[int] = []

    async def work_until_empty() -> None:  # one worker, in its own thread and event loop
        worker = worker_on(redis_url, backend, rasa, batch=5)
        filed = 0
        while await worker.outbox.size():
            done_now = await worker.run_once()
            filed += done_now
            if not done_now:
                await asyncio.sleep(0.005)  # everything due is claimed by the others
        filed_by.append(filed)
        await close(worker)

    threads = [threading.Thread(target=asyncio.run, args=(work_until_empty(),), daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(Counter(backend.filings).values()) == [1] * 200  # one filing per Idempotency-Key
    assert sorted(Counter(rasa.senders()).values()) == [1] * 200  # one message per resident
    assert {sender for sender in rasa.senders()} == {f"resident-{n}" for n in range(200)}
    assert sum(filed_by) == 200 and len(filed_by) == 3 and min(filed_by) > 0  # all three took a share
    assert asyncio.run(leftovers(redis_url)) == (0, 0, 0)


async def leftovers(redis_url: str) -> tuple[int, int, int]:
    """(queued, stored, claimed) items still in Redis."""
    redis = Redis.from_url(redis_url)
    counts = int(await redis.zcard(QUEUE)), int(await redis.hlen(ITEMS)), int(await redis.hlen(CLAIMS))
    await redis.close()
    return counts


def test_a_dead_workers_items_are_taken_after_its_lease_and_its_late_answers_change_nothing(redis_url: str) -> None:
    asyncio.run(queue(redis_url, 30))
    backend, rasa = RecordingBackend(), RecordingRasa()

    async def scenario() -> None:
        dead = worker_on(redis_url, backend, rasa, lease_seconds=1.5)
        survivor = worker_on(redis_url, backend, rasa, lease_seconds=1.5)
        held = await dead.outbox.claim(10)
        # It filed the first and told the resident, then died before marking it done.
        first = held[0]
        ticket = await dead.hotline.file_request(first.fields, idempotency_key=first.idempotency_key)
        await dead.notify(first, ticket.service_request_id)

        assert await survivor.run_once() == 20  # the other twenty
        assert await survivor.run_once() == 0  # the dead one's ten are hidden for its lease
        await asyncio.sleep(1.6)
        taken = await survivor.outbox.claim(10)
        assert sorted(a.idempotency_key for a in taken) == sorted(a.idempotency_key for a in held)

        # The dead worker wakes up: nothing it says about the items it lost takes effect.
        assert [await dead.outbox.done(item) for item in held[:8]] == [False] * 8
        assert await dead.outbox.retry_later(held[8]) is None
        assert not await dead.outbox.reject(held[9], "late") and not await dead.outbox.extend(held[9])
        assert set((await survivor.outbox.claimed()).values()) == {survivor.outbox.claimant}
        assert await dead.outbox.size() == 10

        assert await survivor.work_through(taken) == 10
        await close(dead, survivor)

    asyncio.run(scenario())
    assert asyncio.run(leftovers(redis_url)) == (0, 0, 0)
    assert Counter(backend.filings)[queued_appeal(0).idempotency_key] == 2  # filed again: same ticket
    assert len(backend.tickets) == 30 and len(backend.filings) == 31
    assert sorted(Counter(rasa.senders()).values()) == [1] * 30  # still told once


def test_an_extended_lease_keeps_an_item_and_a_released_one_is_due_at_once(redis_url: str) -> None:
    asyncio.run(queue(redis_url, 2))
    backend, rasa = RecordingBackend(), RecordingRasa()

    async def scenario() -> list[list[str]]:
        holder = worker_on(redis_url, backend, rasa, lease_seconds=1.0)
        other = worker_on(redis_url, backend, rasa, lease_seconds=1.0)
        kept, released = await holder.outbox.claim(2)
        await asyncio.sleep(0.6)
        assert await holder.outbox.extend(kept)
        assert await holder.outbox.release(released)
        await holder.outbox.put(kept)  # a resident's retry of a held appeal does not make it due
        first = [a.idempotency_key for a in await other.outbox.claim(5)]
        await asyncio.sleep(0.6)  # past the first lease, within the extended one
        second = [a.idempotency_key for a in await other.outbox.claim(5)]
        await close(holder, other)
        return [first, second]

    assert asyncio.run(scenario()) == [[queued_appeal(1).idempotency_key], []]


def test_sigterm_finishes_the_appeal_in_hand_then_hands_back_the_rest_and_exits_0(
        redis_url: str, tmp_path: Path) -> None:
    asyncio.run(queue(redis_url, 5))
    backend, rasa = RecordingBackend(seconds_per_filing=1.0), RecordingRasa()
    log = tmp_path / "outbox-worker.log"
    with backend.serving() as hotline_url, rasa.serving() as rasa_url:
        process = subprocess.Popen(
            [sys.executable, "-m", "actions.outbox_worker"], cwd=ROOT, stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "REDIS_URL": redis_url, "HOTLINE_URL": hotline_url,
                 "RASA_URL": rasa_url, "RASA_JWT_SECRET": SECRET})
        try:
            assert backend.arrived.wait(60), log.read_text()
            process.send_signal(signal.SIGTERM)  # while the first filing takes its second
            assert process.wait(timeout=30) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
    in_hand = backend.filings[0]
    assert backend.filings == [in_hand]  # nothing new was started after SIGTERM
    assert rasa.senders() == [f"resident-{int(in_hand.split(':')[1], 16)}"]  # the resident was told
    assert "handed back 4 claimed items" in log.read_text()

    async def state() -> tuple[bool, int, int, bool]:
        redis = Redis.from_url(redis_url)
        stored = bool(await redis.hexists(ITEMS, in_hand))
        due = await redis.zrangebyscore(QUEUE, "-inf", time.time())
        claimed, queued = int(await redis.hlen(CLAIMS)), int(await redis.zcard(QUEUE))
        await redis.close()
        return stored, claimed, queued, len(due) == queued

    assert asyncio.run(state()) == (False, 0, 4, True)  # done; the rest due now, held by no one
