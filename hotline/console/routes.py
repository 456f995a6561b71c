"""Operator console: server-rendered pages under /console/ (sign-in, queue, ticket, status updates, staff)."""

import math
from datetime import datetime, timezone
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL

from bot.errors import InvalidText
from bot.lang import LANGS
from bot.text import clean_text
from hotline.api.views import ticket_detail, ticket_summary
from hotline.console.access import sign_in, sign_out
from hotline.console.i18n import Translator, category_path, translator
from hotline.console.pages import (
    HERE,
    SESSION_COOKIE,
    Staff,
    client_address,
    csrf_ok,
    current_staff,
    lang_of,
    page,
    refuse,
    to_login,
)
from hotline.console.staff_pages import router as staff_router
from hotline.deps import Backend, BackendDep
from hotline.domain.errors import BackendError, Conflict, NotFound
from hotline.domain.lifecycle import ALLOWED
from hotline.domain.models import Status, Ticket
from hotline.domain.queries import OPEN311_CLOSED, TicketFilter, count_tickets, find_tickets
from hotline.domain.tickets import load_ticket

router = APIRouter(prefix="/console", include_in_schema=False)
router.include_router(staff_router)
CSS = (HERE / "static" / "console.css").read_bytes()
PAGE_SIZE = 50
WRITERS = frozenset({"operator", "supervisor", "admin"})
STATUSES = tuple(s.value for s in Status)


def ticket_path(service_request_id: str) -> str:
    return f"/console/tickets/{quote(service_request_id, safe='')}"


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
    response = RedirectResponse("/console/", status_code=303)
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


def overdue(ticket: Ticket) -> bool:
    return ticket.status not in OPEN311_CLOSED and ticket.resolution_due < datetime.now(timezone.utc)


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
    page_no = params.get("page", "1")
    return chosen, max(1, min(int(page_no), 100_000)) if page_no.isdigit() else 1


@router.get("/")
def queue(request: Request, backend: BackendDep) -> Response:
    staff = current_staff(request, backend)
    if staff is None:
        return to_login()
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


def render_detail(request: Request, backend: Backend, staff: Staff, service_request_id: str, *,
                  error: str | None = None, status_code: int = 200, form: dict[str, str] | None = None) -> Response:
    """The ticket page; ``error`` is an already translated message from a failed update."""
    lang = lang_of(request)
    here = ticket_path(service_request_id)
    try:
        with backend.db.read() as session:
            ticket = load_ticket(session, service_request_id)
    except NotFound:
        return refuse(request, "err_not_found", 404, here, staff)
    view = ticket_detail(ticket, backend, staff[1], lang)
    return page(request, "ticket.html", {
        "v": view, "overdue": overdue(ticket), "path": category_path(backend.taxonomy, ticket.service_code, lang),
        "can_update": staff[1].role in WRITERS, "error": error, "saved": request.query_params.get("saved") == "1",
        "next_statuses": [s.value for s in Status if s in ALLOWED[Status(ticket.status)]],
        "note_langs": [lg.value for lg in LANGS], "form": form or {"note_language": lang},
        "translation_pending": translation_pending(ticket),
        "action": f"{here}/updates",
    }, status_code=status_code, here=here, staff=staff)


def translation_pending(ticket: Ticket) -> bool:
    """Not in Chinese (as far as the backend knows yet) and the translation worker has not finished."""
    written = ticket.source_language or ticket.language
    return written != "zh" and ticket.translation is None and not ticket.needs_multilingual_operator


@router.get("/tickets/{service_request_id}")
def ticket_page(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    staff = current_staff(request, backend)
    return to_login() if staff is None else render_detail(request, backend, staff, service_request_id)


@router.post("/tickets/{service_request_id}/updates")
async def post_update(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    staff = await run_in_threadpool(current_staff, request, backend)
    if staff is None:
        return to_login()
    here = ticket_path(service_request_id)
    form = await request.form()
    if not csrf_ok(form.get("csrf"), staff[0]):
        return refuse(request, "err_csrf", 403, here, staff)
    if staff[1].role not in WRITERS:
        return refuse(request, "err_forbidden", 403, here, staff)
    values = {k: v if isinstance(v := form.get(k), str) else "" for k in ("status", "note", "note_language")}
    t = translator(lang_of(request))
    message, code = invalid(values, t), 422
    if message is None:
        try:
            await run_in_threadpool(
                backend.lifecycle.update, service_request_id,
                status=Status(values["status"]) if values["status"] else None, note=values["note"],
                note_language=values["note_language"], actor=f"{staff[1].role}:{staff[1].name}")
            return RedirectResponse(f"{here}?saved=1", status_code=303)
        except Conflict:
            message, code = t("err_transition", to=t(f"status_{values['status']}")), 409
        except BackendError as exc:  # BadRequest: neither a status nor a note; NotFound renders below
            message, code = t("err_empty") if exc.status_code == 400 else str(exc), exc.status_code
    return await run_in_threadpool(render_detail, request, backend, staff, service_request_id,
                                   error=message, status_code=code, form=values)


def invalid(values: dict[str, str], t: Translator) -> str | None:
    """Check the update form in place (the note is cleaned); a message for the first bad field, or None."""
    if values["status"] and values["status"] not in STATUSES:
        return t("err_status")
    if values["note_language"] not in {lg.value for lg in LANGS}:
        return t("err_language")
    try:
        values["note"] = clean_text(values["note"], field="note", max_chars=4000, required=False)
    except InvalidText:
        return t("err_note")
    return None
