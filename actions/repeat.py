"""'Say that again': the bot's last turn, sent once more (outside forms; inside, the form asks again)."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

MAX_REPEATED = 5


def bot_turns(events: list[dict[str, Any]], count: int) -> list[list[dict[str, Any]]]:
    """The bot messages of the last ``count`` turns before the resident's latest message, the latest turn last
    (fewer when the conversation has fewer). Walks back from the end only as far as it needs to."""
    turns: list[list[dict[str, Any]]] = []
    for event in reversed(events):
        if event.get("event") == "user":
            if len(turns) == count:
                break
            turns.append([])
        elif event.get("event") == "bot" and turns:
            turns[-1].insert(0, event)
    return list(reversed(turns))


def last_bot_turn(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bot messages between the resident's last two messages (the turn before "say that again")."""
    turns = bot_turns(events, 1)
    return turns[-1][-MAX_REPEATED:] if turns else []


class ActionRepeatLast(Action):
    def name(self) -> str:
        return "action_repeat_last"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        said = last_bot_turn(tracker.events)
        if not said:
            dispatcher.utter_message(response="utter_what_else")
            return []
        for event in said:
            data = event.get("data") or {}
            dispatcher.utter_message(text=event.get("text") or None, buttons=data.get("buttons") or [],
                                     custom=data.get("custom") or None)
        return []
