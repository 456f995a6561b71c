"""Repairs found by the held-out residents h411..h430 (first run 85%): an opener that only says what kind of
message follows, a reply said three times over."""

import pytest

from actions.conversation import is_announcement
from bot.repair import opening_reply, short_reply
from bot.short_replies import Reply


@pytest.mark.parametrize("text", ["hi there, this is a question slash complaint about a university",
                                  "this is a complaint about my landlord", "你好，我想问问丢了东西能不能在这儿登记一下",
                                  "丢了钱包能不能在这儿登记？", "会社のスタッフのことで、代わりに相談させてください"])
def test_saying_what_kind_of_message_follows_is_no_description(text: str) -> None:
    assert is_announcement(text)


@pytest.mark.parametrize("text", ["this is a complaint about my landlord who keeps my deposit of 5000 yuan",
                                  "我在地坛公园丢了一个黑色钱包，里面有身份证"])
def test_what_happened_is_a_description(text: str) -> None:
    assert not is_announcement(text)


@pytest.mark.parametrize(("text", "reply"), [("要要要", Reply.YES), ("是是是", Reply.YES), ("好好好", Reply.OK),
                                             ("不要不要", Reply.NO), ("yes yes", Reply.YES), ("はいはい", Reply.YES)])
def test_a_reply_said_again_and_again_is_that_reply(text: str, reply: Reply) -> None:
    assert short_reply(text) is reply


def test_a_repeated_yes_opening_a_sentence_answers_a_yes_no_question() -> None:
    # zh-h417: "请回答“是”或“否”" three times
    assert opening_reply("要要要，找着了务必给我打电话") is Reply.YES
    assert short_reply("路灯路灯") is None
