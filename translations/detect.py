"""Which language a resident writes in: script rules, langdetect (seeded), and the conversation.

Rules first, because they are certain: kana means Japanese, Hangul Korean, Cyrillic Russian
(and a few other scripts their language). Han-only text is Chinese when it uses simplified
characters Japanese lacks (你, 这), Japanese when it uses forms only Japanese has (様, 駅),
otherwise Chinese unless the conversation is Japanese (住民票, 年金 are both). Latin text is
English, the one Latin language served, unless it is long enough for langdetect (all profiles)
to be sure it is another; text in words of our own English text (translations/data/english_words.txt)
or with two English-only words is English without asking. Short replies ("ok", "yes", "5", "🙂") keep
the conversation's language.

langdetect is seeded and, for the served languages, loaded with only their profiles: with all 55
it read short Chinese as Korean and short English as other Latin languages (bench/bench_detect.py).

``detect(text)`` tells from the text alone (None when it cannot: the NLU uses it);
``detect_language(text, context=...)`` always answers, using the conversation when it must.
"""

import re
import threading
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.lang import Lang

if TYPE_CHECKING:
    from langdetect.detector_factory import DetectorFactory

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")
# Scripts that name their language outright (first match wins; kana is checked before Han).
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
)
# Cyrillic languages langdetect can tell apart once the text is long enough.
_CYRILLIC = frozenset({"ru", "uk", "bg", "mk"})
# Han-only messages at least this long are Chinese without a conversation: Japanese sentences carry kana.
HAN_ONLY_MIN_CHARS = 6
# Latin text needs this many letters to count as English on its own (not "ok", "no", "5A").
LATIN_MIN_LETTERS = 4
# Latin text must be this long before langdetect may call it another language than English.
OTHER_LATIN_MIN_LETTERS = 20
OTHER_LATIN_MIN_PROBABILITY = 0.95
# Words English has and the other Latin-script languages langdetect knows do not. Left out because
# they are words there too: "is", "was", "of", "to", "in", "i", "do" (Dutch, German, Polish, Italian),
# "have", "for" (Danish, Norwegian), "will" (German), "can" (Catalan), "my" (Polish, Czech). Two of
# them make a message English without asking langdetect, which costs about 2 ms per message.
ENGLISH_MARKERS = frozenset({"the", "and", "are", "has", "there", "this", "that", "what", "how", "why", "who",
                             "when", "where", "which", "with", "from", "you", "your", "please", "could", "would",
                             "not", "our", "they", "been", "does", "did", "should", "it", "its", "before",
                             "after", "about"})
# Replies any resident types whatever their language: they keep the conversation's language.
SHORT_REPLIES = frozenset({"ok", "okay", "k", "yes", "no", "y", "n", "yeah", "yep", "nope",
                           "thanks", "thx", "ty", "bye"})
SERVED: frozenset[str] = frozenset(lang.value for lang in Lang)
_SERVED_PROFILES = ("zh-cn", "zh-tw", "ja", "en")
# Latin text whose every longer word is English in our own text needs no langdetect (tools/english_words.py).
ENGLISH_WORDS = Path(__file__).resolve().parent / "data" / "english_words.txt"

_factory_lock = threading.Lock()
_factories: dict[str, "DetectorFactory"] = {}


@dataclass(frozen=True)
class Detection:
    """A detected language.

    Attributes:
        language: the language to answer in: ``code`` when it is served, else English.
        reason: which rule decided ("kana", "hangul", "simplified", "kanji", "han", "latin",
            "langdetect", "context", ...).
        code: the language the text is written in (ISO 639-1: zh, en, ja, ko, ru, fr, ...).
        confidence: 0-1; rules on a script are near 1, the conversation's language alone 0.5.
    """

    language: Lang
    reason: str
    code: str = ""
    confidence: float = 1.0

    def __post_init__(self) -> None:
        if not self.code:
            object.__setattr__(self, "code", self.language.value)

    @property
    def served(self) -> bool:
        """Whether the text is in a language the hotline answers in."""
        return self.code in SERVED


def _factory(name: str) -> "DetectorFactory":
    """A seeded langdetect factory: "served" (our profiles) or "all" (all 55), built once each."""
    with _factory_lock:
        if name not in _factories:
            from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

            folder = Path(PROFILES_DIRECTORY)
            names = _SERVED_PROFILES if name == "served" else tuple(sorted(p.name for p in folder.iterdir()))
            factory = DetectorFactory()
            factory.seed = 0
            factory.load_json_profile([(folder / n).read_text(encoding="utf-8") for n in names])
            _factories[name] = factory
        return _factories[name]


def langdetect_probabilities(text: str, profiles: str = "served") -> list[tuple[str, float]]:
    """langdetect's (language, probability) list, best first; zh-cn/zh-tw become zh. Empty if it gives up."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _factory(profiles).create()
    try:
        detector.append(text)
        found = detector.get_probabilities()
    except LangDetectException:
        return []
    merged: dict[str, float] = {}
    for item in found:
        code = "zh" if item.lang.startswith("zh") else item.lang
        merged[code] = merged.get(code, 0.0) + item.prob
    return sorted(merged.items(), key=lambda kv: -kv[1])


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _han_only(text: str, han: int, context: Lang | None) -> Detection | None:
    """Tell Chinese from Japanese by characters only one of the two writing systems has."""
    chars = _HAN.findall(text)
    simplified = sum(1 for c in chars if _encodable(c, "gb2312") and not _encodable(c, "cp932"))
    japanese = sum(1 for c in chars if _encodable(c, "cp932") and not _encodable(c, "gb2312"))
    if simplified > japanese:
        return Detection(Lang.ZH, "simplified", confidence=0.95)
    if japanese > simplified:
        return Detection(Lang.JA, "kanji", confidence=0.9)
    if context is Lang.JA:
        return Detection(Lang.JA, "context", confidence=0.6)
    if han >= HAN_ONLY_MIN_CHARS or context is not None:
        return Detection(Lang.ZH, "han", confidence=0.8 if han >= HAN_ONLY_MIN_CHARS else 0.6)
    return None


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The English words (3+ letters) of our own English text (tools/english_words.py builds the file)."""
    lines = ENGLISH_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def all_known_english(words: list[str]) -> bool:
    """Whether every word of three letters or more is an English word of our own text, and there are two."""
    long_words = [w for w in words if len(w) >= 3]
    return len(long_words) >= 2 and english_words().issuperset(long_words)


def _latin(text: str, letters: int) -> Detection | None:
    words = re.findall(r"[a-z]+", text.lower())
    if len(words) <= 2 and all(w in SHORT_REPLIES for w in words):
        return None  # "ok", "yes", "no thanks": the conversation decides
    if letters >= OTHER_LATIN_MIN_LETTERS and len(words) >= 3 and len(ENGLISH_MARKERS.intersection(words)) < 2 \
            and not all_known_english(words):
        best = langdetect_probabilities(text, "all")
        if best and best[0][0] not in ("en", "zh", "ja") and best[0][1] >= OTHER_LATIN_MIN_PROBABILITY:
            return Detection(Lang.EN, "langdetect", code=best[0][0], confidence=round(best[0][1], 3))
    if letters >= LATIN_MIN_LETTERS:
        return Detection(Lang.EN, "latin", confidence=0.9 if letters >= 12 else 0.75)
    return None


def _script(text: str) -> Detection | None:
    for code, pattern in _SCRIPTS:
        if pattern.search(text):
            if code == "ru" and sum(1 for c in text if "\u0400" <= c <= "\u04ff") >= OTHER_LATIN_MIN_LETTERS:
                best = langdetect_probabilities(text, "all")
                code = best[0][0] if best and best[0][0] in _CYRILLIC else code
            return Detection(Lang.EN, code if code != "ko" else "hangul", code=code, confidence=0.99)
    return None


def _from_text(text: str, context: Lang | None) -> Detection | None:
    text = unicodedata.normalize("NFKC", text)
    if _KANA.search(text):
        return Detection(Lang.JA, "kana", confidence=0.99)
    script = _script(text)
    if script is not None:
        return script
    han = len(_HAN.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text))
    if han and not latin:
        return _han_only(text, han, context)
    if latin and not han:
        return _latin(text, latin)
    if han and latin:  # "我想问一下visa的事" or "Where is 三里屯 police station?"
        latin_weight = latin / 3  # about one Han character per three Latin letters
        if han > 1.5 * latin_weight:
            return _han_only(text, han, context) or Detection(Lang.ZH, "han", confidence=0.8)
        if latin_weight > 1.5 * han:
            return Detection(Lang.EN, "latin", confidence=0.8)
        found = langdetect_probabilities(text)
        if found:
            return Detection(Lang.parse(found[0][0], default=Lang.ZH), "langdetect", confidence=round(found[0][1], 3))
    return None


def detect(text: str) -> Detection | None:
    """The language of ``text`` from the text alone, or None when it cannot tell."""
    return _from_text(text, None)


def detect_language(text: str, *, context: Lang | None = None,
                    allowed: Collection[str] = SERVED) -> Detection:
    """The language of ``text`` in a conversation held in ``context``.

    Args:
        text: the message.
        context: the conversation's language so far, if any: short or ambiguous messages keep it,
            and Han-only text is Japanese in a Japanese conversation.
        allowed: languages answered in their own language; a detected language outside this set
            keeps its ``code`` and is answered in English (or the context when English is not allowed).

    Returns:
        Always a detection; without any signal, the context's language with confidence 0.5 and
        reason "context" (without a context: English for Latin letters, else Chinese, "default").
    """
    found = _from_text(text, context)
    if found is None:
        if context is not None:
            return Detection(context, "context", confidence=0.5)
        latin = bool(_LATIN_WORD.search(text))  # a first message "ok" is more likely English than Chinese
        return Detection(Lang.EN if latin else Lang.ZH, "default", confidence=0.5)
    if found.code in allowed:
        return found
    reply = Lang.EN if Lang.EN.value in allowed else (context or Lang.ZH)
    return Detection(reply, found.reason, code=found.code, confidence=found.confidence)
