"""What is wrong with a message, if anything: empty, too long, or nothing readable in it."""

import unicodedata

MAX_MESSAGE_CHARS = 2000
EMPTY, TOO_LONG, UNREADABLE = "empty", "too_long", "unreadable"


def input_problem(text: str | None, max_chars: int = MAX_MESSAGE_CHARS) -> str | None:
    """``empty``, ``too_long``, ``unreadable`` (no letter, digit or CJK character), or None."""
    if text is None or not text.strip():
        return EMPTY
    if len(text) > max_chars:
        return TOO_LONG
    readable = any(unicodedata.category(ch)[0] in ("L", "N") and ch != "\ufffd" for ch in text)
    return None if readable else UNREADABLE
