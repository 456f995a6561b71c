"""A call-back from a human operator: what it is about and the number to call, filed as a ticket.

The request lands in the operators' queue as an ``operator_callback`` ticket (the 12345 hotline
centre, answered within hours), so it is tracked, never lost while the backend is down (the same
outbox as appeals), and filed once per request.
"""

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import checked_phone, checked_text
from actions.conversation import appeal_key, is_descriptive, language_of, resident_of
from actions.filing import file_or_queue

CALLBACK_CATEGORY = "operator_callback"
CALLBACK_SLOTS = ("callback_topic", "callback_phone")
MAX_TOPIC = 2000
# Messages that say nothing about the resident's matter.
NOT_A_TOPIC = {"request_human", "greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "switch_language",
               "bad_input", "cancel", "share_location", "share_media", "unsupported_message", "ask_question"}
CONTEXT_MESSAGES = 3


def recent_topic(tracker: Tracker) -> str | None:
    """What the resident wrote before asking for a human: up to three recent messages with content."""
    texts: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "session_started" or len(texts) == CONTEXT_MESSAGES:
            break
        if event.get("event") != "user":
            continue
        text = str(event.get("text") or "").strip()
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if not text or text.startswith("/"):
            continue
        if intent in NOT_A_TOPIC and not (intent == "request_human" and is_descriptive(text)):
            continue
        texts.append(text)
    topic = " / ".join(reversed(texts))[:MAX_TOPIC]
    return topic or None


class ActionStartCallback(Action):
    """Starts the call-back form with the conversation so far as its topic, when there is one."""

    def name(self) -> str:
        return "action_start_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return [SlotSet("callback_topic", recent_topic(tracker)), SlotSet("callback_phone", None)]


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    def validate_callback_topic(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        return {"callback_topic": checked_text(value, dispatcher, max_chars=MAX_TOPIC)}

    def validate_callback_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        return {"callback_phone": checked_phone(value, dispatcher)}


class ActionFileCallback(Action):
    """Files the call-back request; the resident gets its number and when to expect the call."""

    def name(self) -> str:
        return "action_file_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        topic, phone = tracker.get_slot("callback_topic"), tracker.get_slot("callback_phone")
        if not topic or not phone:
            return []
        channel, user_id = resident_of(tracker)
        fields = {"service_code": CALLBACK_CATEGORY, "description": str(topic), "phone": str(phone),
                  "language": language_of(tracker), "channel": channel, "channel_user_id": user_id}
        await file_or_queue(dispatcher, tracker, fields, appeal_key(tracker, form="callback_form"),
                            filed_response="msg_callback_filed")
        return [SlotSet(name, None) for name in CALLBACK_SLOTS]
