"""Operator console: server-rendered pages under /console/ (sign-in, queue, ticket, status updates)."""

import hashlib
import hmac
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL
from starlette.templating import Jinja2Templates

from bot.errors import InvalidText
from bot.lang import LANGS
from bot.text import clean_text
from hotline.api.views import ticket_detail, ticket_summary
from hotline.console.i18n import Translator, category_path, language_name, other_lang, pick_lang, short_time, translator
from hotline.deps import Backend, BackendDep
from hotline.domain.errors import BackendError, Conflict, NotFound
from hotline.domain.lifecycle import ALLOWED
from hotline.domain.models import Status, Ticket
from hotline.domain.queries import OPEN311_CLOSED, TicketFilter, count_tickets, find_tickets
from hotline.domain.staff import STAFF_ROLES, Principal, identify
from hotline.domain.tickets import load_ticket

router = APIRouter(prefix="/console", include_in_schema=False)
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["when"] = short_time
CSS = (HERE / "static" / "console.css").read_bytes()
SESSION_COOKIE, LANG_COOKIE = "hotline_console", "hotline_console_lang"
PAGE_SIZE = 50
WRITERS = frozenset({"operator", "admin"})
STATUSES = tuple(s.value for s in Status)
HEADERS = {
    "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}
Staff = tuple[str, Principal]  # the session token and who it belongs to


def csrf_token(session_token: str) -> str:
    """The form token bound to a session: HMAC-SHA256(key=session token, msg="console-csrf")."""
    return hmac.new(session_token.encode(), b"console-csrf", hashlib.sha256).hexdigest()


def csrf_ok(sent: object, session_token: str) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), csrf_token(session_token).encode())


def current_staff(request: Request, backend: Backend) -> Staff | None:
    """The signed-in staff member from the session cookie (the assistant's service key does not count)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    principal = identify(token, backend.settings, backend.db) if 0 < len(token) <= 512 else None
    return (token, principal) if principal is not None and principal.role in STAFF_ROLES else None


def to_login() -> Response:
    return RedirectResponse("/console/login", status_code=303)


def refuse(request: Request, message: str, status_code: int, here: str, staff: Staff | None) -> Response:
    """The error page with a message key from the i18n table."""
    return page(request, "error.html", {"message": message}, status_code=status_code, here=here, staff=staff)


def ticket_path(service_request_id: str) -> str:
    return f"/console/tickets/{quote(service_request_id, safe='')}"


def lang_of(request: Request) -> str:
    """The ``lang`` query parameter, else the language cookie, else Chinese."""
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def page(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200,
         here: str | None = None, staff: Staff | None = None) -> Response:
    """Render ``name`` in the request's language, with the switcher link, user bar and security headers."""
    lang = lang_of(request)
    here_url = URL(here or request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    t = translator(lang)
    context = {"lang": lang, "t": t, "langname": lambda code: language_name(t, code),
               "principal": staff[1] if staff else None,
               "csrf": csrf_token(staff[0]) if staff else "",
               "switch_url": str(here_url.include_query_params(lang=other_lang(lang))), **context}
    response = templates.TemplateResponse(request, name, context, status_code=status_code, headers=HEADERS)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/console", httponly=True,
                            samesite="strict")
    return response


@router.get("/static/console.css")
def stylesheet() -> Response:
    return Response(CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/login")
def login_form(request: Request) -> Response:
    return page(request, "login.html", {"error": None})


@router.post("/login")
async def login(request: Request, backend: BackendDep) -> Response:
    form = await request.form()
    token = form.get("token")
    token = token.strip() if isinstance(token, str) else ""
    principal = (await run_in_threadpool(identify, token, backend.settings, backend.db)
                 if 0 < len(token) <= 512 else None)
    if principal is None or principal.role not in STAFF_ROLES:
        return page(request, "login.html", {"error": "login_error"}, status_code=401, here="/console/login")
    response = RedirectResponse("/console/", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, path="/console", httponly=True, samesite="strict",
                        secure=not backend.settings.development)
    return response


@router.post("/logout")
async def logout(request: Request, backend: BackendDep) -> Response:
    staff = await run_in_threadpool(current_staff, request, backend)
    if staff is not None and not csrf_ok((await request.form()).get("csrf"), staff[0]):
        return refuse(request, "err_csrf", 403, "/console/", staff)
    response = to_login()
    response.delete_cookie(SESSION_COOKIE, path="/console", httponly=True, samesite="strict")
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
