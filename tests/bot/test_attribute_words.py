"""bot.attribute_words: a multiple-choice question of a category answered in words, in zh, en and ja."""

import pytest

from bot.attribute_words import value_in_words

RECURRING = {"once": "Once", "repeated": "Repeatedly", "ongoing": "It is still going on"}
SCOPE_ZH = {"my_home": "仅我家", "building": "整栋楼", "compound": "整个小区", "unknown": "不清楚"}
SCOPE_EN = {"my_home": "Only my home", "building": "The whole building", "compound": "The whole compound",
            "unknown": "Not sure"}
SCOPE_JA = {"my_home": "自宅のみ", "building": "建物全体", "compound": "団地全体", "unknown": "わからない"}
AT_RISK_JA = {"yes": "はい", "no": "いいえ", "unknown": "わからない"}


@pytest.mark.parametrize(("attribute", "text", "values", "key"), [
    ("recurring", "隔三差五就来一回，都半年了", RECURRING, "repeated"),
    ("recurring", "it happens every weekend without fail", RECURRING, "repeated"),
    ("recurring", "just the once, last Tuesday", RECURRING, "once"),
    ("recurring", "every single night for weeks now", RECURRING, "ongoing"),  # both named: the latest state wins
    ("recurring", "毎晩のように起きています", RECURRING, "repeated"),
    ("recurring", "it's been like that the whole time, nobody ever came back", RECURRING, "ongoing"),
    ("recurring", "no idea, I only moved in last week", {**RECURRING, "unknown": "Not sure"}, "unknown"),
    ("outage_scope", "whole bldg", SCOPE_EN, "building"),
    ("outage_scope", "just the one flat, ours", SCOPE_EN, "my_home"),
    ("outage_scope", "就我们家，邻居都有水", SCOPE_ZH, "my_home"),
    ("outage_scope", "整栋楼都停了", SCOPE_ZH, "building"),
    ("outage_scope", "咱们整个小区都没有", SCOPE_ZH, "compound"),
    ("outage_scope", "every flat on our staircase, so the whole building", SCOPE_EN, "building"),
    ("outage_scope", "only my flat as far as I can tell", SCOPE_EN, "my_home"),
    ("outage_scope", "建物だけじゃなく団地全体です", SCOPE_JA, "compound"),  # the widest named wins
    ("outage_scope", "よく分かりません", SCOPE_JA, "unknown"),
    ("people_at_risk", "はい、下を子どもたちが毎朝通ります", AT_RISK_JA, "yes"),
    ("people_at_risk", "いいえ、今は誰もいません", AT_RISK_JA, "no"),
    ("people_at_risk", "暂时还没有人受伤，就是怕出事", {"yes": "有", "no": "没有", "unknown": "不确定"}, "no"),
    ("people_at_risk", "有人被困在里面了", {"yes": "有", "no": "没有", "unknown": "不确定"}, "yes"),
])
def test_words_name_the_value(attribute: str, text: str, values: dict[str, str], key: str) -> None:
    assert value_in_words(attribute, text, values) == key


@pytest.mark.parametrize(("attribute", "text", "values"), [
    ("recurring", "夜です", RECURRING), ("outage_scope", "the water is brown", SCOPE_EN),
    ("people_at_risk", "夜です", AT_RISK_JA), ("outage_scope", "", SCOPE_ZH),
])
def test_words_that_name_no_value_give_none(attribute: str, text: str, values: dict[str, str]) -> None:
    assert value_in_words(attribute, text, values) is None
