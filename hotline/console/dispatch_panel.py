"""The ticket page's dispatch panel: which forms whom it offers, and domain refusals in the page's words.

A handler whose unit's latest part waits gets Accept; waiting or accepted, Return. The call centre (operators,
supervisors, admins) gets Dispatch while the ticket has no active lead, Add an assisting unit while it has one,
and Re-dispatch while it is open. Analysts get none, and nobody gets it on a duplicate: a linked ticket follows
its master (hotline.dispatch.links), whose units handle the case. What the panel offers is a convenience: each
form's endpoint checks again, and the dispatcher decides under the ticket's row lock.
"""

from typing import Any

from hotline.console.access import CALL_CENTRE
from hotline.console.choices import category_groups, subdistrict_groups, unit_groups, unit_name
from hotline.console.i18n import Translator, label
from hotline.console.trail import actor_name
from hotline.deps import Backend
from hotline.dispatch.assignments import ACTIVE
from hotline.dispatch.workflow import ReturnReason
from hotline.domain.errors import BackendError, Conflict
from hotline.domain.models import AssignmentRole, AssignmentState, Role, Ticket, TicketAssignment
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.staff import Principal

RETURN_REASONS = tuple(r.value for r in ReturnReason)
PARTS = tuple(r.value for r in AssignmentRole)


def own_part(ticket: Ticket, unit: str | None) -> TicketAssignment | None:
    """``unit``'s latest part in the ticket (the one the dispatcher decides on)."""
    parts = [a for a in ticket.assignments if unit is not None and a.unit == unit]
    return parts[-1] if parts else None


def active_lead(ticket: Ticket) -> TicketAssignment | None:
    return next((a for a in ticket.assignments if a.role == AssignmentRole.LEAD.value and a.state in ACTIVE), None)


def dispatch_panel(backend: Backend, principal: Principal, ticket: Ticket, lang: str, t: Translator) -> dict[str, Any]:
    """What the panel shows ``principal`` on ``ticket``; ``shown`` is False when it has nothing for them."""
    running = ticket.status not in OPEN311_CLOSED
    panel: dict[str, Any] = {"shown": False, "finished": not running}
    if ticket.master_id is not None:
        return panel
    if principal.role == Role.HANDLER.value:
        part = own_part(ticket, principal.unit)
        panel.update(shown=True, handler=True, return_reasons=RETURN_REASONS,
                     can_accept=running and part is not None and part.state == AssignmentState.DISPATCHED.value,
                     can_return=running and part is not None and part.state in ACTIVE)
    elif principal.role in CALL_CENTRE:
        lead = active_lead(ticket)
        panel.update(shown=True, handler=False, can_dispatch=running and lead is None,
                     can_assist=running and lead is not None, can_redispatch=running, parts=PARTS)
        if running:
            panel.update(units=unit_groups(backend.units, backend.gazetteer, lang, t),
                         categories=category_groups(backend.taxonomy, lang),
                         subdistricts=subdistrict_groups(backend.gazetteer, lang),
                         current_category=label_of_category(backend, ticket.service_code, lang),
                         current_subdistrict=subdistrict_name(backend, ticket.subdistrict_code, lang) or t("none"))
    return panel


def label_of_category(backend: Backend, code: str, lang: str) -> str:
    category = backend.taxonomy.categories.get(code)
    return category.name[lang] if category else code


def subdistrict_name(backend: Backend, code: str | None, lang: str) -> str | None:
    sub = backend.gazetteer.subdistricts.get(code or "")
    return (sub.name_zh if lang == "zh" else sub.name_en) if sub else None


def explain(exc: BackendError, ticket: Ticket, *, action: str, unit: str | None, backend: Backend,
            t: Translator, lang: str) -> str:
    """Why the dispatcher refused, from the ticket as it is now (a race may have changed it since the form)."""
    if ticket.status in OPEN311_CLOSED:
        return t("err_closed", status=t(f"status_{ticket.status}"))
    if action in ("accept", "return") and (part := own_part(ticket, unit)) is not None:
        if isinstance(exc, Conflict):
            return t("err_part_decided", state=label(t, "part_", part.state), by=actor_name(t, part.decided_by))
    if action == "dispatch" and isinstance(exc, Conflict):
        if any(a.unit == unit and a.state in ACTIVE for a in ticket.assignments):
            return t("err_unit_busy", unit=unit_name(backend.units, unit, lang))
        if (lead := active_lead(ticket)) is not None:
            return t("err_has_lead", unit=unit_name(backend.units, lead.unit, lang))
    if action == "redispatch":
        return t("err_no_route") if isinstance(exc, Conflict) else t("err_no_change")
    return t("err_not_done", detail=exc.description)
