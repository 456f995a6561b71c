"""The simulated residents of bench/bench_conversation_repair.py: a development and a held-out part in
every language, each resident with a goal the benchmark can check, detours at questions that exist."""

from collections import Counter

import yaml

from bench.bench_conversation_repair import ANSWER_OF, RESIDENTS

QUESTIONS = set(ANSWER_OF) | {"cancel_confirmation", "location_confirmed"}
RESIDENT_KEYS = {"id", "split", "language", "goal", "category", "opening", "then", "says", "later", "detours",
                 "expect", "faq"}


def residents() -> list[dict]:  # type: ignore[type-arg]
    return list(yaml.safe_load(RESIDENTS.read_text(encoding="utf-8"))["residents"])


def test_every_language_has_a_development_and_a_held_out_part_with_every_goal() -> None:
    groups = Counter((r["language"], r["split"], r["goal"]) for r in residents())
    for language in ("zh", "en", "ja"):
        for split in ("dev", "heldout"):
            assert {goal for (lang, s, goal) in groups if (lang, s) == (language, split)} == {
                "ticket", "answer", "cancel"}, (language, split)
            assert sum(n for (lang, s, _), n in groups.items() if (lang, s) == (language, split)) >= 10


def test_each_resident_can_be_checked() -> None:
    ids = [r["id"] for r in residents()]
    assert len(ids) == len(set(ids))
    for resident in residents():
        assert set(resident) <= RESIDENT_KEYS, resident["id"]
        assert set(resident.get("detours") or {}) <= QUESTIONS, resident["id"]
        assert set(resident.get("later") or {}) <= QUESTIONS, resident["id"]
        if resident["goal"] == "ticket":
            assert resident["category"] and resident["expect"]["description"] and resident["expect"]["location"]
        if resident["goal"] == "answer":
            assert resident["faq"]
