"""Text hygiene for everything a resident or operator types."""

import re
import unicodedata

from bot.errors import InvalidText

# Control characters other than tab and newline have no place in an appeal.
_ALLOWED_CONTROLS = {"\t", "\n"}
# Chinese and Japanese punctuation that NFKC would turn into ASCII; residents' text keeps it.
_KEPT_FULLWIDTH = "！（），：；？"
_KEEP = re.compile(f"[{_KEPT_FULLWIDTH}]")


def nfkc(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), keeping CJK punctuation as written."""
    pieces = _KEEP.split(text)
    kept = _KEEP.findall(text)
    out = [unicodedata.normalize("NFKC", pieces[0])]
    for mark, piece in zip(kept, pieces[1:], strict=False):
        out.append(mark)
        out.append(unicodedata.normalize("NFKC", piece))
    return "".join(out)


def clean_text(value: object, *, field: str, max_chars: int, required: bool = True) -> str:
    """NFKC-normalise ``value`` (keeping CJK punctuation), drop control characters, limit the length.

    Args:
        value: the raw input; must be a ``str``.
        field: the field's name, used in the error.
        max_chars: the largest number of characters accepted after normalisation.
        required: whether an empty (all-blank) value is an error.

    Raises:
        InvalidText: the value is not a string, is blank when required, or is too long.
    """
    if not isinstance(value, str):
        raise InvalidText(field, "must be text")
    normalised = nfkc(value).replace("\r\n", "\n").replace("\r", "\n")
    cleaned = "".join(
        ch for ch in normalised if ch in _ALLOWED_CONTROLS or unicodedata.category(ch)[0] != "C"
    ).strip()
    if required and not cleaned:
        raise InvalidText(field, "must not be empty")
    if len(cleaned) > max_chars:
        raise InvalidText(field, f"must be at most {max_chars} characters")
    return cleaned
