"""What every console page shares: the signed-in member, the CSRF token, rendering with security headers."""

import hashlib
import hmac
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import URL
from starlette.templating import Jinja2Templates

from hotline.console.access import CALL_CENTRE, signed_in
from hotline.console.i18n import language_name, other_lang, pick_lang, short_time, translator
from hotline.deps import Backend
from hotline.domain.models import Role
from hotline.domain.staff import Principal
from hotline.rate_limits import address_bucket, parse_networks
from hotline.rate_limits import client_address as forwarded_client

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["when"] = short_time
SESSION_COOKIE, LANG_COOKIE = "hotline_console", "hotline_console_lang"
HEADERS = {
    "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}
Staff = tuple[str, Principal]  # the session id and who it belongs to


def csrf_token(session_id: str) -> str:
    """The form token bound to a session: HMAC-SHA256(key=session id, msg="console-csrf")."""
    return hmac.new(session_id.encode(), b"console-csrf", hashlib.sha256).hexdigest()


def csrf_ok(sent: object, session_id: str) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), csrf_token(session_id).encode())


def current_staff(request: Request, backend: Backend) -> Staff | None:
    """The signed-in staff member from the session cookie, if the session is still live on the server."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    principal = signed_in(backend, session_id)
    return (session_id, principal) if principal is not None else None


def ticket_path(service_request_id: str) -> str:
    return f"/console/tickets/{quote(service_request_id, safe='')}"


def unit_path(unit: str) -> str:
    return f"/console/units/{quote(unit, safe=':')}"


def home_of(principal: Principal | None) -> str:
    """Where a member starts: a handler in their unit's queue, everyone else in the ticket queue."""
    if principal is not None and principal.role == Role.HANDLER.value and principal.unit:
        return unit_path(principal.unit)
    return "/console/"


def client_address(request: Request, backend: Backend) -> str:
    """Who sign-in throttling counts: the client as Open311 rate limits see it (``X-Forwarded-For`` only
    from ``HOTLINE_TRUSTED_PROXIES``), an IPv6 client by its /64."""
    peer = request.client.host if request.client else None
    address = forwarded_client(peer, request.headers.getlist("x-forwarded-for"),
                               parse_networks(backend.settings.trusted_proxies))
    return address_bucket(address)[:64]


def to_login() -> Response:
    return RedirectResponse("/console/login", status_code=303)


def refuse(request: Request, message: str, status_code: int, here: str, staff: Staff | None) -> Response:
    """The error page with a message key from the i18n table."""
    return page(request, "error.html", {"message": message}, status_code=status_code, here=here, staff=staff)


def admitted(request: Request, backend: Backend, roles: frozenset[str], refusal: str, here: str) -> Staff | Response:
    """The signed-in member if their role is one of ``roles``; else the way to sign in, or the refusal page (403)."""
    staff = current_staff(request, backend)
    if staff is None:
        return to_login()
    return staff if staff[1].role in roles else refuse(request, refusal, 403, here, staff)


def page_number(request: Request) -> int:
    """The ``page`` query parameter, 1 to 100,000; anything else is page 1."""
    value = request.query_params.get("page", "1")
    return max(1, min(int(value), 100_000)) if value.isdigit() else 1


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
               "principal": staff[1] if staff else None, "home": home_of(staff[1] if staff else None),
               "call_centre": staff is not None and staff[1].role in CALL_CENTRE,
               "csrf": csrf_token(staff[0]) if staff else "",
               "switch_url": str(here_url.include_query_params(lang=other_lang(lang))), **context}
    response = templates.TemplateResponse(request, name, context, status_code=status_code, headers=HEADERS)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/console", httponly=True,
                            samesite="strict")
    return response
