"""Residents writing in a language we do not serve (Korean, Russian, ...): told once, in English,
that we answer in English and that an appeal keeps their own words for a colleague who reads them."""

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import written_language


def note_other_language(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The note, the first time this conversation has a message in an unserved language."""
    if written_language(tracker) is None or tracker.get_slot("other_language_noted"):
        return []
    dispatcher.utter_message(response="msg_other_language_note")
    return [SlotSet("other_language_noted", True)]
