""""Me too" from the resident's chat: right after filing, the assistant asks whether the new appeal looks like
an open one; when the resident says it is the same problem, the new ticket is linked to it (hotline.dispatch.links)
and follows it from then on, so the resident is told and surveyed with everyone else who reported it.

Only the assistant calls these (role ``service``), always for the resident who filed the new ticket (checked
here, as for ratings: anyone else gets 404). The open ticket is described to the resident without anyone's words
or address: its category, sub-district, filing day and status. A link is taken only to a ticket the duplicate
detector suggests for this one at that moment, so a resident cannot attach their appeal to any ticket they name.
"""

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from bot.lang import Lang
from hotline.api.auth import Assistant
from hotline.api.routes import check_resident_owns
from hotline.api.schemas import ResidentIn, StrictModel
from hotline.deps import Backend, BackendDep
from hotline.dispatch.links import master_service_request_id
from hotline.domain.errors import Conflict
from hotline.domain.models import Ticket
from hotline.open311.views import open311_status, w3c

router = APIRouter(prefix="/api", tags=["me too"])
RESIDENT_REASON = "the resident said in chat that it is the same problem"


class SameCaseIn(StrictModel):
    resident: ResidentIn
    language: Lang = Lang.ZH


class MeTooIn(StrictModel):
    resident: ResidentIn
    master: Annotated[str, Field(min_length=1, max_length=32)]


def open_case_view(ticket: Ticket, backend: Backend, language: str) -> dict[str, Any]:
    """What a resident may see of someone else's open ticket: nothing they wrote, nothing that locates them."""
    category = backend.taxonomy.categories.get(ticket.service_code)
    subdistrict = backend.gazetteer.subdistricts.get(ticket.subdistrict_code or "")
    place = (subdistrict.name_en if language == "en" else subdistrict.name_zh) if subdistrict else None
    return {"service_request_id": ticket.service_request_id,
            "service_name": category.name[language] if category else ticket.service_code,
            "subdistrict": place, "requested_datetime": w3c(ticket.requested_at),
            "status": open311_status(ticket.status)}


def _same_case(backend: Backend, service_request_id: str, resident: ResidentIn, language: str) -> dict[str, Any]:
    ticket = check_resident_owns(backend, service_request_id, resident)
    found = backend.linker.suggestions(service_request_id, limit=1) if ticket.master_id is None else []
    return {"service_request_id": service_request_id,
            "candidate": open_case_view(found[0][0], backend, language) if found else None}


@router.post("/tickets/{service_request_id}/same-case")
async def post_same_case(backend: BackendDep, _assistant: Assistant, service_request_id: str,
                         body: SameCaseIn) -> dict[str, Any]:
    """The open ticket the resident's new appeal most looks like, if any is alike enough to ask about."""
    return await run_in_threadpool(_same_case, backend, service_request_id, body.resident, body.language.value)


def _me_too(backend: Backend, service_request_id: str, body: MeTooIn) -> Ticket:
    check_resident_owns(backend, service_request_id, body.resident)
    suggested = {ticket.service_request_id for ticket, _ in backend.linker.suggestions(service_request_id)}
    if body.master not in suggested:
        raise Conflict(f"{body.master} is not an open case like {service_request_id}: nothing was linked")
    return backend.linker.link(service_request_id, master=body.master, actor="resident", reason=RESIDENT_REASON)


@router.post("/tickets/{service_request_id}/me-too")
async def post_me_too(backend: BackendDep, _assistant: Assistant, service_request_id: str,
                      body: MeTooIn) -> dict[str, Any]:
    """The resident says their new appeal is the same problem as ``master``: it follows ``master`` from now on."""
    ticket = await run_in_threadpool(_me_too, backend, service_request_id, body)
    return {"service_request_id": ticket.service_request_id,
            "master": master_service_request_id(backend.db, ticket), "status": open311_status(ticket.status)}
