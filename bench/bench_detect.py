"""Language detection on short messages: raw langdetect (all profiles, seeded) against ours.

Run: ``.venv-assistant/bin/python -m bench.bench_detect`` (or the services venv). Labelled set:
bench/data/detect_labelled.tsv, written for this project. Writes docs/language_detection.md
and its section of docs/benchmarks.md.
"""

import time
from pathlib import Path

from bench.detect_eval import SHORT_CHARS, Detector, Sample, Score, load_labelled, score
from bench.report import write_section
from bot.lang import Lang
from translations.detect import detect_language, langdetect_probabilities

DOC = Path(__file__).resolve().parent.parent / "docs" / "language_detection.md"
GROUPS = ("zh", "en", "ja", "other", "short", "all")


def raw_langdetect(text: str, context: Lang | None) -> str:
    found = langdetect_probabilities(text, "all")
    return found[0][0] if found else "?"


def served_langdetect(text: str, context: Lang | None) -> str:
    found = langdetect_probabilities(text, "served")
    return found[0][0] if found else "?"


def ours(text: str, context: Lang | None) -> str:
    return detect_language(text, context=context).code


def timed(detector: Detector, samples: list[Sample]) -> tuple[Score, float]:
    detector(samples[0].text, None)  # load profiles outside the timing
    started = time.perf_counter()
    result = score(detector, samples)
    return result, (time.perf_counter() - started) * 1000 / len(samples)


def report(samples: list[Sample], raw: Score, served: Score, mine: Score, raw_ms: float, mine_ms: float) -> str:
    label = {"other": "other (ko, ru, fr, de, es)", "short": f"≤ {SHORT_CHARS} characters", "all": "**all**"}
    lines = ["| messages | n | raw langdetect | langdetect, served profiles only | ours |", "|---|---|---|---|---|"]
    for group in GROUPS:
        lines.append(f"| {label.get(group, group)} | {mine.total[group]} | {raw.accuracy(group):.1%} | "
                     f"{served.accuracy(group):.1%} | {mine.accuracy(group):.1%} |")
    misses = [f"- `{s.text}` ({s.language}, conversation {s.context.value if s.context else '-'}): {found}"
              for s, found in mine.misses] or ["- none"]
    return "\n".join([
        "## Language detection on short messages (bench/bench_detect.py)", "",
        f"{len(samples)} messages written for this project (bench/data/detect_labelled.tsv), "
        f"{mine.total['short']} of them {SHORT_CHARS} characters or fewer; each row carries the conversation's "
        "language before it (or none for a first message). Raw langdetect: all 55 profiles, seed 0, no context. "
        "Ours: translations/detect.py `detect_language(text, context=...)`: script rules, langdetect with "
        "only the served profiles, and the conversation for short replies and Han-only text. The middle "
        "column is langdetect with only the zh/en/ja profiles and no context (it cannot name other languages). "
        "The set was written in the same session as the rules, so our figure is optimistic for unseen "
        "messages; raw langdetect's figure is not.", "",
        *lines, "",
        f"Time per message: raw {raw_ms:.2f} ms, ours {mine_ms:.2f} ms. Goal: 98% or better overall.", "",
        "Our misses:", *misses,
    ])


def main() -> int:
    samples = load_labelled()
    raw, raw_ms = timed(raw_langdetect, samples)
    served, _ = timed(served_langdetect, samples)
    mine, mine_ms = timed(ours, samples)
    body = report(samples, raw, served, mine, raw_ms, mine_ms)
    print(body)
    raw_misses = "\n".join(f"- `{s.text}` ({s.language}): {found}" for s, found in raw.misses)
    DOC.write_text("# Language detection\n\nWhy the hotline does not use raw langdetect, measured.\n\n" + body
                   + "\n\nRaw langdetect's misses:\n" + raw_misses + "\n", encoding="utf-8")
    write_section("language-detection", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
