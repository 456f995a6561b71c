"""A call-back from a human operator: what it is about and the number to call, filed as a ticket.

The request lands in the operators' queue as an ``operator_callback`` ticket (the 12345 hotline
centre, answered within hours), so it is tracked, never lost while the backend is down (the same
outbox as appeals), and filed once per request.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import checked_phone, checked_text
from actions.conversation import appeal_key, is_descriptive, language_of, phone_in_text, resident_of
from actions.filing import file_or_queue
from actions.repair import (
    EXPLAINED,
    REQUESTED_SLOT,
    AskQuestion,
    Kind,
    Question,
    RepairingFormValidation,
    Turn,
    ask_again,
)
from bot.short_replies import short_reply

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


class ValidateCallbackForm(RepairingFormValidation):
    """What the call is about and the number to call, with repair first (actions/repair.py)."""

    QUESTIONS = {"callback_topic": Question(Kind.TEXT), "callback_phone": Question(Kind.PHONE)}
    WHY_NEEDED = {"callback_topic": "msg_required_callback_topic", "callback_phone": "msg_required_callback_phone"}
    WAY_OUT = "msg_way_out_callback"

    def name(self) -> str:
        return "validate_callback_form"

    async def before_repair(self, requested: str, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> list[EventType] | None:
        # Asking for a person here: that is what this form does. A number given with it is the answer
        # ("電話は妻にお願いします。13911086732").
        if turn.intent == "request_human" and not (requested == "callback_phone" and phone_in_text(turn.text)):
            dispatcher.utter_message(response="msg_callback_in_progress")
            return [*ask_again(requested), SlotSet(EXPLAINED, requested)]
        return None

    async def give_up(self, requested: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType] | None:
        """Still no number after the way out: the call-back cannot be made, so it stops (never asked forever)."""
        if requested != "callback_phone":
            return await super().give_up(requested, dispatcher, tracker, domain)
        dispatcher.utter_message(response="msg_callback_given_up")
        return [*(SlotSet(name, None) for name in CALLBACK_SLOTS), SlotSet(REQUESTED_SLOT, None)]

    def validate_callback_topic(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        raw = str(value or "").strip()
        if short_reply(raw) is not None:
            dispatcher.utter_message(response="msg_not_a_topic")
            return {"callback_topic": None, EXPLAINED: "callback_topic"}
        topic = checked_text(value, dispatcher, max_chars=MAX_TOPIC)
        return {"callback_topic": topic} if topic else {"callback_topic": None, EXPLAINED: "callback_topic"}

    def validate_callback_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        phone = checked_phone(value, dispatcher)
        return {"callback_phone": phone} if phone else {"callback_phone": None, EXPLAINED: "callback_phone"}


class AskCallbackTopic(AskQuestion):
    SLOT = "callback_topic"

    def name(self) -> str:
        return "action_ask_callback_topic"


class AskCallbackPhone(AskQuestion):
    SLOT = "callback_phone"

    def name(self) -> str:
        return "action_ask_callback_phone"


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
