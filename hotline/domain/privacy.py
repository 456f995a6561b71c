"""What the public record leaves out, and how coarse what it shows is.

Open311's public reads (``GET /requests``, ``/requests/{id}``, ``/servicerequestupdates``) list
only *public* tickets. A ticket is private when

- its priority is urgent: emergencies, whatever their category (every ``emergency_safety`` leaf,
  gas leaks, burst mains, fights, phone fraud in progress...; ``bot.taxonomy.Category.urgent``);
- or its category is in ``PRIVATE_GROUPS`` or ``PRIVATE_LEAVES`` below: violence and crime
  victims, call-back requests, and personal matters (a person's means, health, papers,
  marriage, or a dispute between identifiable households).

The filter is part of the SQL query (``hotline.domain.queries``), so a page of ``limit`` public
tickets is a full page. Public coordinates are rounded to ``COORDINATE_DECIMALS`` decimals: a
0.001 degree grid, about 111 m north-south and 85 m east-west at Beijing's latitude.
"""

from collections.abc import Mapping

from bot.redact import name_variants, redact
from hotline.domain.models import Ticket
from hotline.domain.routing import URGENT

COORDINATE_DECIMALS = 3

# Groups (taxonomy level 2) whose every leaf is private, with the leaves written out so that the
# database can filter on them; tests/hotline/domain/test_privacy.py checks the lists are complete.
PRIVATE_GROUPS: Mapping[str, tuple[str, ...]] = {
    # a household's means, disability, homelessness, child protection (abuse and neglect)
    "social_assistance": ("minimum_living_allowance", "temporary_assistance", "disability_subsidy",
                          "homeless_assistance", "child_welfare"),
    "marriage_family": ("marriage_registration", "divorce_registration"),
    # a person's hukou, ID card, residence permit, criminal record; passport and visa
    "household_registration": ("hukou_transfer", "residence_permit", "id_card", "criminal_record_certificate"),
    "exit_entry": ("foreigner_visa_extension", "foreigner_accommodation_registration", "exit_entry_documents"),
}

PRIVATE_LEAVES: Mapping[str, str] = {
    "operator_callback": "call-back request: about the caller, not a place",
    "public_disturbance": "violence: fights and threats (urgent as well)",
    "telecom_fraud": "a crime victim's losses (urgent as well)",
    "theft_report": "a crime victim",
    "gambling_report": "an informant",
    "teacher_misconduct": "violence against pupils: corporal punishment, verbal abuse",
    "nursing_home": "care of an identifiable old person, abuse of residents",
    "neighbour_dispute": "two identifiable households; where domestic violence is often first reported",
    "legal_aid": "a person's legal dispute and mediation",
    "medical_dispute": "a patient's health",
    "work_injury": "an injured worker's health",
}

PRIVATE_SERVICE_CODES: frozenset[str] = frozenset(PRIVATE_LEAVES) | frozenset(
    code for leaves in PRIVATE_GROUPS.values() for code in leaves
)


def is_public(ticket: Ticket) -> bool:
    """Whether ``ticket`` belongs in the public record (the same rule as the SQL filter)."""
    return ticket.priority != URGENT and ticket.service_code not in PRIVATE_SERVICE_CODES


def coarse(value: float | None) -> float | None:
    """A coordinate on the public grid (about 100 m)."""
    return None if value is None else round(value, COORDINATE_DECIMALS)


def public_text(ticket: Ticket) -> str:
    """The de-identified text analysts search: description, address and translation, redacted.

    Stored in ``tickets.public_text`` when a ticket is filed and when it is translated.
    """
    return redacted_text(ticket.description, ticket.address_string, ticket.translation,
                         first_name=ticket.first_name, last_name=ticket.last_name)


def redacted_text(*parts: str | None, first_name: str | None, last_name: str | None) -> str:
    """``parts`` redacted (with the resident's names) and joined by newlines; also the 0003 backfill."""
    names = name_variants(first_name, last_name)
    return "\n".join(redact(part, names) for part in parts if part)
