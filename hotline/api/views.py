"""Staff representations of tickets: full for operators and admins, de-identified for analysts.

Analysts get what the public record shows of a ticket (redacted text, the address no finer than
the building, coordinates on the ~100 m grid, no media) for every ticket, private ones included,
and the same redaction on every other free-text field: translation, notes, ratings, attributes.
"""

from typing import Any

from bot.redact import name_variants, redact
from hotline.deps import Backend
from hotline.dispatch.links import master_service_request_id
from hotline.domain.models import Ticket
from hotline.domain.staff import Principal
from hotline.open311.views import request_view, w3c

PERSONAL_FIELDS = ("channel", "channel_user_id", "email", "phone", "first_name", "last_name", "device_id", "account_id")


def ticket_summary(ticket: Ticket, backend: Backend, principal: Principal, lang: str = "zh") -> dict[str, Any]:
    view = request_view(ticket, backend.taxonomy, backend.gazetteer, lang)
    view.update(
        department=ticket.department,
        district_code=ticket.district_code,
        subdistrict_code=ticket.subdistrict_code,
        language=ticket.language,
        source_language=ticket.source_language,
        machine_translated=ticket.machine_translated,
        needs_multilingual_operator=ticket.needs_multilingual_operator,
        response_due=w3c(ticket.response_due),
        resolution_due=w3c(ticket.resolution_due),
        priority=ticket.priority,
        dispatch_state=ticket.dispatch_state,
        lead_unit=ticket.lead_unit,
        dispatched_at=w3c(ticket.dispatched_at),
        accepted_at=w3c(ticket.accepted_at),
        escalation_level=ticket.escalation_level,  # 0 none, 1 a deadline due soon, 2 a deadline passed
        danger_kind=ticket.danger_kind,  # urgent tickets: fire, gas, violence, medical, traffic, flooding, entrapment
        referred_to=ticket.referred_to,  # the emergency number the resident was given
    )
    if principal.sees_personal_data:
        view.update(description=ticket.description, address=ticket.address_string, lat=ticket.lat,
                    long=ticket.long, media_url=ticket.media_url)
    return view


def ticket_detail(ticket: Ticket, backend: Backend, principal: Principal, lang: str = "zh") -> dict[str, Any]:
    view = ticket_summary(ticket, backend, principal, lang)
    show = principal.sees_personal_data
    names = name_variants(ticket.first_name, ticket.last_name)

    def text(value: str) -> str:
        return value if show else redact(value, names)

    view["original_text"] = text(ticket.description)
    view["translation"] = text(ticket.translation) if ticket.translation else None
    view["translation_language"] = ticket.translation_language
    view["translated_at"] = w3c(ticket.translated_at)
    view["attributes"] = {code: text(value) if isinstance(value, str) else [text(v) for v in value]
                          for code, value in ticket.attributes.items()}
    view["contact"] = {f: getattr(ticket, f) for f in PERSONAL_FIELDS} if show else None
    view["timeline"] = [
        {"status": u.status, "note": text(u.note), "note_language": u.note_language,
         "actor": u.actor, "at": w3c(u.created_at)}
        for u in ticket.updates
    ]
    view["duplicate_of"] = master_service_request_id(backend.db, ticket)
    view["assignments"] = [
        {"unit": a.unit, "role": a.role, "state": a.state, "dispatched_at": w3c(a.dispatched_at),
         "dispatched_by": a.dispatched_by, "decided_at": w3c(a.decided_at), "decided_by": a.decided_by,
         "return_reason": a.return_reason}
        for a in ticket.assignments
    ]
    view["satisfaction"] = [
        {"resolved": s.resolved, "rating": s.rating, "comment": text(s.comment), "at": w3c(s.created_at)}
        for s in ticket.satisfaction
    ]
    return view

