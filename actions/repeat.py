"""'Say that again': the bot's last turn, sent once more (outside forms; inside, the form asks again)."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

MAX_REPEATED = 5


def last_bot_turn(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bot messages between the resident's last two messages (the turn before "say that again")."""
    users_seen, said = 0, []
    for event in reversed(events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                break
        elif event.get("event") == "bot" and users_seen == 1:
            said.append(event)
    return list(reversed(said))[-MAX_REPEATED:]


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
