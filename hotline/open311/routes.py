"""Open311 GeoReport v2 endpoints under /open311/v2/, each in JSON and XML."""

import time
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from bot.lang import Lang
from hotline.deps import Backend, BackendDep
from hotline.domain.errors import BadRequest, Forbidden, NotFound
from hotline.domain.models import Status, Ticket
from hotline.domain.queries import TicketFilter, find_tickets, ticket_by_token, updates_between
from hotline.open311.bodies import decode_body
from hotline.open311.formats import FORMATS, Format, render, render_error, render_object
from hotline.open311.intake import idempotency_key, parse_datetime, parse_new_request, reporter_of, source_key
from hotline.open311.media import SAFE_HEADERS, check_link, fetch_media, media_link
from hotline.open311.views import definition_view, request_view, service_view, update_view, w3c
from hotline.rate_limits import filing_limits, known_key, resident_of

router = APIRouter(prefix="/open311/v2", tags=["open311"])
MAX_IDS = 100
DETAILED_STATUSES = frozenset(s.value for s in Status)


def fmt_of(value: str) -> Format:
    if value not in FORMATS:
        raise NotFound(f"unknown format {value!r}: use .json or .xml")
    return value


def lang_of(locale: str | None) -> str:
    return Lang.parse(locale, default=Lang.ZH).value


def _csv(value: str | None, name: str, limit: int = MAX_IDS) -> tuple[str, ...]:
    items = tuple(v.strip() for v in (value or "").split(",") if v.strip())
    if len(items) > limit:
        raise BadRequest(f"at most {limit} values in {name}")
    return items


@router.get("/services.{fmt}")
def list_services(backend: BackendDep, fmt: str, locale: str | None = None) -> Response:
    lang = lang_of(locale)
    leaves = backend.taxonomy.leaves
    return render(fmt_of(fmt), "services", "service", [service_view(c, backend.taxonomy, lang) for c in leaves])


@router.get("/services/{service_code}.{fmt}")
def service_definition(backend: BackendDep, service_code: str, fmt: str, locale: str | None = None) -> Response:
    form = fmt_of(fmt)
    category = backend.taxonomy.leaf(service_code)
    if category is None:
        raise NotFound(f"service_code {service_code!r} not found")
    return render_object(form, "service_definition", definition_view(category, lang_of(locale)))


_TEXT = {"type": "string"}
_FIELDS = {
    "type": "object",
    "required": ["api_key", "service_code", "description"],
    "properties": {
        **{name: _TEXT for name in ("api_key", "service_code", "description", "address_string", "email", "phone",
                                    "media_url", "language", "channel", "channel_user_id", "first_name",
                                    "last_name", "device_id", "account_id")},
        "lat": {"type": "number"}, "long": {"type": "number"},
    },
    "additionalProperties": True,  # attribute[code] (form) or an "attribute" object of codes (JSON)
}
# The handler reads the raw body (form, JSON or XML: hotline.open311.bodies); this tells clients and the
# fuzzer (tests/hotline/test_schema_fuzz.py) what it takes.
CREATE_REQUEST_BODY = {"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": _FIELDS},
    "application/json": {"schema": _FIELDS},
}}}


@router.post("/requests.{fmt}", openapi_extra=CREATE_REQUEST_BODY)
async def create_request(
    backend: BackendDep,
    request: Request,
    fmt: str,
    idempotency_key_header: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    form = fmt_of(fmt)
    fields = decode_body(await request.body(), request.headers.get("content-type", ""))
    if "api_key" in request.query_params:  # URLs land in access logs and proxies' logs
        raise BadRequest("send api_key in the request body, never in the URL")
    api_key = known_key(fields.pop("api_key", None), backend.settings.api_keys)
    limits = filing_limits(request)
    address = limits.address(request)
    wait = await run_in_threadpool(limits.retry_after, address=address, api_key=api_key, resident=resident_of(fields))
    if wait is not None and api_key is None:
        return too_many(form, wait)
    if api_key is None:
        raise Forbidden("a valid api_key is required to submit service requests")
    reporter = reporter_of(fields)
    new_request = parse_new_request(fields, backend.taxonomy)
    key = idempotency_key(idempotency_key_header)
    # Over the limit, a replay of a request already filed is still answered: it files nothing new.
    if wait is not None and (key is None or await run_in_threadpool(backend.desk.replay, new_request, key) is None):
        return too_many(form, wait)
    source = source_key(new_request, api_key=api_key, address=address, names_resident=limits.names_residents(api_key),
                        reporter=reporter)
    ticket, created = await run_in_threadpool(backend.desk.file, new_request, idempotency_key=key, source=source)
    merged = not created and (key is None or ticket.idempotency_key != key)
    body = {
        "service_request_id": ticket.service_request_id,
        "token": ticket.token,
        "service_notice": _notice(ticket.priority, new_request.language, merged=merged),
        "account_id": None,
        "expected_datetime": w3c(ticket.resolution_due),
    }
    response = render(form, "service_requests", "request", [body], status_code=201 if created else 200)
    if key is not None:
        response.headers["Idempotent-Replayed"] = "false" if created or merged else "true"
    if merged:
        response.headers["X-Merged-Into"] = ticket.service_request_id
    return response


def too_many(form: Format, retry_after: int) -> Response:
    """429 with ``Retry-After`` (whole seconds) and an Open311 error body."""
    response = render_error(form, 429, f"too many service requests: try again in {retry_after} seconds")
    response.headers["Retry-After"] = str(retry_after)
    return response


def _notice(priority: str, lang: str, *, merged: bool = False) -> str:
    notices = {
        "zh": ("您的诉求已受理，将按时限办理。", "紧急诉求已受理，将优先处置。",
               "您刚才已报告同一紧急情况，本次报告已并入该诉求，将优先处置。"),
        "en": ("Your appeal has been received and will be handled within the time limit.",
               "Your urgent appeal has been received and will be handled first.",
               "You reported this emergency a moment ago: this report was merged into that appeal, "
               "which is handled first."),
        "ja": ("ご要望を受け付けました。期限内に対応します。", "緊急のご要望を受け付けました。優先して対応します。",
               "先ほど同じ緊急のご報告を受け付けています。今回のご報告はそちらに統合し、優先して対応します。"),
    }
    return notices[lang][2 if merged else 1 if priority == "urgent" else 0]


@router.get("/requests.{fmt}")
def list_requests(
    backend: BackendDep,
    request: Request,
    fmt: str,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    locale: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> Response:
    form = fmt_of(fmt)
    statuses = _csv(status, "status")
    # "open"/"closed" are Open311's; our detailed states (accepted, in_progress...) are an extension.
    open311 = [s for s in statuses if s in ("open", "closed")]
    detailed = [s for s in statuses if s not in open311]
    if any(s not in DETAILED_STATUSES for s in detailed):
        raise BadRequest("status must be open or closed (or a detailed status)")
    start = parse_datetime(start_date, "start_date") if start_date else None
    end = parse_datetime(end_date, "end_date") if end_date else None
    if start and end and start > end:
        raise BadRequest("start_date must not be after end_date")
    tickets = find_tickets(backend.db, TicketFilter(
        service_request_ids=_csv(service_request_id, "service_request_id"),
        service_codes=_csv(service_code, "service_code"),
        statuses=tuple(detailed),
        open311_status=open311[0] if len(set(open311)) == 1 else None,
        start=start, end=end, limit=limit, public_only=True,
    ))
    lang = lang_of(locale)
    return render(form, "service_requests", "request", [_public_view(backend, request, t, lang) for t in tickets])


def _public_view(backend: Backend, request: Request, ticket: Ticket, lang: str) -> dict[str, object]:
    """The public record of ``ticket``: redacted, coarse, its media behind a signed link."""
    settings = backend.settings
    link = media_link(str(request.base_url), settings.media_key, ticket.service_request_id, now=time.time(),
                      lifetime=settings.media_link_seconds) if ticket.media_url else None
    return request_view(ticket, backend.taxonomy, backend.gazetteer, lang, _last_note(ticket), media_link=link)


def _last_note(ticket: Ticket) -> str | None:
    notes = [u.note for u in ticket.updates if u.note]
    return notes[-1] if notes else None


@router.get("/requests/{service_request_id}.{fmt}")
def get_request(backend: BackendDep, request: Request, service_request_id: str, fmt: str,
                locale: str | None = None) -> Response:
    form = fmt_of(fmt)
    tickets = find_tickets(backend.db, TicketFilter(service_request_ids=(service_request_id,), limit=1,
                                                    public_only=True))
    if not tickets:  # private tickets are not found either: the public record does not hint at them
        raise NotFound(f"service request {service_request_id} not found")
    return render(form, "service_requests", "request", [_public_view(backend, request, tickets[0], lang_of(locale))])


@router.get("/tokens/{token}.{fmt}")
def get_token(backend: BackendDep, token: str, fmt: str) -> Response:
    form = fmt_of(fmt)
    ticket = ticket_by_token(backend.db, token)
    if ticket is None:
        raise NotFound("token not found")
    return render(form, "service_requests", "request",
                  [{"service_request_id": ticket.service_request_id, "token": ticket.token}])


@router.get("/servicerequestupdates.{fmt}")
def list_updates(backend: BackendDep, fmt: str, start_date: str | None = None, end_date: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 1000) -> Response:
    form = fmt_of(fmt)
    start = parse_datetime(start_date, "start_date") if start_date else None
    end = parse_datetime(end_date, "end_date") if end_date else None
    if start and end and start > end:
        raise BadRequest("start_date must not be after end_date")
    rows = updates_between(backend.db, start, end, limit=limit, public_only=True)
    return render(form, "service_request_updates", "request_update", [update_view(u, rid) for u, rid in rows])


@router.get("/media/{service_request_id}")
async def get_media(backend: BackendDep, service_request_id: str, expires: str = "", signature: str = "") -> Response:
    """A public ticket's media, through a link from its public view (``hotline.open311.media``)."""
    settings = backend.settings
    remaining = check_link(settings.media_key, service_request_id, expires, signature, now=time.time())
    tickets = await run_in_threadpool(find_tickets, backend.db, TicketFilter(
        service_request_ids=(service_request_id,), limit=1, public_only=True))
    if not tickets or not tickets[0].media_url:
        raise NotFound(f"service request {service_request_id} has no public media")
    media = await fetch_media(tickets[0].media_url, settings.media_hosts)
    return Response(media.content, media_type=media.content_type,
                    headers={"Cache-Control": f"private, max-age={remaining}", **SAFE_HEADERS})
