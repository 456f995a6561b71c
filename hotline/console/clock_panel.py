"""The ticket page's deadline clock panel (hotline.dispatch.clock): paused while the ticket waits for the resident,
resumed, more time asked and decided. Its forms are in ``clock_forms``, the supervisors' list in ``extension_pages``.

Who gets which form follows /api/ (hotline.api.deadlines): the lead unit's handlers and the call centre pause and
resume; the lead unit's handlers, supervisors and admins (for the lead unit) ask for more time; supervisors and
admins decide. Other units' handlers read the clock and act on nothing; analysts do not get the panel. A
duplicate follows its master's clock and a finished ticket's clock has stopped: the panel only says so. What
it offers is a convenience: each form's endpoint checks again, and the clock decides under the row lock.
"""

from typing import Any

from sqlalchemy import func, select

from hotline.console.access import SUPERVISORS, UNIT_ACTORS, UNIT_READERS
from hotline.console.choices import unit_name
from hotline.console.i18n import Translator, label
from hotline.console.trail import actor_name
from hotline.db import Database
from hotline.deps import Backend
from hotline.dispatch.clock import MAX_EXTENSION, PENDING, UNITS_OF_TIME
from hotline.dispatch.escalation import RESOLUTION, RESPONSE
from hotline.dispatch.workflow import check_acts_for
from hotline.domain.errors import Forbidden
from hotline.domain.models import ExtensionRequest, Role, Status, Ticket
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.staff import Principal
from hotline.open311.views import w3c


def acts_for_lead(principal: Principal, ticket: Ticket) -> bool:
    """Whether ``principal`` may work the clock for ``ticket``'s lead unit: handlers act for their own unit only
    (``check_acts_for``, the rule /api/ applies), the call centre for any."""
    try:
        check_acts_for(principal.role, principal.unit, ticket.lead_unit or "")
    except Forbidden:
        return False
    return True


def waiting_request(db: Database, ticket_id: int) -> ExtensionRequest | None:
    """The ticket's extension request waiting for a supervisor (the clock lets one wait at a time), or None."""
    with db.read() as session:
        return session.scalars(select(ExtensionRequest).where(ExtensionRequest.ticket_id == ticket_id,
                                                              ExtensionRequest.state == PENDING)).first()


def count_waiting(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(ExtensionRequest)
                              .where(ExtensionRequest.state == PENDING)) or 0


def request_row(request: ExtensionRequest, backend: Backend, t: Translator, lang: str) -> dict[str, Any]:
    """A request in words: which deadline, how much more, why, who asked for which unit and when. Only roles that
    see personal data read it (the panel's and the list's), so the reason shows as written."""
    return {"id": request.id, "deadline": label(t, "deadline_", request.kind), "amount": request.amount,
            "unit_of_time": label(t, "time_", request.unit_of_time), "reason": request.reason,
            "unit": unit_name(backend.units, request.unit, lang), "by": actor_name(t, request.requested_by),
            "at": w3c(request.requested_at)}


def clock_panel(backend: Backend, principal: Principal, ticket: Ticket, lang: str, t: Translator) -> dict[str, Any]:
    """What the panel shows ``principal`` on ``ticket``; ``shown`` is False for analysts."""
    if principal.role not in UNIT_READERS:
        return {"shown": False}
    pending = waiting_request(backend.db, ticket.id)
    finished, linked = ticket.status in OPEN311_CLOSED, ticket.master_id is not None
    works = not finished and not linked and acts_for_lead(principal, ticket)
    return {
        "shown": True, "finished": finished, "linked": linked, "paused_since": w3c(ticket.paused_at),
        "pending": request_row(pending, backend, t, lang) if pending else None,
        "can_pause": works and ticket.paused_at is None, "can_resume": works and ticket.paused_at is not None,
        "can_ask": works and principal.role in UNIT_ACTORS and ticket.lead_unit is not None and pending is None,
        "can_decide": not finished and principal.role in SUPERVISORS and pending is not None,
        "deadlines": (RESPONSE, RESOLUTION) if ticket.status == Status.OPEN.value else (RESOLUTION,),
        "units_of_time": UNITS_OF_TIME, "most": MAX_EXTENSION,
        "for_unit": None if principal.role == Role.HANDLER.value or ticket.lead_unit is None
        else unit_name(backend.units, ticket.lead_unit, lang),
    }
