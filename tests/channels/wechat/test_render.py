"""Bot messages as WeChat text: numbered buttons, 2,048-byte pieces at sentence ends, template fields."""

import pytest

from channels.wechat.output import template_fields
from channels.wechat.render import MAX_TEXT_BYTES, button_number, pack, render_buttons, shorten, split_text, utf8_len


def test_buttons_become_numbered_lines_and_payloads() -> None:
    text, payloads = render_buttons("请选择类别：", [{"title": "路灯", "payload": "/choose_category{\"c\": \"a\"}"},
                                                {"title": "噪音", "payload": "/choose_category{\"c\": \"b\"}"}])
    assert text == "请选择类别：\n1. 路灯\n2. 噪音"
    assert payloads == ['/choose_category{"c": "a"}', '/choose_category{"c": "b"}']


def test_numbering_continues_across_messages_of_one_turn() -> None:
    text, payloads = render_buttons("", [{"title": "Yes", "payload": "/affirm"}], first_number=3)
    assert (text, payloads) == ("3. Yes", ["/affirm"])


@pytest.mark.parametrize("typed, number", [("1", 1), (" 2 ", 2), ("２", 2), ("3.", 3), ("4、", 4), ("10", 10),
                                           ("1a", None), ("一", None), ("", None), ("12345", None), ("-1", None)])
def test_button_numbers(typed: str, number: int | None) -> None:
    assert button_number(typed) == number


def test_short_text_is_one_piece() -> None:
    assert split_text("  你好。  ") == ["你好。"]
    assert split_text("   ") == []


def test_long_chinese_text_splits_at_sentence_ends_within_2048_bytes() -> None:
    sentence = "您的诉求已经转交朝阳区三里屯街道办事处处理。"  # 22 characters, 66 bytes
    pieces = split_text(sentence * 100)
    assert len(pieces) == 4
    assert all(utf8_len(p) <= MAX_TEXT_BYTES for p in pieces)
    assert all(p.endswith("。") for p in pieces)
    assert "".join(pieces) == sentence * 100


def test_english_splits_after_full_stops_followed_by_space() -> None:
    text = " ".join(["The street light at gate 3 has been broken for a week, v1.2 of the map says."] * 60)
    pieces = split_text(text)
    assert all(utf8_len(p) <= MAX_TEXT_BYTES and p.endswith("says.") for p in pieces)
    assert " ".join(pieces) == text


def test_a_sentence_longer_than_the_limit_is_cut_at_character_boundaries() -> None:
    pieces = split_text("路" * 1000)  # 3,000 bytes, no sentence end
    assert [utf8_len(p) for p in pieces] == [2046, 954]
    assert "".join(pieces) == "路" * 1000


def test_pack_joins_messages_while_they_fit() -> None:
    assert pack(["第一条。", "第二条。"]) == ["第一条。\n\n第二条。"]
    big = "字" * 600  # 1,800 bytes
    assert pack([big, "短。", big]) == [big + "\n\n短。", big]


def test_template_fields_are_at_most_20_characters() -> None:
    fields = template_fields("您的诉求 202611220000123 已办结，请对办理结果进行评价：满意还是不满意？", now=0)
    assert fields["character_string2"] == "202611220000123"
    assert all(len(value) <= 20 for value in fields.values())
    assert fields["thing1"].endswith("…")
    assert template_fields("Resolved.", now=0)["character_string2"] == "-"


def test_shorten_keeps_short_lines() -> None:
    assert shorten("已办结\n谢谢") == "已办结 谢谢"
    assert len(shorten("x" * 50)) == 20
