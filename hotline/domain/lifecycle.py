"""Ticket lifecycle: status changes with a timeline row and an outbox event, and satisfaction."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.redact import name_variants, redact
from hotline.db import Database
from hotline.dispatch.escalation import schedule
from hotline.domain.errors import BadRequest, Conflict
from hotline.domain.events import (
    CAUSE_MASTER,
    CAUSE_RATING,
    CAUSE_UPDATE,
    TICKET_RATED,
    TICKET_STATUS_CHANGED,
    record_event,
)
from hotline.domain.history import Change, record_change
from hotline.domain.models import Satisfaction, Status, Ticket, TicketUpdate
from hotline.domain.tickets import Clock, load_ticket, utcnow

S = Status
ALLOWED: dict[Status, frozenset[Status]] = {
    S.OPEN: frozenset({S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
}
RATEABLE = frozenset({S.RESOLVED, S.CLOSED})
CYCLE_STARTS = frozenset({S.OPEN.value, S.REOPENED.value})


def can_move(current: Status, new: Status) -> bool:
    return new in ALLOWED[current]


@dataclass(frozen=True)
class Rating:
    resolved: bool
    rating: int | None
    comment: str


class Lifecycle:
    """Moves tickets through their states. Every change is one transaction: row + timeline + event."""

    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    def update(self, service_request_id: str, *, status: Status | None, note: str,
               note_language: str, actor: str, public_state: str | None = None) -> Ticket:
        """Change the status and/or add a note.

        Raises:
            NotFound: no such ticket.
            BadRequest: neither a status nor a note.
            Conflict: the lifecycle does not allow this move.
        """
        if status is None and not note:
            raise BadRequest("an update needs a status or a note")
        with self.db.write() as session, session.begin():
            ticket = load_ticket(session, service_request_id)
            self.apply(session, ticket, status=status, note=note, note_language=note_language, actor=actor,
                       public_state=public_state)
        return ticket

    def rate(self, service_request_id: str, rating: Rating, *, language: str, actor: str) -> Ticket:
        """Record the resident's satisfaction. "Not resolved" reopens; "resolved" closes.

        Raises:
            NotFound: no such ticket.
            Conflict: the ticket is not resolved or closed, or this resolution was rated already.
        """
        with self.db.write() as session, session.begin():
            ticket = load_ticket(session, service_request_id)
            current = Status(ticket.status)
            if current not in RATEABLE:
                raise Conflict(f"ticket is {current.value}; only resolved or closed tickets can be rated")
            # One rating per handling cycle; a cycle starts when the ticket is opened or reopened.
            cycle_start = max(u.created_at for u in ticket.updates if u.status in CYCLE_STARTS)
            if any(s.created_at >= cycle_start for s in ticket.satisfaction):
                raise Conflict("this resolution has been rated already")
            now = self.clock()
            ticket.satisfaction.append(Satisfaction(resolved=rating.resolved, rating=rating.rating,
                                                    comment=rating.comment, actor=actor, created_at=now))
            record_event(session, TICKET_RATED, ticket, at=now, resolved=rating.resolved, rating=rating.rating)
            record_change(session, ticket, actor=actor, change=Change.RATED, at=now, reason=rating.comment,
                          resolved=rating.resolved, rating=rating.rating)
            follow_up = S.REOPENED if not rating.resolved else (S.CLOSED if current is S.RESOLVED else None)
            if follow_up is not None:
                note = rating.comment if not rating.resolved else ""
                self.apply(session, ticket, status=follow_up, note=note, note_language=language, actor=actor,
                            cause=CAUSE_RATING)
        return ticket

    def _duplicates_follow(self, session: Session, master: Ticket, status: Status, *, note: str,
                           note_language: str, actor: str) -> None:
        """Tickets linked to ``master`` take its new status (each with its own timeline row and event, so each
        resident is told, and asked to rate a resolution). A move their own state forbids is skipped. The note
        was written to the master's resident: the others get it without personal data (names, numbers)."""
        if master.id is None or master.master_id is not None:
            return
        note = redact(note, name_variants(master.first_name, master.last_name)) if note else note
        for duplicate in session.scalars(select(Ticket).where(Ticket.master_id == master.id)).all():
            current = Status(duplicate.status)
            if current is not status and can_move(current, status):
                self.apply(session, duplicate, status=status, note=note, note_language=note_language, actor=actor,
                           cause=CAUSE_MASTER)

    def apply(self, session: Session, ticket: Ticket, *, status: Status | None, note: str,
               note_language: str, actor: str, cause: str = CAUSE_UPDATE, public_state: str | None = None) -> None:
        """Change ``ticket`` in ``session``'s transaction (the caller holds it): timeline row, trail, event."""
        now = self.clock()
        previous = Status(ticket.status)
        if status is not None and status is not previous and not can_move(previous, status):
            raise Conflict(f"cannot move a ticket from {previous.value} to {status.value}")
        new = status or previous
        ticket.updates.append(TicketUpdate(status=new.value, note=note, note_language=note_language,
                                           actor=actor, created_at=now, public_state=public_state))
        ticket.updated_at = now
        if new is not previous:
            record_change(session, ticket, actor=actor, change=Change.STATUS, at=now, reason=note,
                          before=previous.value, after=new.value, cause=cause)
            ticket.status = new.value
            schedule(ticket)
            record_event(session, TICKET_STATUS_CHANGED, ticket, at=now, previous_status=previous.value,
                         note=note, note_language=note_language, actor=actor, cause=cause)
            self._duplicates_follow(session, ticket, new, note=note, note_language=note_language, actor=actor)
        elif note:
            record_change(session, ticket, actor=actor, change=Change.NOTE, at=now, reason=note,
                          language=note_language)
        session.flush()

