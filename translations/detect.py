"""Which language a resident writes in: script rules first, langdetect for mixed text.

Only zh, en and ja are served, so langdetect is loaded with just those profiles (seeded):
with all 55 it read short Chinese as Korean and short English as other Latin languages.
Han-only text is Chinese when it uses simplified characters that Japanese lacks (你, 谢, 这),
Japanese when it uses forms only Japanese has (様, 駅); otherwise (住民票, 年金) short Han-only
messages, like digits and "ok", return None so the conversation's language stands.
"""

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.lang import Lang

if TYPE_CHECKING:
    from langdetect.detector_factory import DetectorFactory

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Han-only messages at least this long are Chinese: Japanese sentences carry kana.
HAN_ONLY_MIN_CHARS = 6
# Latin text needs this many letters to count as English (not "ok", "no", "5A").
LATIN_MIN_LETTERS = 4
_PROFILES = ("zh-cn", "zh-tw", "ja", "en")

_factory_lock = threading.Lock()
_factory: "DetectorFactory | None" = None


@dataclass(frozen=True)
class Detection:
    language: Lang
    reason: str  # "kana", "kanji", "simplified", "han", "latin" or "langdetect"


def _detector_factory() -> "DetectorFactory":
    """A langdetect factory with only our languages' profiles, built once."""
    global _factory
    with _factory_lock:
        if _factory is None:
            from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

            profiles = [(Path(PROFILES_DIRECTORY) / name).read_text(encoding="utf-8") for name in _PROFILES]
            factory = DetectorFactory()
            factory.seed = 0
            factory.load_json_profile(profiles)
            _factory = factory
        return _factory


def _langdetect(text: str) -> Lang | None:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _detector_factory().create()
    try:
        detector.append(text)
        code = detector.detect()
    except LangDetectException:
        return None
    return Lang.JA if code == "ja" else Lang.EN if code == "en" else Lang.ZH


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _han_only(text: str, han: int) -> Detection | None:
    """Tell Chinese from Japanese by characters only one of the two writing systems has."""
    chars = _HAN.findall(text)
    simplified = sum(1 for c in chars if _encodable(c, "gb2312") and not _encodable(c, "cp932"))
    japanese = sum(1 for c in chars if _encodable(c, "cp932") and not _encodable(c, "gb2312"))
    if simplified > japanese:
        return Detection(Lang.ZH, "simplified")
    if japanese > simplified:
        return Detection(Lang.JA, "kanji")
    return Detection(Lang.ZH, "han") if han >= HAN_ONLY_MIN_CHARS else None


def detect(text: str) -> Detection | None:
    """The language of ``text``, or None when the text alone cannot tell."""
    if _KANA.search(text):
        return Detection(Lang.JA, "kana")
    han = len(_HAN.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text))
    if han and not latin:
        return _han_only(text, han)
    if latin and not han:
        return Detection(Lang.EN, "latin") if latin >= LATIN_MIN_LETTERS else None
    if han and latin:  # "我想问一下visa的事" or "Where is 三里屯 police station?"
        latin_weight = latin / 3  # about one Han character per three Latin letters
        if han > 1.5 * latin_weight:
            return _han_only(text, han) or Detection(Lang.ZH, "han")
        if latin_weight > 1.5 * han:
            return Detection(Lang.EN, "latin")
        found = _langdetect(text)
        return Detection(found, "langdetect") if found else None
    return None
