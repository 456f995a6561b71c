"""The "slow down" notice: in the language the refused message was written in, always with the emergency numbers."""

import pytest

from channels.kit.notices import FALLBACK, slow_down_notice

EMERGENCY_NUMBERS = ("110", "119", "120", "122")


@pytest.mark.parametrize("text, words", [
    ("我家楼下的路灯坏了好几天了，晚上很黑", "您发得太快了"),
    ("The street light outside my building has been broken for days", "faster than I can answer"),
    ("家の前の街灯が何日も壊れていて、夜はとても暗いです", "メッセージが速すぎて"),
])
def test_the_notice_speaks_the_language_of_the_message(text: str, words: str) -> None:
    notice = slow_down_notice(text)
    assert words in notice
    assert all(number in notice for number in EMERGENCY_NUMBERS)
    assert "{numbers}" not in notice


@pytest.mark.parametrize("text", [None, "", "?!", "🙂" * 10, "x" * 100_000])
def test_any_text_gets_a_notice_with_the_emergency_numbers(text: str | None) -> None:
    notice = slow_down_notice(text)
    assert notice and all(number in notice for number in EMERGENCY_NUMBERS)


def test_the_fallback_has_the_numbers_too() -> None:
    assert all(number in FALLBACK for number in EMERGENCY_NUMBERS)
