"""/api/ for the deadline clock: pause while waiting for the resident, resume, extension requests and decisions,
and the deadline rules themselves.

Pausing and asking for time belong to the ticket's lead unit (its handlers) and to the call centre; deciding
an extension belongs to supervisors (and admins).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from hotline.api.auth import StaffReader, Supervisor, UnitActor, UnitReader
from hotline.api.schemas import DecisionIn, ExtensionIn, ReasonIn
from hotline.api.views import ticket_detail
from hotline.deps import Backend, BackendDep
from hotline.dispatch.clock import ExtensionAsk
from hotline.dispatch.workflow import check_acts_for
from hotline.domain.errors import BadRequest, NotFound
from hotline.domain.models import ExtensionRequest, Role, Ticket
from hotline.domain.staff import Principal
from hotline.domain.tickets import load_ticket
from hotline.open311.views import w3c

router = APIRouter(prefix="/api", tags=["deadlines"])


def _actor(principal: Principal) -> str:
    return f"{principal.role}:{principal.name}"


def _check_lead(backend: Backend, principal: Principal, service_request_id: str) -> None:
    """A handler pauses or resumes only tickets their unit leads (another unit's ticket: 404)."""
    if principal.role != Role.HANDLER.value:
        return
    with backend.db.read() as session:
        ticket = load_ticket(session, service_request_id)
    if ticket.lead_unit is None or ticket.lead_unit != principal.unit:
        raise NotFound(f"service request {service_request_id} not found")


def _request_view(request: ExtensionRequest, ticket: Ticket | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": request.id, "deadline": request.kind, "amount": request.amount, "unit_of_time": request.unit_of_time,
        "reason": request.reason, "unit": request.unit, "requested_by": request.requested_by,
        "requested_at": w3c(request.requested_at), "state": request.state, "decided_by": request.decided_by,
        "decided_at": w3c(request.decided_at), "decision_note": request.decision_note}
    if ticket is not None:
        view.update(service_request_id=ticket.service_request_id, service_code=ticket.service_code,
                    response_due=w3c(ticket.response_due), resolution_due=w3c(ticket.resolution_due))
    return view


@router.post("/tickets/{service_request_id}/pause")
async def post_pause(backend: BackendDep, principal: UnitReader, service_request_id: str,
                     body: ReasonIn) -> dict[str, Any]:
    """The ticket waits for the resident's answer: its deadline clock stops."""
    await run_in_threadpool(_check_lead, backend, principal, service_request_id)
    ticket = await run_in_threadpool(backend.deadline_clock.pause, service_request_id, actor=_actor(principal),
                                     reason=body.reason)
    return ticket_detail(ticket, backend, principal)


@router.post("/tickets/{service_request_id}/resume")
async def post_resume(backend: BackendDep, principal: UnitReader, service_request_id: str,
                      body: ReasonIn) -> dict[str, Any]:
    """The clock runs again; the deadlines move by the time paused."""
    await run_in_threadpool(_check_lead, backend, principal, service_request_id)
    ticket = await run_in_threadpool(backend.deadline_clock.resume, service_request_id, actor=_actor(principal),
                                     reason=body.reason)
    return ticket_detail(ticket, backend, principal)


@router.post("/tickets/{service_request_id}/extensions", status_code=201)
async def post_extension(backend: BackendDep, principal: UnitActor, service_request_id: str,
                         body: ExtensionIn) -> dict[str, Any]:
    """The lead unit asks a supervisor for more time on a deadline."""
    if principal.role == Role.HANDLER.value:
        check_acts_for(principal.role, principal.unit, body.unit or principal.unit or "")
        unit = principal.unit or ""
    elif body.unit is None:
        raise BadRequest("name the unit that asks (unit)")
    else:
        unit = body.unit
    ask = ExtensionAsk(kind=body.deadline, amount=body.amount, unit_of_time=body.unit_of_time, reason=body.reason)
    request = await run_in_threadpool(backend.deadline_clock.ask_extension, service_request_id, ask, unit=unit,
                                      actor=_actor(principal))
    return _request_view(request)


@router.get("/extensions")
def get_extensions(backend: BackendDep, _supervisor: Supervisor, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                   offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """Extension requests waiting for a supervisor, oldest first."""
    rows = backend.deadline_clock.waiting_requests(limit=limit, offset=offset)
    return {"requests": [_request_view(request, ticket) for request, ticket in rows]}


@router.post("/extensions/{request_id}/decision")
async def post_decision(backend: BackendDep, principal: Supervisor, request_id: int,
                        body: DecisionIn) -> dict[str, Any]:
    """Approve (the deadline moves, counted by its rule from the current due date) or refuse."""
    request = await run_in_threadpool(backend.deadline_clock.decide_extension, request_id, approve=body.approve,
                                      actor=_actor(principal), note=body.note)
    return _request_view(request)


@router.get("/deadline-rules")
def get_deadline_rules(backend: BackendDep, _reader: StaffReader) -> dict[str, Any]:
    """The deadline tiers: each period, its source or an assumption mark, and the categories it covers."""
    return {"tiers": backend.desk.rules.describe()}
