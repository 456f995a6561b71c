"""Where an urgent report is, asked after the emergency numbers: a form of one optional question.

The emergency action names 110/119/120/122 first and files the report at once, before anyone asked where it is.
When its text named no place of the city, this form asks (once, and it can be declined: the resident may be
busy getting to safety); the answer goes to the ticket (hotline/api/urgent_place.py) so the follow-up unit can
find it. Anything else the resident writes is handled as usual (actions/repair.py): a new emergency is an
emergency, "no"/"cancel" ends the question.
"""

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import deps
from actions.answers import is_payload
from actions.appeal_form import known_place
from actions.conversation import resident_of
from actions.repair import EXPLAINED, REQUESTED_SLOT, AskQuestion, Kind, Question, RepairingFormValidation
from bot.errors import HotlineError
from bot.repair import is_question, looks_like_place
from bot.short_replies import is_bare_reply

log = logging.getLogger(__name__)
TICKET_SLOT, PLACE_SLOT = "urgent_ticket", "urgent_place"
MAX_PLACE = 500


def needs_place(text: str, location: str | None) -> bool:
    """Whether an emergency report says nowhere where it is (no place given, none of the city's in its text)."""
    return not location and known_place(text) is None


class ValidateUrgentPlaceForm(RepairingFormValidation):
    QUESTIONS = {PLACE_SLOT: Question(Kind.PLACE, optional=True)}

    def name(self) -> str:
        return "validate_urgent_place_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return [PLACE_SLOT] if tracker.get_slot(TICKET_SLOT) else []

    async def validate_urgent_place(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip()
        if is_payload(text):
            return {PLACE_SLOT: None}
        if not text or len(text) > MAX_PLACE or is_bare_reply(text) or (
                known_place(text) is None and (is_question(text) or not looks_like_place(text))):
            dispatcher.utter_message(response="msg_not_a_place")
            return {PLACE_SLOT: None, EXPLAINED: PLACE_SLOT}
        ticket = str(tracker.get_slot(TICKET_SLOT))
        try:
            await deps.hotline().add_place(ticket, resident=resident_of(tracker), place=text)
        except HotlineError as exc:  # the report stands; an operator sees it without a place
            log.warning("place of urgent report %s not added: %s", ticket, exc)
            dispatcher.utter_message(response="msg_urgent_place_not_added", ticket_id=ticket)
        else:
            dispatcher.utter_message(response="msg_urgent_place_added", ticket_id=ticket)
        return {PLACE_SLOT: text, TICKET_SLOT: None}

    async def skip(self, requested: str, question: Question, dispatcher: CollectingDispatcher, tracker: Tracker,
                   domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="msg_urgent_place_skipped")
        return [SlotSet(TICKET_SLOT, None), SlotSet(PLACE_SLOT, None), SlotSet(REQUESTED_SLOT, None)]

    async def cancel(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await self.skip(PLACE_SLOT, self.QUESTIONS[PLACE_SLOT], dispatcher, tracker, domain)


class AskUrgentPlace(AskQuestion):
    SLOT = PLACE_SLOT
    RESPONSE = "msg_ask_urgent_place"

    def name(self) -> str:
        return "action_ask_urgent_place"
