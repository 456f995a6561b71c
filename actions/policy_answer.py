"""A policy question outside a form: its answer, or, asked again right after that answer, the way on.

A resident who asks the same question again after "Did that answer your question?" (in other words or the
same) says the answer did not help: sending the same text again would go round in circles, so the assistant
says it has nothing more on this here, and the rules offer an appeal (slot ``faq_repeated``).
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.repeat import last_bot_turn

ASKED_IF_IT_HELPED = "utter_did_that_help"
REPEATED = "faq_repeated"


def chosen_answer(message: dict[str, Any]) -> str | None:
    """The answer's response name (``utter_faq/<topic>``) the FAQ selector chose for ``message``."""
    selector = ((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    name = selector.get("utter_action")
    return str(name) if name else None


def answered_just_before(events: list[dict[str, Any]]) -> list[str]:
    """The responses of the bot's turn before the latest message."""
    return [str((e.get("metadata") or {}).get("utter_action") or "") for e in last_bot_turn(events)]


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        answer = chosen_answer(tracker.latest_message or {})
        before = answered_just_before(tracker.events)
        if answer and before[-2:] == [answer, ASKED_IF_IT_HELPED]:
            dispatcher.utter_message(response="msg_answer_already_given")
            return [SlotSet(REPEATED, True)]
        dispatcher.utter_message(response=answer or "utter_ask_question_prompt")
        return [SlotSet(REPEATED, False)]
