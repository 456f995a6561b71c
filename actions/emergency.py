"""Emergencies skip the form: the right numbers at once, then an urgent ticket for follow-up."""

import hashlib
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import MAX_DESCRIPTION
from actions.categories import local_taxonomy
from actions.conversation import APPEAL_SLOTS, language_of, resident_of
from actions.filing import file_or_queue
from actions.texts import fragment
from actions.urgent_place import PLACE_SLOT, TICKET_SLOT, needs_place
from bot.dangers import main_danger

EXACT_LOCATION_LIMIT = 200
REPORTER = re.compile(r"[0-9a-f]{32}")  # channels/webchat/sessions.py reporter_digest


def classify(text: str) -> tuple[tuple[str, ...], str]:
    """The numbers to name and the category to log, for an emergency described in ``text``: the most
    life-threatening danger it names decides (bot/dangers.py); none recognised, every number."""
    danger = main_danger(text)
    return (danger.numbers, danger.service_code) if danger else (("all",), "emergency_referred")


def urgent_attributes(service_code: str, text: str) -> dict[str, str]:
    """The category's required questions, answered for an urgent report nobody was asked about: "unknown"
    where it is a choice, the resident's words where it is text (a gas leak asks how widespread, an
    entrapment where exactly)."""
    category = next((c for c in local_taxonomy().leaves if c.code == service_code), None)
    answers: dict[str, str] = {}
    for attribute in category.attributes if category else ():
        if not attribute.required:
            continue
        keys = [value.key for value in attribute.values]
        if keys:
            answers[f"attribute[{attribute.code}]"] = "unknown" if "unknown" in keys else keys[-1]
        else:
            answers[f"attribute[{attribute.code}]"] = text[:EXACT_LOCATION_LIMIT]
    return answers


class ActionHandleEmergency(Action):
    def name(self) -> str:
        return "action_handle_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        text = str((tracker.latest_message or {}).get("text") or "")
        numbers, service_code = classify(text)
        separator = "、" if language != "en" else ", "
        dispatcher.utter_message(response="msg_emergency", numbers=separator.join(
            fragment(f"msg_emergency_numbers_{kind}", language) for kind in numbers))
        channel, user_id = resident_of(tracker)
        # Mid-appeal ("能快点吗？水还在涨呢" at the phone question): what was told before goes on the urgent ticket too.
        told = str(tracker.get_slot("appeal_description") or "").strip()
        description = f"{text}\n{told}"[:MAX_DESCRIPTION] if told and told not in text else text
        fields = {
            "service_code": service_code, "description": description, "language": language,
            "address_string": tracker.get_slot("appeal_location") or text[:500],
            "channel": channel, "channel_user_id": user_id, **urgent_attributes(service_code, text),
        }
        reporter = ((tracker.latest_message or {}).get("metadata") or {}).get("reporter")
        if isinstance(reporter, str) and REPORTER.fullmatch(reporter):
            fields["reporter"] = reporter  # the web chat's network: a flood from one network merges
        message_id = str((tracker.latest_message or {}).get("message_id") or text)
        key = "assistant-emergency:" + hashlib.sha256(f"{tracker.sender_id}|{message_id}".encode()).hexdigest()[:32]
        ticket = await file_or_queue(dispatcher, tracker, fields, key, filed_response="msg_emergency_logged")
        events: list[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None),
                                   *[SlotSet(n, None) for n in APPEAL_SLOTS]]
        if ticket is not None and needs_place(text, tracker.get_slot("appeal_location")):
            # Filed without a place: where is it? (actions/urgent_place.py; the resident may decline.)
            events += [SlotSet(TICKET_SLOT, ticket.service_request_id), SlotSet(PLACE_SLOT, None),
                       FollowupAction("urgent_place_form")]
        return events
