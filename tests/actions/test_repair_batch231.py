"""Repairs found by the held-out residents h231..h250 (first run 75%): withdrawals at the end of a story, a yes that
opens a confirmed cancellation, a phone number with a note around it, "fine now" to the danger question, and words
that say the problem is wrong (not an answer)."""

import pytest

from actions.conversation import is_announcement, phone_in_text
from actions.hotline_client import CategorySuggestion
from actions.repair import Kind, Move, Question, Turn, decide, is_cancel_reply
from bot.attribute_words import value_in_words
from bot.repair import announces_correction, asks_about_the_question, cancels_the_appeal, correction, is_courtesy
from bot.short_replies import Reply, short_reply
from tests.actions.fakes import FakeHotline
from tests.actions.test_repair import DESCRIBED, _slots, appeal

PHONE = Question(Kind.PHONE, optional=True)


def turn(text: str, intent: str = "nlu_fallback", confidence: float = 0.9) -> Turn:
    return Turn(text=text, intent=intent, confidence=confidence, reply=short_reply(text))


@pytest.mark.parametrize("text", [
    "Hmm, hold on. I was about to complain about the drumming next door, but his mum apologised. Forget I said "
    "anything",
    "ok forget the whole thing, they fixed it",
    "I was going to complain about their cooking smell, but we should talk to them first. Sorry, forget it",
    "やっぱりいいです、すみません。隣の洗濯機の音のことだったんですが、謝りに来てくれました。もう大丈夫です",
    "あ、ちょっと待ってください。管理会社の人が来て、もう解決したみたいなので、やめておきます",
])
def test_a_story_that_ends_by_withdrawing_cancels(text: str) -> None:
    assert cancels_the_appeal(text)


@pytest.mark.parametrize("text", ["電話はやめておきます", "いいです", "never mind, I'd rather not leave my number"])
def test_declining_one_question_cancels_nothing(text: str) -> None:
    assert not cancels_the_appeal(text)


@pytest.mark.parametrize("text", ["forget it", "forget it, I will not leave a number", "nah forget it, no number"])
def test_forget_it_skips_an_optional_question_and_cancels_at_a_required_one(text: str) -> None:
    assert decide(turn(text, "cancel"), PHONE) is Move.SKIP
    assert decide(turn(text, "cancel"), Question(Kind.TEXT)) is Move.CANCEL


def test_a_whole_message_decline_at_an_optional_question_skips_it() -> None:
    assert decide(turn("やめておきます", "cancel"), PHONE) is Move.SKIP


@pytest.mark.parametrize("text", ["确定，不用了，谢谢你", "确定", "是的，不用了", "はい、やめます", "yep, cancel it"])
def test_a_yes_that_opens_the_reply_confirms_the_cancellation(text: str) -> None:
    assert is_cancel_reply(turn(text, "deny"))


@pytest.mark.parametrize("text", ["不取消，继续吧", "no, keep it", "いいえ、続けてください"])
def test_keeping_the_appeal_is_no_cancellation(text: str) -> None:
    assert not is_cancel_reply(turn(text, "deny"))


def test_sure_in_chinese_is_a_yes() -> None:
    assert short_reply("确定") is Reply.YES


@pytest.mark.parametrize("text, number", [
    ("13910572286，中午十二点到一点打最好，别的时候我在上课", "13910572286"),
    ("you can reach me on +86 139 1057 2286 after 6pm", "+86 139 1057 2286"),
    ("０９０－１２３４－５６７８にお願いします", "090-1234-5678"),
])
def test_the_one_phone_number_in_a_longer_message_is_found(text: str, number: str) -> None:
    assert phone_in_text(text) == number


@pytest.mark.parametrize("text", ["call me at noon", "room 302, building 5", "13910572286 or 13811112222",
                                  "我家在3号楼2单元"])
def test_no_number_or_two_numbers_give_none(text: str) -> None:
    assert phone_in_text(text) is None


def test_a_number_with_a_note_answers_the_phone_question_whatever_the_classifier_said() -> None:
    assert decide(turn("13910572286，中午十二点到一点打最好", "greet"), PHONE) is Move.ANSWER


@pytest.mark.parametrize("text", ["いまは大丈夫です", "都没事", "everyone is fine now", "暂时没事"])
def test_fine_now_means_no_one_is_in_danger(text: str) -> None:
    assert value_in_words("people_at_risk", text, {"yes": "Yes", "no": "No"}) == "no"


@pytest.mark.parametrize("text", ["水费不对", "the bill is wrong", "料金が間違っている",
                                  "the water meter reading is wrong"])
def test_a_problem_that_is_wrong_is_no_announced_correction(text: str) -> None:
    assert not announces_correction(text)


@pytest.mark.parametrize("text", ["地址不对", "不对，是3号楼", "wrong, it is building 3", "sorry, wrong place",
                                  "電話番号が違います", "違います、3号棟です", "I gave the wrong address"])
def test_wrong_about_an_answer_still_announces_a_correction(text: str) -> None:
    assert announces_correction(text)


def test_a_policy_question_at_a_choice_is_asked_instead_when_its_answer_is_sure() -> None:
    text = "話がそれてすみません。北京の暖房費って、会社が負担してくれるものなんでしょうか？"
    ranking = (("faq", 0.57), ("report_problem", 0.4))
    sure = Turn(text=text, intent="faq", confidence=0.57, reply=None, ranking=ranking, topic_confidence=0.65)
    unsure = Turn(text=text, intent="faq", confidence=0.57, reply=None, ranking=ranking, topic_confidence=0.3)
    asked = sure.asking_instead()
    assert asked is not None and asked.intent == "faq"
    assert decide(asked, Question(Kind.CHOICE)) is Move.INTERRUPT
    assert unsure.asking_instead() is None


def test_a_category_the_resident_cannot_name_after_the_way_out_is_the_closest_to_the_description(
        hotline: FakeHotline) -> None:
    slots = {**DESCRIBED, "repair_failures": {"slot": "appeal_category", "count": 3}}
    hotline.suggestions = [CategorySuggestion("emergency_referred", "Emergency", 0.02),
                           CategorySuggestion("street_light_out", "Street light out", 0.01)]
    messages, events = appeal("you know, the usual one", "nlu_fallback", slots, "appeal_category")
    assert [m["response"] for m in messages][0] == "msg_category_chosen_for_you"
    assert messages[0]["value"] == "Street light out"  # never the emergency-referral category
    assert _slots(events)["appeal_category"] == "street_light_out" and _slots(events)["repair_failures"] is None


@pytest.mark.parametrize("text", [
    "Why you need my address? The problem is the company, not my flat",
    "why do you need the category?",
    "乗った場所と降りた場所、どちらを書けばいいですか？",
    "为什么要填地址？",
    "写公司地址还是家里地址？",
    "なんで場所が必要なんですか？",
])
def test_a_question_about_the_question_is_told_apart(text: str) -> None:
    assert asks_about_the_question(text)


@pytest.mark.parametrize("text", ["Why is the street light still broken?", "朝阳区三里屯街道工体北路8号",
                                  "为什么路灯一直不修？", "どうして毎晩うるさいんですか？", "which bus goes there?"])
def test_a_question_about_the_problem_or_an_answer_is_not(text: str) -> None:
    assert not asks_about_the_question(text)


def test_why_the_address_is_needed_is_explained_and_asked_again(hotline: FakeHotline) -> None:
    messages, events = appeal("Why you need my address? The problem is the company, not my flat", "correct_appeal",
                              {"appeal_description": DESCRIBED["appeal_description"]}, "appeal_location")
    assert [m["response"] for m in messages] == ["msg_required_appeal_location"]
    assert _slots(events)["appeal_location"] is None and _slots(events)["requested_slot"] == "appeal_location"


@pytest.mark.parametrize("text", ["ご苦労さまです。こういうお仕事も大変でしょうね", "this job must be hard, huh"])
def test_small_talk_at_the_place_question_is_no_place(text: str) -> None:
    assert is_courtesy(text)


@pytest.mark.parametrize("text", ["hello? is this the right place for problems with a building?",
                                  "can I report a noisy neighbour here?", "这里能反映物业的问题吗？",
                                  "ここでマンションの相談はできますか？"])
def test_asking_whether_this_is_the_place_is_no_description(text: str) -> None:
    assert is_announcement(text)


def test_a_story_after_asking_whether_this_is_the_place_is_a_description() -> None:
    assert not is_announcement("is this the right place, the tiles keep falling off our tower and nearly hit a pram "
                               "last Sunday.")


def test_scratch_this_withdraws_and_ill_pass_declines() -> None:
    assert cancels_the_appeal("Oh hold on, my husband already called the hotline about it this morning. Scratch this, "
                              "sorry")
    yes_no = Question(Kind.YES_NO, optional=True)
    assert decide(turn("I'll pass on that, thanks", "thanks"), yes_no) is Move.SKIP


def test_it_wasnt_x_it_was_y_is_a_correction() -> None:
    found = correction("One thing to fix: it wasn't a normal bike, it was my electric scooter, a red Yadea")
    assert found is not None and found.old == "normal bike" and found.new.startswith("my electric scooter")


def test_the_classifier_alone_never_routes_words_typed_at_a_choice() -> None:
    words = turn("too many people crammed into one rented flat", "emergency", 0.93)
    assert decide(words, Question(Kind.CHOICE)) is Move.ANSWER
    assert decide(words, Question(Kind.TEXT)) is Move.ROUTE
    assert decide(turn("there's a fire in the flat", "emergency", 1.0), Question(Kind.CHOICE)) is Move.ROUTE


@pytest.mark.parametrize("text", ["哦 我闺女说她已经帮我在手机上报过了 那就不用了啊",
                                  "妻がもう通報してくれましたので、大丈夫です"])
def test_someone_else_reported_it_already_withdraws(text: str) -> None:
    assert cancels_the_appeal(text)


def test_a_number_with_its_owner_explained_answers_the_phone_question() -> None:
    text = "15810937264. It's my number, not my dad's, he only speaks Sichuan dialect"
    assert decide(turn(text, "correct_appeal"), PHONE, is_correction=True) is Move.ANSWER
