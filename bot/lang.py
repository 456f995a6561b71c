"""The languages the hotline serves."""

import re
from collections.abc import Sequence
from enum import Enum

_LATIN_LETTER = re.compile(r"[A-Za-z]")
_OTHER_SCRIPT = re.compile(r"[^\x00-\x7f\u00c0-\u024f\u2000-\u206f\U0001f000-\U0001faff]")


class Lang(str, Enum):
    """A resident's language. Chinese is the hotline's working language."""

    ZH = "zh"
    EN = "en"
    JA = "ja"

    @classmethod
    def parse(cls, value: str | None, default: "Lang | None" = None) -> "Lang":
        """Read a language tag such as ``zh``, ``zh-CN``, ``en_US`` or ``ja``.

        Raises:
            ValueError: the tag names no language we serve and no default is given.
        """
        if value:
            primary = value.strip().replace("_", "-").split("-")[0].lower()
            for lang in cls:
                if lang.value == primary:
                    return lang
        if default is not None:
            return default
        raise ValueError(f"unsupported language: {value!r}")


LANGS: tuple[Lang, ...] = tuple(Lang)


def undetermined_latin(texts: Sequence[str]) -> bool:
    """Whether a conversation that has only said ``texts`` ("ok", "thx", "hi there") is best answered
    in English: some Latin letters, and nothing in another script (Chinese, kana...)."""
    return bool(texts) and all(_LATIN_LETTER.search(t) and not _OTHER_SCRIPT.search(t) for t in texts)
