"""Score language detectors on the labelled short messages (bench/data/detect_labelled.tsv)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.lang import Lang

LABELLED = Path(__file__).parent / "data" / "detect_labelled.tsv"
SHORT_CHARS = 10

# (text, conversation language or None) -> ISO code of the language the text is written in
Detector = Callable[[str, Lang | None], str]


@dataclass(frozen=True)
class Sample:
    language: str
    context: Lang | None
    text: str

    @property
    def short(self) -> bool:
        return len(self.text) <= SHORT_CHARS


@dataclass
class Score:
    right: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    misses: list[tuple[Sample, str]] = field(default_factory=list)

    def add(self, group: str, ok: bool) -> None:
        self.total[group] = self.total.get(group, 0) + 1
        self.right[group] = self.right.get(group, 0) + int(ok)

    def accuracy(self, group: str) -> float:
        return self.right.get(group, 0) / self.total[group] if self.total.get(group) else 0.0


def load_labelled(path: Path = LABELLED) -> list[Sample]:
    """Rows ``language<TAB>context<TAB>text``; ``-`` as context means a first message."""
    samples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        language, context, text = line.split("\t", 2)
        samples.append(Sample(language, None if context == "-" else Lang.parse(context), text))
    return samples


def group_of(sample: Sample) -> str:
    return sample.language if sample.language in {lang.value for lang in Lang} else "other"


def score(detector: Detector, samples: list[Sample]) -> Score:
    """Accuracy per language (zh, en, ja, "other"), for messages of at most 10 characters, and overall."""
    result = Score()
    for sample in samples:
        found = detector(sample.text, sample.context)
        ok = found == sample.language
        for group in (group_of(sample), "all", *(("short",) if sample.short else ())):
            result.add(group, ok)
        if not ok:
            result.misses.append((sample, found))
    return result
