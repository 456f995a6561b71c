"""Conversation repair inside forms (actions/repair.py): what a message does to the question asked, in zh,
en and ja, and how the appeal form acts on it (the whole flows run against the real stack in
tests/dialogue/test_conversations.py)."""

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.appeal_form import ValidateAppealForm
from actions.repair import AskQuestion, Kind, Move, Question, Turn, decide, follows_user_message
from bot.short_replies import short_reply
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker

TEXT, PLACE, PHONE = Question(Kind.TEXT), Question(Kind.PLACE), Question(Kind.PHONE, optional=True)
YES_NO, CHOICE = Question(Kind.YES_NO), Question(Kind.CHOICE)


def turn(text: str, intent: str = "nlu_fallback", confidence: float = 0.9) -> Turn:
    return Turn(text=text, intent=intent, confidence=confidence,
                reply=None if text.startswith("/") else short_reply(text))


@pytest.mark.parametrize("text, intent, question, move", [
    # a question about something else is answered, then the form asks again
    ("how do I extend my visa?", "faq", PLACE, Move.INTERRUPT),
    ("电动自行车怎么上牌？", "faq", TEXT, Move.INTERRUPT),
    ("あなたはロボットですか？", "bot_challenge", CHOICE, Move.INTERRUPT),
    ("thanks", "thanks", PLACE, Move.INTERRUPT),
    ("谢谢", "nlu_fallback", PLACE, Move.INTERRUPT),  # the words tell, whatever the model said
    ("我之前的诉求办得怎么样了", "check_status", PLACE, Move.INTERRUPT),
    ("ところで、ビザの延長はどうすればいいですか？", "faq", PLACE, Move.INTERRUPT),
    # ...but not for the model's garbage class: the validator judges those words
    ("三里屯", "out_of_scope", PLACE, Move.ANSWER),
    ("call me tomorrow", "out_of_scope", PHONE, Move.ANSWER),
    # "say that again"
    ("say that again", "nlu_fallback", PLACE, Move.REPEAT),
    ("再说一遍", "affirm", TEXT, Move.REPEAT),
    ("もう一度お願いします", "nlu_fallback", CHOICE, Move.REPEAT),
    # declining one question is not cancelling the appeal
    ("no thanks, I'd rather not leave my number", "cancel", PHONE, Move.SKIP),
    ("不用了", "cancel", PHONE, Move.SKIP),
    ("電話番号は結構です", "deny", PHONE, Move.SKIP),
    ("skip", "nlu_fallback", PLACE, Move.SKIP),
    ("跳过", "cancel", TEXT, Move.SKIP),
    # ...unless it names the appeal
    ("cancel the whole appeal", "cancel", PHONE, Move.CANCEL),
    ("取消", "cancel", PLACE, Move.CANCEL),
    ("キャンセル", "cancel", CHOICE, Move.CANCEL),
    # ...or cancels the appeal in words, whatever the question and the model said
    ("申し訳ありませんが、この申告は取り消してください", "deny", Question(Kind.YES_NO, optional=True), Move.CANCEL),
    ("やはり申告はやめておきます", "nlu_fallback", YES_NO, Move.CANCEL),
    ("the lift works again, please cancel this report", "request_help", PHONE, Move.CANCEL),
    # declining the phone in a sentence of one's own
    ("哎，我想了想电话还是别留了，怕公司知道是我反映的", "nlu_fallback", PHONE, Move.SKIP),
    # a wish is never a cancellation
    ("please stop the restaurant dumping oil", "cancel", TEXT, Move.ANSWER),
    ("街灯を直してほしいです", "cancel", TEXT, Move.ANSWER),
    # yes and no answer yes/no questions, in words
    ("いいえ、結構です", "cancel", YES_NO, Move.SKIP),
    ("いいえ", "cancel", YES_NO, Move.ANSWER),
    ("不用了", "cancel", Question(Kind.YES_NO, optional=True), Move.ANSWER),
    ("好的", "affirm", YES_NO, Move.ANSWER),
    # emergencies and people are the rules' to handle
    ("there's a fire in my building", "emergency", PLACE, Move.ROUTE),
    ("转人工", "request_human", TEXT, Move.ROUTE),
    # buttons say what they are
    ('/choose_category{"appeal_category": "street_light_out"}', "choose_category", CHOICE, Move.ANSWER),
    ("/cancel", "cancel", CHOICE, Move.CANCEL),
    ("/deny", "deny", PHONE, Move.SKIP),
    ("/faq", "faq", PLACE, Move.INTERRUPT),
])
def test_what_a_message_does_to_the_question(text: str, intent: str, question: Question, move: Move) -> None:
    assert decide(turn(text, intent), question) is move


def test_a_correction_wins_over_everything_but_emergencies_and_repeats() -> None:
    assert decide(turn("actually it's on the north side", "inform_location"), PLACE, is_correction=True) is Move.CORRECT
    assert decide(turn("there is a fire", "emergency"), PLACE, is_correction=True) is Move.ROUTE



def test_an_unsure_interruption_is_taken_as_the_answer() -> None:
    assert decide(turn("Sanlitun", "faq", confidence=0.4), PLACE) is Move.ANSWER
    assert decide(turn("the stop sign by the school", "cancel", confidence=0.3), TEXT) is Move.ANSWER


def _form_events(*, after: str) -> list[dict[str, Any]]:
    """A conversation ending with ``after`` (a user message or an action) and then the form's own run."""
    if after == "user":
        last = {"event": "user", "text": "x", "parse_data": {}}
    else:
        last = {"event": "action", "name": after}
    return [{"event": "action", "name": "action_listen"}, last, {"event": "action", "name": "appeal_form"},
            {"event": "slot", "name": "appeal_location", "value": "x"}]


def test_the_form_repairs_only_a_fresh_message() -> None:
    fresh = Tracker("s", {}, {}, _form_events(after="user"), False, None, {"name": "appeal_form"}, "appeal_form")
    returning = Tracker("s", {}, {}, _form_events(after="utter_faq"), False, None, {"name": "appeal_form"},
                        "appeal_form")
    assert follows_user_message(fresh) and not follows_user_message(returning)


def appeal(text: str, intent: str, slots: dict[str, Any], requested: str) -> tuple[list[dict[str, Any]], list[Any]]:
    events = [{"event": "action", "name": "action_listen"}]
    conversation = tracker(text=text, intent=intent, events=events, slots={**slots, "requested_slot": requested})
    conversation.events.append({"event": "action", "name": "appeal_form"})
    conversation.active_loop = {"name": "appeal_form"}
    return run(ValidateAppealForm(), conversation)


def _slots(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


DESCRIBED = {"appeal_description": "路灯坏了一个星期", "appeal_location": "朝阳区三里屯街道工体北路8号"}


def test_cancel_with_answers_asks_first_and_keeps_them(hotline: FakeHotline) -> None:
    messages, events = appeal("取消", "cancel", DESCRIBED, "appeal_category")
    assert messages == []  # the form asks: action_ask_cancel_confirmation
    assert _slots(events)["cancel_pending"] is True and _slots(events)["requested_slot"] == "cancel_confirmation"
    assert "appeal_description" not in _slots(events)


def test_cancel_without_answers_cancels_at_once_in_one_message(hotline: FakeHotline) -> None:
    messages, events = appeal("cancel", "cancel", {}, "appeal_description")
    assert [m["response"] for m in messages] == ["utter_appeal_cancelled"]
    assert _slots(events)["requested_slot"] is None and _slots(events)["appeal_confirmed"] is None


def test_confirming_the_cancel_drops_the_answers(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "cancel_pending": True}
    messages, events = appeal("是的", "affirm", slots, "cancel_confirmation")
    assert [m["response"] for m in messages] == ["utter_appeal_cancelled"]
    assert _slots(events)["appeal_description"] is None and _slots(events)["requested_slot"] is None


def test_declining_the_cancel_goes_on_where_the_appeal_was(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "cancel_pending": True}
    messages, events = appeal("不取消", "deny", slots, "cancel_confirmation")
    assert [m["response"] for m in messages] == ["msg_appeal_kept"]
    assert _slots(events)["cancel_pending"] is None and _slots(events)["requested_slot"] == "appeal_category"


def test_a_policy_question_is_answered_and_nothing_is_stored(hotline: FakeHotline) -> None:
    conversation_slots = {"appeal_description": "路灯坏了一个星期"}
    messages, events = appeal("电动自行车怎么上牌？", "faq", conversation_slots, "appeal_location")
    assert _slots(events) == {"appeal_location": None, "requested_slot": "appeal_location"}
    assert messages[0]["response"] == "utter_ask_question_prompt"  # no selector in this fake: the generic prompt


def test_no_thanks_to_the_phone_skips_it(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "traffic_signal_fault", "contact_consent": True}
    messages, events = appeal("不用了", "deny", slots, "contact_phone")
    assert [m["response"] for m in messages] == ["msg_phone_skipped"]
    assert _slots(events)["contact_consent"] is False and _slots(events)["requested_slot"] == "appeal_confirmed"


def test_a_not_x_but_y_correction_changes_the_text_that_said_x(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "traffic_signal_fault", "contact_consent": False}
    messages, events = appeal("不对，是在和平里北街，不是工体北路", "correct_appeal", slots, "appeal_confirmed")
    assert _slots(events)["appeal_location"] == "朝阳区三里屯街道和平里北街8号"
    assert messages[0]["response"] == "msg_corrected_location"


def test_the_second_refusal_in_a_row_offers_a_way_out_instead(hotline: FakeHotline) -> None:
    messages, events = appeal("好的", "affirm", {}, "appeal_description")
    assert [m["response"] for m in messages] == ["msg_not_a_description"]
    assert _slots(events)["repair_failures"] == {"slot": "appeal_description", "count": 1}
    messages, events = appeal("是", "affirm", {"repair_failures": {"slot": "appeal_description", "count": 1}},
                              "appeal_description")
    assert [m["response"] for m in messages] == ["msg_way_out"]
    assert _slots(events)["repair_failures"]["count"] == 2
    messages, events = appeal("嗯", "affirm", {"repair_failures": {"slot": "appeal_description", "count": 2}},
                              "appeal_description")
    assert [m["response"] for m in messages] == ["msg_not_a_description"]  # explanation and way out take turns
    messages, events = appeal("对", "affirm", {"repair_failures": {"slot": "appeal_description", "count": 3}},
                              "appeal_description")
    assert [m["response"] for m in messages] == ["msg_way_out"]  # a required question is still asked
    assert _slots(events)["repair_failures"]["count"] == 4


def test_an_optional_question_refused_after_the_way_out_is_left_out(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "street_light_out", "appeal_attributes": {"recurring": "once"},
             "contact_consent": True, "repair_failures": {"slot": "contact_phone", "count": 3}}
    messages, events = appeal("my mobile", "inform", slots, "contact_phone")
    assert [m["response"] for m in messages][0] == "msg_phone_skipped"
    assert _slots(events)["contact_consent"] is False and _slots(events)["repair_failures"] is None


def test_a_follow_up_question_refused_after_the_way_out_is_noted_as_not_sure(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "street_light_out", "repair_failures": {"slot": "appeal_attribute",
                                                                                      "count": 3}}
    messages, events = appeal("the bill came on the 15th", "inform", slots, "appeal_attribute")
    assert [m["response"] for m in messages][0] == "msg_attribute_noted_unknown"
    assert _slots(events)["appeal_attributes"] == {"recurring": "unknown"}


class _AskPlace(AskQuestion):
    SLOT = "appeal_location"

    def name(self) -> str:
        return "action_ask_appeal_location"


def test_an_explained_question_is_not_asked_twice_in_one_turn() -> None:
    explained = tracker(events=[], slots={"question_explained": "appeal_location"})
    explained.events.append({"event": "slot", "name": "question_explained", "value": "appeal_location"})
    messages, events = run(_AskPlace(), explained)
    assert messages == [] and events == [{"event": "slot", "timestamp": None, "name": "question_explained",
                                          "value": None}]
    messages, _ = run(_AskPlace(), tracker())
    assert [m["response"] for m in messages] == ["utter_ask_appeal_location"]


def test_a_correction_at_another_question_keeps_nothing_for_that_question(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "traffic_signal_fault", "appeal_attribute": "不对，不是路灯，是井盖"}
    text = "等会儿，说错了，不是路灯，是井盖"
    messages, events = appeal(text, "correct_appeal", slots, "appeal_attribute")
    changed = _slots(events)
    assert changed["appeal_description"] == "井盖坏了一个星期"
    assert changed["appeal_attribute"] is None  # what Rasa took from the message for the question asked
    assert messages[0]["response"] == "msg_corrected_description"


def test_a_yes_opening_a_sentence_answers_a_yes_no_question(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "traffic_signal_fault"}
    messages, events = appeal("sure, you can call me", "request_help", slots, "contact_consent")
    assert _slots(events)["contact_consent"] is True
    assert "msg_answer_yes_or_no" not in [m.get("response") for m in messages]


def test_a_yes_in_a_later_sentence_answers_a_yes_no_question(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "traffic_signal_fault"}
    text = "Sorry, my Japanese keyboard just stopped working, so I'll continue in English. Yes, you can call me"
    messages, events = appeal(text, "switch_language", slots, "contact_consent")
    assert _slots(events)["contact_consent"] is True


def test_declining_the_number_is_no_correction_however_it_opens(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "traffic_signal_fault", "contact_consent": True}
    text = "Actually, on second thought I'd rather not give my number. I'm worried my company will find out"
    messages, events = appeal(text, "correct_appeal", slots, "contact_phone")
    assert [m["response"] for m in messages] == ["msg_phone_skipped"]
    assert _slots(events)["contact_consent"] is False


def test_withdrawing_the_report_in_a_sentence_cancels_at_an_optional_question(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "traffic_signal_fault"}
    text = "哎先别弄了，物业说已经找着人修了，那我这个就先不报了，撤了吧"
    messages, events = appeal(text, "cancel", slots, "contact_consent")
    assert _slots(events)["requested_slot"] == "cancel_confirmation"  # answers given: asked first


def test_a_new_street_at_the_summary_corrects_the_place(hotline: FakeHotline) -> None:
    slots = {"appeal_description": "tap water smells of rust", "appeal_location": "Anli Road 58, Yayuncun, Chaoyang",
             "appeal_category": "water_quality", "contact_consent": False}
    text = "Oh wait, that's my office address, sorry! We live at Huizhong Road 12 instead"
    messages, events = appeal(text, "nlu_fallback", slots, "appeal_confirmed")
    assert _slots(events)["appeal_location"] == "Huizhong Road 12, Yayuncun, Chaoyang"
    assert messages[0]["response"] == "msg_corrected_location"


def test_a_correction_in_other_words_is_added_to_the_description(hotline: FakeHotline) -> None:
    slots = {"appeal_description": "there was a cockroach in my noodles", "appeal_location": "Fengsheng Hutong 3",
             "appeal_category": "restaurant_hygiene"}
    text = "Sorry, let me correct one thing: the cockroach wasn't in the noodles, it was in the cucumber salad"
    messages, events = appeal(text, "correct_appeal", slots, "contact_consent")
    assert _slots(events)["appeal_description"] == f"there was a cockroach in my noodles\n{text}"
    assert messages[0]["response"] == "msg_corrected_description"


def test_words_at_the_summary_that_are_neither_yes_nor_no_ask_what_to_change(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "traffic_signal_fault", "contact_consent": False}
    messages, events = appeal("hmm the category looks odd to me", "nlu_fallback", slots, "appeal_confirmed")
    assert [m["response"] for m in messages] == ["msg_appeal_not_understood_field"]
    assert "msg_answer_yes_or_no" not in [m.get("response") for m in messages]


def test_small_talk_given_as_the_place_is_no_place(hotline: FakeHotline) -> None:
    messages, events = appeal("哟，这么晚还有人回消息，辛苦辛苦", "nlu_fallback",
                              {"appeal_description": "洗车行跑路了"}, "appeal_location")
    assert [m["response"] for m in messages] == ["msg_not_a_place"]
    assert _slots(events).get("location_candidate") is None


def test_the_exact_name_of_a_category_not_offered_is_taken(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "category_options": ["street_light_out"]}
    messages, events = appeal("道路开挖未恢复", "nlu_fallback", slots, "appeal_category")
    assert _slots(events)["appeal_category"] == "road_excavation_unrestored"


def test_an_attribute_answered_in_words_is_its_value(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "street_light_out", "appeal_attributes": {}}
    messages, events = appeal("天天晚上都这样，好几个月了", "inform_attribute", slots, "appeal_attribute")
    assert _slots(events)["appeal_attributes"] == {"recurring": "repeated"}


def test_an_address_in_another_script_keeps_the_conversations_language(hotline: FakeHotline) -> None:
    events = [{"event": "slot", "name": "language", "value": "en"}, {"event": "action", "name": "action_listen"}]
    text = "sorry, I only have it in Chinese: 朝阳区三里屯街道工体北路8号"
    conversation = tracker(text=text, intent="inform_location", events=events,
                           slots={"appeal_description": "the street light is out", "language": "zh",
                                  "requested_slot": "appeal_location"})
    conversation.events.append({"event": "action", "name": "appeal_form"})
    conversation.active_loop = {"name": "appeal_form"}
    _, result = run(ValidateAppealForm(), conversation)
    assert _slots(result)["language"] == "en"
    assert _slots(result)["appeal_location"] == text


def test_a_request_for_a_person_taken_back_asks_the_question_again(hotline: FakeHotline) -> None:
    text = "能不能给我转个人工？……算了算了，你接着问吧"
    messages, events = appeal(text, "request_human", DESCRIBED, "appeal_category")
    assert _slots(events) == {"appeal_category": None, "requested_slot": "appeal_category"}


def test_a_cancel_keeps_nothing_rasa_took_for_the_question_asked(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "traffic_signal_fault", "contact_consent": True,
             "contact_phone": "不报了，撤了吧"}  # Rasa's from_text candidate for the question asked
    messages, events = appeal("不报了，撤了吧", "cancel", slots, "contact_phone")
    assert _slots(events)["contact_phone"] is None and _slots(events)["requested_slot"] == "cancel_confirmation"


def test_an_unsure_emergency_at_a_short_question_is_an_answer_and_danger_wording_always_routes() -> None:
    consent = Question(Kind.YES_NO, optional=True)
    assert decide(turn("definitely, about 200 flats above the shop", "emergency", 0.62), consent) is Move.ANSWER
    assert decide(turn("definitely, about 200 flats above the shop", "emergency", 0.62), Question(Kind.TEXT)) \
        is Move.ROUTE
    assert decide(turn("the stairwell is full of smoke", "emergency", 1.0), consent) is Move.ROUTE
    assert decide(turn("they fixed it, so you can drop my report", "emergency", 0.97), consent) is Move.CANCEL


def test_a_question_given_as_the_place_is_no_place(hotline: FakeHotline) -> None:
    text = "え？何を答えればいいですか。もう少し分かりやすく言ってもらえますか"
    messages, events = appeal(text, "nlu_fallback", {"appeal_description": "期限切れの食品"}, "appeal_location")
    assert [m["response"] for m in messages] == ["msg_not_a_place"]
    assert _slots(events).get("location_candidate") is None


def test_a_new_street_without_the_old_one_keeps_the_district_and_sub_district(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "traffic_signal_fault", "contact_consent": False}
    messages, events = appeal("等一下，地址写错了，是工体南路8号", "correct_appeal", slots, "appeal_confirmed")
    assert _slots(events)["appeal_location"] == "朝阳区三里屯街道工体南路8号"


@pytest.mark.parametrize("text, place, corrected", [
    ("Sorry, I have to correct the address: Taiyanggong Middle Road is my office. The flat is Building 3, "
     "Shaoyaoju Beili, still in Taiyanggong", "Taiyanggong Middle Road 12, Taiyanggong, Chaoyang",
     "Building 3, Shaoyaoju Beili, still in Taiyanggong"),
    # another sub-district: the whole place, not only the street
    ("地址不对，府前街是我家。养老院在兴谷街道平翔路上", "平谷区滨河街道府前街，那家颐康养老院", "兴谷街道平翔路"),
])
def test_a_place_given_in_a_sentence_of_its_own_replaces_the_place(text: str, place: str, corrected: str,
                                                                   hotline: FakeHotline) -> None:
    slots = {"appeal_description": "the bill tripled", "appeal_location": place,
             "appeal_category": "electricity_billing", "contact_consent": False}
    messages, events = appeal(text, "nlu_fallback", slots, "appeal_confirmed")
    assert _slots(events)["appeal_location"] == corrected
    assert messages[0]["response"] == "msg_corrected_location"
    # At another question too, when the message names the address.
    messages, events = appeal(text, "nlu_fallback", {**slots, "contact_consent": None}, "contact_consent")
    assert _slots(events)["appeal_location"] == corrected


def test_the_place_given_the_first_time_is_no_correction_whatever_the_model_says(hotline: FakeHotline) -> None:
    text = "Hepingli West Street, Hepingli, Dongcheng, it's the primary school there"
    messages, events = appeal(text, "correct_appeal", {"appeal_description": "a PE teacher bullies my son"},
                              "appeal_location")
    assert _slots(events)["appeal_location"] == text
    assert "msg_appeal_not_understood_field" not in [m.get("response") for m in messages]


@pytest.mark.parametrize("text, intent, value", [
    ("no, not this minute", "deny", "no"), ("いいえ、今すぐ危ないというわけではありません", "deny", "no"),
    ("有，天天有小孩从下面过", "affirm", "yes"), ("没有", "deny", "no")])
def test_yes_or_no_to_a_yes_or_no_question_of_the_category_is_its_answer(text: str, intent: str, value: str,
                                                                         hotline: FakeHotline) -> None:
    hotline.definitions["dangerous_building"] = [
        {"code": "people_at_risk", "required": True, "order": 1, "datatype": "singlevaluelist",
         "description": "现在是否有人身危险？",
         "values": [{"key": "yes", "name": "有"}, {"key": "no", "name": "没有"}]}]
    slots = {**DESCRIBED, "appeal_category": "dangerous_building", "appeal_attributes": {}}
    messages, events = appeal(text, intent, slots, "appeal_attribute")
    assert _slots(events)["appeal_attributes"] == {"people_at_risk": value}
    assert "msg_required_appeal_attribute" not in [m.get("response") for m in messages]


def test_calling_the_whole_thing_off_cancels_at_a_yes_or_no_question(hotline: FakeHotline) -> None:
    text = "You know what, I fly home tomorrow. Let's call the whole thing off"
    messages, events = appeal(text, "nlu_fallback", {**DESCRIBED, "appeal_category": "ticket_scalping"},
                              "contact_consent")
    assert _slots(events)["requested_slot"] == "cancel_confirmation"


def test_a_correction_opening_with_an_oh_is_no_yes(hotline: FakeHotline) -> None:
    slots = {"appeal_description": "有人从四楼扯电线下来给电动车充电",
             "appeal_location": "西城区白纸坊街道右内西街10号楼", "appeal_category": "flying_lead_charging",
             "contact_consent": False}
    text = "哦，地址写的是我家，可扯电线的是隔壁12号楼，麻烦改成右内西街12号楼"
    messages, events = appeal(text, "affirm", slots, "appeal_confirmed")
    assert _slots(events)["appeal_location"] == "西城区白纸坊街道右内西街12号楼"
    assert _slots(events).get("appeal_confirmed") is None


@pytest.mark.parametrize("text", ["yep, sure", "はい、わかりました",
                                  "先问问，我上个月打12345说楼下化粪池冒水那事儿，到底有人管没有？"])
def test_a_yes_or_a_question_given_as_the_place_is_no_place(text: str, hotline: FakeHotline) -> None:
    messages, events = appeal(text, "nlu_fallback", {"appeal_description": "低保上个月突然停了"}, "appeal_location")
    assert [m["response"] for m in messages] == ["msg_not_a_place"]
    assert _slots(events).get("location_candidate") is None


@pytest.mark.parametrize("text", ["yes, near the east gate of Chaoyang Park", "是的，在三里屯",
                                  "はい、朝陽公園の南門の近くです"])
def test_a_place_that_opens_with_yes_is_still_the_place(text: str, hotline: FakeHotline) -> None:
    messages, events = appeal(text, "nlu_fallback", {"appeal_description": "the bins stink"}, "appeal_location")
    slots = _slots(events)
    assert slots.get("appeal_location") == text or slots.get("location_candidate") == text
    assert "msg_not_a_place" not in [m.get("response") for m in messages]


def test_a_number_corrected_goes_to_the_place_first(hotline: FakeHotline) -> None:
    slots = {"appeal_description": "We got the keys in October 4 weeks ago and still have no meter",
             "appeal_location": "Building 4, Tiangong Xinyuan, Tiangongyuan, Daxing",
             "appeal_category": "power_connection", "contact_consent": False}
    messages, events = appeal("Wrong building, my typo. We're in 14, not 4", "nlu_fallback", slots,
                              "appeal_confirmed")
    assert _slots(events)["appeal_location"] == "Building 14, Tiangong Xinyuan, Tiangongyuan, Daxing"
    assert "appeal_description" not in _slots(events)


def test_a_number_said_in_a_longer_phrase_replaces_only_the_number(hotline: FakeHotline) -> None:
    slots = {"appeal_description": "a gambling den in the basement opposite",
             "appeal_location": "Basement of Building 12, Laoshan Dongli, Laoshan, Shijingshan",
             "appeal_category": "gambling_report", "contact_consent": False}
    text = ("The building number is off: the card room is under number 15, the block facing mine across the car "
            "park, not 12")
    messages, events = appeal(text, "nlu_fallback", slots, "appeal_confirmed")
    assert _slots(events)["appeal_location"] == "Basement of Building 15, Laoshan Dongli, Laoshan, Shijingshan"


def test_not_x_but_y_in_other_words_than_the_description_goes_beside_it(hotline: FakeHotline) -> None:
    slots = {"appeal_description": "Since the restaurant closed, rats have been pouring into the courtyards",
             "appeal_location": "Courtyard 5, Sanyanjing Hutong, Jingshan, Dongcheng",
             "appeal_category": "rat_infestation", "contact_consent": False}
    text = "they're not coming from the restaurant, it's the empty house next to it, where the builders left rubbish"
    messages, events = appeal(text, "nlu_fallback", slots, "appeal_confirmed")
    assert _slots(events)["appeal_description"].endswith(text)
    assert messages[0]["response"] == "msg_corrected_description"


@pytest.mark.parametrize("text", ["苦情を言いたいんですが", "有个事儿想跟你们说一下", "ちょっと困っていることがあって",
                                  "新しく買ったマンションのことで相談があります", "我想反映一下小区停车的问题",
                                  "I'd like to complain about my new apartment", "我要举报公司违法辞退"])
def test_an_announcement_is_no_description(text: str, hotline: FakeHotline) -> None:
    messages, events = appeal(text, "report_problem", {}, "appeal_description")
    assert _slots(events).get("appeal_description") is None


def test_yes_that_is_correct_at_the_summary_files_it(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "appeal_category": "street_light_out", "contact_consent": False}
    messages, events = appeal("Yes, that's correct", "affirm", slots, "appeal_confirmed")
    assert _slots(events).get("appeal_confirmed") is True
    assert "appeal_description" not in _slots(events)


def test_a_no_in_words_to_the_danger_question_with_a_but_is_its_answer(hotline: FakeHotline) -> None:
    hotline.definitions["landslide_risk"] = [
        {"code": "people_at_risk", "required": True, "order": 1, "datatype": "singlevaluelist",
         "description": "Is anyone in immediate danger right now?",
         "values": [{"key": "yes", "name": "Yes"}, {"key": "no", "name": "No"}]}]
    slots = {**DESCRIBED, "appeal_category": "landslide_risk", "appeal_attributes": {}}
    messages, events = appeal("no, not right now, nobody's been hurt, but cars still drive through", "inform",
                              slots, "appeal_attribute")
    assert _slots(events)["appeal_attributes"] == {"people_at_risk": "no"}
    assert "appeal_description" not in _slots(events)


@pytest.mark.parametrize("text", ["新しく買ったマンションの壁にひびが入っていることについて相談があります",
                                  "我想反映一下小区门口停车乱收费的问题，一次收五十", "我要投诉楼下烧烤店油烟",
                                  "I'd like to complain about the noise from the bar downstairs every night"])
def test_a_topic_with_what_happened_is_a_description(text: str, hotline: FakeHotline) -> None:
    messages, events = appeal(text, "report_problem", {}, "appeal_description")
    assert _slots(events).get("appeal_description") == text



def test_a_status_question_typed_at_the_category_question_is_answered_not_chosen(hotline: FakeHotline) -> None:
    text = "btw, did anything ever happen with the broken street lamp I reported here in September?"
    conversation = tracker(text=text, intent="report_problem", events=[{"event": "action", "name": "action_listen"}],
                           slots={**DESCRIBED, "requested_slot": "appeal_category", "language": "en"},
                           ranking=[{"name": "report_problem", "confidence": 0.63},
                                    {"name": "check_status", "confidence": 0.35}])
    conversation.events.append({"event": "action", "name": "appeal_form"})
    conversation.active_loop = {"name": "appeal_form"}
    messages, events = run(ValidateAppealForm(), conversation)
    assert [m["response"] for m in messages] == ["msg_no_tickets"]  # the status question, answered
    assert "appeal_category" not in {k for k, v in _slots(events).items() if v}
    assert _slots(events).get("requested_slot") == "appeal_category"


def test_a_question_about_the_bot_after_hold_on_changes_nothing(hotline: FakeHotline) -> None:
    messages, events = appeal("hold on, am I chatting with a computer right now?", "bot_challenge", DESCRIBED,
                              "appeal_category")
    assert [m["response"] for m in messages] == ["msg_iamabot_in_form"]
    assert "appeal_description" not in _slots(events)


def test_a_choice_typed_as_a_statement_is_no_question() -> None:
    turn = Turn(text="the street light one", intent="inform", confidence=0.5, reply=None,
                ranking=(("inform", 0.5), ("check_status", 0.4)))
    assert turn.asking_instead() is None


def test_a_no_the_classifier_took_for_an_emergency_answers_the_danger_question(hotline: FakeHotline) -> None:
    hotline.definitions["hazardous_chemicals"] = [
        {"code": "people_at_risk", "required": True, "order": 1, "datatype": "singlevaluelist",
         "description": "现在是否有人身危险？",
         "values": [{"key": "yes", "name": "有"}, {"key": "no", "name": "没有"}, {"key": "unknown", "name": "不确定"}]}]
    slots = {**DESCRIBED, "appeal_category": "hazardous_chemicals"}
    conversation = tracker(text="没有，现在没人出事，就是担心万一着火", intent="emergency",
                           events=[{"event": "action", "name": "action_listen"}],
                           slots={**slots, "requested_slot": "appeal_attribute"},
                           ranking=[{"name": "emergency", "confidence": 0.99}])
    conversation.latest_message["intent"]["confidence"] = 0.99
    conversation.events.append({"event": "action", "name": "appeal_form"})
    conversation.active_loop = {"name": "appeal_form"}
    messages, events = run(ValidateAppealForm(), conversation)
    assert _slots(events)["appeal_attributes"] == {"people_at_risk": "no"}


def test_yes_in_words_that_withdraw_the_appeal_confirms_the_cancel(hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "cancel_pending": True}
    messages, events = appeal("はい、出さないでください", "deny", slots, "cancel_confirmation")
    assert [m["response"] for m in messages] == ["utter_appeal_cancelled"]


def test_a_no_that_goes_on_about_phones_declines_the_call_back_question() -> None:
    text = "いいえ、けっこうです。電話だと耳が遠いもので、結局家内に代わってもらうことになりますから"
    assert decide(turn(text, "request_human", confidence=0.8), Question(Kind.YES_NO, optional=True)) is Move.SKIP
    assert decide(turn("no, can I talk to a real person instead?", "request_human", confidence=0.8),
                  Question(Kind.YES_NO, optional=True)) is Move.ROUTE


def test_words_for_a_category_the_classifier_alone_took_for_an_emergency_choose_it(hotline: FakeHotline) -> None:
    hotline.down = True
    slots = {"appeal_description": "昨日の夕方からガスが出なくなりました。コンロもお湯も使えません", "language": "ja",
             "appeal_location": "北京市石景山区魯谷街道魯谷東街3号棟"}
    conversation = tracker(text="ガスが止まっています", intent="emergency",
                           events=[{"event": "action", "name": "action_listen"}],
                           slots={**slots, "requested_slot": "appeal_category"})
    conversation.latest_message["intent"]["confidence"] = 0.85
    conversation.events.append({"event": "action", "name": "appeal_form"})
    conversation.active_loop = {"name": "appeal_form"}
    messages, events = run(ValidateAppealForm(), conversation)
    assert _slots(events)["appeal_category"] == "gas_outage"


def test_a_word_with_a_no_in_it_is_no_refusal_and_asking_to_wait_asks_again() -> None:
    assert decide(turn("燃气表充值不到账", "deny", confidence=0.8), Question(Kind.CHOICE)) is Move.ANSWER
    assert decide(turn("no, I'd rather not say", "deny", confidence=0.8), Question(Kind.CHOICE)) is Move.SKIP
    assert decide(turn("sec, typing w one hand on the bus", "out_of_scope"), PLACE) is Move.REPEAT
    assert decide(turn("wait, it's Gongti North Road 8", "correct_appeal"), PLACE) is not Move.REPEAT
