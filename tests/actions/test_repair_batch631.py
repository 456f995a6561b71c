"""Repairs found by the held-out residents h631..h690 (first runs 75%, 90%, 93%): people writing for someone else,
a suggestion read as a policy question, questions about the place, "Exit B, not C", and danger words that were an
ambulance's entrance or a fire that is not burning."""

import pytest

from actions.appeal_form import known_place, names_only_an_area
from actions.conversation import is_announcement
from actions.repair import Kind, Move, Question, decide
from bot.repair import asks_about_the_question, correction, holds_on, mentions, replace_place
from bot.short_replies import Reply, short_reply
from nlu.emergency_guard import ANNOUNCES_ONLY, DANGER, means_danger_now
from nlu.narrative_guard import PROPOSES, SAYS_IT_ASKS
from tests.actions.fakes import FakeHotline
from tests.actions.test_repair import _slots, appeal, turn


@pytest.mark.parametrize("text", [
    "it's not for me actually, it's about my dad's place",
    "Hello. I'm the landlord of a flat and I'm writing on behalf of my tenant, she's an exchange student and doesn't "
    "speak Chinese",
    "I'm writing for my neighbour downstairs, Mrs Zhao. She's 86 and doesn't use a smartphone",
    "我替我爸妈反映个事，他们岁数大了不会打字",
    "私が持っている部屋を人に貸しているのですが、借主さんから連絡があって、代わりにご連絡しています",
    "義理の母のことで相談です。夫の母が住んでいる団地の話です",
    "近所のおばあさんに頼まれて連絡しています",
    "会社の近くの歩道のことで、ちょっとお伝えしたいことがあります",
    "问一下，路挖开了不给填回去这种事归你们管吗？",
])
def test_writing_for_someone_else_and_nothing_yet_announces(text: str) -> None:
    assert is_announcement(text)


@pytest.mark.parametrize("text", [
    "I'm writing for my dad: the heating in his flat has been off for three days and the radiators are cold",
    "我替我妈反映一下，楼下饭馆的油烟天天往我们家窗户里灌",
    "代わりに連絡しています。母の団地で水道管が破裂して水が出ません",
])
def test_writing_for_someone_else_with_what_happened_tells_it(text: str) -> None:
    assert not is_announcement(text)


@pytest.mark.parametrize("text", ["近所のおばあさんに頼まれて連絡しています", "職場の前のことなんですが"])
def test_whom_or_what_it_is_about_is_no_emergency(text: str) -> None:
    assert ANNOUNCES_ONLY.search(text) and not means_danger_now(text, "ja")


def test_an_ambulance_entrance_is_no_danger_and_calling_one_is() -> None:
    assert not DANGER["ja"].search("救急入口の前の歩道に屋台が並んで、救急車の出入りの邪魔になっています")
    assert DANGER["ja"].search("父が倒れました、救急車を呼んでください")


def test_nothing_burning_now_is_no_emergency() -> None:
    assert not means_danger_now("batteries charging where the workers sleep. Nothing is burning now, but I worry", "en")


@pytest.mark.parametrize("text", ["想提个建议：附近没有公交站，能不能让公交在医院门口加一站",
                                  "I have a suggestion: could the 300 bus stop at the new clinic?",
                                  "バス停について要望があります"])
def test_a_suggestion_is_an_appeal(text: str) -> None:
    assert PROPOSES.search(text)


def test_asking_where_to_go_and_what_to_bring_is_a_question() -> None:
    assert SAYS_IT_ASKS.search("they haven't paid him for two months. where does he go and what should he bring?")


@pytest.mark.parametrize("text", ["does it matter where I am? it's my phone, not a place",
                                  "具体叫啥路口我还真说不上来，说地铁口行不行？"])
def test_whether_the_place_matters_asks_about_the_question(text: str) -> None:
    assert asks_about_the_question(text)


def test_a_letter_for_a_letter() -> None:
    found = correction("sorry, I mixed up the exits. it's the toilet next to Exit B, not C. the one by the big archway")
    assert found is not None and (found.new, found.old) == ("B", "C")
    place = "the public toilet next to Exit C of Qianmen station, Qianmen Street, Dongcheng"
    assert replace_place(place, "C", "B") == place.replace("Exit C", "Exit B")
    assert mentions(place, "C") and not mentions("a padlocked cubicle", "c")


@pytest.mark.parametrize("text, new, old", [
    ("Mum says the quote was 600, not 800. Can you fix that? the rest is right", "600", "800"),
    ("对，哦不对，地址得改一下，是南华园三区后面，不是南华园，南华园好几个区呢", "南华园三区后面", "南华园"),
])
def test_corrections_said_by_someone_or_after_a_lead(text: str, new: str, old: str) -> None:
    found = correction(text)
    assert found is not None and (found.new, found.old) == (new, old)


def test_hold_on_at_work() -> None:
    assert holds_on("ちょ、待って、いまバイト中")


# ---- h691..h750 ----

@pytest.mark.parametrize("text", ["Chaoyang", "大兴那边", "朝陽区です", "建外のあたりです", "Sanlitun, Chaoyang"])
def test_an_area_alone_is_asked_about_once_then_kept(text: str, hotline: FakeHotline) -> None:
    messages, events = appeal(text, "inform_location", {"appeal_description": "路灯坏了一个星期"}, "appeal_location")
    assert [m["response"] for m in messages] == ["msg_place_too_wide"] and not _slots(events).get("appeal_location")
    again = {"appeal_description": "路灯坏了一个星期", "repair_failures": {"slot": "appeal_location", "count": 1}}
    messages, events = appeal(text, "inform_location", again, "appeal_location")
    assert _slots(events)["appeal_location"] == text


@pytest.mark.parametrize("text", ["朝阳区三里屯街道工体北路8号", "Wangjing SOHO, Chaoyang", "海淀区中关村南大街"])
def test_a_street_or_a_landmark_is_no_mere_area(text: str) -> None:
    place = known_place(text)
    assert place is not None and not names_only_an_area(text, place)


@pytest.mark.parametrize("text", ["打我电话吧", "call me", "電話してください"])
def test_call_me_to_may_the_department_call_you_is_a_yes(text: str) -> None:
    assert decide(turn(text, "request_human"), Question(Kind.YES_NO, optional=True)) is Move.ANSWER
    assert short_reply(text) is Reply.YES


@pytest.mark.parametrize("text", ["我想问个事儿，也算投诉吧，不知道找你们对不对", "想反映个事儿，不知道你们这儿管不管"])
def test_whether_it_is_the_hotlines_business_after_an_opener_announces(text: str) -> None:
    assert is_announcement(text)
