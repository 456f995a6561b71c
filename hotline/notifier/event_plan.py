"""Which events a resident hears about, and what the bot is told to say.

A stream entry becomes one of three plans: ``Notify`` (ask Rasa to speak), ``CancelReminder``
(the resident rated: no survey reminder) or ``Skip`` (nothing to say, with the reason).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.taxonomy import Names
from hotline.domain.events import CAUSE_RATING, TICKET_RATED, TICKET_STATUS_CHANGED

UPDATE_INTENT = "EXTERNAL_ticket_update"
REMINDER_INTENT = "EXTERNAL_survey_reminder"
NOTIFIED_STATUSES = frozenset({"accepted", "resolved", "closed", "reopened"})
SURVEY_STATUSES = frozenset({"resolved"})
# ticket.channel (as the backend stores it) -> the Rasa output channel that can push to it
OUTPUT_CHANNELS: Mapping[str, str] = {"webchat": "socketio", "telegram": "telegram", "wechat": "wechat"}


@dataclass(frozen=True)
class Event:
    """One ``hotline:events`` entry as the outbox relay wrote it."""

    entry_id: str
    event_id: str
    event_type: str
    payload: dict[str, Any]

    @classmethod
    def from_fields(cls, entry_id: str, fields: Mapping[str, str]) -> "Event":
        """Raises ValueError (or KeyError) when the entry is not one the relay wrote."""
        payload = json.loads(fields["payload"])
        if not isinstance(payload, dict):
            raise ValueError("payload is not an object")
        return cls(entry_id, fields["event_id"], fields["event_type"], payload)

    @property
    def ticket_id(self) -> str:
        return str(self.payload.get("service_request_id", ""))


@dataclass(frozen=True)
class Notify:
    sender_id: str
    output_channel: str
    language: str
    entities: dict[str, Any] = field(default_factory=dict)

    @property
    def survey(self) -> bool:
        return bool(self.entities.get("survey"))

    @property
    def ends_survey(self) -> bool:
        """Reopened by staff: the resolution the survey asked about no longer stands."""
        return self.entities.get("status") == "reopened"


@dataclass(frozen=True)
class CancelReminder:
    ticket_id: str


@dataclass(frozen=True)
class Skip:
    reason: str


Plan = Notify | CancelReminder | Skip


def plan(event: Event, departments: Mapping[str, Names]) -> Plan:
    """What to do with ``event``; ``departments`` are the taxonomy's department names."""
    p = event.payload
    if event.event_type == TICKET_RATED:
        return CancelReminder(event.ticket_id)
    if event.event_type != TICKET_STATUS_CHANGED:
        return Skip(f"not a status change ({event.event_type})")
    status = str(p.get("status", ""))
    if status not in NOTIFIED_STATUSES:
        return Skip(f"status {status!r} is not announced")
    if p.get("cause") == CAUSE_RATING:
        return Skip("the resident's own rating caused it; the bot has told them")
    channel, user = p.get("channel") or "", p.get("channel_user_id") or ""
    if channel not in OUTPUT_CHANNELS or not user:
        return Skip(f"channel {channel or 'none'!r} cannot be pushed to")
    language = str(p.get("language") or "zh")
    names = departments.get(str(p.get("department", "")), {})
    note_language = str(p.get("note_language") or "") if p.get("note") else ""
    return Notify(sender_id=str(user), output_channel=OUTPUT_CHANNELS[channel], language=language, entities={
        "event_id": event.event_id,
        "ticket_id": event.ticket_id,
        "status": status,
        "department": names.get(language) or names.get("zh") or str(p.get("department", "")),
        "note": str(p.get("note") or ""),
        "note_language": note_language,
        "note_translated": "",
        "survey": status in SURVEY_STATUSES,
    })


def reminder_entities(reminder_id: str, ticket_id: str, expires_at: str) -> dict[str, Any]:
    return {"event_id": reminder_id, "ticket_id": ticket_id, "expires_at": expires_at}
