"""The notifier against a real redis-server and a fake Rasa: what is said, to whom, exactly once."""

import asyncio
import json

import pytest
import redis

from hotline.domain.models import Status
from tests.doubles.fake_rasa import FakeRasa
from tests.hotline.notifier.notifier_kit import (
    STREAM,
    Backend,
    Sleeps,
    backend,
    clean_redis,
    pending_count,
    rasa,
    run_until_idle,
    wire,
)

pytestmark = pytest.mark.integration
__all__ = ["backend", "clean_redis", "rasa"]  # fixtures


def test_each_announced_change_reaches_rasa_once_with_the_contract_entities(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    ticket = backend.file("telegram", "tg-42", language="en")
    for status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.REOPENED):
        backend.move(ticket, status, note="路灯已修复，电话13812345678" if status is Status.RESOLVED else "")
    backend.publish()
    asyncio.run(run_until_idle(wire(clean_redis, rasa)))
    calls = rasa.calls
    assert [c["entities"]["status"] for c in calls] == ["accepted", "resolved", "closed", "reopened"]
    assert {(c["sender"], c["output_channel"], c["name"]) for c in calls} == {
        ("tg-42", "telegram", "EXTERNAL_ticket_update")}
    resolved = calls[1]["entities"]
    assert resolved["ticket_id"] == ticket and resolved["survey"] is True
    assert resolved["department"] == backend.department_names(ticket)["en"]
    assert resolved["note"] == "路灯已修复，电话13812345678"  # what the operator wrote to the resident, as written
    assert resolved["note_language"] == "zh" and resolved["note_translated"] == ""
    assert set(resolved) == {"event_id", "ticket_id", "status", "department", "note", "note_language",
                             "note_translated", "survey"}
    assert [c["entities"]["survey"] for c in calls] == [False, True, False, False]
    assert calls[0]["entities"]["note"] == "" and calls[0]["entities"]["note_language"] == ""
    assert pending_count(clean_redis) == 0


def test_channels_map_to_rasa_output_channels_and_others_are_skipped(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    for channel in ("webchat", "wechat", "rest", None):
        backend.move(backend.file(channel, f"user-{channel}" if channel else None), Status.ACCEPTED)
    backend.publish()
    wired = wire(clean_redis, rasa)
    asyncio.run(run_until_idle(wired))
    assert sorted((c["sender"], c["output_channel"]) for c in rasa.calls) == [
        ("user-webchat", "socketio"), ("user-wechat", "wechat")]
    assert wired.notifier.counts["skipped"] == 4 + 2  # four ticket.created, two unreachable channels
    assert pending_count(clean_redis) == 0


def test_changes_the_residents_own_rating_caused_are_not_announced(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    kept, disputed = backend.file("wechat", "o-kept"), backend.file("wechat", "o-disputed")
    for ticket in (kept, disputed):
        backend.move(ticket, Status.RESOLVED)
    backend.rate(kept, resolved=True, rating=5)  # closes
    backend.rate(disputed, resolved=False)  # reopens
    backend.publish()
    asyncio.run(run_until_idle(wire(clean_redis, rasa)))
    # Residents are served concurrently: only each resident's own order is guaranteed.
    assert sorted((c["sender"], c["entities"]["status"]) for c in rasa.calls) == [
        ("o-disputed", "resolved"), ("o-kept", "resolved")]
    payloads = [json.loads(f["payload"]) for _, f in redis.Redis.from_url(clean_redis, decode_responses=True)
                .xrange(STREAM) if f["event_type"] == "ticket.status_changed"]
    assert [(p["status"], p["cause"], p["actor"]) for p in payloads[-2:]] == [
        ("closed", "rating", "resident"), ("reopened", "rating", "resident")]


def test_a_redelivered_event_makes_no_second_call(backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    backend.move(backend.file("telegram", "tg-1"), Status.RESOLVED)
    backend.publish()
    client = redis.Redis.from_url(clean_redis, decode_responses=True)
    resolved = [f for _, f in client.xrange(STREAM) if f["event_type"] == "ticket.status_changed"][0]
    wired = wire(clean_redis, rasa)
    asyncio.run(run_until_idle(wired))
    client.xadd(STREAM, resolved)  # the relay published it again (it died before marking it published)
    wired = wire(clean_redis, rasa)
    asyncio.run(run_until_idle(wired))
    assert len(rasa.calls) == 1 and wired.notifier.counts["duplicate"] == 1
    assert len(client.zrange("hotline:reminders:due", 0, -1)) == 1
    assert pending_count(clean_redis) == 0


def test_notes_are_sent_translated_into_the_residents_language_when_possible(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    seen: list[tuple[str, str, str]] = []

    def translate(text: str, source: str, target: str) -> str:
        seen.append((text, source, target))
        return "The street light was repaired" if target == "en" else ""

    backend.move(backend.file("telegram", "tg-en", language="en"), Status.RESOLVED, note="路灯已修复")
    backend.move(backend.file("telegram", "tg-zh", language="zh"), Status.RESOLVED, note="路灯已修复")
    backend.move(backend.file("telegram", "tg-ja", language="ja"), Status.RESOLVED, note="路灯已修复")
    backend.publish()
    asyncio.run(run_until_idle(wire(clean_redis, rasa, translate=translate)))
    by_sender = {c["sender"]: c["entities"] for c in rasa.calls}
    assert by_sender["tg-en"]["note_translated"] == "The street light was repaired"
    assert by_sender["tg-zh"]["note_translated"] == "" and by_sender["tg-ja"]["note_translated"] == ""
    assert {target for _text, _source, target in seen} == {"en", "ja"}  # never zh -> zh
    assert {e["note"] for e in by_sender.values()} == {"路灯已修复"}


def test_one_residents_messages_keep_their_order_through_retries(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    ticket = backend.file("wechat", "o-order")
    backend.move(ticket, Status.ACCEPTED)
    backend.move(ticket, Status.RESOLVED)
    backend.move(backend.file("wechat", "o-other"), Status.ACCEPTED)
    backend.publish()
    rasa.fail(500, 503)  # the first two calls fail
    asyncio.run(run_until_idle(wire(clean_redis, rasa)))
    mine = [m["entities"]["status"] for m in rasa.messages if m["sender"] == "o-order"]
    assert mine == ["accepted", "resolved"]
    assert len(rasa.messages) == 3 and pending_count(clean_redis) == 0


def test_transient_failures_back_off_exponentially_then_deliver(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    backend.move(backend.file("wechat", "o-1"), Status.ACCEPTED)
    backend.publish()
    rasa.fail(500, 502, 429, 503)
    sleeps = Sleeps()
    wired = wire(clean_redis, rasa, sleeps=sleeps, backoff_seconds=0.5, backoff_cap_seconds=3.0)
    asyncio.run(run_until_idle(wired))
    assert len(rasa.messages) == 1 and len(rasa.calls) == 5
    assert len(sleeps.seconds) == 4
    for seconds, step in zip(sleeps.seconds, (0.5, 1.0, 2.0, 3.0), strict=False):  # capped at 3; jitter: half to all
        assert step / 2 <= seconds <= step


def test_after_max_attempts_the_event_goes_to_the_dead_letter_stream(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    ticket = backend.file("wechat", "o-dead")
    backend.move(ticket, Status.ACCEPTED)
    backend.publish()
    rasa.fail(*[500] * 10)
    wired = wire(clean_redis, rasa, max_attempts=3)
    asyncio.run(run_until_idle(wired))
    assert len(rasa.calls) == 3 and rasa.messages == []
    dead = redis.Redis.from_url(clean_redis, decode_responses=True).xrange("hotline:events:dead")
    assert len(dead) == 1
    fields = dead[0][1]
    assert "500" in fields["reason"] and fields["attempts"] == "3"
    assert json.loads(fields["payload"])["service_request_id"] == ticket
    assert fields["event_type"] == "ticket.status_changed" and fields["original_id"]
    assert pending_count(clean_redis) == 0


def test_a_request_rasa_refuses_is_dead_lettered_at_once(backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    backend.move(backend.file("wechat", "o-bad"), Status.ACCEPTED)
    backend.publish()
    rasa.fail(400)
    asyncio.run(run_until_idle(wire(clean_redis, rasa, max_attempts=5)))
    dead = redis.Redis.from_url(clean_redis, decode_responses=True).xrange("hotline:events:dead")
    assert len(rasa.calls) == 1 and len(dead) == 1 and "400" in dead[0][1]["reason"]


def test_a_wrong_token_is_retried_slowly_and_never_dropped(
        backend: Backend, clean_redis: str, rasa: FakeRasa, caplog: pytest.LogCaptureFixture) -> None:
    backend.move(backend.file("wechat", "o-token"), Status.ACCEPTED)
    backend.publish()
    rasa.fail(401, 401, 401, 404)
    sleeps = Sleeps()
    wired = wire(clean_redis, rasa, sleeps=sleeps, max_attempts=2, backoff_cap_seconds=30.0)
    asyncio.run(run_until_idle(wired))
    assert len(rasa.messages) == 1 and wired.notifier.counts["dead"] == 0
    assert sleeps.seconds == [30.0] * 4
    assert "RASA MISCONFIGURED" in caplog.text


def test_a_malformed_entry_is_dead_lettered(clean_redis: str, rasa: FakeRasa) -> None:
    client = redis.Redis.from_url(clean_redis, decode_responses=True)
    client.xadd(STREAM, {"event_id": "x-1", "event_type": "ticket.status_changed", "payload": "{not json"})
    asyncio.run(run_until_idle(wire(clean_redis, rasa)))
    dead = client.xrange("hotline:events:dead")
    assert len(dead) == 1 and "malformed" in dead[0][1]["reason"] and rasa.calls == []
    assert pending_count(clean_redis) == 0


def test_a_dead_consumers_entries_are_claimed_and_delivered_once(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    for n in range(5):
        backend.move(backend.file("webchat", f"web-{n}"), Status.ACCEPTED)
    backend.publish()

    async def scenario() -> int:
        dead = wire(clean_redis, rasa, consumer="dead-one", claim_idle_ms=100)
        await dead.notifier.stream.ensure_group()
        read = await dead.notifier.stream.read(100, 10)  # it read them, then died before handling any
        survivor = wire(clean_redis, rasa, consumer="survivor", claim_idle_ms=100)
        assert await survivor.notifier.reclaim() == 0  # not idle long enough yet: the owner may be alive
        await asyncio.sleep(0.2)
        claimed = await survivor.notifier.reclaim()
        await survivor.notifier.drain()
        return len(read) if claimed == len(read) else -1

    assert asyncio.run(scenario()) == 10  # 5 created + 5 accepted
    assert sorted(m["sender"] for m in rasa.messages) == [f"web-{n}" for n in range(5)]
    assert len(rasa.calls) == 5 and pending_count(clean_redis) == 0


def test_entries_being_retried_are_kept_from_other_notifiers(
        backend: Backend, clean_redis: str, rasa: FakeRasa) -> None:
    backend.move(backend.file("wechat", "o-slow"), Status.ACCEPTED)
    backend.publish()

    async def scenario() -> list[int]:
        busy = wire(clean_redis, rasa, consumer="busy", claim_idle_ms=100)
        await busy.notifier.stream.ensure_group()
        ids = [entry_id for entry_id, _ in await busy.notifier.stream.read(100, 10)]
        other = wire(clean_redis, rasa, consumer="other", claim_idle_ms=100)
        claimed = []
        for _ in range(4):
            await asyncio.sleep(0.06)
            await busy.notifier.stream.keep(ids)  # the heartbeat of a live notifier
            claimed.append(await other.notifier.reclaim())
        await asyncio.sleep(0.15)  # no heartbeat: its owner is gone
        claimed.append(await other.notifier.reclaim())
        await other.notifier.drain()
        return claimed

    assert asyncio.run(scenario()) == [0, 0, 0, 0, 2]
    assert len(rasa.messages) == 1
