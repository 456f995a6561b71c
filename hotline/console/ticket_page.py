"""The ticket page: the appeal, routing, contact, timeline, handling units, audit trail and the forms.

A handler opens only tickets their unit has (had) a part in; any other answers 404, as on /api/.
"""

from datetime import datetime, timezone
from typing import Any, get_args

from fastapi import Request, Response

from bot.lang import LANGS
from bot.redact import name_variants
from hotline.api.schemas import UpdateIn
from hotline.api.views import ticket_detail
from hotline.console.access import CALL_CENTRE
from hotline.console.choices import unit_name
from hotline.console.clock_panel import clock_panel
from hotline.console.dispatch_panel import dispatch_panel
from hotline.console.duplicate_panel import duplicates_panel, linked_duplicates, master_of
from hotline.console.i18n import category_path, label, translator
from hotline.console.pages import Staff, lang_of, page, refuse, ticket_path
from hotline.console.trail import assignment_rows, trail_rows
from hotline.deps import Backend
from hotline.dispatch.queues import unit_has_part
from hotline.domain.errors import NotFound
from hotline.domain.history import ticket_history
from hotline.domain.lifecycle import ALLOWED
from hotline.domain.models import Role, Status, Ticket
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.staff import Principal
from hotline.domain.tickets import load_ticket

WRITERS = CALL_CENTRE  # who updates status and notes
# What Open311 may show for an update in place of its status's state: the values /api/'s UpdateIn takes.
PUBLIC_STATES: tuple[str, ...] = get_args(get_args(UpdateIn.model_fields["public_state"].annotation)[0])
DONE = frozenset({"accepted", "returned", "dispatched", "assist", "redispatched", "linked",  # ?done= after a form
                  "paused", "resumed", "asked", "approved", "refused"})


def overdue(ticket: Ticket) -> bool:
    return ticket.status not in OPEN311_CLOSED and ticket.resolution_due < datetime.now(timezone.utc)


def translation_pending(ticket: Ticket) -> bool:
    """Not in Chinese (as far as the backend knows yet) and the translation worker has not finished."""
    written = ticket.source_language or ticket.language
    return written != "zh" and ticket.translation is None and not ticket.needs_multilingual_operator


def may_read(backend: Backend, principal: Principal, ticket: Ticket) -> bool:
    """Everyone in the console but a handler; a handler if their unit was ever given a part in the ticket."""
    if principal.role != Role.HANDLER.value:
        return True
    return principal.unit is not None and unit_has_part(backend.db, ticket.id, principal.unit)


def visible_ticket(backend: Backend, principal: Principal, service_request_id: str) -> Ticket:
    """The ticket if ``principal`` may read it.

    Raises:
        NotFound: no such ticket, or (for a handler) not one of their unit's.
    """
    with backend.db.read() as session:
        ticket = load_ticket(session, service_request_id)
    if not may_read(backend, principal, ticket):
        raise NotFound(f"service request {service_request_id} not found")
    return ticket


def render_detail(request: Request, backend: Backend, staff: Staff, service_request_id: str, *,
                  error: str | None = None, status_code: int = 200, typed: dict[str, str] | None = None) -> Response:
    """The ticket page; ``error`` is an already translated message from a failed form, ``typed`` what was typed
    into it (its ``form`` names which form, so that one shows it again)."""
    lang = lang_of(request)
    t = translator(lang)
    here = ticket_path(service_request_id)
    principal = staff[1]
    try:
        ticket = visible_ticket(backend, principal, service_request_id)
    except NotFound:
        return refuse(request, "err_not_found", 404, here, staff)
    with backend.db.read() as session:
        history = ticket_history(session, ticket.id)
    view = ticket_detail(ticket, backend, principal, lang)
    done = request.query_params.get("done", "")
    context: dict[str, Any] = {
        "v": view, "overdue": overdue(ticket), "path": category_path(backend.taxonomy, ticket.service_code, lang),
        "can_update": principal.role in WRITERS, "error": error, "saved": request.query_params.get("saved") == "1",
        "next_statuses": [s.value for s in Status if s in ALLOWED[Status(ticket.status)]],
        "note_langs": [lg.value for lg in LANGS], "public_states": PUBLIC_STATES,
        "form": typed if typed and typed.get("form") == "update" else {"note_language": lang},
        "translation_pending": translation_pending(ticket),
        "action": f"{here}/updates", "here": here, "done": done if done in DONE else None,
        "dispatch_state": label(t, "ds_", ticket.dispatch_state),
        "lead_unit": unit_name(backend.units, ticket.lead_unit, lang) if ticket.lead_unit else None,
        "assignments": assignment_rows(ticket, backend, t, lang),
        "trail": trail_rows(history, backend, t, lang, personal=principal.sees_personal_data,
                            names=name_variants(ticket.first_name, ticket.last_name)),
        "panel": dispatch_panel(backend, principal, ticket, lang, t), "dform": typed or {},
        "master": master_of(backend, ticket), "dupes": duplicates_panel(backend, principal, ticket, lang),
        "linked": linked_duplicates(backend, ticket), "clock": clock_panel(backend, principal, ticket, lang, t),
    }
    return page(request, "ticket.html", context, status_code=status_code, here=here, staff=staff)
