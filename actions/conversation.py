"""Facts about the conversation that several actions need: language, resident, appeal key."""

import hashlib
import re
from typing import Any

from rasa_sdk import Tracker

from bot.lang import Lang

# Rasa input channel names -> the channel names the backend stores.
CHANNELS = {"socketio": "webchat", "rest": "rest", "telegram": "telegram", "wechat": "wechat", "webchat": "webchat"}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
APPEAL_SLOTS = ("appeal_description", "appeal_location", "appeal_category", "appeal_attribute",
                "appeal_attributes", "category_options", "contact_consent", "contact_phone",
                "appeal_confirmed", "correction_field")


def language_of(tracker: Tracker) -> str:
    return Lang.parse(tracker.get_slot("language"), default=Lang.ZH).value


def resident_of(tracker: Tracker) -> tuple[str, str]:
    """(channel, channel user id): who this conversation belongs to, as the backend knows them."""
    channel = tracker.get_latest_input_channel() or "rest"
    return CHANNELS.get(channel, channel), tracker.sender_id


def appeal_key(tracker: Tracker) -> str:
    """An Idempotency-Key for the current appeal: the conversation plus when its form started.

    Filing the same appeal twice (a retry, the outbox) sends the same key; a new appeal in the
    same conversation starts the form again and so gets a new key.
    """
    started = next(
        (e.get("timestamp") for e in reversed(tracker.events)
         if e.get("event") == "active_loop" and e.get("name") == "appeal_form"),
        None,
    )
    digest = hashlib.sha256(f"{tracker.sender_id}|{started}".encode()).hexdigest()
    return f"assistant:{digest[:32]}"


def is_descriptive(text: str) -> bool:
    """Whether a message says what happened, not just "I want to complain"."""
    cjk = len(_CJK.findall(text))
    words = len(re.findall(r"[A-Za-z]+", text))
    return cjk >= 8 or words >= 6


def latest_entity(tracker: Tracker, name: str) -> Any:
    return next(tracker.get_latest_entity_values(name), None)


def text_of_last_intent(tracker: Tracker, intent: str) -> str | None:
    """The text of the most recent user message with ``intent``."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and (event.get("parse_data") or {}).get("intent", {}).get("name") == intent:
            return str(event.get("text") or "") or None
    return None
