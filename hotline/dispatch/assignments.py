"""Making a unit a ticket's lead: shared by filing (the routing rules' dispatch) and the call centre's dispatches."""

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.domain.events import TICKET_DISPATCHED, record_event
from hotline.domain.history import Change, record_change
from hotline.domain.models import AssignmentRole, AssignmentState, DispatchState, Ticket, TicketAssignment

ROUTER = "system:router"  # the actor of dispatches the routing rules made at filing
ACTIVE = (AssignmentState.DISPATCHED.value, AssignmentState.ACCEPTED.value)


def dispatch_lead(session: Session, ticket: Ticket, *, unit: str, actor: str, at: datetime, reason: str,
                  announce: bool = True) -> None:
    """Make ``unit`` the ticket's lead (in ``session``'s transaction): assignment, state, trail, event.

    At filing (``announce=False``) the ``ticket.created`` event already names the lead unit: no second event.
    """
    session.add(TicketAssignment(ticket=ticket, unit=unit, role=AssignmentRole.LEAD.value,
                                 state=AssignmentState.DISPATCHED.value, dispatched_at=at, dispatched_by=actor))
    ticket.lead_unit, ticket.dispatch_state, ticket.dispatched_at = unit, DispatchState.DISPATCHED.value, at
    ticket.updated_at = at
    record_change(session, ticket, actor=actor, change=Change.DISPATCHED, at=at, reason=reason, unit=unit,
                  role=AssignmentRole.LEAD.value)
    if announce:
        record_event(session, TICKET_DISPATCHED, ticket, at=at, unit=unit, role=AssignmentRole.LEAD.value,
                     actor=actor)
