"""Repairs found by the held-out residents h451..h510 (first runs 92%, 92%, 78%): answers read as greetings or
status questions, openers that say who the resident is or that they do not know whom to ask, a correction whose
new part was a question, a message not understood twice, and a place that was a thank-you."""

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.appeal_form import ValidateAppealForm
from actions.conversation import is_announcement
from actions.fallback import TAKEN_AS_APPEAL, ActionBareReply, ActionClarify
from actions.repair import Kind, Move, Question, decide
from bot.attribute_words import value_in_words
from bot.repair import asks_about_the_question, cancels_the_appeal, correction, holds_on, is_question
from bot.short_replies import Reply, short_reply
from nlu.emergency_guard import RECURRING
from nlu.narrative_guard import SAYS_IT_ASKS, asks_a_question
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline
from tests.actions.test_repair import _slots, appeal, turn

CHOICE, PLACE, YES_NO = Question(Kind.CHOICE), Question(Kind.PLACE), Question(Kind.YES_NO)


@pytest.mark.parametrize("text", ["Tuesday morning", "still going, they are there every day", "since Monday morning"])
def test_an_answer_the_classifier_took_for_a_greeting_is_an_answer(text: str) -> None:
    assert decide(turn(text, "greet", 0.95), CHOICE) is Move.ANSWER


@pytest.mark.parametrize("text", ["hi", "hello again", "你好", "こんにちは", "good morning!"])
def test_a_greeting_still_interrupts(text: str) -> None:
    assert decide(turn(text, "greet", 0.95), CHOICE) is Move.INTERRUPT


@pytest.mark.parametrize("text", ["谢了", "3q", "tysm", "ありがと～"])
def test_thanks_in_slang_still_interrupts(text: str) -> None:
    assert decide(turn(text, "thanks", 0.9), CHOICE) is Move.INTERRUPT


def test_a_statement_read_as_a_status_question_answers_a_multiple_choice_question() -> None:
    assert decide(turn("2か月前に申請しました", "check_status", 0.8), CHOICE) is Move.ANSWER
    assert decide(turn("where is my earlier appeal?", "check_status", 0.9), CHOICE) is Move.INTERRUPT


@pytest.mark.parametrize("text", [
    "hi, I'm a parent, I have a complaint about my son's school",
    "I'm a tenant here, I have a problem with my landlord",
    "hey, got a parking issue near my building", "we've got a noise complaint", "您好，我想举报个事儿，不知道该找谁",
    "我是这个小区的业主，想反映个事", "私は北京在住の日本人です。相談したいことがあります",
    "I want to report something about my employer, not sure who to ask"])
def test_an_opener_after_who_the_resident_is_or_before_not_knowing_whom_to_ask_is_no_description(text: str) -> None:
    assert is_announcement(text)


@pytest.mark.parametrize("text", ["我是外卖员，今天在三里屯被保安打了", "I got a parking ticket near my building",
                                  "My landlord kept my deposit, I don't know who to ask",
                                  "I'm a parent: the school charges 800 yuan for uniforms in cash, no receipt"])
def test_who_the_resident_is_and_what_happened_is_a_description(text: str) -> None:
    assert not is_announcement(text)


def test_the_opener_is_asked_about_in_the_form(hotline: FakeHotline) -> None:
    messages, events = appeal("您好，我想举报个事儿，不知道该找谁", "report_problem", {}, "appeal_description")
    assert _slots(events).get("appeal_description") is None
    assert messages[0]["response"] == "msg_not_a_description"


@pytest.mark.parametrize("text, value", [
    ("the whole courtyard, five households", "building"), ("three households in our yard", "building"),
    ("お店だけです", "my_home"), ("只有我们店停了", "my_home"),
    ("only our shop, the neighbours have power", "my_home")])
def test_how_widespread_in_words(text: str, value: str) -> None:
    values = {"unknown": "Not sure", "my_home": "Only my home", "building": "Whole building", "compound": "Compound"}
    assert value_in_words("outage_scope", text, values) == value


@pytest.mark.parametrize("text", ["要的", "需要的", "可以的", "行的"])
def test_yes_with_a_particle(text: str) -> None:
    assert short_reply(text) is Reply.YES


def test_not_without_it_is_no(text: str = "不要的") -> None:
    assert short_reply(text) is Reply.NO


def test_a_not_clause_followed_by_a_question_corrects_nothing() -> None:
    assert correction("I only know the area, not the building number, is that enough?") is None


def test_the_new_place_before_not_the_old_one_when_more_is_said_of_the_old_one() -> None:
    found = correction("哎不对，小区写错了，我们租的是常营的鑫兆佳园，不是万象新天，万象新天是我上一个租的地方")
    assert found is not None and found.new == "常营的鑫兆佳园" and found.old == "万象新天"


@pytest.mark.parametrize("text, asks", [("啥地址 中介的还是我住的地", True), ("为啥不管", True),
                                        ("饭馆停气两天了，啥通知都没有", False), ("没啥事", False)])
def test_sha_asks_unless_it_means_any(text: str, asks: bool) -> None:
    assert is_question(text) is asks


@pytest.mark.parametrize("text", ["thank you for listening, honestly. nobody at the school does",
                                  "啥地址 中介的还是我住的地"])
def test_a_thank_you_or_a_question_is_no_place(text: str, hotline: FakeHotline) -> None:
    messages, events = appeal(text, "nlu_fallback", {"appeal_description": "路灯坏了一个星期"}, "appeal_location")
    assert _slots(events).get("appeal_location") is None and _slots(events).get("location_candidate") is None
    assert messages[-1]["response"] == "msg_not_a_place"


def test_smoke_every_night_recurs() -> None:
    assert RECURRING.search("夜になると近くの工場から焦げたようなにおいの煙が出ています")
    assert RECURRING.search("一到晚上就冒烟")


@pytest.mark.parametrize("text", ["Isn't inclusive education supposed to be his right?",
                                  "就是我每个月给她五百块生活费，这也算？"])
def test_an_outcry_asks_nothing(text: str) -> None:
    assert not asks_a_question(text)


def _not_understood(text: str, *, clarified_before: bool) -> Tracker:
    latest = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": [],
              "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}]}
    events: list[dict[str, Any]] = [{"event": "user", "text": "first try", "parse_data": latest}]
    if clarified_before:
        events += [{"event": "action", "name": "action_clarify"}, {"event": "bot", "text": "did you mean..."}]
    events += [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text, "parse_data": latest}]
    return Tracker("resident-1", {"language": "zh"}, latest, events, False, None, {"name": None}, "action_listen")


def test_an_account_not_understood_twice_is_taken_as_the_appeal() -> None:
    messages, events = run(ActionClarify(), _not_understood("低保怎么给我停了 也没人通知", clarified_before=True))
    assert [m["response"] for m in messages] == ["msg_taken_as_appeal"]
    assert _slots(events)[TAKEN_AS_APPEAL] is True


@pytest.mark.parametrize("text", ["嗯那个", "asdfgh", "我想投诉"])
def test_anything_else_not_understood_twice_is_offered_a_person(text: str) -> None:
    messages, events = run(ActionClarify(), _not_understood(text, clarified_before=True))
    assert [m["response"] for m in messages] == ["msg_offer_human"] and _slots(events)[TAKEN_AS_APPEAL] is False


def test_an_account_not_understood_once_is_asked_about() -> None:
    messages, events = run(ActionClarify(), _not_understood("低保怎么给我停了 也没人通知", clarified_before=False))
    assert [m["response"] for m in messages] == ["msg_ask_rephrase"] and _slots(events)[TAKEN_AS_APPEAL] is False


def test_a_bare_reply_not_understood_is_never_taken_as_an_appeal() -> None:
    messages, events = run(ActionBareReply(), _not_understood("低保怎么给我停了 也没人通知", clarified_before=True))
    assert [m["response"] for m in messages] == ["msg_offer_human"]


@pytest.mark.parametrize("text", ["すみません今ちょっと手が離せなくて、あとで", "等会儿再发你",
                                  "busy right now, I'll send it later"])
def test_busy_now_the_answer_later_asks_to_wait(text: str) -> None:
    assert holds_on(text)
    assert decide(turn(text, "nlu_fallback", 0.4), PLACE) is Move.REPEAT


@pytest.mark.parametrize("text", ["朝陽区の三里屯、あとで詳しく書きます",
                                  "I will send the photo later, the street is Xinyuan Road"])
def test_a_place_with_more_to_come_later_is_the_answer(text: str) -> None:
    assert not holds_on(text)


@pytest.mark.parametrize("text", ["是填我妈家地址还是我家的？我住海淀，我妈住石景山",
                                  "the address of my office or my home?"])
def test_which_of_two_places_asks_about_the_question(text: str) -> None:
    assert asks_about_the_question(text)


async def _typed_category(text: str, description: str, options: list[str], language: str = "en") -> Any:
    slots = {"language": language, "appeal_description": description, "category_options": options,
             "requested_slot": "appeal_category"}
    tracker = Tracker("s", slots, {"text": text, "intent": {"name": "choose_category"}}, [], False, None,
                      {"name": "appeal_form"}, "action_listen")
    return (await ValidateAppealForm().validate_appeal_category(text, CollectingDispatcher(), tracker, {})).get(
        "appeal_category")


def test_a_button_name_in_more_words_yields_to_the_category_the_words_name_clearly(hotline: FakeHotline) -> None:
    hotline.down = True  # the shipped taxonomy's names and suggester
    description = "Someone bolted a yellow folding parking lock into the public lane next to our building"
    offered = ["illegal_parking", "private_ground_lock"]
    chosen = asyncio.run(_typed_category("illegal parking lock", description, offered))
    assert chosen == "private_ground_lock"
    assert asyncio.run(_typed_category("illegal parking", description, offered)) == "illegal_parking"


def test_a_shady_job_agency_is_recruitment_fraud(hotline: FakeHotline) -> None:
    hotline.down = True
    description = "在中介那交了800块介绍费 说给安排进电子厂包吃住 结果拉过去根本没那个厂 回去找中介 钱也不退"
    options = ["recruitment_fraud", "rental_agency_misconduct", "employment_assistance"]
    assert asyncio.run(_typed_category("黑中介骗钱", description, options, "zh")) == "recruitment_fraud"


@pytest.mark.parametrize("text", ["wait my wife says she already called about this yesterday. cancel mine",
                                  "please cancel mine", "她已经报过了，我这个取消吧"])
def test_someone_else_reported_it_so_cancel_mine(text: str) -> None:
    assert cancels_the_appeal(text)
    assert decide(turn(text, "cancel", 0.85), YES_NO) is Move.CANCEL


@pytest.mark.parametrize("text", ["I already reported the light last week, is there any news?",
                                  "I just called the police, they said to file it here"])
def test_a_report_made_before_cancels_nothing(text: str) -> None:
    assert not cancels_the_appeal(text)


@pytest.mark.parametrize("text", ["Just a general question for a friend, nothing to report yet: if an employer stops "
                                  "paying, what rights does the worker have?", "只是问问，不是要投诉",
                                  "一般的な質問ですが、"])
def test_saying_it_is_only_a_question(text: str) -> None:
    assert SAYS_IT_ASKS.search(text)
