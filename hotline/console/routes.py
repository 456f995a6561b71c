"""Operator console: server-rendered pages under /console/ (sign-in, queue, ticket, status updates, staff).

The dispatch loop's pages (unit queues, the call centre's "to dispatch" queue, the dispatch forms) are in
``unit_pages`` and ``dispatch_forms``; duplicates in ``duplicate_panel`` and ``link_form``; the deadline clock in
``clock_panel`` and ``clock_forms``, the supervisor's extension requests in ``extension_pages``; the supervisor's
escalations in ``escalation_pages``; the ticket page itself in ``ticket_page``.
"""

import math
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL

from bot.errors import InvalidText
from bot.lang import LANGS
from bot.text import clean_text
from hotline.api.views import ticket_summary
from hotline.console.access import TICKET_QUEUE, sign_in, sign_out
from hotline.console.clock_forms import router as clock_router
from hotline.console.dispatch_forms import Values, actor_of, note_field, submit
from hotline.console.dispatch_forms import router as dispatch_router
from hotline.console.escalation_pages import router as escalation_router
from hotline.console.extension_pages import router as extension_router
from hotline.console.i18n import Translator, label, translator
from hotline.console.link_form import router as link_router
from hotline.console.pages import (
    HERE,
    SESSION_COOKIE,
    Staff,
    client_address,
    csrf_ok,
    current_staff,
    home_of,
    lang_of,
    page,
    page_number,
    refuse,
    to_login,
)
from hotline.console.staff_pages import router as staff_router
from hotline.console.ticket_page import PUBLIC_STATES, WRITERS, overdue, render_detail
from hotline.console.unit_pages import router as unit_router
from hotline.deps import Backend, BackendDep
from hotline.domain.errors import BackendError, BadRequest, Conflict
from hotline.domain.models import Status
from hotline.domain.queries import TicketFilter, count_tickets, find_tickets

router = APIRouter(prefix="/console", include_in_schema=False)
router.include_router(staff_router)
router.include_router(unit_router)
router.include_router(dispatch_router)
router.include_router(link_router)
router.include_router(escalation_router)
router.include_router(clock_router)
router.include_router(extension_router)
CSS = (HERE / "static" / "console.css").read_bytes()
PAGE_SIZE = 50
STATUSES = tuple(s.value for s in Status)


@router.get("/static/console.css")
def stylesheet() -> Response:
    return Response(CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/login")
def login_form(request: Request) -> Response:
    return page(request, "login.html", {"error": None})


@router.post("/login")
async def login(request: Request, backend: BackendDep) -> Response:
    """Check the token once and open a server-side session; the cookie gets only the session's random id."""
    form = await request.form()
    token = form.get("token")
    token = token.strip() if isinstance(token, str) else ""
    t = translator(lang_of(request))
    result = await run_in_threadpool(sign_in, backend, token, address=client_address(request, backend),
                                     user_agent=request.headers.get("user-agent", ""))
    if result.retry_after is not None:
        response = page(request, "login.html", {"error": t("login_throttled", minutes=math.ceil(
            result.retry_after / 60))}, status_code=429, here="/console/login")
        response.headers["Retry-After"] = str(result.retry_after)
        return response
    if result.session_id is None:
        return page(request, "login.html", {"error": t("login_error")}, status_code=401, here="/console/login")
    response = RedirectResponse(home_of(result.principal), status_code=303)
    response.set_cookie(SESSION_COOKIE, result.session_id, max_age=backend.settings.console_session_hours * 3600,
                        path="/console", httponly=True, samesite="strict", secure=not backend.settings.development)
    return response


@router.post("/logout")
async def logout(request: Request, backend: BackendDep) -> Response:
    """End the session on the server, then drop the cookie (a copy of it no longer works either)."""
    staff = await run_in_threadpool(current_staff, request, backend)
    if staff is not None:
        if not csrf_ok((await request.form()).get("csrf"), staff[0]):
            return refuse(request, "err_csrf", 403, "/console/", staff)
        await run_in_threadpool(sign_out, backend, *staff)
    response = to_login()
    response.delete_cookie(SESSION_COOKIE, path="/console", httponly=True, samesite="strict",
                           secure=not backend.settings.development)
    return response


def queue_filter(request: Request, backend: Backend) -> tuple[dict[str, str], int]:
    """The queue's filters from the query string; unknown values are dropped, not errors."""
    params = request.query_params
    status, department, district = params.get("status", ""), params.get("department", ""), params.get("district", "")
    try:
        q = clean_text(params.get("q", "")[:200], field="q", max_chars=200, required=False)
    except InvalidText:
        q = ""
    chosen = {"status": status if status in STATUSES else "",
              "department": department if department in backend.taxonomy.departments else "",
              "district": district if district in backend.gazetteer.districts else "", "q": q,
              "multilingual": "1" if params.get("multilingual") == "1" else ""}
    return chosen, page_number(request)


@router.get("/")
def queue(request: Request, backend: BackendDep) -> Response:
    staff = current_staff(request, backend)
    if staff is None:
        return to_login()
    if staff[1].role not in TICKET_QUEUE:  # handlers: their unit's queue only
        return refuse(request, "err_own_unit_only", 403, "/console/", staff)
    lang = lang_of(request)
    chosen, page_no = queue_filter(request, backend)
    f = TicketFilter(statuses=(chosen["status"],) if chosen["status"] else (), department=chosen["department"] or None,
                     district_code=chosen["district"] or None, text=chosen["q"] or None,
                     needs_multilingual_operator=True if chosen["multilingual"] else None,
                     redacted_search=not staff[1].sees_personal_data,  # analysts: no search by personal data
                     limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    total = count_tickets(backend.db, f)
    rows = [{**ticket_summary(t, backend, staff[1], lang), "overdue": overdue(t)} for t in find_tickets(backend.db, f)]
    name_key = "name_zh" if lang == "zh" else "name_en"
    links = {n: str(URL("/console/").include_query_params(**{k: v for k, v in chosen.items() if v}, page=n))
             for n in (page_no - 1, page_no + 1)}
    return page(request, "queue.html", {
        "rows": rows, "total": total, "filters": chosen, "page_no": page_no,
        "pages": max(1, -(-total // PAGE_SIZE)), "links": links, "statuses": STATUSES,
        "departments": [(code, names[lang]) for code, names in backend.taxonomy.departments.items()],
        "districts": [(d.code, getattr(d, name_key)) for d in backend.gazetteer.districts.values()],
    }, staff=staff)


@router.get("/tickets/{service_request_id}")
def ticket_page(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    staff = current_staff(request, backend)
    return to_login() if staff is None else render_detail(request, backend, staff, service_request_id)


@router.post("/tickets/{service_request_id}/updates")
async def post_update(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    """The call centre changes the status and/or adds a note, optionally with what Open311 shows for it."""
    def step(staff: Staff, values: Values) -> Any:
        return backend.lifecycle.update(
            service_request_id, status=Status(values["status"]) if values["status"] else None, note=values["note"],
            note_language=values["note_language"], actor=actor_of(staff), public_state=values["public_state"] or None)

    return await submit(request, backend, service_request_id, action="update", roles=WRITERS, refusal="err_forbidden",
                        check=invalid, step=step, done=lambda _: "1", why=explain_update, landing="saved")


def invalid(values: Values, backend: Backend, t: Translator) -> str | None:
    """Check the update form in place (the note is cleaned); a message for the first bad field, or None."""
    if values["status"] and values["status"] not in STATUSES:
        return t("err_status")
    if values["public_state"] and values["public_state"] not in PUBLIC_STATES:
        return t("err_public_state")
    if values["note_language"] not in {lg.value for lg in LANGS}:
        return t("err_language")
    return note_field(values, t)


def explain_update(backend: Backend, service_request_id: str, exc: BackendError, action: str, staff: Staff,
                   values: Values, t: Translator, lang: str) -> str:
    """The lifecycle's refusals: a move it does not allow, or an update with neither a status nor a note."""
    if isinstance(exc, Conflict):
        return t("err_transition", to=label(t, "status_", values["status"]))
    return t("err_empty") if isinstance(exc, BadRequest) else t("err_not_done", detail=exc.description)
