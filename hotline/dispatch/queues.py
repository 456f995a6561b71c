"""What each desk works from: a unit's queue, and the call centre's "to dispatch" queue.

Both list open tickets only (not resolved or closed), urgent first, then newest first.
"""

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from hotline.db import Database
from hotline.dispatch.assignments import ACTIVE
from hotline.dispatch.escalation import DUE_SOON, OVERDUE
from hotline.domain.models import DispatchState, Ticket, TicketAssignment
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.routing import NORMAL, URGENT

# "urgent" sorts after "normal": descending puts urgent first, and an index on priority can serve it.
assert URGENT > NORMAL
URGENT_FIRST = Ticket.priority.desc()


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    role: str | None  # the unit's part: lead or assist (None in the call centre's queue)
    state: str | None  # dispatched (waiting for the unit) or accepted


def _unit_rows(unit: str) -> Select[Ticket, TicketAssignment]:
    return (select(Ticket, TicketAssignment).join(TicketAssignment, TicketAssignment.ticket_id == Ticket.id)
            .where(TicketAssignment.unit == unit, TicketAssignment.state.in_(ACTIVE),
                   Ticket.status.not_in(OPEN311_CLOSED)))


def unit_queue(db: Database, unit: str, *, limit: int, offset: int) -> tuple[int, list[QueueRow]]:
    """The open tickets ``unit`` has an active part in (waiting or accepted), and how many there are."""
    rows = _unit_rows(unit)
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(rows.subquery())) or 0
        page = session.execute(rows.order_by(URGENT_FIRST, Ticket.requested_at.desc(), Ticket.id.desc())
                               .limit(limit).offset(offset)).all()
    return total, [QueueRow(ticket, part.role, part.state) for ticket, part in page]


def to_dispatch(db: Database, *, limit: int, offset: int) -> tuple[int, list[QueueRow]]:
    """Open tickets without an active lead unit: never dispatched (no unit found), or returned."""
    rows = select(Ticket).where(
        Ticket.dispatch_state.in_((DispatchState.UNDISPATCHED.value, DispatchState.RETURNED.value)),
        Ticket.status.not_in(OPEN311_CLOSED))
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(rows.subquery())) or 0
        page = session.scalars(rows.order_by(URGENT_FIRST, Ticket.requested_at.desc(), Ticket.id.desc())
                               .limit(limit).offset(offset)).all()
    return total, [QueueRow(ticket, None, None) for ticket in page]


def unit_has_part(db: Database, ticket_id: int, unit: str) -> bool:
    """Whether ``unit`` was ever given a part in the ticket (a handler may read it, also after returning it)."""
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(TicketAssignment).where(
            TicketAssignment.ticket_id == ticket_id, TicketAssignment.unit == unit)) != 0


def unit_due_soon(db: Database, unit: str, *, limit: int, offset: int) -> tuple[int, list[QueueRow]]:
    """The unit's open tickets with a deadline due soon or passed, most escalated first, then by deadline."""
    rows = _unit_rows(unit).where(Ticket.escalation_level >= DUE_SOON)
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(rows.subquery())) or 0
        page = session.execute(rows.order_by(Ticket.escalation_level.desc(), URGENT_FIRST, Ticket.response_due,
                                             Ticket.id).limit(limit).offset(offset)).all()
    return total, [QueueRow(ticket, part.role, part.state) for ticket, part in page]


def escalated(db: Database, *, unit: str | None, limit: int, offset: int) -> tuple[int, list[QueueRow]]:
    """The supervisor's queue: open tickets past a deadline (all units, or one lead unit), urgent first, oldest
    deadline first."""
    rows = select(Ticket).where(Ticket.escalation_level >= OVERDUE, Ticket.status.not_in(OPEN311_CLOSED))
    if unit is not None:
        rows = rows.where(Ticket.lead_unit == unit)
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(rows.subquery())) or 0
        page = session.scalars(rows.order_by(URGENT_FIRST, Ticket.resolution_due, Ticket.id)
                               .limit(limit).offset(offset)).all()
    return total, [QueueRow(ticket, None, None) for ticket in page]
