"""Repairs found after the held-out residents h551..h570 and by h571..h630 (first runs 92%, 85%, 95%): a yes before a
request for a language, corrections with remarks about the rest, "wait" said in more ways, which place and how exact,
a number for a call-back with who answers it, words read as a goodbye, and danger that was a question."""

from typing import Any

import pytest

from actions.callback import ValidateCallbackForm
from actions.hotline_client import CategorySuggestion
from actions.repair import Kind, Move, Question, decide, said_again, yes_or_no_of
from bot.attribute_words import value_in_words
from bot.repair import asks_about_the_question, cannot_give_the_place, correction, fuller_part, holds_on
from bot.short_replies import Reply, short_reply
from nlu.emergency_guard import means_danger_now
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker
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


# ---- h571..h630 ----

@pytest.mark.parametrize("text", ["wait", "sec", "等下", "OK wait，我确认一下门牌号", "您稍等，我戴上老花镜",
                                  "えーと、ちょっと待ってください、地図アプリで確認します", "等会儿我再发"])
def test_a_wait_said_in_more_ways_holds_on(text: str) -> None:
    assert holds_on(text)


@pytest.mark.parametrize("text", ["等下水管又漏了", "wait, it is Building 5 not 6", "waiter was rude",
                                  "等等，地址说错了"])
def test_a_message_that_says_more_than_wait_does_not_hold_on(text: str) -> None:
    assert not holds_on(text)


def test_wait_at_the_description_is_no_correction_and_asks_again(hotline: FakeHotline) -> None:
    messages, events = appeal("wait", "correct_appeal", {"language": "en"}, "appeal_description")
    assert "appeal_description" not in {k: v for k, v in _slots(events).items() if v}
    assert not any(m.get("response", "").startswith("msg_corrected") for m in messages)


@pytest.mark.parametrize("text, new, old", [
    ("纠正一下：不是华龙苑北里，是华龙苑南里，刚才打错了", "华龙苑南里", "华龙苑北里"),
    ("有个地方说错了，孩子今年四岁，不是五岁，别的没问题", "四岁", "五岁"),
    ("訂正です。写真を見直したら、輪ゴムじゃなくて髪をしばるヘアゴムでした。あとはそのままで大丈夫です",
     "髪をしばるヘアゴム", "輪ゴム"),
    ("Correction, I recounted from my photos: it's 10 rooms, not 9. Address is right", "10 rooms", "9"),
])
def test_corrections_with_a_remark_about_the_rest(text: str, new: str, old: str) -> None:
    found = correction(text)
    assert found is not None and (found.new, found.old) == (new, old) and found.field != "location"


def test_a_number_corrected_in_the_description_is_that_number(hotline: FakeHotline) -> None:
    slots = {**LOCKED_EXITS, "appeal_description": "In 2019 they turned the flat into 9 tiny rooms with bunk beds",
             "appeal_attributes": {}}
    hotline.suggestions = [CategorySuggestion("blocked_fire_exit", "Blocked fire exits and fire lanes", 0.9)]
    messages, events = appeal("Correction, I recounted from my photos: it's 10 rooms, not 9. Address is right",
                              "correct_appeal", slots, "appeal_confirmed")
    assert _slots(events)["appeal_description"] == "In 2019 they turned the flat into 10 tiny rooms with bunk beds"


@pytest.mark.parametrize("text", ["the flat's address, right? not mine? I live out in Shunyi",
                                  "就是我住那儿啊，还要写多细？楼号也要？",
                                  "病院の住所でしょうか？義父の家の住所でしょうか？",
                                  "は？さっき通州って言ったじゃん"])
def test_which_place_and_how_exact_ask_about_the_question(text: str) -> None:
    assert asks_about_the_question(text)


def test_asking_which_address_is_told_why_it_is_needed(hotline: FakeHotline) -> None:
    messages, events = appeal("病院の住所でしょうか？義父の家の住所でしょうか？", "faq",
                              {"appeal_description": "入院費の明細にやっていない検査", "language": "ja"},
                              "appeal_location")
    assert [m["response"] for m in messages][0].startswith("msg_required")
    assert _slots(events).get("appeal_location") is None


def test_a_number_for_a_call_back_with_who_answers_it_is_the_number(hotline: FakeHotline) -> None:
    asked = turn("電話は妻にお願いします。13911086732", "request_human")
    assert decide(asked, Question(Kind.PHONE, optional=True)) is Move.ANSWER
    assert decide(turn("转人工吧 13911086732", "request_human"), Question(Kind.PHONE, optional=True)) is Move.ROUTE
    messages, events = _callback("電話は妻にお願いします。13911086732", "request_human")
    assert _slots(events)["callback_phone"] == "13911086732"


def _callback(text: str, intent: str) -> tuple[list[dict[str, Any]], list[Any]]:
    events = [{"event": "action", "name": "action_listen"}]
    conversation = tracker(text=text, intent=intent, events=events,
                           slots={"callback_topic": "入院費の明細", "language": "ja",
                                  "requested_slot": "callback_phone"})
    conversation.events.append({"event": "action", "name": "callback_form"})
    conversation.active_loop = {"name": "callback_form"}
    return run(ValidateCallbackForm(), conversation)


def test_words_that_are_no_goodbye_answer_the_question() -> None:
    asked = turn("ここ1週間毎晩です、きのうは11時半ごろでした", "goodbye")
    assert decide(asked, Question(Kind.CHOICE)) is Move.ANSWER
    assert decide(turn("じゃあ、失礼します", "goodbye"), Question(Kind.CHOICE)) is Move.INTERRUPT


def test_the_same_words_again_after_small_talk_are_the_answer(hotline: FakeHotline) -> None:
    said = "今はいないと思います"
    history = [{"event": "user", "text": said}, {"event": "bot", "text": "…"},
               {"event": "action", "name": "action_listen"}]
    conversation = tracker(text=said, intent="greet", events=history,
                           slots={"appeal_description": "花火", "language": "ja", "requested_slot": "appeal_location"})
    assert said_again(conversation)
    assert not said_again(tracker(text=said, intent="greet", events=[]))


@pytest.mark.parametrize("text", ["じゃあ、お願いします", "では、お願いします", "それでお願いします"])
def test_well_then_please_is_a_yes(text: str) -> None:
    assert short_reply(text) is Reply.YES


@pytest.mark.parametrize("text, language", [("啥叫有危险？你是说着火了才算？", "zh"),
                                            ("every single evening someone burns plastic and rubbish in the field "
                                             "behind our compound. black smoke, my son has asthma", "en")])
def test_asking_what_counts_as_danger_and_smoke_every_evening_are_no_emergency(text: str, language: str) -> None:
    assert not means_danger_now(text, language)


def test_a_place_on_no_map_cannot_be_given() -> None:
    assert cannot_give_the_place("住所が地図に出ないから困ってるんですけど…笑")


def test_several_floors_are_the_building() -> None:
    values = {"my_home": "only my home", "building": "building", "compound": "compound", "unknown": "unknown"}
    assert value_in_words("outage_scope", "上面几层都这样", values) == "building"
    assert value_in_words("outage_scope", "the floors above us too", values) == "building"


@pytest.mark.parametrize("text", ["おけ", "おけー", "りょ"])
def test_japanese_chat_oks_are_ok(text: str) -> None:
    assert short_reply(text) is Reply.OK


def test_a_correction_whose_old_words_are_not_in_the_description_never_replaces_it(hotline: FakeHotline) -> None:
    found = correction("あ、その前にひとつ訂正させてください。契約の残りは5か月じゃなくて7か月でした")
    assert found is not None and (found.new, found.old) == ("7か月", "5か月")
    slots = {"appeal_description": "1年契約で、まだ半年残っているのに解雇されました", "language": "ja",
             "appeal_location": "海淀区 中関村街道", "appeal_category": "illegal_dismissal"}
    messages, events = appeal("契約の残りは5か月じゃなくて7か月でした", "correct_appeal", slots, "contact_phone")
    assert "appeal_description" not in _slots(events)
