"""The ticket page's "Possible duplicates" panel (hotline.dispatch.links); its form is in ``link_form``.

The call centre (operators, supervisors, admins) sees, on an open ticket not linked yet, the open tickets it may
duplicate, most alike first, with why (text, category, place alike; numbers that disagree). Linking makes the
ticket on this page the duplicate and the suggestion its master; a linked ticket's page names its master, and
a master's page lists the tickets linked to it for everyone who reads it (``linked_duplicates``).
"""

from typing import Any

from sqlalchemy import func, select

from hotline.console.access import CALL_CENTRE
from hotline.console.dispatch_panel import label_of_category, subdistrict_name
from hotline.console.pages import ticket_path
from hotline.deps import Backend
from hotline.dispatch.links import master_service_request_id
from hotline.domain.models import Ticket
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.staff import Principal
from hotline.open311.views import w3c

MAX_LINKED_SHOWN = 200  # a city-wide outage may gather more "me too" tickets than a page should list


def percent(share: float) -> int:
    return round(share * 100)


def master_id(backend: Backend, ticket: Ticket) -> str | None:
    """The service request id of the ticket this one duplicates, or None."""
    return master_service_request_id(backend.db, ticket)


def master_of(backend: Backend, ticket: Ticket) -> dict[str, str] | None:
    """The ticket this one duplicates (id and page), or None."""
    master = master_id(backend, ticket)
    return {"id": master, "href": ticket_path(master)} if master else None


def duplicates_panel(backend: Backend, principal: Principal, ticket: Ticket, lang: str) -> dict[str, Any]:
    """What the panel shows; ``shown`` is False for other roles, a linked ticket, or one that is finished."""
    if principal.role not in CALL_CENTRE or ticket.master_id is not None or ticket.status in OPEN311_CLOSED:
        return {"shown": False}
    rows = [{"id": other.service_request_id, "href": ticket_path(other.service_request_id),
             "category": label_of_category(backend, other.service_code, lang),
             "place": subdistrict_name(backend, other.subdistrict_code, lang) or other.address_string or "",
             "requested": w3c(other.requested_at), "score": percent(likeness.score),
             "text": percent(likeness.text), "same_category": likeness.category >= 1.0,
             "place_alike": percent(likeness.place), "conflict": likeness.conflict}
            for other, likeness in backend.linker.suggestions(ticket.service_request_id)]
    return {"shown": True, "rows": rows}



def linked_duplicates(backend: Backend, ticket: Ticket) -> dict[str, Any]:
    """The tickets linked to ``ticket`` as its duplicates, first filed first (id, filed, status, page), and how
    many there are in all."""
    with backend.db.read() as session:
        total = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.master_id == ticket.id)) or 0
        rows = session.scalars(select(Ticket).where(Ticket.master_id == ticket.id)
                               .order_by(Ticket.requested_at, Ticket.id).limit(MAX_LINKED_SHOWN)).all() if total else []
    return {"total": total, "more": total - len(rows),
            "rows": [{"id": d.service_request_id, "href": ticket_path(d.service_request_id),
                      "requested": w3c(d.requested_at), "status": d.status} for d in rows]}
