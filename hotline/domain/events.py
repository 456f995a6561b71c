"""Outbox events: written in the same transaction as the change they report."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.domain.models import OutboxEvent, Ticket

TICKET_CREATED = "ticket.created"
TICKET_STATUS_CHANGED = "ticket.status_changed"
TICKET_RATED = "ticket.rated"
TICKET_DISPATCHED = "ticket.dispatched"  # to a lead or an assisting unit (hotline.dispatch.workflow)
TICKET_RETURNED = "ticket.returned"  # a unit gave its part back, with a reason
TICKET_ESCALATED = "ticket.escalated"  # a deadline due soon or passed (hotline.dispatch.escalation), once each
# ``cause`` of a status change: staff (or the API) changed it, or the resident's own rating did
# ("not resolved" reopens, "resolved" closes). The notifier stays quiet on the latter: the bot told them.
CAUSE_UPDATE = "update"
CAUSE_RATING = "rating"
CAUSE_MASTER = "master"  # a duplicate follows its master ticket (hotline.dispatch.links): the resident is told


def event_payload(ticket: Ticket, *, at: datetime, **details: Any) -> dict[str, Any]:
    """What every event about ``ticket`` carries, plus ``details`` (see ``record_event``)."""
    payload: dict[str, Any] = {
        "service_request_id": ticket.service_request_id,
        "service_code": ticket.service_code,
        "status": ticket.status,
        "language": ticket.language,
        "channel": ticket.channel,
        "channel_user_id": ticket.channel_user_id,
        "department": ticket.department,
        "district_code": ticket.district_code,
        "subdistrict_code": ticket.subdistrict_code,
        "occurred_at": at.isoformat(),
    }
    payload.update(details)
    return payload


def event_row(event_type: str, ticket: Ticket, *, at: datetime, **details: Any) -> dict[str, Any]:
    """An outbox row as plain values, for bulk inserts (the escalation sweep writes thousands at once)."""
    return {"event_id": str(uuid.uuid4()), "event_type": event_type,
            "payload": event_payload(ticket, at=at, **details), "created_at": at, "attempts": 0}


def record_event(session: Session, event_type: str, ticket: Ticket, *, at: datetime, **details: Any) -> OutboxEvent:
    """Add an outbox row for ``ticket``.

    The payload carries what the notifier needs to reach the resident (channel and channel
    user id, language) and, in ``details``, what it tells them, as written: an operator's note
    with a department's phone number must reach the resident with that number. So the stream
    holds personal data, like the ticket store: it is for the backend's own workers, never a
    public or analyst feed (those redact: ``hotline.open311.views``, ``hotline.api.views``).
    """
    event = OutboxEvent(**event_row(event_type, ticket, at=at, **details))
    session.add(event)
    return event
