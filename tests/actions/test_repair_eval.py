"""Conversation repair on labelled messages written apart from the assistant (bench/repair_eval.py), through the
trained model: floors per language, and no emergency missed."""

from typing import Any

import pytest

from bench.repair_eval import score_openers, score_replies
from tests.conftest import parse

LANGUAGES = ("zh", "en", "ja")
MIN_REPLIES = 0.95  # measured 2026-12-07: zh 98%, en 98%, ja 97% (before the fixes they prompted: 89%, 92%, 85%)
MIN_OPENERS = 0.85
MIN_NOT_EMERGENCY = 0.85  # danger words with no danger now (over, later, denied, a nuisance): 68% before


@pytest.fixture(scope="module")
def replies(agent: Any) -> Any:
    return score_replies(lambda text: parse(agent, text))


@pytest.fixture(scope="module")
def openers(agent: Any) -> Any:
    return score_openers(lambda text: parse(agent, text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_replies_at_the_call_back_question_are_understood(replies: Any, language: str) -> None:
    assert replies.share(language) >= MIN_REPLIES, replies.misses


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_messages_are_understood(openers: Any, language: str) -> None:
    assert openers.share(language) >= MIN_OPENERS, openers.misses


def test_every_emergency_now_is_routed_and_danger_words_without_danger_mostly_are_not(openers: Any) -> None:
    assert openers.share("EMERGENCY") == 1.0, openers.misses
    assert openers.share("NOT_EMERGENCY") >= MIN_NOT_EMERGENCY, openers.misses
