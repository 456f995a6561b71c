"""Bot messages as WeChat text: numbered buttons, 2,048-byte pieces, template fields.

WeChat text messages (passive replies and customer-service messages) hold at most 2,048 bytes
of UTF-8. Long texts are split after a sentence end (。！？.!? or a line break); a sentence longer
than the limit is cut at a character boundary. Several bot messages of one turn are packed into
as few pieces as fit, separated by a blank line, so a turn usually arrives as one message.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from channels.kit import text_pieces

MAX_TEXT_BYTES = 2048
TEMPLATE_FIELD_CHARS = 20  # a template message's "thing" field: at most 20 characters
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def render_buttons(text: str, buttons: Sequence[dict[str, Any]], first_number: int = 1) -> tuple[str, list[str]]:
    """The text followed by one ``N. title`` line per button, and the buttons' payloads in order."""
    lines, payloads = [text.rstrip()] if text.strip() else [], []
    for number, button in enumerate(buttons, start=first_number):
        title = str(button.get("title") or button.get("payload") or "").strip()
        lines.append(f"{number}. {title}")
        payloads.append(str(button.get("payload") or title))
    return "\n".join(lines), payloads


def button_number(text: str) -> int | None:
    """The number a resident typed to answer numbered options ("2", "２", "2."), else None."""
    cleaned = text.strip().translate(_FULL_WIDTH_DIGITS).rstrip(".、。")
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 3 else None


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Pieces of at most ``limit`` UTF-8 bytes, broken after sentence ends where possible."""
    return text_pieces.split_text(text, limit, utf8_len)


def pack(texts: Iterable[str], limit: int = MAX_TEXT_BYTES, separator: str = "\n\n") -> list[str]:
    """Split each text, then join consecutive pieces while they fit in one message."""
    return text_pieces.pack(texts, limit, utf8_len, separator)


def shorten(text: str, limit: int = TEMPLATE_FIELD_CHARS) -> str:
    """One line of at most ``limit`` characters, with an ellipsis when cut."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
