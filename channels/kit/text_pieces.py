"""Long bot texts in pieces a platform accepts: split after sentence ends, packed while they fit.

Each platform measures its limit its own way (WeChat: UTF-8 bytes; Telegram: UTF-16 code
units), so the measure is a parameter. A sentence longer than the limit is cut at character
boundaries.
"""

import re
from collections.abc import Callable, Iterable

Measure = Callable[[str], int]
_SENTENCE = re.compile(r"(?<=[。！？!?；;…\n])|(?<=\.)(?=\s)")


def _cut(text: str, limit: int, measure: Measure) -> list[str]:
    """Cut a sentence longer than ``limit`` at character boundaries."""
    pieces, current = [], ""
    for char in text:
        if measure(current + char) > limit:
            pieces.append(current)
            current = ""
        current += char
    return pieces + ([current] if current else [])


def split_text(text: str, limit: int, measure: Measure) -> list[str]:
    """Pieces of at most ``limit`` (as ``measure`` counts), broken after sentence ends where possible."""
    text = text.strip()
    if measure(text) <= limit:
        return [text] if text else []
    pieces, current = [], ""
    for sentence in (s for s in _SENTENCE.split(text) if s):
        if measure(current + sentence) <= limit:
            current += sentence
            continue
        if current.strip():
            pieces.append(current.strip())
        if measure(sentence) > limit:
            *whole, current = _cut(sentence, limit, measure)
            pieces.extend(p for p in whole if p.strip())
        else:
            current = sentence
    if current.strip():
        pieces.append(current.strip())
    return pieces


def pack(texts: Iterable[str], limit: int, measure: Measure, separator: str = "\n\n") -> list[str]:
    """Split each text, then join consecutive pieces while they fit in one message."""
    packed: list[str] = []
    for piece in (p for text in texts for p in split_text(text, limit, measure)):
        if packed and measure(packed[-1] + separator + piece) <= limit:
            packed[-1] += separator + piece
        else:
            packed.append(piece)
    return packed
