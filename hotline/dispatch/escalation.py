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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.domain.events import TICKET_ESCALATED, record_event
from hotline.domain.history import Change, record_change
from hotline.domain.models import Status, Ticket, TicketEscalation

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


def fire_due_steps(session: Session, ticket: Ticket, *, now: datetime) -> int:
    """Record the steps reached by ``now`` (the highest per deadline: a sweep that was down skips "due soon"
    once the deadline has passed) and reschedule. Returns how many were recorded."""
    fired = 0
    for kind in (RESPONSE, RESOLUTION):
        reached = [s for s in pending_steps(ticket) if s.kind == kind and s.at <= now]
        if not reached:
            continue
        step = max(reached, key=lambda s: s.level)
        session.add(TicketEscalation(ticket_id=ticket.id, kind=kind, level=LEVEL_NAMES[step.level],
                                     due_at=step.due, at=now, unit=ticket.lead_unit))
        if kind == RESPONSE:
            ticket.response_escalation = step.level
        else:
            ticket.resolution_escalation = step.level
        record_change(session, ticket, actor=SWEEP, change=Change.ESCALATED, at=now,
                      reason=f"{kind} deadline {LEVEL_NAMES[step.level].replace('_', ' ')}",
                      deadline=kind, level=LEVEL_NAMES[step.level], due=step.due.isoformat(), unit=ticket.lead_unit)
        record_event(session, TICKET_ESCALATED, ticket, at=now, deadline=kind, level=LEVEL_NAMES[step.level],
                     due=step.due.isoformat(), unit=ticket.lead_unit)
        fired += 1
    ticket.escalation_level = max(ticket.response_escalation, ticket.resolution_escalation)
    schedule(ticket)
    return fired


SWEEP = "system:escalation"


class EscalationSweep:
    """Fires due steps in batches, one transaction per batch. Run by the relay leader only (one per database)."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 batch: int = 500,
                 every: timedelta = timedelta(seconds=30)) -> None:
        self.db, self.clock, self.batch, self.every = db, clock, batch, every
        self._last: datetime | None = None

    def sweep(self, stop: threading.Event | None = None) -> int:
        """Every step due now, fired. Returns how many steps were recorded."""
        now = self.clock()
        fired = 0
        while stop is None or not stop.is_set():
            with self.db.write() as session, session.begin():
                tickets = session.scalars(
                    select(Ticket).where(Ticket.next_escalation_at <= now)
                    .order_by(Ticket.next_escalation_at, Ticket.id).limit(self.batch)
                    .with_for_update(skip_locked=True)).all()
                for ticket in tickets:
                    fired += fire_due_steps(session, ticket, now=now)
            if len(tickets) < self.batch:
                break
        return fired

    def run_if_due(self, stop: threading.Event | None = None) -> None:
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return
        self._last = now
        fired = self.sweep(stop)
        if fired:
            log.info("escalation sweep: %d deadline step(s) reached", fired)
