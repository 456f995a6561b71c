"""Bot messages as Telegram messages: 4,096 UTF-16 units, plain text, buttons in 64-byte callback_data."""

import json

import pytest

from channels.telegram.render import (
    MAX_CALLBACK_BYTES,
    MAX_TEXT_UNITS,
    callback_data,
    keyboard_markup,
    language_buttons,
    language_of,
    notice,
    parse_callback_data,
    split_message,
    utf16_len,
)


def test_a_short_text_is_one_message() -> None:
    assert split_message("  您好！ ") == ["您好！"]
    assert split_message("  ") == []


def test_long_text_is_chunked_at_4096_units_after_sentence_ends() -> None:
    sentence = "The street light at gate 3 has been broken for a week. "
    text = sentence * 200  # 11,000 characters
    pieces = split_message(text)
    assert len(pieces) == 3 and all(utf16_len(p) <= MAX_TEXT_UNITS for p in pieces)
    assert all(p.endswith("week.") for p in pieces)
    assert " ".join(pieces) == text.strip()


def test_characters_outside_the_bmp_count_twice() -> None:
    assert utf16_len("路") == 1 and utf16_len("😀") == 2 and utf16_len("𠮷") == 2
    pieces = split_message("😀" * 3000)  # 6,000 units, no sentence end: cut between characters
    assert [utf16_len(p) for p in pieces] == [4096, 1904]
    assert "".join(pieces) == "😀" * 3000


def test_chinese_text_splits_at_full_stops() -> None:
    pieces = split_message("您的诉求已经转交朝阳区三里屯街道办事处处理。" * 400)  # 8,800 characters
    assert [utf16_len(p) for p in pieces] == [4092, 4092, 616]
    assert all(p.endswith("。") for p in pieces)


def test_callback_data_is_a_short_key_never_the_payload() -> None:
    markup = keyboard_markup("AbCdEfGhIjKl", [
        {"title": "道路挖掘后未恢复", "payload": '/choose_category{"appeal_category": "road_excavation_unrestored"}'},
        {"title": "路灯", "payload": '/choose_category{"appeal_category": "street_light_out"}'}])
    datas = [button.callback_data for row in markup.inline_keyboard for button in row]
    assert datas == ["AbCdEfGhIjKl:0", "AbCdEfGhIjKl:1"]
    assert all(isinstance(d, str) and len(d.encode()) <= MAX_CALLBACK_BYTES for d in datas)
    assert parse_callback_data("AbCdEfGhIjKl:1") == ("AbCdEfGhIjKl", 1)
    for forged in (None, "", "/affirm", "abc:", "abc:x", "x" * 40 + ":1"):
        assert parse_callback_data(forged) is None
    with pytest.raises(ValueError):
        callback_data("k" * 70, 1)


def test_short_buttons_share_a_row_long_ones_stack() -> None:
    yes_no = keyboard_markup("k", [{"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"}])
    assert [[b.text for b in row] for row in yes_no.inline_keyboard] == [["是", "否"]]
    long = keyboard_markup("k", [{"title": "Noise from a construction site at night", "payload": "/a"},
                                 {"title": "Street light out", "payload": "/b"}])
    assert [len(row) for row in long.inline_keyboard] == [1, 1]


def test_language_buttons_switch_the_language_as_the_web_chat_does() -> None:
    buttons = language_buttons()
    assert [b["title"] for b in buttons] == ["中文", "English", "日本語"]
    assert [json.loads(b["payload"].removeprefix("/switch_language")) for b in buttons] == [
        {"language": "zh"}, {"language": "en"}, {"language": "ja"}]


@pytest.mark.parametrize("code, language", [("en", "en"), ("en-US", "en"), ("zh-hans", "zh"), ("ja", "ja"),
                                            ("de", None), (None, None), ("", None)])
def test_telegram_language_codes(code: str | None, language: str | None) -> None:
    assert language_of(code) == language


def test_notices_fall_back_to_chinese() -> None:
    assert notice("expired", "ja").startswith("このボタン") and notice("expired", "ko").startswith("这个按钮")
