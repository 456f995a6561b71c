"""Lines of the unit and dispatch queues: a ticket in a few words, its part, and how close its deadlines are.

Queue lines show the de-identified text (``request_view``, as Open311 publishes it): personal data shows only
on a ticket's own page, to those who may open it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from hotline.console.pages import ticket_path
from hotline.db import Database
from hotline.deps import Backend
from hotline.dispatch.assignments import ACTIVE
from hotline.dispatch.escalation import due_soon_at
from hotline.domain.history import Change
from hotline.domain.models import AssignmentRole, AssignmentState, Status, Ticket, TicketAssignment, TicketHistory
from hotline.domain.queries import OPEN311_CLOSED
from hotline.open311.views import request_view, w3c

OVERDUE, DUE_SOON = "overdue", "due_soon"


def deadline_mark(start: datetime, due: datetime, now: datetime) -> str:
    """``overdue`` past the deadline, ``due_soon`` in its last stretch (the escalation sweep's rule), else ``""``."""
    if now >= due:
        return OVERDUE
    return DUE_SOON if now >= due_soon_at(start, due) else ""


def deadline_marks(ticket: Ticket, now: datetime) -> dict[str, str]:
    """Marks of the two deadlines that still run: the response one while the ticket is open, the resolution one
    until it is resolved. A deadline met is ``met``."""
    running = ticket.status not in OPEN311_CLOSED
    return {
        "response": deadline_mark(ticket.requested_at, ticket.response_due, now)
        if ticket.status == Status.OPEN.value else "met",
        "resolution": deadline_mark(ticket.requested_at, ticket.resolution_due, now) if running else "met",
    }


def queue_row(ticket: Ticket, backend: Backend, lang: str, now: datetime, *, part: str | None = None,
              part_state: str | None = None) -> dict[str, Any]:
    view = request_view(ticket, backend.taxonomy, backend.gazetteer, lang)
    return {
        "id": ticket.service_request_id, "href": ticket_path(ticket.service_request_id),
        "category": view["service_name"], "snippet": view["description"], "district": view["district"],
        "subdistrict": view["subdistrict"], "priority": ticket.priority, "status": ticket.status,
        "dispatch_state": ticket.dispatch_state, "part": part, "part_state": part_state,
        "requested": w3c(ticket.requested_at), "response_due": w3c(ticket.response_due),
        "resolution_due": w3c(ticket.resolution_due), "marks": deadline_marks(ticket, now),
    }


@dataclass(frozen=True)
class Returned:
    """The lead unit's latest return of a ticket: who, why (a ``ReturnReason`` value), the note, when."""

    unit: str
    reason: str
    note: str
    at: str | None


def latest_returns(db: Database, ticket_ids: list[int]) -> dict[int, Returned]:
    """For each of ``ticket_ids`` its lead unit's latest return, from the audit trail."""
    if not ticket_ids:
        return {}
    with db.read() as session:
        rows = session.scalars(select(TicketHistory).where(
            TicketHistory.ticket_id.in_(ticket_ids), TicketHistory.action == Change.RETURNED.value)
            .order_by(TicketHistory.id)).all()
    return {row.ticket_id: Returned(unit=str(row.detail.get("unit", "")),
                                    reason=str(row.detail.get("return_reason", "")), note=row.reason, at=w3c(row.at))
            for row in rows if row.detail.get("role") == AssignmentRole.LEAD.value}


@dataclass(frozen=True)
class UnitLoad:
    unit: str
    waiting: int
    accepted: int


def unit_loads(db: Database) -> list[UnitLoad]:
    """Every unit with a part in an open ticket: how many parts wait for it and how many it accepted."""
    with db.read() as session:
        counts = session.execute(
            select(TicketAssignment.unit, TicketAssignment.state, func.count())
            .join(Ticket, Ticket.id == TicketAssignment.ticket_id)
            .where(TicketAssignment.state.in_(ACTIVE), Ticket.status.not_in(OPEN311_CLOSED))
            .group_by(TicketAssignment.unit, TicketAssignment.state)).all()
    loads: dict[str, dict[str, int]] = {}
    for unit, state, n in counts:
        loads.setdefault(unit, {})[state] = n
    return sorted((UnitLoad(unit, by_state.get(AssignmentState.DISPATCHED.value, 0),
                            by_state.get(AssignmentState.ACCEPTED.value, 0)) for unit, by_state in loads.items()),
                  key=lambda load: (-load.waiting, -load.accepted, load.unit))
