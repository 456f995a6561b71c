"""The deadline clock's forms on the ticket page: pause while waiting for the resident, resume, ask for more time,
and a supervisor's decision on the request waiting (approve or refuse, with a note).

Checked like every ticket-page form (``dispatch_forms.submit``): session, CSRF, the roles /api/ admits
(hotline.api.deadlines), then the unit: a handler works the clock only of a ticket their unit leads
(``check_acts_for``, as there; another unit's handler gets a refusal page), then the fields. The clock decides
under the ticket's row lock (a decision under the request's too), so a form sent twice acts once: the second
comes back as the ticket page saying why.
"""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from hotline.console.access import SUPERVISORS, UNIT_ACTORS, UNIT_READERS
from hotline.console.clock_panel import acts_for_lead, waiting_request
from hotline.console.dispatch_forms import Refusal, Values, actor_of, note_field, reason_field, submit
from hotline.console.i18n import Translator, label, short_time
from hotline.console.pages import Staff
from hotline.console.ticket_page import visible_ticket
from hotline.console.trail import actor_name
from hotline.deps import Backend, BackendDep
from hotline.dispatch.clock import MAX_EXTENSION, PENDING, UNITS_OF_TIME, ExtensionAsk
from hotline.dispatch.escalation import RESOLUTION, RESPONSE
from hotline.domain.errors import BackendError, BadRequest, NotFound
from hotline.domain.models import ExtensionRequest, Role, Status
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.tickets import load_ticket
from hotline.open311.views import w3c

router = APIRouter()
APPROVE, REFUSE = "approve", "refuse"
MAX_AMOUNT_DIGITS, MAX_ID_DIGITS = 6, 12
Check = Callable[[Values, Backend, Translator], str | None]
DONE = {"pause": "paused", "resume": "resumed"}


def _lead_gate(backend: Backend, staff: Staff, service_request_id: str) -> Refusal | None:
    """A handler works the clock of a ticket their unit leads; one they cannot open is not found, as its page."""
    try:
        ticket = visible_ticket(backend, staff[1], service_request_id)
    except NotFound:
        return "err_not_found", 404
    return None if acts_for_lead(staff[1], ticket) else ("err_clock_lead_only", 403)


def _ask_gate(backend: Backend, staff: Staff, service_request_id: str) -> Refusal | None:
    """As ``_lead_gate``; and only a ticket with a lead unit has a unit to ask for."""
    if (refused := _lead_gate(backend, staff, service_request_id)) is not None:
        return refused
    with backend.db.read() as session:
        led = load_ticket(session, service_request_id).lead_unit is not None
    return None if led else ("err_no_lead", 409)


def _readable(backend: Backend, staff: Staff, service_request_id: str) -> Refusal | None:
    try:
        visible_ticket(backend, staff[1], service_request_id)
    except NotFound:
        return "err_not_found", 404
    return None


def _reason_only(values: Values, backend: Backend, t: Translator) -> str | None:
    return reason_field(values, t)


def amount_limits(t: Translator) -> str:
    """``the amount is 1 to 720 hours, 90 calendar days or 60 working days``, from the clock's own limits."""
    return t("err_amount", **MAX_EXTENSION)


def _ask_fields(values: Values, backend: Backend, t: Translator) -> str | None:
    """Which deadline, in which unit of time, a whole number (its range is the clock's to judge), and why."""
    if values["deadline"] not in (RESPONSE, RESOLUTION):
        return t("err_deadline_kind")
    if values["unit_of_time"] not in UNITS_OF_TIME:
        return t("err_unit_of_time")
    amount = values["amount"].strip()
    if not (amount.isascii() and amount.isdigit() and len(amount) <= MAX_AMOUNT_DIGITS):
        return amount_limits(t)
    values["amount"] = amount
    return reason_field(values, t)


def _decision_fields(service_request_id: str) -> Check:
    def check(values: Values, backend: Backend, t: Translator) -> str | None:
        """Approve or refuse; a request of this ticket; an optional note."""
        if values["decision"] not in (APPROVE, REFUSE):
            return t("err_decision")
        request_id = values["request"]
        if not (request_id.isascii() and request_id.isdigit() and len(request_id) <= MAX_ID_DIGITS):
            return t("err_request")
        with backend.db.read() as session:
            request = session.get(ExtensionRequest, int(request_id))
            if request is None or request.ticket_id != load_ticket(session, service_request_id).id:
                return t("err_request")
        return note_field(values, t)

    return check


def explain_clock(backend: Backend, service_request_id: str, exc: BackendError, action: str, staff: Staff,
                  values: Values, t: Translator, lang: str) -> str:
    """Why the clock refused, from the ticket (and its requests) as they are now."""
    with backend.db.read() as session:
        ticket = load_ticket(session, service_request_id)
        decided = session.get(ExtensionRequest, int(values["request"])) if action == "decide" else None
    if decided is not None and decided.state != PENDING:
        return t("err_decided", state=label(t, "ext_", decided.state), by=actor_name(t, decided.decided_by))
    if ticket.status in OPEN311_CLOSED:
        return t("err_clock_closed", status=t(f"status_{ticket.status}"))
    if action == "pause" and ticket.paused_at is not None:
        return t("err_paused_already", at=short_time(w3c(ticket.paused_at)))
    if action == "resume" and ticket.paused_at is None:
        return t("err_not_paused")
    if action == "ask":
        if isinstance(exc, BadRequest):
            return amount_limits(t)
        if (waiting := waiting_request(backend.db, ticket.id)) is not None:
            return t("err_request_waiting", by=actor_name(t, waiting.requested_by))
        if values["deadline"] == RESPONSE and ticket.status != Status.OPEN.value:
            return t("err_response_met")
    return t("err_not_done", detail=exc.description)


async def _pause_or_resume(request: Request, backend: Backend, service_request_id: str, action: str) -> Response:
    move = backend.deadline_clock.pause if action == "pause" else backend.deadline_clock.resume

    def step(staff: Staff, values: Values) -> Any:
        return move(service_request_id, actor=actor_of(staff), reason=values["reason"])

    return await submit(request, backend, service_request_id, action=action, roles=UNIT_READERS,
                        refusal="err_clock_role", check=_reason_only, step=step, done=lambda _: DONE[action],
                        why=explain_clock, gate=_lead_gate)


@router.post("/tickets/{service_request_id}/pause")
async def pause(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    """The ticket waits for the resident's answer: its deadlines stop."""
    return await _pause_or_resume(request, backend, service_request_id, "pause")


@router.post("/tickets/{service_request_id}/resume")
async def resume(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    """The clock runs again; the running deadlines move by the time paused."""
    return await _pause_or_resume(request, backend, service_request_id, "resume")


@router.post("/tickets/{service_request_id}/extensions")
async def ask(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    """The lead unit asks a supervisor for more time on a deadline (a supervisor or an admin asks for it)."""
    def step(staff: Staff, values: Values) -> Any:
        if staff[1].role == Role.HANDLER.value:
            unit = staff[1].unit
        else:
            with backend.db.read() as session:
                unit = load_ticket(session, service_request_id).lead_unit
        wanted = ExtensionAsk(kind=values["deadline"], amount=int(values["amount"]),
                              unit_of_time=values["unit_of_time"], reason=values["reason"])
        return backend.deadline_clock.ask_extension(service_request_id, wanted, unit=unit or "",
                                                    actor=actor_of(staff))

    return await submit(request, backend, service_request_id, action="ask", roles=UNIT_ACTORS,
                        refusal="err_ask_role", check=_ask_fields, step=step, done=lambda _: "asked",
                        why=explain_clock, gate=_ask_gate)


@router.post("/tickets/{service_request_id}/extensions/decision")
async def decide(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    """A supervisor approves (the deadline moves by its rule from the current due date) or refuses."""
    def step(staff: Staff, values: Values) -> Any:
        return backend.deadline_clock.decide_extension(int(values["request"]), approve=values["decision"] == APPROVE,
                                                       actor=actor_of(staff), note=values["note"])

    return await submit(request, backend, service_request_id, action="decide", roles=SUPERVISORS,
                        refusal="err_decide_role", check=_decision_fields(service_request_id), step=step,
                        done=lambda values: "approved" if values["decision"] == APPROVE else "refused",
                        why=explain_clock, gate=_readable)
