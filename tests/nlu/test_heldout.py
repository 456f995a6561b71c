"""Held-out NLU quality must not regress: train on the split's train part, score the rest.

Floors sit under the figures measured by bench/bench_nlu_eval.py (docs/benchmarks.md), which
are still far from the product's aim of 0.95: see the issue notes.
"""

from pathlib import Path

from bench.bench_nlu_eval import CONFIG, evaluate_config, make_split


def test_heldout_accuracy_faq_topics_and_fallback_rate(tmp_path: Path) -> None:
    split = make_split()
    result = evaluate_config(CONFIG, split, tmp_path, "heldout")
    overall = result["languages"]["zh+en+ja"]
    assert overall["intent_accuracy"] >= 0.87, overall
    # 0.890 measured on 2026-12-06 (0.893 before the repair data of issue 14): the floor sits just under it.
    assert overall["faq_topic_accuracy"] >= 0.885, overall
    assert overall["macro_f1"] >= 0.84, overall
    assert overall["fallback_rate"] <= 0.05, overall
    for language in ("zh", "en", "ja"):
        assert result["languages"][language]["intent_accuracy"] >= 0.84, (language, result["languages"][language])
