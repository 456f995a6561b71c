"""Repairs found after the held-out residents h551..h570 and by h571..h630: a yes before a request for a language."""

import pytest

from actions.hotline_client import CategorySuggestion
from actions.repair import Kind, Move, Question, decide, yes_or_no_of
from bot.repair import correction, fuller_part
from tests.actions.fakes import FakeHotline
from tests.actions.test_repair import _slots, appeal, turn

YES_NO = Question(Kind.YES_NO, optional=True)
BIRTH_CERTIFICATE = {"appeal_description": "the hospital wrote the passport number wrong on the birth certificate",
                 "appeal_location": "Yaojiayuan Road, Balizhuang, Chaoyang", "language": "en",
                 "appeal_category": "birth_medical_certificate"}


@pytest.mark.parametrize("text, said", [
    ("Yes please. But maybe in English, my Chinese is poor", True),
    ("可以，不过请用英语打给我", True),
    ("いいえ、でも英語でお願いします", False),
])
def test_a_yes_or_no_before_a_request_for_a_language_answers(text: str, said: bool) -> None:
    asked = turn(text, "switch_language")
    assert decide(asked, YES_NO) is Move.ANSWER
    assert yes_or_no_of(asked) is said


def test_a_request_for_a_language_alone_still_switches() -> None:
    assert decide(turn("Can we do this in English please?", "switch_language"), YES_NO) is Move.INTERRUPT


def test_a_call_back_in_english_is_a_yes_to_the_call_back() -> None:
    messages, events = appeal("Yes please. But maybe in English, my Chinese is poor", "switch_language",
                              BIRTH_CERTIFICATE, "contact_consent")
    assert _slots(events)["contact_consent"] is True
    assert "utter_language_switched" not in [m.get("response") for m in messages]


LOCKED_EXITS = {"appeal_description": "the emergency exit doors on floors 12 to 15 are chained and padlocked",
                "appeal_location": "Financial Street 9, Jinrongjie, Xicheng", "language": "en",
                "appeal_category": "blocked_fire_exit", "contact_consent": False,
                "appeal_attributes": {"exact_location": "floors 12 to 15, the doors to the east stairwell"}}


def test_a_correction_after_its_lead_keeps_what_was_wrong() -> None:
    found = correction("Correction: it's floors 11 to 15, not 12 to 15. The address is right")
    assert found is not None and (found.new, found.old) == ("floors 11 to 15", "12 to 15")
    found = correction("更正一下：三号楼，不是五号楼")
    assert found is not None and (found.new, found.old) == ("三号楼", "五号楼")


def test_a_correction_at_the_summary_changes_every_answer_that_said_it(hotline: FakeHotline) -> None:
    hotline.suggestions = [CategorySuggestion("blocked_fire_exit", "Blocked fire exits and fire lanes", 0.9)]
    messages, events = appeal("Correction: it's floors 11 to 15, not 12 to 15. The address is right",
                              "correct_appeal", LOCKED_EXITS, "appeal_confirmed")
    slots = _slots(events)
    assert "floors 11 to 15" in slots["appeal_description"]
    assert slots["appeal_attributes"]["exact_location"] == "floors 11 to 15, the doors to the east stairwell"
    assert "appeal_location" not in slots


def test_a_detail_alone_is_corrected_in_the_detail(hotline: FakeHotline) -> None:
    slots = {**LOCKED_EXITS, "appeal_description": "the emergency exits are chained shut"}
    messages, events = appeal("sorry, it's the west stairwell, not the east stairwell", "correct_appeal", slots,
                              "appeal_confirmed")
    assert _slots(events)["appeal_attributes"]["exact_location"] == "floors 12 to 15, the doors to the west stairwell"
    assert messages[0]["response"] == "msg_corrected_detail"


@pytest.mark.parametrize("text, place, corrected", [
    ("哦对，小区写得不全，是康盛园三区，8号楼没错", "大兴区林校路街道 康盛园小区", "大兴区林校路街道 康盛园三区"),
    ("the compound is Nanhu Xiyuan Phase 2, the rest is right", "Wangjing, Chaoyang, Nanhu Xiyuan",
     "Wangjing, Chaoyang, Nanhu Xiyuan Phase 2"),
])
def test_a_part_of_the_place_said_more_exactly_replaces_it(text: str, place: str, corrected: str,
                                                           hotline: FakeHotline) -> None:
    slots = {**LOCKED_EXITS, "appeal_location": place, "appeal_attributes": {}}
    messages, events = appeal(text, "correct_appeal", slots, "appeal_confirmed")
    assert _slots(events)["appeal_location"] == corrected


@pytest.mark.parametrize("text", ["是大兴区的", "对，就是这个小区", "没错"])
def test_a_clause_that_only_repeats_the_area_is_no_fuller_part(text: str) -> None:
    assert fuller_part(text, "大兴区林校路街道 康盛园小区") is None
