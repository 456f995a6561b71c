"""/api/ for the dispatch loop: units, their queues, dispatch, accept, return, re-dispatch, and a ticket's trail.

Who may do what is decided here and in hotline.dispatch.workflow: the call centre (operators, supervisors,
admins) dispatches and re-dispatches; a unit's handlers accept and return for their own unit only (a
supervisor or an admin may record it for any unit); a handler reads only tickets their unit has had a part
in. Another unit's ticket answers 404, as if it did not exist.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from bot.lang import Lang
from hotline.api.auth import Dispatcher, Supervisor, UnitActor, UnitReader
from hotline.api.schemas import DispatchIn, LinkIn, RedispatchIn, ReturnIn, UnitDecisionIn
from hotline.api.views import ticket_detail, ticket_summary
from hotline.deps import Backend, BackendDep
from hotline.dispatch.queues import QueueRow, escalated, to_dispatch, unit_due_soon, unit_has_part, unit_queue
from hotline.dispatch.workflow import Redispatch, check_acts_for
from hotline.domain.errors import BadRequest, NotFound
from hotline.domain.history import ticket_history
from hotline.domain.models import Role, Ticket
from hotline.domain.staff import Principal
from hotline.domain.tickets import load_ticket
from hotline.open311.views import w3c

router = APIRouter(prefix="/api", tags=["dispatch"])
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def _actor(principal: Principal) -> str:
    return f"{principal.role}:{principal.name}"


def _acting_unit(principal: Principal, unit: str | None) -> str:
    """The unit a decision is made for: a handler's own, or the one a supervisor or admin names."""
    if principal.role == Role.HANDLER.value:
        assert principal.unit is not None  # add_staff gives every handler a unit
        check_acts_for(principal.role, principal.unit, unit or principal.unit)
        return principal.unit
    if unit is None:
        raise BadRequest("name the unit this decision is made for (unit)")
    return unit


def _visible(backend: Backend, principal: Principal, service_request_id: str) -> Ticket:
    """The ticket, if ``principal`` may read it; a handler's unit must have had a part in it."""
    with backend.db.read() as session:
        ticket = load_ticket(session, service_request_id)
    if principal.role == Role.HANDLER.value and not (
            principal.unit and unit_has_part(backend.db, ticket.id, principal.unit)):
        raise NotFound(f"service request {service_request_id} not found")
    return ticket


def _rows(backend: Backend, principal: Principal, total: int, rows: list[QueueRow], lang: str) -> dict[str, Any]:
    return {"total": total, "tickets": [
        {**ticket_summary(row.ticket, backend, principal, lang), "part": row.role, "part_state": row.state,
         "dispatch_state": row.ticket.dispatch_state, "lead_unit": row.ticket.lead_unit,
         "priority": row.ticket.priority, "escalation": {
             "response": row.ticket.response_escalation, "resolution": row.ticket.resolution_escalation,
             "level": row.ticket.escalation_level}}
        for row in rows]}


def _unit_rows(backend: Backend, principal: Principal, unit: str,
               page: Callable[[], tuple[int, list[QueueRow]]], lang: Lang) -> dict[str, Any]:
    """A unit's page of tickets, once the principal may read that unit (unknown unit 404, another unit 403)."""
    if unit not in backend.units:
        raise NotFound(f"unit {unit!r} not found")
    check_acts_for(principal.role, principal.unit, unit)
    return _rows(backend, principal, *page(), lang.value)


@router.get("/units")
def get_units(backend: BackendDep, _reader: UnitReader, kind: str | None = None,
              lang: Lang = Lang.ZH) -> dict[str, Any]:
    """Every handling unit: the departments and the sub-district offices."""
    units = [u for u in backend.units.all() if kind is None or u.kind == kind]
    return {"units": [{"id": u.id, "kind": u.kind, "name": u.name(lang.value), "district_code": u.district_code}
                      for u in units]}


@router.get("/units/{unit}/queue")
def get_unit_queue(backend: BackendDep, principal: UnitReader, unit: str, limit: Limit = 50, offset: Offset = 0,
                   lang: Lang = Lang.ZH) -> dict[str, Any]:
    """A unit's open tickets, waiting and accepted, urgent first then newest first."""
    return _unit_rows(backend, principal, unit, lambda: unit_queue(backend.db, unit, limit=limit, offset=offset), lang)


@router.get("/units/{unit}/due-soon")
def get_unit_due_soon(backend: BackendDep, principal: UnitReader, unit: str, limit: Limit = 50, offset: Offset = 0,
                      lang: Lang = Lang.ZH) -> dict[str, Any]:
    """A unit's open tickets whose response or resolution deadline is near or past."""
    return _unit_rows(backend, principal, unit, lambda: unit_due_soon(backend.db, unit, limit=limit, offset=offset),
                      lang)


@router.get("/escalations")
def get_escalations(backend: BackendDep, principal: Supervisor, unit: str | None = None, limit: Limit = 50,
                    offset: Offset = 0, lang: Lang = Lang.ZH) -> dict[str, Any]:
    """The supervisor's escalation queue: open tickets past a deadline, optionally of one lead unit."""
    total, rows = escalated(backend.db, unit=unit, limit=limit, offset=offset)
    return _rows(backend, principal, total, rows, lang.value)


@router.get("/dispatch/queue")
def get_dispatch_queue(backend: BackendDep, principal: Dispatcher, limit: Limit = 50, offset: Offset = 0,
                       lang: Lang = Lang.ZH) -> dict[str, Any]:
    """The call centre's open tickets without an active lead unit (never placed, or returned)."""
    total, rows = to_dispatch(backend.db, limit=limit, offset=offset)
    return _rows(backend, principal, total, rows, lang.value)


@router.post("/tickets/{service_request_id}/dispatch")
async def post_dispatch(backend: BackendDep, principal: Dispatcher, service_request_id: str,
                        body: DispatchIn) -> dict[str, Any]:
    ticket = await run_in_threadpool(backend.dispatcher.dispatch, service_request_id, unit=body.unit,
                                     actor=_actor(principal), reason=body.reason, role=body.role)
    return ticket_detail(ticket, backend, principal)


@router.post("/tickets/{service_request_id}/accept")
async def post_accept(backend: BackendDep, principal: UnitActor, service_request_id: str,
                      body: UnitDecisionIn) -> dict[str, Any]:
    unit = _acting_unit(principal, body.unit)
    ticket = await run_in_threadpool(backend.dispatcher.accept, service_request_id, unit=unit,
                                     actor=_actor(principal))
    return ticket_detail(ticket, backend, principal)


@router.post("/tickets/{service_request_id}/return")
async def post_return(backend: BackendDep, principal: UnitActor, service_request_id: str,
                      body: ReturnIn) -> dict[str, Any]:
    unit = _acting_unit(principal, body.unit)
    ticket = await run_in_threadpool(backend.dispatcher.give_back, service_request_id, unit=unit,
                                     actor=_actor(principal), reason=body.reason, note=body.note)
    return ticket_detail(ticket, backend, principal)


@router.post("/tickets/{service_request_id}/redispatch")
async def post_redispatch(backend: BackendDep, principal: Dispatcher, service_request_id: str,
                          body: RedispatchIn) -> dict[str, Any]:
    change = Redispatch(service_code=body.service_code, subdistrict_code=body.subdistrict_code, unit=body.unit)
    ticket = await run_in_threadpool(backend.dispatcher.redispatch, service_request_id, change,
                                     actor=_actor(principal), reason=body.reason)
    return ticket_detail(ticket, backend, principal)


@router.get("/tickets/{service_request_id}/duplicates")
def get_duplicates(backend: BackendDep, principal: Dispatcher, service_request_id: str,
                   lang: Lang = Lang.ZH) -> dict[str, Any]:
    """Open tickets this one may duplicate (hotline.dispatch.duplicates), most alike first, with why."""
    found = backend.linker.suggestions(service_request_id)
    return {"service_request_id": service_request_id, "candidates": [
        {**ticket_summary(other, backend, principal, lang.value), "score": round(likeness.score, 3),
         "likeness": {"text": round(likeness.text, 3), "category": likeness.category,
                      "place": round(likeness.place, 3), "time": round(likeness.time, 3),
                      "numbers_disagree": likeness.conflict}}
        for other, likeness in found]}


@router.post("/tickets/{service_request_id}/link")
async def post_link(backend: BackendDep, principal: Dispatcher, service_request_id: str,
                    body: LinkIn) -> dict[str, Any]:
    """This ticket is the same case as ``master``: it follows the master from now on."""
    ticket = await run_in_threadpool(backend.linker.link, service_request_id, master=body.master,
                                     actor=_actor(principal), reason=body.reason)
    return ticket_detail(ticket, backend, principal)


@router.get("/tickets/{service_request_id}/history")
def get_history(backend: BackendDep, principal: UnitReader, service_request_id: str) -> dict[str, Any]:
    """The ticket's audit trail, oldest first: who, when, what and why."""
    ticket = _visible(backend, principal, service_request_id)
    with backend.db.read() as session:
        rows = ticket_history(session, ticket.id)
    return {"service_request_id": ticket.service_request_id, "history": [
        {"at": w3c(r.at), "actor": r.actor, "action": r.action, "reason": r.reason, "detail": r.detail}
        for r in rows]}


@router.get("/units/{unit}/tickets/{service_request_id}")
def get_unit_ticket(backend: BackendDep, principal: UnitReader, unit: str, service_request_id: str,
                    lang: Lang = Lang.ZH) -> dict[str, Any]:
    """A ticket as a unit sees it (a handler: only tickets their unit has had a part in)."""
    check_acts_for(principal.role, principal.unit, unit)
    ticket = _visible(backend, principal, service_request_id)
    if not unit_has_part(backend.db, ticket.id, unit):
        raise NotFound(f"service request {service_request_id} not found")
    return ticket_detail(ticket, backend, principal, lang.value)
