"""Repairs found by the held-out residents h391..h410 (first run 92%): asking for a moment at the end of an apology,
in every language, is waiting, not the answer."""

import pytest

from bot.repair import holds_on
from tests.actions.fakes import FakeHotline
from tests.actions.test_repair import _slots, appeal

PET_HOTEL = {"appeal_description": "The pet boarding hotel lost my dog and still wants the full fee"}


@pytest.mark.parametrize("text", ["sorry, I'm really upset, give me a second", "ok just a moment please",
                                  "bear with me", "不好意思，让我缓一下", "稍等一下啊",
                                  "すみません、少し時間をください", "ちょっと待ってくださいね"])
def test_asking_for_a_moment_after_an_apology_is_waiting(text: str) -> None:
    assert holds_on(text)


@pytest.mark.parametrize("text", ["give me a second, it is Gongti North Road 8", "Building 5, give me a sec",
                                  "wait a minute, is this Chaoyang?"])
def test_an_answer_or_a_question_beside_a_moment_is_no_waiting(text: str) -> None:
    assert not holds_on(text)


def test_asking_for_a_moment_at_the_place_question_stores_no_place(hotline: FakeHotline) -> None:
    # en-h401: the words went onto the map search and, after "yes", onto the ticket as the place
    messages, events = appeal("sorry, I'm really upset, give me a second", "inform_location", PET_HOTEL,
                              "appeal_location")
    assert not _slots(events).get("appeal_location")
    assert _slots(events)["requested_slot"] == "appeal_location"  # asked again
