"""A ticket's audit trail: every change records who, when, what and why, in the transaction that makes it.

Rows are only ever added (no code path updates or deletes them, and tickets are never deleted), so the
trail of a ticket is complete for as long as the ticket exists. ``detail`` says what changed, with the
values before and after where there is a before.
"""

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.models import Ticket, TicketHistory

MAX_REASON_CHARS = 2000


class Change(str, Enum):
    FILED = "filed"
    STATUS = "status"
    NOTE = "note"
    MERGED_REPORT = "merged_report"  # an urgent report from the same source joined the ticket
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    REDISPATCHED = "redispatched"
    ASSISTING_ADDED = "assisting_added"
    DEADLINES = "deadlines"
    ESCALATED = "escalated"
    PAUSED = "paused"  # waiting for the resident: the deadline clock stops
    RESUMED = "resumed"
    EXTENSION_ASKED = "extension_asked"
    EXTENSION_DECIDED = "extension_decided"
    LINKED = "linked"  # this ticket duplicates another (its master) and follows it
    DUPLICATE_ADDED = "duplicate_added"  # another ticket was linked to this one
    RATED = "rated"
    PLACE_GIVEN = "place_given"  # the resident said where an urgent report is, after filing it


def record_change(session: Session, ticket: Ticket, *, actor: str, change: Change, at: datetime,
                  reason: str = "", **detail: Any) -> TicketHistory:
    """Add one row to ``ticket``'s trail in ``session``'s transaction (the caller commits it with the change)."""
    if ticket.id is None:
        session.flush()
    row = TicketHistory(ticket_id=ticket.id, at=at, actor=actor[:100], action=change.value,
                        reason=reason[:MAX_REASON_CHARS], detail=detail)
    session.add(row)
    return row


def ticket_history(session: Session, ticket_id: int) -> list[TicketHistory]:
    """The trail, oldest first."""
    return list(session.scalars(select(TicketHistory).where(TicketHistory.ticket_id == ticket_id)
                                .order_by(TicketHistory.id)).all())
