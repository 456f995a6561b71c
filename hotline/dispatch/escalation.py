"""Escalation: a ticket nearing a deadline shows in its unit's "due soon" view, past it in the supervisor's queue.

Two deadlines, two steps each:

- **response** (the ticket is taken up: accepted, or any status after ``open``): due soon, then overdue;
- **resolution** (resolved or closed): due soon, then overdue.

"Due soon" is the last ``DUE_SOON_SHARE`` of the time between filing and the deadline (an assumption: 20%,
so 4.8 hours of a 24-hour resolution, 1.4 days of 7 days). A step reached is recorded once
(``ticket_escalations``, unique per ticket, deadline, step and due date) with an audit-trail row and a
``ticket.escalated`` event in the same transaction, so it is published once, also across a kill -9: either
the transaction committed (and the step will not fire again) or nothing of it did (and the next sweep fires
it). A deadline that moves (re-dispatch to another rule, an extension) starts its steps again.

Each ticket carries the time of its next step (``next_escalation_at``, indexed); ``schedule`` sets it
whenever status or deadlines change, and the sweep reads only tickets whose next step is due, so its cost
follows the escalations, not the number of tickets.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Final

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.domain.events import TICKET_ESCALATED, event_row
from hotline.domain.history import Change
from hotline.domain.models import OutboxEvent, Status, Ticket, TicketEscalation, TicketHistory

log = logging.getLogger(__name__)

DUE_SOON_SHARE = 0.2
NONE, DUE_SOON, OVERDUE = 0, 1, 2
LEVEL_NAMES = {DUE_SOON: "due_soon", OVERDUE: "overdue"}
RESPONSE: Final = "response"
RESOLUTION: Final = "resolution"
FINISHED = (Status.RESOLVED.value, Status.CLOSED.value)


@dataclass(frozen=True)
class Step:
    kind: str  # response or resolution
    level: int  # DUE_SOON or OVERDUE
    at: datetime  # when it is reached
    due: datetime  # the deadline it belongs to


def due_soon_at(start: datetime, due: datetime) -> datetime:
    return due - (due - start) * DUE_SOON_SHARE


def pending_steps(ticket: Ticket) -> list[Step]:
    """The steps this ticket has not reached yet, for the deadlines still running (none while it waits for the
    resident: the clock is paused, hotline.dispatch.clock)."""
    steps: list[Step] = []
    if ticket.paused_at is not None or ticket.master_id is not None:  # a duplicate: the master's deadlines run
        return steps
    if ticket.status == Status.OPEN.value:
        steps += _steps(RESPONSE, ticket.requested_at, ticket.response_due, ticket.response_escalation)
    if ticket.status not in FINISHED:
        steps += _steps(RESOLUTION, ticket.requested_at, ticket.resolution_due, ticket.resolution_escalation)
    return steps


def _steps(kind: str, start: datetime, due: datetime, reached: int) -> list[Step]:
    candidates = [Step(kind, DUE_SOON, due_soon_at(start, due), due), Step(kind, OVERDUE, due, due)]
    return [step for step in candidates if step.level > reached]


def schedule(ticket: Ticket) -> None:
    """Set ``next_escalation_at`` from the ticket's state (call after any change of status or deadlines)."""
    steps = pending_steps(ticket)
    ticket.next_escalation_at = min((s.at for s in steps), default=None)


def restart(ticket: Ticket, kind: str) -> None:
    """A deadline of ``kind`` moved: its steps start again (and are recorded again for the new due date)."""
    if kind == RESPONSE:
        ticket.response_escalation = NONE
    else:
        ticket.resolution_escalation = NONE
    ticket.escalation_level = max(ticket.response_escalation, ticket.resolution_escalation)
    schedule(ticket)


@dataclass
class StepRows:
    """Rows a batch of steps writes, inserted together at the end of the batch (Core bulk inserts: the ORM's
    per-object cost made a catch-up sweep of 18,579 steps take 12 s)."""

    escalations: list[dict[str, object]] = field(default_factory=list)
    history: list[dict[str, object]] = field(default_factory=list)
    events: list[dict[str, object]] = field(default_factory=list)

    def insert(self, session: Session) -> None:
        for model, rows in ((TicketEscalation, self.escalations), (TicketHistory, self.history),
                            (OutboxEvent, self.events)):
            if rows:
                session.execute(insert(model), rows)


def fire_due_steps(session: Session, ticket: Ticket, *, now: datetime, rows: StepRows | None = None) -> int:
    """Record the steps reached by ``now`` (the highest per deadline: a sweep that was down skips "due soon"
    once the deadline has passed) and reschedule. Returns how many were recorded. With ``rows``, the new
    rows are collected there for the caller to insert; without, they are inserted here."""
    own = rows is None
    rows = rows if rows is not None else StepRows()
    fired = 0
    pending = pending_steps(ticket)  # once: recording one deadline's step does not change the other's
    for kind in (RESPONSE, RESOLUTION):
        reached = [s for s in pending if s.kind == kind and s.at <= now]
        if not reached:
            continue
        step = max(reached, key=lambda s: s.level)
        level = LEVEL_NAMES[step.level]
        rows.escalations.append({"ticket_id": ticket.id, "kind": kind, "level": level, "due_at": step.due,
                                 "at": now, "unit": ticket.lead_unit})
        if kind == RESPONSE:
            ticket.response_escalation = step.level
        else:
            ticket.resolution_escalation = step.level
        rows.history.append({"ticket_id": ticket.id, "at": now, "actor": SWEEP, "action": Change.ESCALATED.value,
                             "reason": f"{kind} deadline {level.replace('_', ' ')}",
                             "detail": {"deadline": kind, "level": level, "due": step.due.isoformat(),
                                        "unit": ticket.lead_unit}})
        rows.events.append(event_row(TICKET_ESCALATED, ticket, at=now, deadline=kind, level=level,
                                     due=step.due.isoformat(), unit=ticket.lead_unit))
        fired += 1
    ticket.escalation_level = max(ticket.response_escalation, ticket.resolution_escalation)
    schedule(ticket)
    if own:
        rows.insert(session)
    return fired


SWEEP = "system:escalation"


class EscalationSweep:
    """Fires due steps in batches, one transaction per batch. Run by the relay leader only (one per database).

    The relay publishes nothing while the sweep runs (they share the leader's thread), so a run from the relay
    (``run_if_due``) stops after ``budget`` and says it is ``behind``: the relay publishes, then the sweep goes
    on at once. A catch-up of 20,000 steps no longer holds new tickets' events back for its whole length."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 batch: int = 500, every: timedelta = timedelta(seconds=30),
                 budget: timedelta = timedelta(seconds=1)) -> None:
        self.db, self.clock, self.batch, self.every, self.budget = db, clock, batch, every, budget
        self._last: datetime | None = None
        self.behind = False  # the last run stopped at its budget with steps still due

    def sweep(self, stop: threading.Event | None = None, *, budget: timedelta | None = None) -> int:
        """The steps due now, fired (within ``budget``, if given). Returns how many steps were recorded."""
        now = self.clock()
        until = time.monotonic() + budget.total_seconds() if budget is not None else None
        fired = 0
        self.behind = False
        while stop is None or not stop.is_set():
            with self.db.write() as session, session.begin():
                tickets = session.scalars(
                    select(Ticket).where(Ticket.next_escalation_at <= now)
                    .order_by(Ticket.next_escalation_at, Ticket.id).limit(self.batch)
                    .with_for_update(skip_locked=True)).all()
                rows = StepRows()
                for ticket in tickets:
                    fired += fire_due_steps(session, ticket, now=now, rows=rows)
                levels = [{"id": t.id, "response_escalation": t.response_escalation,
                           "resolution_escalation": t.resolution_escalation, "escalation_level": t.escalation_level,
                           "next_escalation_at": t.next_escalation_at} for t in tickets]
                # One executemany instead of the ORM's UPDATE per ticket (their changed columns differ).
                session.expunge_all()
                if levels:
                    session.execute(update(Ticket), levels)
                rows.insert(session)
            if len(tickets) < self.batch:
                break
            if until is not None and time.monotonic() >= until:
                self.behind = True
                break
        return fired

    def run_if_due(self, stop: threading.Event | None = None) -> None:
        now = self.clock()
        if not self.behind and self._last is not None and now - self._last < self.every:
            return
        if not self.behind:
            self._last = now
        fired = self.sweep(stop, budget=self.budget)
        if fired:
            log.info("escalation sweep: %d deadline step(s) reached", fired)
