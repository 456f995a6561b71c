"""A policy question outside a form: its answer, or, asked again right after that answer, the way on.

A resident who asks the same question again after "Did that answer your question?" (in other words or the
same) says the answer did not help: sending the same text again would go round in circles, so the assistant
says it has nothing more on this here, and the rules offer an appeal (slot ``faq_repeated``). Said once more
instead of answering that offer, it is taken as the appeal (the rules start it, the words as its description).
Asked again in another language, it asks for the answer in that language, and gets it.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.repair import language_before_message
from actions.repeat import bot_turns

ASKED_IF_IT_HELPED = "utter_did_that_help"
SAID_ALREADY, OFFERED_APPEAL = "msg_answer_already_given", "utter_offer_appeal_after_faq"
REPEATED = "faq_repeated"


def chosen_answer(message: dict[str, Any]) -> str | None:
    """The answer's response name (``utter_faq/<topic>``) the FAQ selector chose for ``message``."""
    selector = ((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    name = selector.get("utter_action")
    return str(name) if name else None


def answered_before(events: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """The responses of the bot's two turns before the latest message: (the one before last, the last)."""
    turns = [[str((e.get("metadata") or {}).get("utter_action") or "") for e in turn] for turn in bot_turns(events, 2)]
    padded = [[], [], *turns]
    return padded[-2], padded[-1]


def switched_language(tracker: Tracker) -> bool:
    """Whether the latest message changed the conversation's language."""
    before = language_before_message(tracker)
    return before is not None and before != tracker.get_slot("language")


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        answer = chosen_answer(tracker.latest_message or {})
        # (the same question in another language asks for the answer in that language: answered)
        if answer and not switched_language(tracker):
            earlier, last = answered_before(tracker.events)
            if last[-2:] == [answer, ASKED_IF_IT_HELPED]:
                dispatcher.utter_message(response=SAID_ALREADY)
                return [SlotSet(REPEATED, True)]
            if last[-2:] == [SAID_ALREADY, OFFERED_APPEAL] and earlier[-2:] == [answer, ASKED_IF_IT_HELPED]:
                return [SlotSet(REPEATED, True)]  # the rules start the appeal
        dispatcher.utter_message(response=answer or "utter_ask_question_prompt")
        return [SlotSet(REPEATED, False)]
