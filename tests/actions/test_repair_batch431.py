"""Repairs found by the held-out residents h431..h450 (first run 97%): an opener that only names what the complaint
is about, and a problem that went away while the resident was filing it."""

import pytest

from actions.conversation import is_announcement
from bot.repair import cancels_the_appeal
from tests.actions.fakes import FakeHotline
from tests.actions.test_repair import _slots, appeal


@pytest.mark.parametrize("text", ["quick complaint abt street parking", "a question about my landlord",
                                  "small issue with the bus stop", "Hi, can you help me with a problem at work?"])
def test_a_short_complaint_about_a_topic_is_no_description(text: str) -> None:
    assert is_announcement(text)


def test_what_the_complaint_is_after_its_topic_is_a_description() -> None:
    assert not is_announcement("quick complaint abt street parking: a fake attendant takes 20 yuan cash from every car")


@pytest.mark.parametrize("text", ["あっ、いま出ました！水が戻ったので、もう大丈夫です。やめてください",
                                  "水が戻ったので、もう大丈夫です。やめてください", "来水了，不用了，别报了",
                                  "oh it's back on now, never mind, no need"])
def test_a_problem_that_went_away_and_a_stop_cancels(text: str) -> None:
    assert cancels_the_appeal(text)


@pytest.mark.parametrize("text", ["水が出ません。やめてください",
                                  "the light came back on for an hour but it is out again"])
def test_a_stop_or_a_return_alone_cancels_nothing(text: str) -> None:
    assert not cancels_the_appeal(text)


def test_the_water_back_at_the_category_question_asks_to_confirm_the_cancel(hotline: FakeHotline) -> None:
    # ja-h448: the form went on to the next question, and filed the appeal in the end
    slots = {"appeal_description": "朝から家の水がまったく出ません",
             "appeal_location": "朝陽区 望京街道 のマンション 7号棟", "language": "ja"}
    messages, events = appeal("あっ、いま出ました！水が戻ったので、もう大丈夫です。やめてください", "nlu_fallback",
                              slots, "appeal_category")
    assert _slots(events)["cancel_pending"] is True and _slots(events)["requested_slot"] == "cancel_confirmation"
