"""/api/: tickets for staff, a resident's own tickets for the assistant, category suggestions."""

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from bot.lang import Lang
from hotline.api.auth import Admin, Assistant, Rater, StaffReader, StaffWriter
from hotline.api.rates_view import rates_view
from hotline.api.schemas import ResidentIn, SatisfactionIn, StaffIn, StaffOut, SuggestIn, UpdateIn
from hotline.api.views import ticket_detail, ticket_summary
from hotline.deps import Backend, BackendDep
from hotline.domain.audit import audit_entries
from hotline.domain.errors import BadRequest, NotFound
from hotline.domain.lifecycle import Rating
from hotline.domain.models import Status, Ticket
from hotline.domain.queries import TicketFilter, count_tickets, find_tickets, resident_tickets
from hotline.domain.rates import GroupBy, ticket_rates
from hotline.domain.staff import SERVICE, add_staff, list_staff, revoke_staff
from hotline.domain.tickets import load_ticket, utcnow
from hotline.open311.intake import parse_datetime
from hotline.open311.views import w3c

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/tickets")
def list_tickets(
    backend: BackendDep,
    principal: StaffReader,
    status: Status | None = None,
    service_code: str | None = None,
    department: str | None = None,
    district_code: str | None = None,
    subdistrict_code: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    start_date: str | None = None,
    end_date: str | None = None,
    lang: Lang = Lang.ZH,
    needs_multilingual_operator: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    f = TicketFilter(
        statuses=(status.value,) if status else (), service_codes=(service_code,) if service_code else (),
        department=department, district_code=district_code, subdistrict_code=subdistrict_code, text=q,
        redacted_search=not principal.sees_personal_data,  # analysts cannot find a ticket by personal data
        needs_multilingual_operator=needs_multilingual_operator,
        start=parse_datetime(start_date, "start_date") if start_date else None,
        end=parse_datetime(end_date, "end_date") if end_date else None, limit=limit, offset=offset,
    )
    tickets = find_tickets(backend.db, f)
    return {
        "total": count_tickets(backend.db, f),
        "tickets": [ticket_summary(t, backend, principal, lang.value) for t in tickets],
    }


@router.get("/tickets/{service_request_id}")
def get_ticket(backend: BackendDep, principal: StaffReader, service_request_id: str,
               lang: Lang = Lang.ZH) -> dict[str, Any]:
    with backend.db.read() as session:
        ticket = load_ticket(session, service_request_id)
    return ticket_detail(ticket, backend, principal, lang.value)


@router.post("/tickets/{service_request_id}/updates")
async def post_update(backend: BackendDep, principal: StaffWriter, service_request_id: str,
                      body: UpdateIn) -> dict[str, Any]:
    ticket = await run_in_threadpool(
        backend.lifecycle.update, service_request_id, status=body.status, note=body.note,
        note_language=body.note_language.value, actor=f"{principal.role}:{principal.name}",
        public_state=body.public_state,
    )
    return ticket_detail(ticket, backend, principal)


@router.post("/tickets/{service_request_id}/satisfaction")
async def post_satisfaction(backend: BackendDep, principal: Rater, service_request_id: str,
                            body: SatisfactionIn) -> dict[str, Any]:
    if principal.role == SERVICE:  # the assistant rates only for the resident who owns the ticket
        await run_in_threadpool(check_resident_owns, backend, service_request_id, body.resident)
    rating = Rating(resolved=body.resolved, rating=body.rating, comment=body.comment)
    actor = "resident" if principal.role == SERVICE else f"{principal.role}:{principal.name}"
    ticket = await run_in_threadpool(backend.lifecycle.rate, service_request_id, rating,
                                     language=body.language.value, actor=actor)
    return {"service_request_id": ticket.service_request_id, "status": ticket.status,
            "satisfaction": [{"resolved": s.resolved, "rating": s.rating, "at": w3c(s.created_at)}
                             for s in ticket.satisfaction]}


def check_resident_owns(backend: Backend, service_request_id: str, resident: ResidentIn | None) -> Ticket:
    """The ticket; NotFound unless ``resident`` filed it (a stranger learns nothing, not even that it exists)."""
    if resident is None:
        raise BadRequest("resident (channel, channel_user_id) is required when the assistant rates a ticket")
    with backend.db.read() as session:
        ticket = load_ticket(session, service_request_id)
        owner = (ticket.channel, ticket.channel_user_id)
    if not (owner[0] == resident.channel and owner[1] is not None
            and hmac.compare_digest(owner[1].encode(), resident.channel_user_id.encode())):
        raise NotFound(f"service request {service_request_id} not found")
    return ticket


@router.get("/rates")
def get_rates(
    backend: BackendDep,
    _reader: StaffReader,
    group_by: GroupBy = GroupBy.SUBDISTRICT,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    district: str | None = None,
    subdistrict: str | None = None,
    department: str | None = None,
    service_code: str | None = None,
    lang: Lang = Lang.ZH,
) -> dict[str, Any]:
    """Response, resolution and satisfaction rates per group (definitions: ``hotline.domain.rates``)."""
    f = TicketFilter(
        service_codes=(service_code,) if service_code else (), department=department, district_code=district,
        subdistrict_code=subdistrict, start=parse_datetime(start, "from") if start else None,
        end=parse_datetime(end, "to") if end else None,
    )
    groups = ticket_rates(backend.db, f, group_by, as_of=utcnow())
    return rates_view(groups, group_by, backend, lang.value)


@router.get("/residents/{channel}/{channel_user_id}/tickets")
def list_resident_tickets(backend: BackendDep, _assistant: Assistant, channel: str, channel_user_id: str,
                          lang: Lang = Lang.ZH) -> dict[str, Any]:
    tickets = resident_tickets(backend.db, channel, channel_user_id)
    return {
        "tickets": [
            {
                "service_request_id": t.service_request_id,
                "service_code": t.service_code,
                "service_name": backend.taxonomy.categories[t.service_code].name[lang.value]
                if t.service_code in backend.taxonomy.categories else t.service_code,
                "status": t.status,
                "description": t.description,
                "requested_datetime": w3c(t.requested_at),
                "updated_datetime": w3c(t.updated_at),
                "expected_datetime": w3c(t.resolution_due),
                "last_note": next((u.note for u in reversed(t.updates) if u.note), None),
            }
            for t in tickets
        ]
    }


@router.post("/categories/suggest")
def suggest_categories(backend: BackendDep, body: SuggestIn) -> dict[str, Any]:
    lang = body.language.value
    suggestions = backend.suggester.suggest(body.text, lang, limit=body.limit)
    return {
        "suggestions": [
            {
                "service_code": s.category.code,
                "service_name": s.category.name[lang],
                "group": backend.taxonomy.categories[s.category.top].name[lang],
                "confidence": round(s.confidence, 4),
                "matched": list(s.matched),
            }
            for s in suggestions
        ]
    }


@router.post("/staff", status_code=201)
def create_staff(backend: BackendDep, admin: Admin, body: StaffIn) -> dict[str, str | None]:
    """The new member's token is in this answer only; the database keeps its SHA-256."""
    if body.unit is not None and body.unit not in backend.units:
        raise BadRequest(f"unit {body.unit!r} not found")
    token = add_staff(backend.db, name=body.name, role=body.role, created_by=admin.name, unit=body.unit)
    return {"name": body.name, "role": body.role.value, "unit": body.unit, "token": token}


@router.get("/staff")
def get_staff(backend: BackendDep, _admin: Admin) -> dict[str, list[StaffOut]]:
    """Every staff member, active or revoked, without token material."""
    return {"staff": [StaffOut.of(m) for m in list_staff(backend.db)]}


@router.post("/staff/{name}/revoke")
def post_staff_revoke(backend: BackendDep, admin: Admin, name: str) -> StaffOut:
    """The token stops working at once and the member's console sessions end; revoking again changes nothing."""
    return StaffOut.of(revoke_staff(backend.db, name=name, revoked_by=admin.name))


@router.get("/audit")
def get_audit(backend: BackendDep, _admin: Admin, limit: Annotated[int, Query(ge=1, le=500)] = 50,
              offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """The audit log, newest first."""
    total, entries = audit_entries(backend.db, limit=limit, offset=offset)
    return {"total": total, "entries": [{"id": e.id, "at": w3c(e.at), "actor": e.actor, "action": e.action,
                                         "subject": e.subject, "detail": e.detail} for e in entries]}
