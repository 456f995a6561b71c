"""kill -9 of the real backend in the middle of an escalation sweep: the restarted backend's sweep fires the rest,
and every step reached is recorded once and published (at least once: a relay pass cut short publishes its
batch again, with the same event ids).

The backend is ``python -m hotline`` as ``make run`` starts it (tools.stack.Processes), on a real PostgreSQL
and a redis-server of its own, with a sweep every second. The database holds ``TICKETS`` tickets already due,
written straight into the migrated schema, whose steps cannot change while the test runs (deadlines long past,
or due-soon points passed with the deadline hours away), so the steps each ticket must get are known up front.
The sweep commits a batch of 500 tickets per transaction, one after the other; the test kills the process with
SIGKILL once a ``KILL_AT`` share of the rows is in and PostgreSQL shows a transaction of it open. Measured on 2
cores: the sweep records about 4,500 steps a second, the restarted backend publishes the 30,000 events in about
8 s, the whole test takes 20 to 25 s (35 to 40 s beside a Rasa training).
"""

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from sqlalchemy import insert

from hotline.db import Database, migrate
from hotline.dispatch.escalation import DUE_SOON, LEVEL_NAMES, NONE, OVERDUE, RESOLUTION, RESPONSE, due_soon_at
from hotline.domain.events import TICKET_ESCALATED
from hotline.domain.models import DispatchState, Status, Ticket
from hotline.domain.routing import NORMAL
from hotline.outbox import RELAY_BATCH
from tests.doubles.local_servers import redis_server
from tests.hotline.conftest import fresh_postgres_database
from tools.ports import free_port, wait_for_port
from tools.stack import ROOT, SERVICES_PY, Processes

TICKETS = 24_000  # 30,000 steps: about 7 s of sweeping here, so the kill lands well inside it
KILL_AT = 0.3  # share of the steps recorded when the backend is killed
UNIT = "dept:city_management_commission"
Expected = dict[str, set[tuple[str, str]]]  # service request id -> (deadline, level) it must reach once


def shapes(now: datetime) -> list[tuple[str, datetime, datetime, datetime, set[tuple[str, int]]]]:
    """(status, filed, response due, resolution due, steps the sweep must fire) of the four kinds of ticket."""
    return [
        # open, both deadlines long past: the sweep skips "due soon" and records both overdue steps
        (Status.OPEN.value, now - timedelta(days=20), now - timedelta(days=19), now - timedelta(days=5),
         {(RESPONSE, OVERDUE), (RESOLUTION, OVERDUE)}),
        # accepted, resolution long past: the response deadline was met
        (Status.ACCEPTED.value, now - timedelta(days=20), now - timedelta(days=19), now - timedelta(days=5),
         {(RESOLUTION, OVERDUE)}),
        # accepted, resolution due in a day, its due-soon point a day past
        (Status.ACCEPTED.value, now - timedelta(days=9), now - timedelta(days=8), now + timedelta(days=1),
         {(RESOLUTION, DUE_SOON)}),
        # open, response due in four hours, its due-soon point passed; resolution far off
        (Status.OPEN.value, now - timedelta(hours=20), now + timedelta(hours=4), now + timedelta(days=6),
         {(RESPONSE, DUE_SOON)}),
    ]


def write_tickets(database_url: str, count: int) -> Expected:
    """``count`` due tickets, their escalation levels untouched, as a sweep that was down would find them."""
    db = Database(database_url)
    migrate(db.engine)
    now = datetime.now(timezone.utc)
    kinds = shapes(now)
    expected: Expected = {}
    rows = []
    for number in range(1, count + 1):
        status, filed, response_due, resolution_due, steps = kinds[number % len(kinds)]
        service_request_id = f"crash{number:07d}"
        pending = [due_soon_at(filed, response_due), response_due] if status == Status.OPEN.value else []
        pending += [due_soon_at(filed, resolution_due), resolution_due]
        rows.append({
            "service_request_id": service_request_id, "token": f"crash-{number}", "request_fingerprint": "0" * 64,
            "service_code": "street_light_out", "status": status, "description": "路灯不亮", "language": "zh",
            "attributes": {}, "department": "city_management_commission", "priority": NORMAL,
            "response_due": response_due, "resolution_due": resolution_due, "requested_at": filed,
            "updated_at": filed, "lead_unit": UNIT, "dispatched_at": filed, "deadline_tier": "general",
            "dispatch_state": (DispatchState.ACCEPTED if status == Status.ACCEPTED.value
                               else DispatchState.DISPATCHED).value,
            "accepted_at": filed if status == Status.ACCEPTED.value else None,
            "response_escalation": NONE, "resolution_escalation": NONE, "escalation_level": NONE,
            "next_escalation_at": min(pending), "machine_translated": False, "needs_multilingual_operator": False})
        expected[service_request_id] = {(kind, LEVEL_NAMES[level]) for kind, level in steps}
    with db.engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(insert(Ticket), rows[start:start + 5000])
        connection.exec_driver_sql("ANALYZE")
    db.dispose()
    return expected


def count(connection: psycopg.Connection[Any], query: str) -> int:
    row = connection.execute(query).fetchone()
    return int(row[0]) if row else 0


def wait_for(condition: Callable[[], bool], seconds: float, what: str, every: float = 0.02) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what}")
        time.sleep(every)


@pytest.fixture
def backend_processes(tmp_path: Path) -> Iterator[Processes]:
    processes = Processes(tmp_path)
    try:
        yield processes
    finally:
        processes.stop_all()


@pytest.mark.integration
def test_a_backend_killed_mid_sweep_records_and_publishes_every_step_exactly_once(
        postgres_url: str, backend_processes: Processes, tmp_path: Path) -> None:
    database_url = fresh_postgres_database(postgres_url)
    expected = write_tickets(database_url, TICKETS)
    total = sum(len(steps) for steps in expected.values())
    escalations = "SELECT count(*) FROM ticket_escalations"
    unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    others = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    in_transaction = f"{others} AND xact_start IS NOT NULL"  # the sweep's batch, written but not committed
    log = tmp_path / "backend.log"
    with redis_server() as redis_url, psycopg.connect(database_url, autocommit=True) as db:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONHOME"))}
        env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url, REDIS_URL=redis_url, HOTLINE_PORT=str(port),
                   HOTLINE_ESCALATION_SWEEP_SECONDS="1")
        backend_processes.start("backend", [str(SERVICES_PY), "-m", "hotline"], env)
        wait_for(lambda: count(db, escalations) >= total * KILL_AT and count(db, in_transaction) > 0, 60,
                 "the sweep under way, a batch open")
        backend_processes.kill("backend")  # SIGKILL: no clean-up; its open transaction dies with its session
        wait_for(lambda: count(db, others) == 0, 10, "PostgreSQL ended the killed backend's sessions")
        committed = count(db, escalations)
        assert total * KILL_AT <= committed < total, "the kill did not land inside the sweep: raise TICKETS"

        restarted_from = log.stat().st_size
        backend_processes.start("backend")
        wait_for_port(port, timeout=30)
        stream = redis.Redis.from_url(redis_url, decode_responses=True)
        wait_for(lambda: count(db, escalations) == total and count(db, unpublished) == 0
                 and stream.xlen("hotline:events") >= total, 45, "the restarted sweep fired and published the rest",
                 every=0.2)
        time.sleep(2.5)  # two more sweeps and relay passes: nothing may be fired or published again

        recorded = db.execute("SELECT t.service_request_id, e.kind, e.level FROM ticket_escalations e "
                              "JOIN tickets t ON t.id = e.ticket_id").fetchall()
        events = db.execute("SELECT event_id, payload FROM outbox WHERE event_type = %s",
                            (TICKET_ESCALATED,)).fetchall()
        left = count(db, unpublished)
        trail = count(db, "SELECT count(*) FROM ticket_history WHERE action = 'escalated'")
        entries: Any = stream.xrange("hotline:events")
        stream.close()

    steps = Counter((str(sid), str(kind), str(level)) for sid, kind, level in recorded)
    assert max(steps.values()) == 1  # none doubled
    reached: Expected = {}
    for sid, kind, level in steps:
        reached.setdefault(sid, set()).add((kind, level))
    assert reached == expected  # none lost, none extra, for every ticket

    assert Counter((p["service_request_id"], p["deadline"], p["level"]) for _, p in events) == steps
    assert left == 0 and trail == total  # and one audit-trail row each
    published = Counter(fields["event_id"] for _, fields in entries if fields["event_type"] == TICKET_ESCALATED)
    assert set(published) == {str(event_id) for event_id, _ in events}  # every event on the stream, none extra
    # The relay is at-least-once (hotline/outbox.py): the sweep yields to it between batches, so a kill can land
    # in a relay pass after its stream writes and before its commit; that pass's events (one relay batch at most)
    # go out again after the restart, with the same event_id for consumers to drop.
    assert sum(count - 1 for count in published.values()) <= RELAY_BATCH

    restarted = log.read_bytes()[restarted_from:].decode("utf-8", errors="replace")
    assert "Traceback" not in restarted  # no relay pass or sweep failed and retried
    fired = sum(int(n) for n in re.findall(r"escalation sweep: (\d+) deadline step", restarted))
    assert fired == total - committed  # the restarted sweep fired exactly what the killed one had not committed
