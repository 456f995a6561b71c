"""The dispatch loop at Beijing's scale: unit queues and the escalation views over 200,000 open tickets, and the
escalation sweep over 2,000,000 tickets, on SQLite and PostgreSQL. ``make bench`` runs it; ``python -m
bench.bench_dispatch [--queue-tickets N] [--sweep-tickets N]``.

Tickets are written straight into the schema the migrations build (the way a month of filing would leave
them): categories drawn from the taxonomy, places from the gazetteer, filed over the past 30 days (mostly in
the last few: open tickets are young), deadlines from the shipped rules, the lead unit from the routing rules,
97% accepted after a day and half of the younger ones, and each ticket's escalation levels as the sweep would
have left them an hour ago. Queries are the ones the API runs (hotline.dispatch.queues), timed 30 times each
after one warm-up call. The sweep is hotline.dispatch.escalation.EscalationSweep as the relay leader runs it:
once 30 seconds after the last sweep (steady state) and once an hour after it (catching up after an outage).
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.report import write_section
from bot.gazetteer import load_gazetteer
from bot.taxonomy import load_taxonomy
from hotline.db import Database, migrate
from hotline.dispatch.calendar import WorkCalendar
from hotline.dispatch.deadlines import DeadlineRules
from hotline.dispatch.escalation import DUE_SOON, NONE, OVERDUE, EscalationSweep, due_soon_at
from hotline.dispatch.queues import escalated, to_dispatch, unit_due_soon, unit_queue
from hotline.dispatch.units import load_units
from hotline.domain.models import AssignmentRole, AssignmentState, DispatchState, Status, Ticket, TicketAssignment
from hotline.domain.routing import NORMAL, URGENT
from tests.doubles.local_servers import postgres_server

NOW = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)
LAST_SWEEP = NOW - timedelta(hours=1)
GOAL_QUEUE_P95_MS, GOAL_SWEEP_S = 300.0, 5.0
CHUNK = 5000
TIMED = 30


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def level(start: datetime, due: datetime, at: datetime) -> int:
    return OVERDUE if due <= at else DUE_SOON if due_soon_at(start, due) <= at else NONE


def populate(db: Database, count: int, *, assignments: bool, seed: int = 12345) -> None:
    """``count`` open tickets as described above, in chunks."""
    rng = random.Random(seed)
    taxonomy, gazetteer = load_taxonomy(), load_gazetteer()
    rules = DeadlineRules.load(taxonomy, WorkCalendar.load())
    units = load_units(taxonomy, gazetteer)
    leaves = taxonomy.leaves
    subdistricts = list(gazetteer.subdistricts.values())
    next_id = 1
    started = time.monotonic()
    while next_id <= count:
        rows, parts = [], []
        for ticket_id in range(next_id, min(count, next_id + CHUNK - 1) + 1):
            leaf = rng.choice(leaves)
            place = rng.choice(subdistricts) if rng.random() < 0.95 else None
            # Open tickets are mostly young: age exponential with a 3-day mean, at most 30 days.
            filed = NOW - timedelta(seconds=min(rng.expovariate(1 / (3 * 86400)), 30 * 86400))
            response_ts, resolution_ts = rules.due_timestamps(leaf.code, start=filed.timestamp())
            response_due = datetime.fromtimestamp(response_ts, timezone.utc)
            resolution_due = datetime.fromtimestamp(resolution_ts, timezone.utc)
            unit = units.for_routing(leaf.department, place.code if place else None)
            # Units take up nearly all tickets within a day; younger ones half of the time.
            accepted = unit is not None and rng.random() < (0.97 if NOW - filed > timedelta(days=1) else 0.5)
            status = Status.ACCEPTED.value if accepted else Status.OPEN.value
            response_level = level(filed, response_due, LAST_SWEEP) if not accepted else NONE
            resolution_level = level(filed, resolution_due, LAST_SWEEP)
            pending = [at for at, reached in (
                (due_soon_at(filed, response_due), response_level < DUE_SOON and not accepted),
                (response_due, response_level < OVERDUE and not accepted),
                (due_soon_at(filed, resolution_due), resolution_level < DUE_SOON),
                (resolution_due, resolution_level < OVERDUE)) if reached]
            rows.append({
                "id": ticket_id, "service_request_id": f"{filed:%Y%m%d}{ticket_id:07d}", "token": f"t{ticket_id}",
                "request_fingerprint": "0" * 64, "service_code": leaf.code, "status": status,
                "description": "路灯不亮", "language": "zh", "attributes": {}, "department": leaf.department,
                "district_code": place.district_code if place else None,
                "subdistrict_code": place.code if place else None,
                "priority": URGENT if leaf.urgent else NORMAL, "response_due": response_due,
                "resolution_due": resolution_due, "requested_at": filed, "updated_at": filed,
                "dispatch_state": (DispatchState.ACCEPTED if accepted else DispatchState.DISPATCHED if unit
                                   else DispatchState.UNDISPATCHED).value,
                "lead_unit": unit, "dispatched_at": filed if unit else None, "accepted_at": filed if accepted else None,
                "deadline_tier": rules.tier_for(leaf.code).name, "response_escalation": response_level,
                "resolution_escalation": resolution_level, "escalation_level": max(response_level, resolution_level),
                "next_escalation_at": min(pending, default=None), "machine_translated": False,
                "needs_multilingual_operator": False})
            if assignments and unit is not None:
                parts.append({"ticket_id": ticket_id, "unit": unit, "role": AssignmentRole.LEAD.value,
                              "state": (AssignmentState.ACCEPTED if accepted else AssignmentState.DISPATCHED).value,
                              "dispatched_at": filed, "dispatched_by": "system:router"})
        with db.engine.begin() as connection:
            connection.execute(insert(Ticket), rows)
            if parts:
                connection.execute(insert(TicketAssignment), parts)
        next_id += CHUNK
        if (next_id - 1) % (CHUNK * 40) == 0:
            log(f"  {next_id - 1:,} of {count:,} tickets written ({time.monotonic() - started:.0f} s)")
    if db.dialect == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def timed(call: Callable[[], Any]) -> tuple[float, float]:
    """p50 and p95 in ms of ``TIMED`` calls after one warm-up."""
    call()
    seconds = []
    for _ in range(TIMED):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    ordered = sorted(seconds)
    return statistics.median(seconds) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def largest_units(db: Database) -> list[str]:
    with db.read() as session:
        rows = session.execute(select(Ticket.lead_unit, func.count()).where(Ticket.lead_unit.is_not(None))
                               .group_by(Ticket.lead_unit).order_by(func.count().desc())).all()
    units = [str(unit) for unit, _ in rows]
    return [units[0], next(unit for unit in units if unit.startswith("subdistrict:"))]


def queue_figures(db: Database) -> list[tuple[str, float, float]]:
    big, office = largest_units(db)
    calls: list[tuple[str, Callable[[], Any]]] = [
        (f"unit queue, first page ({big}, the largest unit)", lambda: unit_queue(db, big, limit=50, offset=0)),
        (f"unit queue, first page ({office})", lambda: unit_queue(db, office, limit=50, offset=0)),
        (f"unit queue, page 20 ({big})", lambda: unit_queue(db, big, limit=50, offset=950)),
        (f"unit due soon ({big})", lambda: unit_due_soon(db, big, limit=50, offset=0)),
        ("supervisor's escalation queue, all units", lambda: escalated(db, unit=None, limit=50, offset=0)),
        (f"supervisor's escalation queue, one unit ({big})", lambda: escalated(db, unit=big, limit=50, offset=0)),
        ("call centre's to-dispatch queue", lambda: to_dispatch(db, limit=50, offset=0)),
    ]
    return [(name, *timed(call)) for name, call in calls]


def sweep_figures(db: Database) -> list[tuple[str, int, float]]:
    results = []
    for name, at in (("30 s after the last sweep (steady state)", LAST_SWEEP + timedelta(seconds=30)),
                     ("1 hour after the last sweep (catching up)", LAST_SWEEP + timedelta(hours=1))):
        sweep = EscalationSweep(db, clock=lambda at=at: at)  # type: ignore[misc]
        started = time.perf_counter()
        fired = sweep.sweep()
        results.append((name, fired, time.perf_counter() - started))
    return results


def run(url: str, label: str, queue_tickets: int, sweep_tickets: int, folder: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for purpose, count in (("queues", queue_tickets), ("sweep", sweep_tickets)):
        database_url = (f"sqlite:///{folder / f'{purpose}.db'}" if label == "SQLite"
                        else _fresh_pg(url, f"bench_{purpose}"))
        db = Database(database_url)
        migrate(db.engine)
        log(f"[{label}] writing {count:,} open tickets for the {purpose}...")
        started = time.monotonic()
        populate(db, count, assignments=purpose == "queues")
        log(f"[{label}] written in {time.monotonic() - started:.0f} s")
        if purpose == "queues":
            out["queues"] = queue_figures(db)
            for name, p50, p95 in out["queues"]:
                log(f"[{label}] {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        else:
            out["sweep"] = sweep_figures(db)
            for name, fired, seconds in out["sweep"]:
                log(f"[{label}] sweep {name}: {fired:,} steps in {seconds:.2f} s")
        db.dispose()
    return out


def _fresh_pg(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"


def report(results: dict[str, dict[str, Any]], queue_tickets: int, sweep_tickets: int, seconds: float) -> str:
    lines = ["## The dispatch loop at scale (bench/bench_dispatch.py)", "",
             f"Open tickets written straight into the migrated schema ({queue_tickets:,} for the queues, "
             f"{sweep_tickets:,} for the sweep): taxonomy categories, gazetteer places, ages exponential (mean 3 days, "
             "at most 30), the "
             "shipped deadline rules, the routing rules' lead unit, accepted within a day for 97%, escalation "
             "levels as of the "
             "last sweep an hour before. Queries as the API runs them (hotline/dispatch/queues.py), 30 timed calls "
             "each after a warm-up; the sweep is the relay leader's EscalationSweep. PostgreSQL is the tests' "
             "throwaway cluster (fsync off, which does not change reads).", "",
             "| query | " + " | ".join(f"{label} p50 / p95 ms" for label in results) + " |",
             "|---|" + "---|" * len(results)]
    names = [name for name, _, _ in next(iter(results.values()))["queues"]]
    for index, name in enumerate(names):
        cells = [f"{r['queues'][index][1]:.1f} / {r['queues'][index][2]:.1f}" for r in results.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "| escalation sweep over the whole table | " + " | ".join(
        f"{label}: steps, seconds" for label in results) + " |", "|---|" + "---|" * len(results)]
    sweeps = [name for name, _, _ in next(iter(results.values()))["sweep"]]
    for index, name in enumerate(sweeps):
        cells = [f"{r['sweep'][index][1]:,}, {r['sweep'][index][2]:.2f} s" for r in results.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    worst_p95 = max(q[2] for r in results.values() for q in r["queues"])
    worst_sweep = max(r["sweep"][0][2] for r in results.values())  # the sweep as it runs, every 30 s
    worst_catch_up = max(r["sweep"][1][2] for r in results.values())
    lines += ["", f"Goals: queues p95 under {GOAL_QUEUE_P95_MS:.0f} ms at 200,000 open tickets "
              f"({'met' if worst_p95 < GOAL_QUEUE_P95_MS else 'NOT met'}: worst {worst_p95:.1f} ms); sweep over "
              f"2,000,000 tickets under {GOAL_SWEEP_S:.0f} s ({'met' if worst_sweep < GOAL_SWEEP_S else 'NOT met'}: "
              f"worst {worst_sweep:.2f} s). Catching up an hour of steps after an outage takes longer (worst "
              f"{worst_catch_up:.2f} s, {'under' if worst_catch_up < GOAL_SWEEP_S else 'over'} {GOAL_SWEEP_S:.0f} s); "
              "run from the relay it goes in 1-second parts with the relay publishing in between "
              "(hotline.dispatch.escalation.EscalationSweep.budget), so new tickets' events do not wait for it.",
              "", f"Run {time.strftime('%Y-%m-%d')}, {seconds:.0f} s in all, 2 cores."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queue-tickets", type=int, default=200_000)
    parser.add_argument("--sweep-tickets", type=int, default=2_000_000)
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/benchmarks.md")
    args = parser.parse_args()
    started = time.monotonic()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as folder:
        results["SQLite"] = run("", "SQLite", args.queue_tickets, args.sweep_tickets, Path(folder))
        with postgres_server() as server_url:
            results["PostgreSQL"] = run(server_url, "PostgreSQL", args.queue_tickets, args.sweep_tickets,
                                        Path(folder))
    text = report(results, args.queue_tickets, args.sweep_tickets, time.monotonic() - started)
    print(text)
    if not args.no_write:
        write_section("dispatch-scale", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
