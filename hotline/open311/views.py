"""Public Open311 representations. Nothing personal: no channel ids, no contact fields, free text
redacted (``bot.redact``: phone, ID and passport numbers, e-mail addresses, names, rooms), the
address no finer than the building, coordinates on a grid of about 100 m
(``hotline.domain.privacy``), and media only through a signed, expiring link
(``hotline.open311.media``). Which tickets are public at all is decided by the query."""

from datetime import datetime, timedelta, timezone
from typing import Any

from bot.gazetteer import Gazetteer
from bot.redact import name_variants, redact
from bot.taxonomy import Category, Taxonomy
from hotline.domain.models import Status, Ticket, TicketUpdate
from hotline.domain.privacy import coarse
from hotline.domain.queries import OPEN311_CLOSED

BEIJING = timezone(timedelta(hours=8))
# Our lifecycle in FixMyStreet's extended states (GeoReport v2's own status stays open/closed). An update can
# say more than its status: re-dispatched (INTERNAL_REFERRAL), ACTION_SCHEDULED, DUPLICATE, NOT_RESPONSIBLE
# (``TicketUpdate.public_state``).
FMS_STATUS = {
    Status.OPEN: "OPEN", Status.ACCEPTED: "INVESTIGATING", Status.IN_PROGRESS: "IN_PROGRESS",
    Status.RESOLVED: "FIXED", Status.CLOSED: "CLOSED", Status.REOPENED: "OPEN",
}


def w3c(moment: datetime | None) -> str | None:
    """ISO 8601 with an offset, in Beijing time."""
    return moment.astimezone(BEIJING).isoformat(timespec="seconds") if moment else None


def open311_status(status: str) -> str:
    return "closed" if status in OPEN311_CLOSED else "open"


def service_view(category: Category, taxonomy: Taxonomy, lang: str) -> dict[str, Any]:
    group = taxonomy.categories[category.top]
    return {
        "service_code": category.code,
        "service_name": category.name[lang],
        "description": category.description[lang],
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": list(category.keywords.get(lang, ())),
        "group": group.name[lang],
    }


def definition_view(category: Category, lang: str) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": attr.code,
                "datatype": attr.datatype,
                "required": attr.required,
                "datatype_description": None,
                "order": attr.order,
                "description": attr.description[lang],
                **({"values": [{"key": v.key, "name": v.name[lang]} for v in attr.values]} if attr.values else {}),
            }
            for attr in sorted(category.attributes, key=lambda a: a.order)
        ],
    }


def request_view(ticket: Ticket, taxonomy: Taxonomy, gazetteer: Gazetteer, lang: str,
                 status_notes: str | None = None, media_link: str | None = None) -> dict[str, Any]:
    """The public form of ``ticket``; ``media_link`` is its signed media link, if it has media."""
    category = taxonomy.categories.get(ticket.service_code)
    department = taxonomy.departments.get(ticket.department, {})
    district = gazetteer.districts.get(ticket.district_code or "")
    subdistrict = gazetteer.subdistricts.get(ticket.subdistrict_code or "")
    name_key = "name_zh" if lang == "zh" else "name_en"
    names = name_variants(ticket.first_name, ticket.last_name)
    return {
        "service_request_id": ticket.service_request_id,
        "status": open311_status(ticket.status),
        "status_notes": redact(status_notes, names) if status_notes else None,
        "service_name": category.name[lang] if category else ticket.service_code,
        "service_code": ticket.service_code,
        "description": redact(ticket.description, names),
        "agency_responsible": department.get(lang, ticket.department),
        "service_notice": None,
        "requested_datetime": w3c(ticket.requested_at),
        "updated_datetime": w3c(ticket.updated_at),
        "expected_datetime": w3c(ticket.resolution_due),
        "address": redact(ticket.address_string, names) if ticket.address_string else None,
        "address_id": None,
        "zipcode": None,
        "lat": coarse(ticket.lat),
        "long": coarse(ticket.long),
        "media_url": media_link,
        # Extensions: our detailed lifecycle state and the routing result.
        "detailed_status": ticket.status,
        "priority": ticket.priority,
        "district": getattr(district, name_key) if district else None,
        "subdistrict": getattr(subdistrict, name_key) if subdistrict else None,
    }


def update_view(update: TicketUpdate, service_request_id: str) -> dict[str, Any]:
    return {
        "update_id": str(update.id),
        "service_request_id": service_request_id,
        "status": update.public_state or FMS_STATUS[Status(update.status)],
        "updated_datetime": w3c(update.created_at),
        "description": redact(update.note),
        "media_url": None,
        "external_status_code": update.status,
    }
