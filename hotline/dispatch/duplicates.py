"""Duplicate appeals: is a new appeal the same problem as an open ticket ("me too")?

Four signals, each in [0, 1], weighed into one score:

- **text**: cosine of TF-IDF vectors: Chinese and Japanese as characters and character pairs, English as
  stemmed words and word pairs (``bot.suggest.features``), plus every number as a token of its own, since
  "building 3" and "building 7" are different lifts. IDF comes from the taxonomy's names, keywords and
  examples: words every category uses ("小区", "broken") weigh little; a word no category uses (a landmark,
  a shop's name) weighs most.
- **category**: the same leaf 1, the same group 0.6, the same top level 0.3.
- **place**: the same sub-district 1, else by distance when both have coordinates (1 at 0 m, 0.5 at 300 m).
- **time**: 1 when filed together, falling to 0 at ``WINDOW`` apart (a problem back after two months is
  a recurrence, not a duplicate).

When both name the same kind of numbered thing ("3号楼" and "building 7", "2番出口" and "3番出口") and no
number agrees, the score is multiplied by ``CONFLICT`` (zero): the lifts of buildings 3 and 7 are two cases
however alike the words.

Only open tickets of the same sub-district (or within ``NEARBY_METRES``) filed within ``WINDOW`` are
candidates. The weights, the conflict factor and the threshold were chosen on the dev split of
bench/data/duplicates/ and are measured on its test split (bench/bench_duplicates.py, docs/benchmarks.md).
"""

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from bot.gazetteer import haversine_km
from bot.suggest import features
from bot.taxonomy import Taxonomy

WINDOW = timedelta(days=30)
NEARBY_METRES = 1000.0
HALF_DISTANCE_METRES = 300.0
# Chosen on the dev split of bench/data/duplicates/ (a grid over weights, conflict factor and threshold, best
# F1). On that set the text is a weak signal: hard negatives ("the lift of building 3" / "of building 7") share
# more words than residents reporting one case in their own words do, so the category carries most.
WEIGHTS = {"text": 0.4, "category": 0.4, "place": 0.05, "time": 0.0}
THRESHOLD = 0.33
CONFLICT = 0.0  # the score's factor when both number the same kind of thing and no number is shared
_NUMBER = re.compile(r"\d+")
# Numbers that name a thing (building 3, 5号楼, gate 2, 3棟, line 10), not an amount or a duration, by the kind
# of thing: two appeals disagree only when they number the same kind of thing differently (a shared street
# number does not make building 3 and building 7 one case).
_KINDS_AFTER = (("building", "号楼|栋|幢|棟|号院"), ("unit", "单元"), ("floor", "层|楼层|階|楼(?!道)"),
                ("gate", "号门(?!口)|门(?!口)|番出口|出口"), ("line", "号线|号線|線"), ("room", "号室|室|房间?"),
                ("street number", "号|番地|番"))
_KINDS_BEFORE = (("building", r"building|bldg\.?|block|tower"), ("unit", "unit"), ("floor", "floor"),
                 ("gate", "gate|exit|entrance"), ("line", "line"), ("room", r"room|apt\.?|apartment|#"),
                 ("street number", r"no\.?|number"))
_AFTER = [(kind, re.compile(rf"(\d+)\s*(?:{suffix})", re.IGNORECASE)) for kind, suffix in _KINDS_AFTER]
_BEFORE = [(kind, re.compile(rf"\b(?:{prefix})\s*(\d+)", re.IGNORECASE)) for kind, prefix in _KINDS_BEFORE]


@dataclass(frozen=True)
class Appeal:
    """What the detector compares of a ticket."""

    text: str  # the resident's description
    address: str  # the place as written (compared for numbered things only: the place signal covers the rest)
    service_code: str
    subdistrict_code: str | None
    lat: float | None
    long: float | None
    filed_at: datetime


@dataclass(frozen=True)
class Likeness:
    text: float
    category: float
    place: float
    time: float

    conflict: bool = False  # both name numbered things (buildings, gates...) and none of the numbers agree

    @property
    def score(self) -> float:
        weighed = (WEIGHTS["text"] * self.text + WEIGHTS["category"] * self.category
                   + WEIGHTS["place"] * self.place + WEIGHTS["time"] * self.time)
        return weighed * (CONFLICT if self.conflict else 1.0)


def identifiers(text: str) -> dict[str, set[str]]:
    """The numbers ``text`` uses as names, by kind of thing: "3号楼" and "building 3" are {"building": {"3"}}."""
    found: dict[str, set[str]] = {}
    rest = text
    for kind, pattern in _AFTER:  # longest suffixes first: "3号楼" is a building, not a street number
        for match in pattern.finditer(rest):
            found.setdefault(kind, set()).add(match.group(1))
        rest = pattern.sub(" ", rest)
    for kind, pattern in _BEFORE:
        for number in pattern.findall(rest):
            found.setdefault(kind, set()).add(number)
    return found


def disagree(a: dict[str, set[str]], b: dict[str, set[str]]) -> bool:
    """Some kind of thing is numbered on both sides, and never with the same number. Street numbers do not
    count: residents give the nearest one they know, while a building, unit, floor, room, gate or line is
    the broken thing itself."""
    return any(kind in b and kind != "street number" and not numbers & b[kind] for kind, numbers in a.items())


def tokens(text: str) -> list[str]:
    return features(text) + [f"#{number}" for number in _NUMBER.findall(text)]


class DuplicateDetector:
    """Built once from the taxonomy; ``likeness`` and ``candidate`` are pure and thread-safe."""

    def __init__(self, taxonomy: Taxonomy, *, threshold: float = THRESHOLD) -> None:
        self.taxonomy = taxonomy
        self.threshold = threshold
        documents: list[set[str]] = []
        for leaf in taxonomy.leaves:
            texts = [text for names in (leaf.name, leaf.description) for text in names.values()]
            texts += [text for words in (leaf.keywords, leaf.examples) for group in words.values() for text in group]
            documents.append({token for text in texts for token in tokens(text)})
        frequency: Counter[str] = Counter(token for document in documents for token in document)
        total = len(documents)
        self.idf = {token: math.log((1 + total) / (1 + df)) + 1.0 for token, df in frequency.items()}
        self.unseen_idf = math.log(1 + total) + 1.0  # a word no category uses says the most about the case
        self._vector = lru_cache(maxsize=4096)(self._vector_of)

    def vector(self, text: str) -> dict[str, float]:
        """The TF-IDF vector of ``text`` (cached: one ticket is compared with up to 2,000 others). Read-only."""
        return self._vector(text)

    def _vector_of(self, text: str) -> dict[str, float]:
        counts = Counter(tokens(text))
        weights = {t: (1 + math.log(c)) * self.idf.get(t, self.unseen_idf) for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def likeness(self, a: Appeal, b: Appeal) -> Likeness:
        va, vb = self.vector(a.text), self.vector(b.text)
        text = sum(w * vb.get(t, 0.0) for t, w in va.items())
        ids_a, ids_b = identifiers(f"{a.text} {a.address}"), identifiers(f"{b.text} {b.address}")
        return Likeness(text=text, category=self._category(a.service_code, b.service_code),
                        place=_place(a, b), time=_time(a.filed_at, b.filed_at),
                        conflict=disagree(ids_a, ids_b))

    def is_duplicate(self, a: Appeal, b: Appeal) -> bool:
        return candidate(a, b) and self.likeness(a, b).score >= self.threshold

    def _category(self, a: str, b: str) -> float:
        if a == b:
            return 1.0
        first, second = self.taxonomy.categories.get(a), self.taxonomy.categories.get(b)
        if first is None or second is None:
            return 0.0
        if first.parent is not None and first.parent == second.parent:
            return 0.6
        return 0.3 if first.top == second.top else 0.0


def candidate(a: Appeal, b: Appeal) -> bool:
    """Whether ``b`` could be the same case as ``a`` at all: near enough in place and time."""
    if abs(a.filed_at - b.filed_at) > WINDOW:
        return False
    if a.subdistrict_code is not None and a.subdistrict_code == b.subdistrict_code:
        return True
    metres = _metres(a, b)
    return metres is not None and metres <= NEARBY_METRES


def _metres(a: Appeal, b: Appeal) -> float | None:
    if a.lat is None or a.long is None or b.lat is None or b.long is None:
        return None
    return haversine_km(a.lat, a.long, b.lat, b.long) * 1000


def _place(a: Appeal, b: Appeal) -> float:
    metres = _metres(a, b)
    by_distance = 0.5 ** (metres / HALF_DISTANCE_METRES) if metres is not None else 0.0
    same_subdistrict = 1.0 if a.subdistrict_code is not None and a.subdistrict_code == b.subdistrict_code else 0.0
    return max(by_distance, same_subdistrict)


def _time(a: datetime, b: datetime) -> float:
    return max(0.0, 1.0 - abs(a - b) / WINDOW)
