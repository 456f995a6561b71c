"""The cancel guard (nlu/cancel_guard.py): ``cancel`` only for words that cancel, in zh, en and ja."""

from pathlib import Path

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bench.bench_nlu_eval import load_examples
from bot.repair import has_cancel_cue
from nlu.cancel_guard import CancelGuard

ROOT = Path(__file__).resolve().parents[2]


def message(text: str, ranking: list[tuple[str, float]]) -> Message:
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message(data={TEXT: text, INTENT: dict(intents[0]), INTENT_RANKING_KEY: intents})


def guarded(text: str, *ranking: tuple[str, float]) -> Message:
    [result] = CancelGuard().process([message(text, list(ranking))])
    return result


def test_every_cancel_example_of_the_training_data_has_a_cancel_word() -> None:
    examples, *_ = load_examples(ROOT / "nlu")
    missing = [e.text for e in examples if e.intent == "cancel" and not has_cancel_cue(e.text)]
    assert missing == []


@pytest.mark.parametrize("text", ["取消", "算了，不报了", "cancel the whole appeal", "never mind",
                                  "キャンセルします", "申し立てを取り下げたいです"])
def test_words_that_cancel_stay_a_cancel(text: str) -> None:
    assert guarded(text, ("cancel", 0.9), ("deny", 0.05)).get(INTENT)["name"] == "cancel"


@pytest.mark.parametrize("text", ["街灯を直してほしいです", "希望尽快处理", "please stop the noise at night"])
def test_a_wish_takes_the_next_intent(text: str) -> None:
    result = guarded(text, ("cancel", 0.6), ("deny", 0.2), ("report_problem", 0.1))
    assert result.get(INTENT)["name"] == "report_problem"  # deny is no answer to a wish either
    assert [r["name"] for r in result.get(INTENT_RANKING_KEY)][0] == "report_problem"


def test_a_wish_with_nothing_else_in_the_ranking_is_a_problem_report() -> None:
    assert guarded("街灯を直してほしい", ("cancel", 0.9)).get(INTENT)["name"] == "report_problem"


@pytest.mark.parametrize("text", ["我想投诉", "noise complaint"])
def test_a_cancel_without_a_cancel_word_takes_a_supported_next_intent(text: str) -> None:
    result = guarded(text, ("cancel", 0.5), ("report_problem", 0.3), ("greet", 0.1))
    assert result.get(INTENT) == {"name": "report_problem", "confidence": 0.3}


def test_a_cancel_without_a_cancel_word_or_a_supported_next_intent_is_a_fallback() -> None:
    result = guarded("purple elephant dancing", ("cancel", 0.61), ("greet", 0.05))
    assert result.get(INTENT) == {"name": "nlu_fallback", "confidence": 0.61}


def test_buttons_and_other_intents_are_left_alone() -> None:
    assert guarded("/cancel", ("cancel", 1.0)).get(INTENT)["name"] == "cancel"
    assert guarded("hello", ("greet", 0.9), ("cancel", 0.1)).get(INTENT)["name"] == "greet"
