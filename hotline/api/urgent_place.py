"""The place of an urgent report, told by its resident after filing (hotline.domain.urgent_place).

Only the assistant calls this (role ``service``), for the resident who filed the ticket (checked as for ratings:
anyone else gets 404); the resident's words become the address, the district and sub-district follow.
"""

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from hotline.api.auth import Assistant
from hotline.api.routes import check_resident_owns
from hotline.api.schemas import ResidentIn, StrictModel
from hotline.deps import Backend, BackendDep
from hotline.domain.models import Ticket
from hotline.domain.urgent_place import MAX_PLACE_CHARS, UrgentPlace

router = APIRouter(prefix="/api", tags=["urgent place"])


class PlaceIn(StrictModel):
    resident: ResidentIn
    address_string: Annotated[str, Field(min_length=1, max_length=MAX_PLACE_CHARS)]


def _add(backend: Backend, service_request_id: str, body: PlaceIn) -> Ticket:
    check_resident_owns(backend, service_request_id, body.resident)
    urgent = UrgentPlace(backend.db, gazetteer=backend.gazetteer)
    return urgent.add(service_request_id, body.address_string, actor="resident")


@router.post("/tickets/{service_request_id}/place")
async def post_place(backend: BackendDep, _assistant: Assistant, service_request_id: str,
                     body: PlaceIn) -> dict[str, Any]:
    """Where the urgent report is: the resident's words, with the district and sub-district they name."""
    ticket = await run_in_threadpool(_add, backend, service_request_id, body)
    return {"service_request_id": ticket.service_request_id, "district_code": ticket.district_code,
            "subdistrict_code": ticket.subdistrict_code}
