"""The ticket page's dispatch forms: accept and return (a unit's handlers), dispatch, add an assisting unit and
re-dispatch (the call centre).

Each form checks, in this order: a live session, its CSRF token, the role, where a form has one the unit
(``gate``: a refusal page), then its fields (a 422 page that keeps what was typed). The dispatcher then decides
under the ticket's row lock; what it refuses (a part decided meanwhile, a lead already there, nothing to
change) comes back as the ticket page with a message in the page's language and 409 or 400, never a 500.
Success redirects to the ticket page (``?done=``). ``submit`` does this for every form of the ticket page: the
update form (``routes``), the duplicates' link form (``link_form``) and the deadline clock's (``clock_forms``).
"""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from bot.errors import InvalidText
from bot.text import clean_text
from hotline.console.access import CALL_CENTRE
from hotline.console.dispatch_panel import PARTS, RETURN_REASONS, explain
from hotline.console.i18n import Translator, translator
from hotline.console.pages import Staff, csrf_ok, current_staff, lang_of, refuse, ticket_path, to_login
from hotline.console.ticket_page import render_detail
from hotline.deps import Backend, BackendDep
from hotline.dispatch.workflow import Redispatch, ReturnReason
from hotline.domain.errors import BackendError, NotFound
from hotline.domain.history import MAX_REASON_CHARS
from hotline.domain.models import AssignmentRole, Role
from hotline.domain.tickets import load_ticket

router = APIRouter()
# Every field a ticket-page form sends (each form reads its own; the others stay empty).
FIELDS = ("unit", "role", "reason", "return_reason", "note", "service_code", "subdistrict_code", "master", "status",
          "note_language", "public_state", "deadline", "amount", "unit_of_time", "decision", "request")
HANDLERS = frozenset({Role.HANDLER.value})
MAX_NOTE_CHARS = 4000
ASSIST = AssignmentRole.ASSIST.value


def actor_of(staff: Staff) -> str:
    return f"{staff[1].role}:{staff[1].name}"


def _text(value: str) -> str | None:
    """A required reason or note, cleaned; None when empty, too long or not text."""
    try:
        return clean_text(value, field="reason", max_chars=MAX_REASON_CHARS)
    except InvalidText:
        return None


Values = dict[str, str]
Explain = Callable[[Backend, str, BackendError, str, Staff, Values, Translator, str], str]
Refusal = tuple[str, int]  # a message key of the i18n table and the status of the refusal page
Gate = Callable[[Backend, Staff, str], Refusal | None]


def _explain(backend: Backend, service_request_id: str, exc: BackendError, action: str, staff: Staff,
             values: dict[str, str], t: Translator, lang: str) -> str:
    with backend.db.read() as session:
        ticket = load_ticket(session, service_request_id)
    unit = staff[1].unit if action in ("accept", "return") else values["unit"] or None
    return explain(exc, ticket, action=action, unit=unit, backend=backend, t=t, lang=lang)


async def submit(request: Request, backend: Backend, service_request_id: str, *, action: str,
                 roles: frozenset[str], refusal: str, check: Callable[[Values, Backend, Translator], str | None],
                 step: Callable[[Staff, Values], Any], done: Callable[[Values], str],
                 why: Explain = _explain, gate: Gate | None = None, landing: str = "done") -> Response:
    """What every ticket-page form does around its own field check and domain step (``gate`` refuses a member
    the role admits but the ticket does not, ``why`` words a refusal of the domain; success lands on
    ``?{landing}={done(values)}``)."""
    staff = await run_in_threadpool(current_staff, request, backend)
    if staff is None:
        return to_login()
    here = ticket_path(service_request_id)
    form = await request.form()
    if not csrf_ok(form.get("csrf"), staff[0]):
        return refuse(request, "err_csrf", 403, here, staff)
    if staff[1].role not in roles:
        return refuse(request, refusal, 403, here, staff)
    if gate is not None and (refused := await run_in_threadpool(gate, backend, staff, service_request_id)):
        return refuse(request, refused[0], refused[1], here, staff)
    values = {k: v if isinstance(v := form.get(k), str) else "" for k in FIELDS}
    values["form"] = action
    lang = lang_of(request)
    t = translator(lang)
    message, code = await run_in_threadpool(check, values, backend, t), 422
    if message is None:
        try:
            await run_in_threadpool(step, staff, values)
            return RedirectResponse(f"{here}?{landing}={done(values)}", status_code=303)
        except NotFound:
            return refuse(request, "err_not_found", 404, here, staff)
        except BackendError as exc:
            code = exc.status_code
            message = await run_in_threadpool(why, backend, service_request_id, exc, action, staff, values, t,
                                              lang)
    return await run_in_threadpool(render_detail, request, backend, staff, service_request_id, error=message,
                                   status_code=code, typed=values)


def _no_fields(values: dict[str, str], backend: Backend, t: Translator) -> str | None:
    return None


def _return_fields(values: dict[str, str], backend: Backend, t: Translator) -> str | None:
    if values["return_reason"] not in RETURN_REASONS:
        return t("err_return_reason")
    note = _text(values["note"])
    if note is None:
        return t("err_return_note")
    values["note"] = note
    return None


def _dispatch_fields(values: dict[str, str], backend: Backend, t: Translator) -> str | None:
    if values["unit"] not in backend.units:
        return t("err_unit")
    if values["role"] not in PARTS:
        return t("err_part")
    return reason_field(values, t)


def _redispatch_fields(values: dict[str, str], backend: Backend, t: Translator) -> str | None:
    if values["service_code"] and backend.taxonomy.leaf(values["service_code"]) is None:
        return t("err_category")
    if values["subdistrict_code"] and values["subdistrict_code"] not in backend.gazetteer.subdistricts:
        return t("err_subdistrict")
    if values["unit"] and values["unit"] not in backend.units:
        return t("err_unit")
    return reason_field(values, t)


def reason_field(values: dict[str, str], t: Translator) -> str | None:
    reason = _text(values["reason"])
    if reason is None:
        return t("err_reason")
    values["reason"] = reason
    return None


def note_field(values: dict[str, str], t: Translator) -> str | None:
    """An optional note (a status update's, a decision's), cleaned in place; up to 4,000 characters as on /api/."""
    try:
        values["note"] = clean_text(values["note"], field="note", max_chars=MAX_NOTE_CHARS, required=False)
    except InvalidText:
        return t("err_note")
    return None


@router.post("/tickets/{service_request_id}/accept")
async def accept(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    """A handler takes on their unit's waiting part."""
    def step(staff: Staff, values: dict[str, str]) -> Any:
        return backend.dispatcher.accept(service_request_id, unit=staff[1].unit or "", actor=actor_of(staff))

    return await submit(request, backend, service_request_id, action="accept", roles=HANDLERS,
                        refusal="err_handlers_only", check=_no_fields, step=step, done=lambda _: "accepted")


@router.post("/tickets/{service_request_id}/return")
async def give_back(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    """A handler returns their unit's part with a reason and a note; a returned lead goes to the call centre."""
    def step(staff: Staff, values: dict[str, str]) -> Any:
        return backend.dispatcher.give_back(service_request_id, unit=staff[1].unit or "", actor=actor_of(staff),
                                            reason=ReturnReason(values["return_reason"]), note=values["note"])

    return await submit(request, backend, service_request_id, action="return", roles=HANDLERS,
                        refusal="err_handlers_only", check=_return_fields, step=step, done=lambda _: "returned")


@router.post("/tickets/{service_request_id}/dispatch")
async def dispatch(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    """The call centre sends a ticket without an active lead to a unit, or adds an assisting unit."""
    def step(staff: Staff, values: dict[str, str]) -> Any:
        return backend.dispatcher.dispatch(service_request_id, unit=values["unit"], actor=actor_of(staff),
                                           reason=values["reason"], role=AssignmentRole(values["role"]))

    return await submit(request, backend, service_request_id, action="dispatch", roles=CALL_CENTRE,
                        refusal="err_dispatch_role", check=_dispatch_fields, step=step,
                        done=lambda values: "assist" if values["role"] == ASSIST else "dispatched")


@router.post("/tickets/{service_request_id}/redispatch")
async def redispatch(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    """The call centre changes the category, the sub-district or the unit; the old lead is withdrawn."""
    def step(staff: Staff, values: dict[str, str]) -> Any:
        change = Redispatch(service_code=values["service_code"] or None,
                            subdistrict_code=values["subdistrict_code"] or None, unit=values["unit"] or None)
        return backend.dispatcher.redispatch(service_request_id, change, actor=actor_of(staff), reason=values["reason"])

    return await submit(request, backend, service_request_id, action="redispatch", roles=CALL_CENTRE,
                        refusal="err_dispatch_role", check=_redispatch_fields, step=step,
                        done=lambda _: "redispatched")
