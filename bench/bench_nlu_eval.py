"""Held-out NLU evaluation: intent accuracy, macro F1, FAQ topic accuracy and fallback rate per language.

Run from the project root: ``PYTHONPATH=. .venv-assistant/bin/python -m bench.bench_nlu_eval``
(``--config`` to score another pipeline). Every example under nlu/ is split per language folder
(zh, en, ja; nlu/shared counts as language "shared") and per intent, retrieval sub-intents
(``faq/<topic>``) separately, with a fixed seed: 20% test (at least 2 per group), the rest train.
Lookup tables and synonyms stay in training. An NLU-only model is trained on the train split with
the given config, loaded in-process once, and parses every test example.

Unlike ``rasa test nlu``, which drops FallbackClassifier predictions before scoring, a predicted
``nlu_fallback`` counts as an error here, and its rate is reported separately. ``faq`` counts as one
intent for accuracy and F1; the FAQ topic is right when the intent is ``faq`` and the selected
``intent_response_key`` is the example's ``faq/<topic>``.

Writes the "nlu-eval" section of docs/benchmarks.md and the figures to docs/nlu_eval.json.

``--against COMMIT`` answers "did the NLU get worse?" when the data changed since COMMIT: the earlier
tree's nlu/ is split with the same seed, its config is trained on its train part, and this tree's config
on this tree's examples less every text of that test part; both parse the same test examples (the
"nlu-eval-against" section).
Other scripts (bench/bench_assistant.py) import ``make_split``, ``write_training_data``,
``train_nlu_model``, ``parse_texts`` and ``score``.
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "nlu"
CONFIG = ROOT / "config.yml"
DOMAIN = ROOT / "domain.yml"
JSON_OUT = ROOT / "docs" / "nlu_eval.json"
SEED = 12345
TEST_FRACTION = 0.2
MIN_TEST = 2
FALLBACK = "nlu_fallback"
RETRIEVAL_INTENT = "faq"
LANGUAGES = ("zh", "en", "ja", "shared")
# Score rows: each language, the three written languages together, and everything.
ROWS = {"zh": {"zh"}, "en": {"en"}, "ja": {"ja"}, "shared": {"shared"}, "zh+en+ja": {"zh", "en", "ja"},
        "all": set(LANGUAGES)}
# One more row (issue 14): the short replies a form lives on, in every language: yes, no, ok, thanks,
# cancel, "say that again", goodbye, with their synonyms and polite forms ("不用了", "結構です").
SHORT_REPLY_INTENTS = frozenset({"affirm", "deny", "thanks", "cancel", "repeat", "goodbye"})
SHORT_REPLY_MAX_CHARS = 30
SHORT_REPLIES_ROW = "short replies"


def is_short_reply(example: "Example") -> bool:
    return example.intent in SHORT_REPLY_INTENTS and len(example.text) <= SHORT_REPLY_MAX_CHARS


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # the intent as written in the data: "greet" or "faq/visa_extension"
    language: str  # the folder under nlu/: zh, en, ja, or shared
    message: Any  # rasa Message, entities and all, for writing the training data back

    @property
    def intent(self) -> str:
        return self.label.split("/", 1)[0]


@dataclass
class Split:
    train: list[Example]
    test: list[Example]
    seed: int
    synonyms: dict[str, str] = field(default_factory=dict)  # explicit synonym blocks of nlu/
    lookup_tables: list[dict[str, Any]] = field(default_factory=list)
    regex_features: list[dict[str, Any]] = field(default_factory=list)

    def sizes(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for language in LANGUAGES:
            out[language] = {"train": sum(e.language == language for e in self.train),
                             "test": sum(e.language == language for e in self.test)}
        out["all"] = {"train": len(self.train), "test": len(self.test)}
        return out


def _quiet_rasa() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import logging
    import warnings

    from rasa.utils.log_utils import configure_structlog

    warnings.filterwarnings("ignore")
    configure_structlog(logging.WARNING)
    for name in ("rasa", "tensorflow", "absl", "jieba", "sanic", "apscheduler"):
        logging.getLogger(name).setLevel(logging.ERROR)


def load_examples(nlu_dir: Path = NLU_DIR) -> tuple[list[Example], dict[str, str], list[dict[str, Any]],
                                                     list[dict[str, Any]]]:
    """Every intent example under nlu/, plus the synonyms, lookup tables and regexes to keep in training."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples: list[Example] = []
    synonyms: dict[str, str] = {}
    lookups: list[dict[str, Any]] = []
    regexes: list[dict[str, Any]] = []
    for path in sorted(nlu_dir.glob("*/*.yml")):
        language = path.parent.name
        data = load_data(str(path))
        for message in data.intent_examples:
            examples.append(Example(message.get("text"), message.get_full_intent(), language, message))
        # Annotated entities add synonyms of their own; they are rewritten with the examples.
        annotated = {m.get("text")[e["start"]:e["end"]] for m in data.training_examples for e in m.get("entities", [])}
        synonyms.update({k: v for k, v in data.entity_synonyms.items() if k not in annotated})
        lookups.extend(data.lookup_tables)
        regexes.extend(data.regex_features)
    return examples, synonyms, lookups, regexes


def make_split(seed: int = SEED, fraction: float = TEST_FRACTION, min_test: int = MIN_TEST,
               nlu_dir: Path = NLU_DIR) -> Split:
    """Per (language, intent or faq/<topic>): ``max(min_test, round(fraction * n))`` examples to test."""
    examples, synonyms, lookups, regexes = load_examples(nlu_dir)
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for example in examples:
        groups[(example.language, example.label)].append(example)
    rng = random.Random(seed)
    train: list[Example] = []
    test: list[Example] = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda e: e.text)
        rng.shuffle(members)
        n_test = min(max(min_test, round(fraction * len(members))), len(members) - 1)
        test.extend(members[:n_test])
        train.extend(members[n_test:])
    return Split(train, test, seed, synonyms, lookups, regexes)


def split_on_earlier_test(earlier: Split, nlu_dir: Path = NLU_DIR) -> Split:
    """This tree's examples for training, less every text the earlier split tests; the earlier test part."""
    examples, synonyms, lookups, regexes = load_examples(nlu_dir)
    tested = {e.text for e in earlier.test}
    train = [e for e in examples if e.text not in tested]
    return Split(train, list(earlier.test), earlier.seed, synonyms, lookups, regexes)


def earlier_tree(commit: str, folder: Path) -> tuple[Path, Path]:
    """``commit``'s nlu/ data and config.yml, extracted under ``folder`` (its components are this tree's)."""
    archive = subprocess.run(["git", "archive", commit, "nlu", "config.yml"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "nlu", folder / "config.yml"


def write_training_data(split: Split, folder: Path) -> Path:
    """The train split as Rasa YAML (test split beside it, outside the training folder, for reading)."""
    from rasa.shared.nlu.training_data.training_data import TrainingData

    folder.mkdir(parents=True, exist_ok=True)
    data = TrainingData(training_examples=[e.message for e in split.train], entity_synonyms=dict(split.synonyms),
                        regex_features=list(split.regex_features), lookup_tables=list(split.lookup_tables))
    (folder / "train.yml").write_text(data.nlu_as_yaml(), encoding="utf-8")
    test = TrainingData(training_examples=[e.message for e in split.test])
    (folder.parent / f"{folder.name}-test.yml").write_text(test.nlu_as_yaml(), encoding="utf-8")
    return folder


def train_nlu_model(config: Path, data_dir: Path, out_dir: Path, name: str,
                    cache_dir: Path | None = None, domain: Path = DOMAIN) -> tuple[Path, float]:
    """Trains an NLU-only model in-process; a separate Rasa cache folder keeps the run cold and apart."""
    from rasa.model_training import train_nlu

    previous = os.environ.get("RASA_CACHE_DIRECTORY")
    if cache_dir is not None:
        os.environ["RASA_CACHE_DIRECTORY"] = str(cache_dir)
    try:
        started = time.perf_counter()
        model = train_nlu(str(config), str(data_dir), str(out_dir), fixed_model_name=name, domain=str(domain))
        seconds = time.perf_counter() - started
    finally:
        if previous is None:
            os.environ.pop("RASA_CACHE_DIRECTORY", None)
        else:
            os.environ["RASA_CACHE_DIRECTORY"] = previous
    if not model:
        raise RuntimeError(f"NLU training with {config} produced no model")
    return Path(model), seconds


def parse_texts(model: Path, texts: list[str], label: str = "", every: int = 50) -> tuple[list[dict[str, Any]], float]:
    """Loads the model once and parses every text; returns the parses and the mean ms per parse."""
    from rasa.core.agent import load_agent

    async def run() -> tuple[list[dict[str, Any]], float]:
        agent = await load_agent(model_path=str(Path(model).resolve()))
        if not agent.is_ready():
            raise RuntimeError(f"Rasa could not load the model {model}")
        parses = []
        started = time.perf_counter()
        for i, text in enumerate(texts, 1):
            parses.append(await agent.parse_message(text))
            if i % every == 0 or i == len(texts):
                print(f"  {label} parsed {i}/{len(texts)}", flush=True)
        return parses, (time.perf_counter() - started) * 1000 / max(1, len(texts))

    return asyncio.run(run())


def _selected_topic(parse: dict[str, Any]) -> str | None:
    """The selected ``faq/<topic>``, looked up as Rasa's ``utter_faq`` does: under the retrieval intent's
    key, else under "default" (a ResponseSelector without ``retrieval_intent`` set)."""
    selectors = parse.get("response_selector") or {}
    selector = selectors.get(RETRIEVAL_INTENT) or selectors.get("default") or {}
    return (selector.get("response") or {}).get("intent_response_key")


def _top_non_fallback(parse: dict[str, Any]) -> str:
    """The intent the classifier chose before FallbackClassifier replaced it (diagnostic only)."""
    for candidate in parse.get("intent_ranking") or [parse.get("intent") or {}]:
        if candidate.get("name") != FALLBACK:
            return str(candidate.get("name"))
    return FALLBACK


def _macro_f1(truth: list[str], predicted: list[str]) -> float:
    labels = sorted(set(truth))
    scores = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in zip(truth, predicted, strict=False))
        fp = sum(t != label and p == label for t, p in zip(truth, predicted, strict=False))
        fn = sum(t == label and p != label for t, p in zip(truth, predicted, strict=False))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def score(test: list[Example], parses: list[dict[str, Any]]) -> dict[str, Any]:
    """Per language and over all: accuracy, macro F1 (over the true intents; fallback is an error),
    FAQ topic accuracy, fallback rate; and every error."""
    rows: dict[str, dict[str, Any]] = {}
    errors: list[dict[str, Any]] = []
    for example, parse in zip(test, parses, strict=False):
        predicted = (parse.get("intent") or {}).get("name") or "None"
        topic = _selected_topic(parse) if predicted == RETRIEVAL_INTENT else None
        wrong_intent = predicted != example.intent
        wrong_topic = example.intent == RETRIEVAL_INTENT and topic != example.label
        if wrong_intent or wrong_topic:
            errors.append({"language": example.language, "text": example.text, "expected": example.label,
                           "predicted": topic if predicted == RETRIEVAL_INTENT else predicted,
                           "confidence": round(float((parse.get("intent") or {}).get("confidence") or 0.0), 3)})
    def in_languages(members: set[str]) -> Callable[[Example], bool]:
        return lambda example: example.language in members

    selections: dict[str, Callable[[Example], bool]] = {
        **{row: in_languages(members) for row, members in ROWS.items()}, SHORT_REPLIES_ROW: is_short_reply}
    for language, selected in selections.items():
        pairs = [(e, p) for e, p in zip(test, parses, strict=False) if selected(e)]
        if not pairs:
            continue
        truth = [e.intent for e, _ in pairs]
        predicted = [(p.get("intent") or {}).get("name") or "None" for _, p in pairs]
        faq = [(e, p) for e, p in pairs if e.intent == RETRIEVAL_INTENT]
        faq_right = sum((p.get("intent") or {}).get("name") == RETRIEVAL_INTENT and _selected_topic(p) == e.label
                        for e, p in faq)
        rows[language] = {
            "n": len(pairs),
            "intent_accuracy": sum(t == p for t, p in zip(truth, predicted, strict=False)) / len(pairs),
            "macro_f1": _macro_f1(truth, predicted),
            "n_intents": len(set(truth)),
            "n_faq": len(faq),
            "faq_topic_accuracy": faq_right / len(faq) if faq else None,
            "fallback_rate": sum(p == FALLBACK for p in predicted) / len(pairs),
            # Diagnostic: accuracy had no threshold applied (the top intent under nlu_fallback).
            "accuracy_without_fallback": sum(e.intent == _top_non_fallback(p) for e, p in pairs) / len(pairs),
        }
    confusions = Counter((e["language"], e["expected"], e["predicted"]) for e in errors)
    return {"languages": rows, "errors": errors,
            "confusions": [{"language": lang, "expected": exp, "predicted": pred, "count": n}
                           for (lang, exp, pred), n in confusions.most_common()]}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def table(rows: dict[str, dict[str, Any]]) -> str:
    lines = ["| language | test examples | intent accuracy | macro F1 (intents) | FAQ topic accuracy (n) "
             "| fallback rate | accuracy had fallback not fired |", "|---|---|---|---|---|---|---|"]
    for language, row in rows.items():
        faq = f"{_pct(row['faq_topic_accuracy'])} ({row['n_faq']})" if row["n_faq"] else "-"
        lines.append(f"| {language} | {row['n']} | {_pct(row['intent_accuracy'])} | {row['macro_f1']:.3f} "
                     f"| {faq} | {_pct(row['fallback_rate'])} | {_pct(row['accuracy_without_fallback'])} |")
    return "\n".join(lines)


def evaluate_config(config: Path, split: Split, workdir: Path, name: str,
                    log: Callable[[str], None] = print, domain: Path = DOMAIN) -> dict[str, Any]:
    """Train ``config`` on the split's train part (cold cache), parse the test part, score it."""
    data_dir = write_training_data(split, workdir / f"{name}-data")
    log(f"[{name}] training NLU on {len(split.train)} examples with {config.name} (cold cache)...")
    model, train_seconds = train_nlu_model(config, data_dir, workdir / "models", name,
                                           cache_dir=workdir / f"{name}-cache", domain=domain)
    log(f"[{name}] trained in {train_seconds:.1f} s; parsing {len(split.test)} held-out examples...")
    parses, ms_per_parse = parse_texts(model, [e.text for e in split.test], label=f"[{name}]")
    result = score(split.test, parses)
    result.update(train_seconds=train_seconds, ms_per_parse=ms_per_parse, config=str(config))
    return result


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def report(result: dict[str, Any], split: Split, config: Path, started: float) -> str:
    sizes = split.sizes()
    size_text = ", ".join(f"{lang} {s['train']}/{s['test']}" for lang, s in sizes.items() if s["train"] or s["test"])
    confusions = [c for c in result["confusions"] if c["count"] >= 2][:12]
    lines = [
        "## Held-out NLU evaluation (bench/bench_nlu_eval.py)",
        "",
        f"Config `{_relative(config)}`; every example under nlu/ split per language folder (nlu/shared = \"shared\") "
        f"and per intent (each `faq/<topic>` separately) with seed {split.seed}: {TEST_FRACTION:.0%} test, at least "
        f"{MIN_TEST} per group, the rest train (lookup tables and synonyms kept in training). Train/test sizes: "
        f"{size_text}. An NLU-only model trained on the train part (cold cache, {result['train_seconds']:.0f} s) "
        f"parsed every test example in-process ({result['ms_per_parse']:.1f} ms per parse). `faq` is one intent "
        "for accuracy and F1 (macro over the true intents of each row); a FAQ topic is right when the intent is "
        "`faq` and the selected `intent_response_key` is the example's `faq/<topic>`. A predicted `nlu_fallback` "
        "counts as an error (`rasa test nlu` would drop it) and its rate is shown apart; the last column (a "
        "diagnostic) scores the intent ranked first under `nlu_fallback` instead. Figures: "
        "docs/nlu_eval.json.",
        "",
        table(result["languages"]),
        "",
        f"The row \"{SHORT_REPLIES_ROW}\" holds the test examples of {', '.join(sorted(SHORT_REPLY_INTENTS))} "
        f"of at most {SHORT_REPLY_MAX_CHARS} characters, in every language: the replies a form lives on.",
        "",
        f"{len(result['errors'])} of {len(split.test)} test examples wrong (intent or topic).",
    ]
    if confusions:
        lines += ["", "Confusions seen at least twice (language: expected -> predicted, count): "
                  + "; ".join(f"{c['language']}: {c['expected']} -> {c['predicted']} ({c['count']})"
                              for c in confusions) + "."]
    lines += ["", f"Run {datetime.now(timezone.utc):%Y-%m-%d}, {time.monotonic() - started:.0f} s in all, 2 cores."]
    return "\n".join(lines)


def compare_with(commit: str, seed: int, config: Path, write: bool) -> int:
    """The earlier tree and this one on the earlier split's test examples, side by side."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nlu-against-") as tmp:
        earlier_nlu, earlier_config = earlier_tree(commit, Path(tmp))
        earlier = make_split(seed, nlu_dir=earlier_nlu)
        now = split_on_earlier_test(earlier)
        print(f"{commit}: {len(earlier.train)} train; now: {len(now.train)} train; {len(earlier.test)} test both",
              flush=True)
        before_result = evaluate_config(earlier_config, earlier, Path(tmp), "before")
        now_result = evaluate_config(config.resolve(), now, Path(tmp), "now")
    text = against_report(commit, seed, earlier, now, before_result, now_result, started)
    print(text)
    if write:
        from bench.report import write_section

        write_section(f"nlu-eval-against-seed-{seed}", text)
    return 0


def against_report(commit: str, seed: int, earlier: Split, now: Split, before: dict[str, Any],
                   after: dict[str, Any], started: float) -> str:
    lines = [
        f"## NLU on the same test examples as {commit}, seed {seed} (bench/bench_nlu_eval.py --against)",
        "",
        f"{commit}'s nlu/ split as above (seed {seed}); its config trained on its {len(earlier.train)} training "
        f"examples, this tree's config on this tree's {len(now.train)} examples less every text of that test "
        f"part; both parse the same {len(earlier.test)} test examples (so the examples added since are only "
        "trained on here; the row \"short replies\" of the section above tests them).",
        "",
        "| language | test examples | intent accuracy before / now | macro F1 before / now "
        "| FAQ topic accuracy before / now | fallback rate before / now |",
        "|---|---|---|---|---|---|",
    ]
    for row, b in before["languages"].items():
        a = after["languages"].get(row)
        if a is None:
            continue
        lines.append(f"| {row} | {b['n']} | {_pct(b['intent_accuracy'])} / {_pct(a['intent_accuracy'])} "
                     f"| {b['macro_f1']:.3f} / {a['macro_f1']:.3f} "
                     f"| {_pct(b['faq_topic_accuracy'])} / {_pct(a['faq_topic_accuracy'])} "
                     f"| {_pct(b['fallback_rate'])} / {_pct(a['fallback_rate'])} |")
    wrong_before = {(e["language"], e["text"]): e for e in before["errors"]}
    wrong_now = {(e["language"], e["text"]): e for e in after["errors"]}
    newly = [wrong_now[k] for k in wrong_now if k not in wrong_before]
    fixed = [wrong_before[k] for k in wrong_before if k not in wrong_now]
    lines += ["", f"Wrong: {len(before['errors'])} before, {len(after['errors'])} now, of {len(earlier.test)}: "
              f"{len(fixed)} right only now, {len(newly)} right only before"
              + (": " + "; ".join(f"{e['language']} \"{e['text']}\" {e['expected']} -> {e['predicted']}"
                                  for e in newly) if newly else "") + ".",
              "", f"Run {datetime.now(timezone.utc):%Y-%m-%d}, {time.monotonic() - started:.0f} s in all, 2 cores."]
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    parser.add_argument("--against", metavar="COMMIT", help="compare with an earlier tree on its test examples")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.against:
        _quiet_rasa()
        return compare_with(args.against, args.seed, args.config, not args.no_write)
    started = time.monotonic()
    _quiet_rasa()
    print(f"splitting nlu/ (seed {args.seed})...", flush=True)
    split = make_split(args.seed)
    for language, size in split.sizes().items():
        print(f"  {language}: {size['train']} train, {size['test']} test", flush=True)
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as tmp:
        result = evaluate_config(args.config.resolve(), split, Path(tmp), "eval")
    print()
    print(table(result["languages"]))
    print(f"\n{len(result['errors'])} of {len(split.test)} test examples wrong. Confusions:")
    for c in result["confusions"][:25]:
        print(f"  {c['language']}: {c['expected']} -> {c['predicted']} x{c['count']}")
    print(f"\ndone in {time.monotonic() - started:.0f} s", flush=True)
    if not args.no_write:
        from bench.report import write_section

        write_section("nlu-eval", report(result, split, args.config.resolve(), started))
        JSON_OUT.write_text(json.dumps({
            "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "config": _relative(args.config), "seed": split.seed, "test_fraction": TEST_FRACTION,
            "min_test_per_group": MIN_TEST, "sizes": split.sizes(), "train_seconds": round(result["train_seconds"], 1),
            "ms_per_parse": round(result["ms_per_parse"], 2),
            "languages": {k: {m: (round(v, 4) if isinstance(v, float) else v) for m, v in row.items()}
                          for k, row in result["languages"].items()},
            "confusions": result["confusions"], "errors": result["errors"],
        }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote the nlu-eval section of docs/benchmarks.md and {_relative(JSON_OUT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
