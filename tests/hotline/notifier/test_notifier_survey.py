"""Survey reminders: one per resolution after SURVEY_REMINDER_HOURS, none after a rating or expiry,
claimed atomically from Redis so two notifiers never send the same one and a crash retries it."""

import asyncio
from datetime import datetime, timedelta

import pytest
import redis
from redis.asyncio import Redis

from hotline.domain.models import Status
from hotline.notifier.reminder_store import ReminderStore, reminder_for
from tests.doubles.fake_rasa import FakeRasa
from tests.hotline.notifier.notifier_kit import Backend, Clock, backend, clean_redis, rasa, run_until_idle, wire

pytestmark = pytest.mark.integration
__all__ = ["backend", "clean_redis", "rasa"]  # fixtures
REMINDER = "EXTERNAL_survey_reminder"


def reminders(rasa: FakeRasa) -> list[dict[str, object]]:
    return [c for c in rasa.calls if c["name"] == REMINDER]


def test_one_reminder_after_the_reminder_hours_and_never_again(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    ticket = backend.file("telegram", "tg-r")
    backend.move(ticket, Status.RESOLVED)
    backend.publish()
    clock = Clock()
    asked = clock.now

    async def scenario() -> list[int]:
        wired = wire(clean_redis, rasa, clock=clock, reminder_hours=24.0, expiry_hours=72.0)
        await run_until_idle(wired)
        sent = []
        for hours in (23.9, 0.2, 1.0, 100.0):
            clock.advance(hours=hours)
            sent.append(await wired.notifier.surveys.fire_due())
        return sent

    assert asyncio.run(scenario()) == [0, 1, 0, 0]
    [reminder] = reminders(rasa)
    resolved = next(c for c in rasa.calls if c["name"] == "EXTERNAL_ticket_update")
    assert reminder["sender"] == "tg-r" and reminder["output_channel"] == "telegram"
    assert reminder["entities"] == {"event_id": f"reminder-{resolved['entities']['event_id']}", "ticket_id": ticket,
                                    "expires_at": (asked + timedelta(hours=72)).isoformat()}


def test_a_rating_cancels_the_reminder(backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    ticket = backend.file("wechat", "o-rated")
    backend.move(ticket, Status.RESOLVED)
    backend.publish()
    clock = Clock()

    async def scenario() -> int:
        wired = wire(clean_redis, rasa, clock=clock)
        await run_until_idle(wired)
        backend.rate(ticket, resolved=True, rating=4)
        backend.publish()
        await run_until_idle(wired)
        clock.advance(hours=25)
        return await wired.notifier.surveys.fire_due() + wired.notifier.counts["reminder_cancelled"] * 10

    assert asyncio.run(scenario()) == 10
    assert reminders(rasa) == [] and len(rasa.calls) == 1  # the rating's own "closed" is not announced


def test_reopening_by_staff_cancels_the_reminder(backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    ticket = backend.file("wechat", "o-reopened")
    backend.move(ticket, Status.RESOLVED)
    backend.move(ticket, Status.REOPENED, note="复查发现路灯仍不亮")
    backend.publish()
    asyncio.run(run_until_idle(wire(clean_redis, rasa)))
    assert [c["entities"]["status"] for c in rasa.calls] == ["resolved", "reopened"]
    assert redis.Redis.from_url(clean_redis).zcard("hotline:reminders:due") == 0


def test_no_reminder_once_the_survey_expired(backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    backend.move(backend.file("wechat", "o-late"), Status.RESOLVED)
    backend.publish()
    clock = Clock()

    async def scenario() -> int:
        wired = wire(clean_redis, rasa, clock=clock, reminder_hours=24.0, expiry_hours=48.0)
        await run_until_idle(wired)
        clock.advance(hours=50)  # the notifier was down past the expiry
        sent = await wired.notifier.surveys.fire_due()
        return sent + 10 * wired.notifier.counts["reminder_expired"]

    assert asyncio.run(scenario()) == 10 and reminders(rasa) == []


def test_no_reminder_is_scheduled_when_it_would_come_after_the_expiry(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    backend.move(backend.file("wechat", "o-short"), Status.RESOLVED)
    backend.publish()
    asyncio.run(run_until_idle(wire(clean_redis, rasa, reminder_hours=24.0, expiry_hours=12.0)))
    assert redis.Redis.from_url(clean_redis).zcard("hotline:reminders:due") == 0


def test_a_new_resolution_replaces_the_earlier_reminder(backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    ticket = backend.file("wechat", "o-again")
    backend.move(ticket, Status.RESOLVED)
    backend.move(ticket, Status.REOPENED)
    backend.move(ticket, Status.RESOLVED)
    backend.publish()
    clock = Clock()

    async def scenario() -> int:
        wired = wire(clean_redis, rasa, clock=clock)
        await run_until_idle(wired)
        clock.advance(hours=30)
        return await wired.notifier.surveys.fire_due()

    assert asyncio.run(scenario()) == 1
    last_resolution = [c for c in rasa.calls if c["entities"].get("status") == "resolved"][-1]
    assert reminders(rasa)[0]["entities"]["event_id"] == f"reminder-{last_resolution['entities']['event_id']}"


def test_two_notifiers_never_claim_the_same_reminder_and_a_crash_mid_send_retries_it(clean_redis: str) -> None:
    now = datetime.fromisoformat("2026-03-02T09:00:00+00:00")

    async def scenario() -> tuple[list[int], list[str], list[str], bool]:
        one, two = (Redis.from_url(clean_redis, decode_responses=True),
                    Redis.from_url(clean_redis, decode_responses=True))
        a, b = ReminderStore(one), ReminderStore(two)
        for n in range(50):
            reminder = reminder_for(f"e{n}", f"t{n}", f"u{n}", "wechat", asked_at=now, expiry_hours=72)
            await a.schedule(reminder, now + timedelta(hours=24))
        later = now + timedelta(hours=24)
        claims = await asyncio.gather(*(store.claim_due(later, lease_seconds=60, count=7)
                                        for store in (a, b) * 10))
        ids = [r.reminder_id for claim in claims for r in claim]
        # the claimer of the first one died before finishing: after the lease it is due again
        again = await b.claim_due(later + timedelta(seconds=61), lease_seconds=60)
        again_ids = [r.reminder_id for r in again]
        for r in again:
            await b.finish(r, later)
        rescheduled = await a.schedule(again[0], later)  # a redelivered resolution: no second reminder
        return [len(c) for c in claims], ids, again_ids, rescheduled

    sizes, ids, again_ids, rescheduled = asyncio.run(scenario())
    assert sum(sizes) == 50 and len(set(ids)) == 50
    assert sorted(again_ids) == sorted(ids) and rescheduled is False
    assert redis.Redis.from_url(clean_redis).zcard("hotline:reminders:due") == 0


def test_a_failed_reminder_is_retried_later_then_dead_lettered(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    backend.move(backend.file("wechat", "o-flaky"), Status.RESOLVED)
    backend.publish()
    clock = Clock()

    async def scenario() -> list[int]:
        wired = wire(clean_redis, rasa, clock=clock, max_attempts=3, backoff_seconds=10, backoff_cap_seconds=60)
        await run_until_idle(wired)
        rasa.fail(503, 503, 503)
        clock.advance(hours=24)
        sent = []
        for _ in range(4):
            sent.append(await wired.notifier.surveys.fire_due())
            clock.advance(seconds=61)
        return sent

    assert asyncio.run(scenario()) == [0, 0, 0, 0]
    assert len(reminders(rasa)) == 3
    dead = redis.Redis.from_url(clean_redis, decode_responses=True).xrange("hotline:events:dead")
    assert [f["event_type"] for _, f in dead] == ["survey.reminder"] and dead[0][1]["attempts"] == "3"
