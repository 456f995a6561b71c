"""Starting, cancelling and filing appeals; announcing appeals the outbox filed later."""

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import deps
from actions.appeal_outbox import QueuedAppeal
from actions.categories import local_taxonomy
from actions.conversation import (
    APPEAL_SLOTS,
    appeal_key,
    is_descriptive,
    language_of,
    latest_entity,
    latest_intent,
    names_only_a_topic,
    readable_time,
    resident_of,
    shared_location,
    text_of_last_intent,
    written_language,
)
from actions.fallback import TAKEN_AS_APPEAL
from actions.hotline_client import FiledTicket, HotlineRejected, HotlineUnavailable
from actions.me_too import offer_same_case
from actions.other_language import note_other_language

log = logging.getLogger(__name__)
MEDIA_URL = re.compile(r"^https?://\S{1,990}$")  # what the backend accepts as Open311 media_url


def reset_appeal() -> list[EventType]:
    return [SlotSet(name, None) for name in APPEAL_SLOTS]


def category_department(service_code: str, language: str) -> str:
    """The department that handles ``service_code`` in the taxonomy, in ``language`` ("" when unknown)."""
    taxonomy = local_taxonomy()
    category = next((c for c in taxonomy.leaves if c.code == service_code), None)
    names = taxonomy.departments.get(category.department) if category else None
    return str(names.get(language) or names.get("zh") or "") if names else ""


class ActionStartAppeal(Action):
    """Clears any old appeal and keeps what the resident already told us (text, place or photo)."""

    def name(self) -> str:
        return "action_start_appeal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = reset_appeal()
        intent = latest_intent(tracker)
        text = str((tracker.latest_message or {}).get("text") or "")
        shared = shared_location(tracker)
        events += note_other_language(dispatcher, tracker)
        taken_as_appeal = bool(tracker.get_slot(TAKEN_AS_APPEAL))  # an account not understood twice
        events.append(SlotSet(TAKEN_AS_APPEAL, None))
        if (intent == "report_problem" or taken_as_appeal) and is_descriptive(text) and not names_only_a_topic(text):
            events.append(SlotSet("appeal_description", text))
            events.append(SlotSet("appeal_written_language", written_language(tracker)))
        elif intent == "inform_location":
            events.append(SlotSet("appeal_location", text))
        elif shared:
            events += [SlotSet("appeal_location", shared[2]), SlotSet("appeal_latitude", shared[0]),
                       SlotSet("appeal_longitude", shared[1])]
        elif intent == "share_media" and latest_entity(tracker, "media_url"):
            events.append(SlotSet("appeal_media_url", str(latest_entity(tracker, "media_url"))))
            dispatcher.utter_message(response="utter_media_attached")
        elif intent in ("affirm", "faq"):  # "yes, file an appeal" after an answer that did not help, or the
            question = text_of_last_intent(tracker, "faq")  # same question said again instead
            if question:
                events.append(SlotSet("appeal_description", question))
        return events


def appeal_fields(tracker: Tracker) -> dict[str, str]:
    """The Open311 fields of the appeal in the slots."""
    channel, user_id = resident_of(tracker)
    fields = {
        "service_code": tracker.get_slot("appeal_category") or "",
        "description": tracker.get_slot("appeal_description") or "",
        "address_string": tracker.get_slot("appeal_location") or "",
        "language": tracker.get_slot("appeal_written_language") or language_of(tracker),
        "channel": channel,
        "channel_user_id": user_id,
    }
    for code, value in (tracker.get_slot("appeal_attributes") or {}).items():
        fields[f"attribute[{code}]"] = str(value)
    if tracker.get_slot("contact_consent") and tracker.get_slot("contact_phone"):
        fields["phone"] = str(tracker.get_slot("contact_phone"))
    latitude, longitude = tracker.get_slot("appeal_latitude"), tracker.get_slot("appeal_longitude")
    if latitude is not None and longitude is not None:
        fields["lat"], fields["long"] = f"{float(latitude):.6f}", f"{float(longitude):.6f}"
    media_url = tracker.get_slot("appeal_media_url")
    if media_url and MEDIA_URL.match(str(media_url)):
        fields["media_url"] = str(media_url)
    return fields


async def file_or_queue(dispatcher: CollectingDispatcher, tracker: Tracker, fields: dict[str, str], key: str,
                        *, filed_response: str = "msg_ticket_filed") -> FiledTicket | None:
    """File the appeal; if the backend is down, queue it durably and tell the resident so."""
    language = fields["language"]
    try:
        ticket = await deps.hotline().file_request(fields, idempotency_key=key)
    except HotlineUnavailable as exc:
        outbox = deps.appeal_outbox()
        queued = QueuedAppeal(idempotency_key=key, fields=fields, sender_id=tracker.sender_id,
                              output_channel=tracker.get_latest_input_channel() or "rest", language=language)
        try:
            if outbox is None:
                raise RuntimeError("no REDIS_URL: the appeal outbox is not available")
            await outbox.put(queued)
        except Exception:  # Redis down too: say so honestly; the resident can confirm again later
            log.exception("could not queue appeal %s after backend failure %s", key, exc)
            dispatcher.utter_message(response="msg_backend_error")
            return None
        log.warning("backend unavailable, appeal %s queued: %s", key, exc)
        dispatcher.utter_message(response="msg_ticket_queued", reference=queued.reference)
        return None
    except HotlineRejected as exc:
        log.error("backend refused appeal %s: %s", key, exc)
        dispatcher.utter_message(response="msg_backend_error")
        return None
    try:
        department = await deps.hotline().department_of(ticket.service_request_id, language) or ""
    except (HotlineUnavailable, HotlineRejected):
        department = ""
    # A private ticket (labour, residence) is not on the public record: its category names the department.
    department = department or category_department(fields.get("service_code", ""), language)
    dispatcher.utter_message(response=filed_response, ticket_id=ticket.service_request_id,
                             department=department, expected=readable_time(ticket.expected_datetime))
    return ticket


class ActionFileTicket(Action):
    """Files the confirmed appeal with an Idempotency-Key from the conversation and the appeal."""

    def name(self) -> str:
        return "action_file_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("appeal_confirmed") is not True:
            return []
        fields = appeal_fields(tracker)
        ticket = await file_or_queue(dispatcher, tracker, fields, appeal_key(tracker))
        if ticket is None:
            return reset_appeal()
        # Filed: is it the same problem as an open ticket? The resident may join it ("me too").
        return [*reset_appeal(), *await offer_same_case(dispatcher, tracker, ticket.service_request_id,
                                                        language_of(tracker))]


class ActionAnnounceQueuedTicket(Action):
    """Triggered by the outbox worker (EXTERNAL_appeal_filed) once a queued appeal is filed."""

    def name(self) -> str:
        return "action_announce_queued_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ticket_id: Any = latest_entity(tracker, "ticket_id")
        if ticket_id:
            dispatcher.utter_message(response="msg_queued_ticket_filed", ticket_id=ticket_id,
                                     reference=latest_entity(tracker, "reference") or "")
        return []
