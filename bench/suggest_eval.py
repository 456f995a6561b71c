"""Score category suggestion on a labelled set: top-1 and top-3 accuracy per language."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LABELLED_APPEALS = Path(__file__).parent / "data" / "labelled_appeals.json"
Ranker = Callable[[str, str], list[str]]  # (text, language) -> service codes, best first


@dataclass(frozen=True)
class Accuracy:
    language: str
    count: int
    top1: float
    top3: float


def load_labelled(path: Path = LABELLED_APPEALS) -> list[dict[str, str]]:
    appeals: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))["appeals"]
    return appeals


def evaluate(rank: Ranker, appeals: list[dict[str, str]]) -> list[Accuracy]:
    """Accuracy per language and over all ("all"), in that order."""
    results = []
    for language in ("zh", "en", "ja", "all"):
        subset = [a for a in appeals if language in ("all", a["language"])]
        ranked = [(rank(a["text"], a["language"]), a["service_code"]) for a in subset]
        top1 = sum(1 for codes, gold in ranked if codes[:1] == [gold])
        top3 = sum(1 for codes, gold in ranked if gold in codes[:3])
        results.append(Accuracy(language, len(subset), top1 / len(subset), top3 / len(subset)))
    return results
