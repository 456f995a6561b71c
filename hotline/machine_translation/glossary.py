"""Words machine translation must not touch: place names, hotline terms, numbers, ids, links.

A text is cut into segments: free text, which is translated, and protected terms, which are
put back in the target language's form (``Sanlitun Subdistrict`` -> ``三里屯街道`` for an operator)
or verbatim (``12345``, ticket ids, phone numbers, e-mail addresses, URLs, ``AB_123``). Cutting
instead of masking with placeholders keeps the guarantee whatever the model does with a
placeholder (Argos Translate 1.10+ turns ``_`` into a space, small models drop digits).
"""

import re
from dataclasses import dataclass

from bot.gazetteer import Gazetteer

# Patterns kept verbatim: URLs, e-mail addresses, identifiers with _ or -, numbers (ticket ids, phones).
_VERBATIM = re.compile(
    r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.-]+|"
    r"\b[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*_[A-Za-z0-9_-]+\b|"
    r"\+?\d[\d\s()-]{2,}\d|\d+"
)
# Hotline terms: the same thing in zh, en, ja.
HOTLINE_TERMS: tuple[dict[str, str], ...] = (
    {"zh": "12345市民服务热线", "en": "12345 Citizen Service Hotline", "ja": "12345市民サービスホットライン"},
    {"zh": "12345热线", "en": "12345 hotline", "ja": "12345ホットライン"},
    {"zh": "市民服务热线", "en": "citizen service hotline", "ja": "市民サービスホットライン"},
    {"zh": "接诉即办", "en": "Immediate Response to Complaints", "ja": "接訴即弁"},
    {"zh": "工单编号", "en": "ticket number", "ja": "受付番号"},
)


@dataclass(frozen=True)
class Segment:
    text: str
    protected: bool


class Glossary:
    """Protected terms, longest first, each with its form per language."""

    def __init__(self, terms: list[dict[str, str]]) -> None:
        forms: dict[str, dict[str, str]] = {}
        for term in terms:
            for form in term.values():
                if len(form) >= 2:
                    forms.setdefault(form.lower(), term)
        self._terms = forms
        alternatives = sorted(forms, key=len, reverse=True)
        terms_pattern = "|".join(re.escape(a) for a in alternatives)
        self._pattern = re.compile(f"(?:{terms_pattern})|{_VERBATIM.pattern}" if alternatives else _VERBATIM.pattern,
                                   re.IGNORECASE)

    @classmethod
    def for_gazetteer(cls, gazetteer: Gazetteer) -> "Glossary":
        """District and sub-district names (Chinese form also for Japanese) plus the hotline terms."""
        names = [(d.name_zh, d.name_en) for d in gazetteer.districts.values()]
        names += [(s.name_zh, s.name_en) for s in gazetteer.subdistricts.values()]
        terms = [{"zh": zh, "ja": zh, "en": en} for zh, en in names]
        return cls([*HOTLINE_TERMS, *terms])

    def segments(self, text: str, target: str) -> list[Segment]:
        """``text`` cut into free and protected segments; protected ones already in ``target``'s form."""
        pieces: list[Segment] = []
        position = 0
        for match in self._pattern.finditer(text):
            if match.start() > position:
                pieces.append(Segment(text[position:match.start()], False))
            term = self._terms.get(match.group(0).lower())
            pieces.append(Segment(term.get(target, match.group(0)) if term else match.group(0), True))
            position = match.end()
        if position < len(text):
            pieces.append(Segment(text[position:], False))
        return pieces
