"""Repairs found by the held-out residents h351..h370 (first run 83%): English question words inside a statement,
openers with a greeting or a duration around them, Japanese openers that only name what they report, and saying the
place cannot be given exactly."""

import pytest

from actions.conversation import is_announcement
from bot.repair import cannot_give_the_place, is_question
from tests.actions.fakes import FakeHotline
from tests.actions.test_repair import DESCRIBED, _slots, appeal


@pytest.mark.parametrize("text", ["registering where I live as a foreigner", "the place where I work",
                                  "the shop where we bought it"])
def test_a_question_word_inside_a_statement_asks_nothing(text: str) -> None:
    assert not is_question(text)


@pytest.mark.parametrize("text", ["where is the office", "hi, how do I renew my visa", "so what should I do",
                                  "Where do I pay", "is this allowed?"])
def test_questions_still_ask(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize("text", [
    "Hi there. Can I report a bus driver here? It's been going on for weeks",
    "すみません、工事現場のことで報告したいです", "バス路線の要望をお伝えしたいのですが、ここでいいですか？",
    "騒音のことで相談させてください",
])
def test_an_opener_that_names_only_what_it_reports_is_no_description(text: str) -> None:
    assert is_announcement(text)


@pytest.mark.parametrize("text", [
    "Hi there. Can I report a bus driver here? He skips our stop every morning",
    "工事現場の足場が歩道に倒れかかっていて危ないので報告したいです",
])
def test_what_happened_beside_the_opener_is_a_description(text: str) -> None:
    assert not is_announcement(text)


@pytest.mark.parametrize("text", ["就是因为没门牌号才找你们的嘛，我只能说个大概位置", "I don't know the exact address",
                                  "番地が分かりません"])
def test_saying_the_place_cannot_be_given_exactly_asks_for_a_landmark(text: str, hotline: FakeHotline) -> None:
    assert cannot_give_the_place(text)
    messages, events = appeal(text, "inform_location", {"appeal_description": DESCRIBED["appeal_description"]},
                              "appeal_location")
    assert [m["response"] for m in messages] == ["msg_required_appeal_location"]
    assert _slots(events)["appeal_location"] is None


@pytest.mark.parametrize("text", ["I don't know the exact address, it's near the Sanlitun Soho",
                                  "没有门牌号，就在西红门地铁站北边那片平房"])
def test_an_approximate_place_is_a_place(text: str) -> None:
    assert not cannot_give_the_place(text)
