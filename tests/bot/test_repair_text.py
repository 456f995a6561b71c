"""The text side of conversation repair (bot/repair.py), in zh, en and ja: corrections in the resident's own words
("不是路灯，是井盖", "街灯じゃなくてマンホールです", "it's a manhole cover, not a street light", "更正：12号楼"),
the field a text names, wishes that are no cancellation, whether a text looks like a place, Japanese kanji in
the gazetteer's simplified forms, and finding and replacing the words a correction says were wrong.
Cases marked xfail are what a resident would expect where the module does otherwise today."""

import pytest

from bot.gazetteer import load_gazetteer
from bot.repair import (
    Correction,
    announces_correction,
    cancels_in_a_clause,
    cancels_the_appeal,
    carries_on,
    correction,
    declines_contact,
    gazetteer_form,
    is_courtesy,
    is_wish_or_request,
    looks_like_place,
    mentions,
    named_field,
    names_field,
    names_other_parts,
    names_the_appeal,
    place_correction,
    place_in_words,
    place_spans,
    refuses_a_number,
    replace_mention,
    replace_place,
    withdraws_the_appeal,
)


def _xfail(*values: object, why: str) -> object:
    return pytest.param(*values, id=str(values[0]), marks=pytest.mark.xfail(reason=why, strict=True))


# ---- "not X but Y": old, new and the field the old words name ----

ZH_NOT_BUT = [
    ("不是路灯，是井盖", "路灯", "井盖", None),
    ("不是路灯是井盖", "路灯", "井盖", None),
    ("不是路灯，而是井盖", "路灯", "井盖", None),
    ("不对，不是路灯，是井盖", "路灯", "井盖", None),
    ("并不是路灯，是井盖", "路灯", "井盖", None),
    ("不是路灯，是井盖！！", "路灯", "井盖", None),
    ("不在三里屯，在东直门", "三里屯", "东直门", None),
    ("是井盖，不是路灯", "路灯", "井盖", None),
    ("说错了，是井盖，不是路灯", "路灯", "井盖", None),
    ("不对，是在和平里北街，不是工体北路", "工体北路", "和平里北街", None),
    ("是在东直门，而不是三里屯", "三里屯", "东直门", None),
    ("不是这个地址，是东直门大街5号", "这个地址", "东直门大街5号", "location"),
]
EN_NOT_BUT = [
    ("it's not the street light, it's the manhole cover", "street light", "manhole cover", None),
    ("It's not the street light, it's the manhole cover.", "street light", "manhole cover", None),
    ("No, it's not the street light, it's the manhole cover", "street light", "manhole cover", None),
    ("not the street light but the manhole cover", "street light", "manhole cover", None),
    ("it is not in Sanlitun, it is in Dongzhimen", "Sanlitun", "Dongzhimen", None),
    ("it's a manhole cover, not a street light", "street light", "manhole cover", None),
    ("It's the manhole cover, not the street light.", "street light", "manhole cover", None),
    ("actually it's a manhole cover, not a street light", "street light", "manhole cover", None),
    ("sorry, it's in Dongzhimen, not Sanlitun", "Sanlitun", "Dongzhimen", None),
    ("no, it's on Gongti North Road, not Sanlitun Road", "Sanlitun Road", "Gongti North Road", None),
    ("not my address, it's 5 Dongzhimen Street", "my address", "5 Dongzhimen Street", "location"),
]
JA_NOT_BUT = [
    ("街灯じゃなくてマンホールです", "街灯", "マンホール", None),
    ("街灯じゃなくて、マンホールです", "街灯", "マンホール", None),
    ("街灯ではなくマンホールです", "街灯", "マンホール", None),
    ("街灯ではなくて、マンホールでした", "街灯", "マンホール", None),
    ("「街灯」じゃなくて「マンホール」です", "街灯", "マンホール", None),
    ("三里屯じゃなくて東直門です", "三里屯", "東直門", None),
    ("三里屯じゃなくて東直門", "三里屯", "東直門", None),
]


@pytest.mark.parametrize("text, old, new, field", ZH_NOT_BUT)
def test_a_chinese_not_x_but_y_correction_says_what_was_wrong(text: str, old: str, new: str,
                                                              field: str | None) -> None:
    assert correction(text) == Correction(new=new, old=old, field=field)


@pytest.mark.parametrize("text, old, new, field", EN_NOT_BUT)
def test_an_english_not_x_but_y_correction_says_what_was_wrong(text: str, old: str, new: str,
                                                               field: str | None) -> None:
    assert correction(text) == Correction(new=new, old=old, field=field)


@pytest.mark.parametrize("text, old, new, field", JA_NOT_BUT)
def test_a_japanese_not_x_but_y_correction_says_what_was_wrong(text: str, old: str, new: str,
                                                               field: str | None) -> None:
    assert correction(text) == Correction(new=new, old=old, field=field)


# ---- the new value only, with the field when the resident names it ----

ZH_NEW_ONLY = [
    ("更正：12号楼", "12号楼", None),
    ("更正:12号楼", "12号楼", None),
    ("更正一下，是12号楼", "12号楼", None),
    ("纠正一下：应该是东门", "东门", None),
    ("说错了，应该是东门", "东门", None),
    ("我说错了，是东门", "东门", None),
    ("写错了，是3单元", "3单元", None),
    ("应该是12号楼", "12号楼", None),
    ("其实是井盖", "井盖", None),
    ("我的意思是东门", "东门", None),
    ("地址改成东直门大街5号", "东直门大街5号", "location"),
    ("把地址改成东直门大街5号", "东直门大街5号", "location"),
    ("位置改成东门", "东门", "location"),
    ("地点换成三里屯", "三里屯", "location"),
    ("电话改为13800138000", "13800138000", "phone"),
    ("描述改成路灯一直闪", "路灯一直闪", "description"),
    ("分类换成噪音", "噪音", "category"),
]
EN_NEW_ONLY = [
    ("actually it's on the north side of Hepingli", "on the north side of Hepingli", None),
    ("Actually, it's on the north side of Hepingli", "on the north side of Hepingli", None),
    ("correction: building 12", "building 12", None),
    ("sorry I meant building 12", "building 12", None),
    ("I meant building 12", "building 12", None),
    ("change the address to 5 Dongzhimen Street", "5 Dongzhimen Street", "location"),
    ("Change the address to 5 Dongzhimen Street.", "5 Dongzhimen Street", "location"),
    ("correct my address to 5 Dongzhimen Street", "5 Dongzhimen Street", "location"),
    ("update the place to Sanlitun", "Sanlitun", "location"),
    ("change my phone number to 13800138000", "13800138000", "phone"),
    ("change my number to 13800138000", "13800138000", "phone"),
    ("update the description to the light flickers at night", "the light flickers at night", "description"),
    ("Change the category to noise.", "noise", "category"),
]
JA_NEW_ONLY = [
    ("正しくは三里屯です", "三里屯", None),
    ("正しくは三里屯", "三里屯", None),
    ("本当は東門です", "東門", None),
    ("場所を三里屯に変更してください", "三里屯", "location"),
    ("場所を三里屯に直してください", "三里屯", "location"),
    ("住所を東直門大街5号に訂正します", "東直門大街5号", "location"),
    ("電話番号を09012345678に変更", "09012345678", "phone"),
    ("内容を街灯の点滅に修正してください", "街灯の点滅", "description"),
    ("種類を騒音に変更してください", "騒音", "category"),
]


@pytest.mark.parametrize("text, new, field", ZH_NEW_ONLY)
def test_a_chinese_correction_can_give_only_the_new_value(text: str, new: str, field: str | None) -> None:
    assert correction(text) == Correction(new=new, field=field)


@pytest.mark.parametrize("text, new, field", EN_NEW_ONLY)
def test_an_english_correction_can_give_only_the_new_value(text: str, new: str, field: str | None) -> None:
    assert correction(text) == Correction(new=new, field=field)


@pytest.mark.parametrize("text, new, field", JA_NEW_ONLY)
def test_a_japanese_correction_can_give_only_the_new_value(text: str, new: str, field: str | None) -> None:
    assert correction(text) == Correction(new=new, field=field)


# ---- ordinary answers, hedges and replies are no correction ----

ZH_ANSWERS = [
    "路灯坏了", "路灯坏了一个星期", "井盖丢了", "朝阳区三里屯街道工体北路8号", "噪音", "13800138000",
    "不是很清楚", "不是很清楚。", "我不是很清楚", "不太清楚", "我不是很确定，在公园附近吧", "不是很亮", "不是特别严重",
    "不是每天都这样", "这不是第一次了", "是的", "是", "不是", "不用了", "不是三里屯",
]
EN_ANSWERS = [
    "the street light is not working", "it's not working", "it's not bright enough", "the light is broken",
    "the manhole cover is missing", "5 Dongzhimen Street, Dongcheng", "street light",
    "I'm not sure, it's near the park", "not sure, maybe near the park", "I'm not really sure",
    "the light is not on, it's been dark for days", "this is not the first time, it's the third",
    "yes", "no thanks", "No, not really", "it's not Sanlitun", "actually", "correction", "sorry",
    "I want to change the address",
]
JA_ANSWERS = [
    "街灯が壊れています", "街灯が壊れていて、夜は暗いです", "はい、家の前の街灯が壊れています",
    "マンホールの蓋がありません",
    "騒音", "東京都港区六本木1-2-3", "わかりません", "よくわかりません", "はい", "結構です", "じゃなくて", "正しくは",
    "電話番号を変更したいです",
]


@pytest.mark.parametrize("text", ZH_ANSWERS)
def test_a_chinese_answer_or_hedge_is_no_correction(text: str) -> None:
    assert correction(text) is None


@pytest.mark.parametrize("text", EN_ANSWERS)
def test_an_english_answer_or_hedge_is_no_correction(text: str) -> None:
    assert correction(text) is None


@pytest.mark.parametrize("text", JA_ANSWERS)
def test_a_japanese_answer_or_hedge_is_no_correction(text: str) -> None:
    assert correction(text) is None


@pytest.mark.parametrize("text", ["", "   ", "，。", "更正：", "Actually,", "不是，是", "是，不是", "じゃなくてです"])
def test_a_correction_word_with_nothing_after_it_is_no_correction(text: str) -> None:
    assert correction(text) is None


def test_an_overlong_message_is_never_read_as_a_correction() -> None:
    assert correction("不是路灯，是" + "井盖" * 300) is None


# ---- where the module and a resident disagree ----

@pytest.mark.parametrize("text", [
    ("不是很清楚，大概在公园附近"),
    ("不是很严重，但是很吵"),
    _xfail("其实是这样的，路灯坏了一周了", why="the story opener '其实是这样的' is read as 'actually it is …'"),
    ("It's not far, it's next to the station"),
    _xfail("it's dark, not safe at night", why="a description with 'not' is read as 'it's Y, not X'"),
    _xfail("it's been broken for a week, not fixed yet", why="a description with 'not' is read as 'it's Y, not X'"),
    ("It is not a big deal but please fix it"),
    ("not only the light but also the pole"),
])
def test_a_description_or_hedge_with_not_in_it_is_no_correction(text: str) -> None:
    assert correction(text) is None


@pytest.mark.parametrize("text", [
    ("actually yes"),
    ("actually no"),
    ("actually, I don't know"),
    ("应该是吧"),
])
def test_a_bare_reply_after_a_correction_word_is_no_correction(text: str) -> None:
    assert correction(text) is None


@pytest.mark.parametrize("text, old, new, field", [
    ("地址不是三里屯，是东直门", "三里屯", "东直门", "location"),
    ("the address is not Sanlitun, it's Dongzhimen", "Sanlitun", "Dongzhimen", "location"),
    ("場所は三里屯じゃなくて東直門です", "三里屯", "東直門", "location"),
    ("it’s not the street light, it’s the manhole cover", "street light", "manhole cover", None),
    ("it’s a manhole cover, not a street light", "street light", "manhole cover", None),
    ("不是三里屯，东直门", "三里屯", "东直门", None),
    ("no, not Sanlitun, Dongzhimen", "Sanlitun", "Dongzhimen", None),
    ("三里屯じゃない、東直門です", "三里屯", "東直門", None),
])
def test_not_x_but_y_corrections_the_module_misses(text: str, old: str, new: str, field: str | None) -> None:
    assert correction(text) == Correction(new=new, old=old, field=field)


@pytest.mark.parametrize("text, new, field", [
    ("电话号码改成13800138000", "13800138000", "phone"),
    ("手机号改成13800138000", "13800138000", "phone"),
    ("类型改成噪音", "噪音", "category"),
    ("change my mobile to 13800138000", "13800138000", "phone"),
    ("カテゴリを騒音に変更してください", "騒音", "category"),
    ("携帯番号を09012345678に変更してください", "09012345678", "phone"),
    ("説明を街灯の点滅に修正", "街灯の点滅", "description"),
    ("訂正：12号棟です", "12号棟", None),
    ("間違えました、東門です", "東門", None),
    ("訂正です。正しくは三里屯です", "三里屯", None),
    ("actually it’s on the north side of Hepingli", "on the north side of Hepingli", None),
])
def test_new_value_corrections_the_module_misses(text: str, new: str, field: str | None) -> None:
    assert correction(text) == Correction(new=new, field=field)


# ---- the field a short text names ----

@pytest.mark.parametrize("text, field", [
    ("the address", "location"), ("location", "location"), ("地址", "location"), ("地点", "location"),
    ("位置", "location"), ("場所", "location"), ("住所", "location"),
    ("phone number", "phone"), ("my number", "phone"), ("电话", "phone"), ("手机号", "phone"), ("電話番号", "phone"),
    ("携帯", "phone"),
    ("category", "category"), ("the type of problem", "category"), ("类别", "category"), ("分类", "category"),
    ("種類", "category"), ("カテゴリ", "category"),
    ("description", "description"), ("the problem", "description"), ("描述", "description"),
    ("情况", "description"), ("説明", "description"), ("内容", "description"),
])
def test_a_short_text_names_its_field_in_any_language(text: str, field: str) -> None:
    assert named_field(text) == field


@pytest.mark.parametrize("text", ["路灯", "the street light", "三里屯", "マンホール", "address and phone", "地址和电话",
                                  "the address " + "x" * 40])
def test_no_field_or_two_fields_or_a_long_text_names_none(text: str) -> None:
    assert named_field(text) is None


# ---- wishes and requests are no cancellation ----

@pytest.mark.parametrize("text", [
    "希望尽快处理", "请尽快派人来修", "能不能快点修", "麻烦帮我看一下",
    "please fix the light", "please stop the noise at night", "please stop the restaurant dumping oil",
    "could you send someone", "I'd like someone to check the drain",
    "街灯を直してほしい", "街灯を直してほしいです", "修理してください", "早く対応してください",
])
def test_a_wish_or_request_is_recognised_in_any_language(text: str) -> None:
    assert is_wish_or_request(text)


@pytest.mark.parametrize("text", [
    "请取消这个诉求", "请取消", "请停止", "取消", "路灯坏了",
    "cancel please", "please cancel", "please cancel the appeal", "please stop", "never mind, please forget it",
    "cancel", "the street light is out",
    "キャンセルしてください", "申し立てをやめたいです", "やめたいです", "街灯が壊れています",
])
def test_a_request_to_cancel_or_a_plain_statement_is_no_wish(text: str) -> None:
    assert not is_wish_or_request(text)


@pytest.mark.parametrize("text, whole", [
    ("取消投诉", True), ("请取消这个诉求", True), ("全部取消", True), ("不用了", False), ("跳过", False),
    ("cancel the whole appeal", True), ("I want to withdraw my complaint", True), ("no thanks", False),
    ("skip", False), ("cancel", False),
    ("申し立てを取り下げます", True), ("通報をキャンセルしてください", True), ("結構です", False),
    ("電話番号は結構です", False),
])
def test_a_refusal_names_the_whole_appeal_or_only_one_question(text: str, whole: bool) -> None:
    assert names_the_appeal(text) is whole


# ---- does a text look like a place ----

@pytest.mark.parametrize("text", [
    "三里屯街道", "朝阳区三里屯街道工体北路8号", "工体北路", "东直门大街5号", "和平里北街", "马路对面", "小区门口",
    "5 Dongzhimen Street", "near the park", "Building 3", "next to the school", "opposite the mall", "#12",
    "駅の近く", "三丁目", "家の前", "公園の入口",
])
def test_an_address_or_a_pointer_to_a_place_looks_like_one(text: str) -> None:
    assert looks_like_place(text)


@pytest.mark.parametrize("text", [
    "", "  ", "垃圾没人收", "noise", "loud music at night", "騒音", "ゴミが回収されていません",
    ("噪音很大"),
    ("晚上很吵"),
    ("是个小问题"),
    ("no idea"),
    ("no water since yesterday"),
])
def test_a_description_or_a_category_does_not_look_like_a_place(text: str) -> None:
    assert not looks_like_place(text)


# ---- Japanese kanji in the gazetteer's simplified forms ----

JA_DISTRICTS = ["東城区", "西城区", "朝陽区", "豊台区", "石景山区", "海淀区", "門頭溝区", "房山区", "通州区", "順義区",
                "昌平区", "大興区", "懐柔区", "平谷区", "密雲区", "延慶区"]


def test_every_beijing_district_written_in_japanese_reaches_the_gazetteer() -> None:
    assert {gazetteer_form(name) for name in JA_DISTRICTS} == {d.name_zh for d in load_gazetteer().districts.values()}


@pytest.mark.parametrize("japanese, simplified", [
    ("朝陽区", "朝阳区"), ("東直門", "东直门"), ("北京駅", "北京站"), ("広安門", "广安门"),
    ("朝陽区三里屯街道工体北路8号", "朝阳区三里屯街道工体北路8号"),
    ("三里屯", "三里屯"), ("海淀区", "海淀区"), ("Sanlitun", "Sanlitun"), ("", ""),
    ("八里荘", "八里庄"),
    ("太陽宮", "太阳宫"),
    ("天壇", "天坛"),
    ("体育館路", "体育馆路"),
    ("大紅門", "大红门"),
    ("盧溝橋", "卢沟桥"),
    ("徳勝", "德胜"),
])
def test_japanese_kanji_become_the_simplified_forms_of_beijing_place_names(japanese: str, simplified: str) -> None:
    assert gazetteer_form(japanese) == simplified


# ---- the words a correction says were wrong, found and replaced ----

@pytest.mark.parametrize("text, fragment, found", [
    ("朝阳区三里屯街道工体北路8号", "工体北路", True), ("Near the Street Light", "street  light", True),
    ("ＡＢＣ小区门口", "abc小区", True), ("street-light out", "street light", True), ("工体 北路8号", "工体北路", True),
    ("路灯坏了", "井盖", False), ("Gongti North Road", "gongti north rd", False), ("路灯坏了", "", False),
    ("街灯が壊れています", "街灯", True), ("街灯が壊れています", "マンホール", False),
])
def test_mentions_ignores_case_width_and_spacing(text: str, fragment: str, found: bool) -> None:
    assert mentions(text, fragment) is found


@pytest.mark.parametrize("text, old, new, result", [
    ("朝阳区三里屯街道工体北路8号", "工体北路", "和平里北街", "朝阳区三里屯街道和平里北街8号"),
    ("Near the Street Light by the gate", "street light", "manhole cover", "Near the manhole cover by the gate"),
    ("路灯坏了，旁边的路灯也坏了", "路灯", "井盖", "井盖坏了，旁边的路灯也坏了"),
    ("路灯坏了", " 路灯 ", "井盖", "井盖坏了"),
    ("a.b (c)", "a.b", "x", "x (c)"),
    ("家の前の街灯が壊れています", "街灯", "マンホール", "家の前のマンホールが壊れています"),
    ("路灯坏了", "井盖", " 下水道 ", "下水道"),
])
def test_replace_mention_replaces_the_first_mention_or_gives_the_new_value_alone(text: str, old: str, new: str,
                                                                                 result: str) -> None:
    assert replace_mention(text, old, new) == result


@pytest.mark.parametrize("text, old, new, result", [
    ("the street  light is out", "street light", "manhole cover", "the manhole cover is out"),
    ("ＡＢＣ小区门口的路灯", "ABC小区", "DEF小区", "DEF小区门口的路灯"),
    ("工体 北路8号", "工体北路", "和平里北街", "和平里北街8号"),
])
def test_what_mentions_finds_replace_mention_replaces_in_place(text: str, old: str, new: str, result: str) -> None:
    assert mentions(text, old)
    assert replace_mention(text, old, new) == result


@pytest.mark.parametrize("text, old, new, field", [
    ("wait, I gave you the wrong street. It's number 16 on Chegongzhuang West Road, not Baiwanzhuang Street",
     "Baiwanzhuang Street", "number 16 on Chegongzhuang West Road", None),
    ("哎地址说错了，是阜成路42号院5号楼，不是增光路", "增光路", "阜成路42号院5号楼", "location"),
    ("等会儿，刚才说得不对，井盖不是裂了，是整个儿没了", "裂了", "整个儿没了", None),
    ("hang on, let me correct what I said: it's the footbridge steps that are icy, not the sidewalk",
     "sidewalk", "footbridge steps that are icy", None),
    ("すみません、場所を間違えました。双清路じゃなくて成府路です", "双清路", "成府路", "location"),
])
def test_a_correction_after_a_lead_sentence_is_found(text: str, old: str, new: str, field: str | None) -> None:
    assert correction(text) == Correction(new=new, old=old, field=field)


@pytest.mark.parametrize("text", [
    "The light is broken. Actually it is quite dangerous",  # "actually" after a lead that is no correction
    "我们小区的路灯，晚上不是很亮",
    "我不是本地人，不太清楚",
    "路灯不是很亮，晚上看不清",
])
def test_a_lead_sentence_does_not_make_a_description_a_correction(text: str) -> None:
    assert correction(text) is None


@pytest.mark.parametrize("text, cancels", [
    ("申し訳ありませんが、この申告は取り消してください", True),
    ("やはり申告はやめておきます", True),
    ("the lift works again. Please cancel this report, no need for it", True),
    ("算了，这个投诉不报了", True),
    ("no thanks, I'd rather not leave my number", False),
    ("请尽快处理这个投诉", False),
    ("電話は結構です", False),
])
def test_cancelling_the_whole_appeal_in_words(text: str, cancels: bool) -> None:
    assert cancels_the_appeal(text) is cancels


@pytest.mark.parametrize("place, old, new, result", [
    ("Baiwanzhuang Street 16, Zhanlanlu, Xicheng", "Baiwanzhuang Street", "number 16 on Chegongzhuang West Road",
     "number 16 on Chegongzhuang West Road, Zhanlanlu, Xicheng"),
    ("16 Baiwanzhuang Street, Xicheng", "Baiwanzhuang Street", "20 Chegongzhuang Road",
     "20 Chegongzhuang Road, Xicheng"),
    ("海淀区甘家口街道增光路35号楼", "增光路", "阜成路42号院5号楼", "海淀区甘家口街道阜成路42号院5号楼"),
    ("朝阳区三里屯街道工体北路8号", "工体北路", "和平里北街", "朝阳区三里屯街道和平里北街8号"),
    ("Gongti North Road 8, Sanlitun, Chaoyang", "Gongti North Road", "Hepingli North Street",
     "Hepingli North Street 8, Sanlitun, Chaoyang"),
    ("Gongti North Road 8", "Dongzhimen", "Dongzhimen Street 5", "Dongzhimen Street 5"),
])
def test_a_corrected_street_with_its_own_number_takes_the_old_number_with_it(place: str, old: str, new: str,
                                                                             result: str) -> None:
    assert replace_place(place, old, new) == result


@pytest.mark.parametrize("text, declines", [
    ("哎，我想了想电话还是别留了，怕公司知道是我反映的", True),
    ("I'd rather not give my number", True),
    ("電話は遠慮します", True),
    ("番号は教えたくないです", True),
    ("折り返しは不要です", True),
    ("お電話は必要ありません", True),
    ("回电就不需要了", True),
    ("no need for a call back", True),
    ("I don't need a phone call", True),
    ("13812345678", False),
    ("请打我电话", False),
    ("call me after 6pm", False),
])
def test_declining_a_phone_call_in_a_sentence(text: str, declines: bool) -> None:
    assert declines_contact(text) is declines


@pytest.mark.parametrize("text", ["那我这个就先不报了，撤了吧", "所以不用提交了，帮我撤销吧", "算了，撤了",
                                  "今回の申告は取り下げさせてください", "please don't file it, it got fixed"])
def test_withdrawing_the_report_cancels_the_appeal(text: str) -> None:
    assert cancels_the_appeal(text)


@pytest.mark.parametrize("text", ["撤了没有", "我不想报警", "我想报一下", "I don't want to give my number", "报了吗"])
def test_asking_about_or_reporting_is_no_withdrawal(text: str) -> None:
    assert not cancels_the_appeal(text)


def test_street_addresses_are_found_in_a_sentence() -> None:
    assert place_spans("Oh wait, sorry! We live at Huizhong Road 12, not Anli Road 58") == \
        ["Huizhong Road 12", "Anli Road 58"]
    assert place_spans("地址不对。公司搬了，现在在上地东路35号，不是信息路那边了") == ["上地东路35号", "信息路"]
    assert place_spans("No. 5 Xinyuan South Road, Chaoyang") == ["No. 5 Xinyuan South Road"]
    assert place_spans("上地街道的路灯") == []


def test_a_loose_place_correction_names_the_street_it_replaces() -> None:
    moved = place_correction("现在在上地东路35号，不是信息路那边了", "海淀区上地街道上地信息路12号")
    assert moved == Correction(new="上地东路35号", old="信息路", field="location")
    assert replace_place("海淀区上地街道上地信息路12号", moved.old, moved.new) == "海淀区上地街道上地东路35号"
    unnamed = place_correction("that's my office! We live at Huizhong Road 12", "Anli Road 58, Yayuncun")
    assert unnamed == Correction(new="Huizhong Road 12", old="Anli Road 58", field="location")
    assert place_correction("the light on Anli Road 58 is out", "Anli Road 58, Yayuncun") is None


@pytest.mark.parametrize(("text", "place", "corrected"), [
    ("Nearly right, but it was Terminal 2, I always mix them up", "Capital Airport Terminal 3 taxi queue, Chaoyang",
     "Capital Airport Terminal 2 taxi queue, Chaoyang"),
    ("The street is right but I got the number backwards. It's 58", "Gulou East Street 85, Jiaodaokou, Dongcheng",
     "Gulou East Street 58, Jiaodaokou, Dongcheng"),
    ("不对，是3号楼", "朝阳区安贞街道安贞里5号楼", "朝阳区安贞街道安贞里3号楼"),
    ("間違えました、3棟です", "朝陽区安貞街道安貞里5棟", "朝陽区安貞街道安貞里3棟"),
    ("门牌号记错了，是27", "东城区交道口街道鼓楼东大街85号", "东城区交道口街道鼓楼东大街27号"),
])
def test_a_new_number_for_a_numbered_part_of_the_place(text: str, place: str, corrected: str) -> None:
    moved = place_correction(text, place)
    assert moved is not None and moved.field == "location"
    assert replace_place(place, moved.old or place, moved.new) == corrected


@pytest.mark.parametrize(("text", "place"), [
    ("it happens every night after 11", "Gulou East Street 85, Jiaodaokou"),  # a time, not a number of the place
    ("about 20 people live there", "Building 5, Anzhen Li, Chaoyang"),
    ("Building 5 is right", "Building 5, Anzhen Li, Chaoyang"),  # the same number
    ("已经坏了3天了", "朝阳区安贞街道安贞里5号楼"),
])
def test_other_numbers_are_no_place_correction(text: str, place: str) -> None:
    assert place_correction(text, place) is None


def test_of_two_new_streets_the_one_on_the_places_own_street_corrects_it() -> None:
    place = "西城区白纸坊街道右内西街10号楼"
    moved = place_correction("哦，地址写的是我家，可扯电线的是隔壁12号楼，麻烦改成右内西街12号楼", place)
    assert moved == Correction(new="右内西街12号楼", old="右内西街10号楼", field="location")
    assert replace_place(place, moved.old, moved.new) == "西城区白纸坊街道右内西街12号楼"


@pytest.mark.parametrize(("text", "announces"), [
    ("Oh wait, that's my office address", True), ("等一下，地址不对", True), ("訂正があります", True),
    ("Hang on, I need to fix something I wrote earlier", True), ("哦还有，前面说得不太准", True),
    ("すみません、場所を言い直させてください", True),
    ("I've been waiting for a week", False), ("路灯坏了", False)])
def test_words_that_announce_a_correction(text: str, announces: bool) -> None:
    assert announces_correction(text) is announces


def test_small_talk_is_courtesy() -> None:
    assert is_courtesy("哟，这么晚还有人回消息，辛苦辛苦") and is_courtesy("thanks for working so late")
    assert not is_courtesy("Gongti North Road 8")


@pytest.mark.parametrize(("text", "refuses"), [
    ("hmm, actually no, please leave my number out", True), ("电话就不留了吧", True), ("番号は遠慮しておきます", True),
    ("13812345678", False), ("138 1234 5678, not 5679", False), ("my mobile", False)])
def test_refusing_a_number_in_words(text: str, refuses: bool) -> None:
    assert refuses_a_number(text) is refuses


@pytest.mark.parametrize(("text", "goes_on"), [
    ("能不能给我转个人工？……算了，你接着问吧", True), ("can I get a person? actually never mind, carry on", True),
    ("オペレーターと話したいけど、やっぱりいいです。続けてください", True), ("I want to talk to a person", False),
    ("转人工", False)])
def test_a_request_taken_back_goes_on(text: str, goes_on: bool) -> None:
    assert carries_on(text) is goes_on


@pytest.mark.parametrize("text", ["it was fixed this morning, no need for this anymore pls cancel",
                                  "もう大丈夫そうなので、取り消していただけますか", "麻烦帮我取消吧"])
def test_a_request_to_cancel_cancels_the_appeal(text: str) -> None:
    assert cancels_the_appeal(text)


@pytest.mark.parametrize("text", ["can you cancel my parking fine?", "駐車違反の罰金を取り消してほしい",
                                  "请帮我取消罚单"])
def test_a_request_to_cancel_something_else_is_an_appeal(text: str) -> None:
    assert not cancels_the_appeal(text)


def test_what_was_wrong_ends_with_its_clause() -> None:
    found = correction("sorry, I have to correct the address: it's Haidian West Street, not Haidian South Road. "
                       "Same number, 30")
    assert found == Correction(new="Haidian West Street", old="Haidian South Road", field="location")
    found = correction("哎不对不对，是兴丰大街跟三合南路那个路口，不是金星路，我给记岔了")
    assert found is not None and found.old == "金星路"


def test_what_was_wrong_follows_the_japanese_topic() -> None:
    found = correction("すみません、一つ訂正です。ごみがあるのはレストランの裏ではなく、建物の地下でした")
    assert found is not None and (found.old, found.new) == ("レストランの裏", "建物の地下")


@pytest.mark.parametrize("text", ["哦对了，刚才说得不全，昨晚还有辆渣土车来倒过",
                                  "one more thing: it also leaks at night", "言い忘れましたが、夜もうるさいです",
                                  "大体その通りですが、一つ抜けています。会社はサインも拒否しています。それも書いておいてください",
                                  "you left something out: they also block the fire exit",
                                  "还漏了一点，他们晚上也施工"])
def test_saying_something_was_missing_announces_a_change(text: str) -> None:
    assert announces_correction(text)


def test_declining_the_phone_for_fear_of_the_neighbours_withdraws_nothing() -> None:
    text = "想了想还是算了，电话不留了，怕邻居知道是我反映的"
    assert declines_contact(text) and not withdraws_the_appeal(text)
    assert withdraws_the_appeal("那我就不报了，撤了吧") and withdraws_the_appeal("キャンセルでお願いします")
    assert withdraws_the_appeal("I'm not comfortable giving my number. You know what, just drop the whole report")


def test_a_street_is_found_after_its_district_and_sub_district() -> None:
    assert place_spans("朝阳区三里屯街道工体北路8号") == ["工体北路8号"]
    assert replace_place("朝阳区三里屯街道工体北路8号", "工体北路8号", "工体南路8号") == "朝阳区三里屯街道工体南路8号"


def test_a_place_in_a_sentence_of_its_own() -> None:
    def known(text: str) -> bool:
        return any(area in text for area in ("Taiyanggong", "Sanlitun", "兴谷", "興谷"))

    moved = "場所が違いました。老人ホームは興谷街道の平翔路にあります"
    assert place_in_words(moved, "平谷区浜河街道府前街", known) == "興谷街道の平翔路"
    assert place_in_words("No, we actually live in Sanlitun, Chaoyang", "Taiyanggong Middle Road 12", known) == \
        "Sanlitun, Chaoyang"
    assert place_in_words("yes that's right, thanks", "Taiyanggong Middle Road 12, Taiyanggong", known) is None
    assert place_in_words("Is Taiyanggong the right area?", "Anli Road 58", known) is None  # a question gives none
    assert place_in_words("It is in Taiyanggong", "Taiyanggong Middle Road 12, Taiyanggong", known) is None


@pytest.mark.parametrize("text", [
    "So there's nothing for you to do here, don't bother filing anything",
    "刚刚又提交了一次，备案通过了！那这单就不要了，别往上报了",
    "謝りに来てくれました。なので、これは送らなくて大丈夫です。やめておきます",
    "よく考えたら私の勘違いでした。この話はなかったことにしてください",
    "You know what, let's call the whole thing off",
])
def test_dropping_the_appeal_in_more_words(text: str) -> None:
    assert cancels_the_appeal(text)


@pytest.mark.parametrize("text, new, old, field", [
    ("すみません、棟の番号を間違えました。3号棟ではなく8号棟です", "8号棟", "3号棟", "location"),
    ("Wrong building, my typo. We're in 14, not 4", "14", "4", None),
    ("one fix before you file it: the medicine is her diabetes tablets, metformin, not blood pressure pills",
     "her diabetes tablets, metformin", "blood pressure pills", None),
])
def test_corrections_in_more_words(text: str, new: str, old: str, field: str | None) -> None:
    assert correction(text) == Correction(new=new, old=old, field=field)


@pytest.mark.parametrize("text", ["地址写差了，是果园西路18号院", "不好意思打错了，是5号楼", "My typo: it's number 15"])
def test_more_ways_of_saying_something_was_wrong(text: str) -> None:
    assert announces_correction(text)


@pytest.mark.parametrize("text", ["哎，那车主刚下来把车开走了。这事儿就算了吧，别记了",
                                  "哎呀不好意思，点错了，其实没什么事儿，不用登记"])
def test_dropping_it_as_residents_say_it_in_chinese(text: str) -> None:
    assert cancels_the_appeal(text)


def test_they_are_not_x_it_is_y() -> None:
    found = correction("Got it wrong: they're not coming from the restaurant, it's the empty house next to it")
    assert found == Correction(new="empty house next to it", old="coming from the restaurant")
    assert not names_field("the empty house next to it, where the builders left rubbish", "location")


@pytest.mark.parametrize("text", [
    "The bus stop shelter near our gate is smashed, this is my complaint", "the lift stopped working again, complaint",
    "我想反映一下小区门口停车乱收费的问题", "停水三天了，我要反映", "停电了，投诉一下",
    "バス停の屋根が壊れています。苦情です", "路上に車が止めてあって通れません。苦情です"])
def test_parking_outages_and_bus_stops_cancel_nothing(text: str) -> None:
    assert not cancels_the_appeal(text)


@pytest.mark.parametrize("text", ["先停一下，这个投诉不要了", "停！这单不报了", "stop the complaint",
                                  "please drop this complaint"])
def test_stop_and_drop_as_verbs_still_cancel(text: str) -> None:
    assert cancels_the_appeal(text)


@pytest.mark.parametrize("text", [
    "Hmm, wait, before you send it: the mall has promised to switch the screen off. Let's not file this after all, "
    "cancel please",
    "Can I think about it for a second? ... Actually no: the owner offered to pay the vet. Please cancel this one",
    "すみません、やっぱり今回は取り消します。保護者会でまとめて出すことになったので",
    "あ、ごめんなさい、やっぱりやめておきます。知り合いが自分で病院に相談すると言っているので、私からは出さないことにします",
    "他们已经修好了，那还是取消吧", "もう大丈夫そうなので、今回は何も出さないでください",
    "the gym is reopening after all. That's what I was going to complain about, so please don't open anything",
    "ごめんなさい、やっぱり今日はやめておきます。大家さんともう一度話すことになったので",
    "あの、申し訳ないのですが、やっぱり取りやめにしたいです。来月から工事をすると書いてありました",
    "Actually, hold on. The shop owner just called and offered the full refund. I'd rather not submit this after all"])
def test_a_clause_that_only_asks_to_cancel_cancels_the_appeal(text: str) -> None:
    assert cancels_the_appeal(text)


@pytest.mark.parametrize("text", ["can you cancel my parking fine?", "the shop won't cancel my membership",
                                  "they cancelled the bus line, please restore it", "電話はやめておきます",
                                  "商家不给取消订单", "予約を取り消しても返金されません"])
def test_cancelling_something_else_is_no_clause_that_cancels(text: str) -> None:
    assert not cancels_in_a_clause(text)


def test_not_x_either_corrects_it_and_the_new_value_ends_with_its_sentence() -> None:
    found = correction("何度もすみません。夫に確認したら、燃やしているのは松兰堡でもなく、"
                       "その手前の辛力屯村の空き地でした。これで確定です")
    assert found is not None and (found.old, found.new) == ("松兰堡", "その手前の辛力屯村の空き地")
    found = correction("it's not Nanhu Xiyuan either, it's Nanhu Dongyuan")
    assert found is not None and (found.old, found.new) == ("Nanhu Xiyuan", "Nanhu Dongyuan")


def test_another_compound_is_another_place_and_another_number_is_not() -> None:
    assert names_other_parts("Building 212, Nanhu Zhongyuan, Wangjing",
                             "Building 3, Nanhu Xiyuan, Wangjing, Chaoyang")
    assert not names_other_parts("Building 5, Shaoyaoju Beili",
                                 "Building 3, Shaoyaoju Beili, Taiyanggong, Chaoyang")
    assert not names_other_parts("右内西街12号楼", "西城区白纸坊街道右内西街10号楼")
    assert names_other_parts("北蜂窝路3号院", "海淀区羊坊店街道羊坊店路边上那个院，9号楼")


def test_not_on_one_street_but_over_by_another_replaces_the_street() -> None:
    found = correction("哎不对，地址说错了，我们院的门牌不在羊坊店路上，是莲花池东路那边的")
    assert found is not None and (found.old, found.new) == ("羊坊店路", "莲花池东路")
    assert replace_mention("海淀区羊坊店街道羊坊店路12号院", found.old, found.new) == "海淀区羊坊店街道莲花池东路12号院"
    assert correction("我不在家，是邻居告诉我的") is None
