"""Checks of free-text answers that several forms share; a bad answer gets a helpful message."""

from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import is_phone_number, phone_in_text

MAX_DESCRIPTION = 2000  # characters of a problem's description, on any appeal the assistant files


def is_payload(text: str) -> bool:
    """``/intent{...}``: a button pressed (perhaps an old one), not words typed as an answer."""
    return text.startswith("/")


def checked_text(value: object, dispatcher: CollectingDispatcher, *, max_chars: int, min_chars: int = 2) -> str | None:
    """The trimmed answer, or None (and a message saying why) when it is empty, too short or too long.

    A button's payload is no answer to a free-text question: None, and the question is asked again.
    """
    text = str(value or "").strip()
    if is_payload(text):
        return None
    if len(text) < min_chars or len(text) > max_chars:
        dispatcher.utter_message(response="msg_bad_input_too_long" if text else "msg_bad_input_empty",
                                 max_chars=max_chars)
        return None
    return text


def checked_phone(value: object, dispatcher: CollectingDispatcher) -> str | None:
    """The phone number, or None (and a message) when it does not look like one."""
    text = str(value or "").strip()
    if is_phone_number(text):
        return text
    found = phone_in_text(text)  # "13910572286，中午打最好": the number, the rest is talk
    if found is None:
        dispatcher.utter_message(response="msg_invalid_phone")
    return found
