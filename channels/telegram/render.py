"""Bot messages as Telegram messages: 4,096-unit pieces, plain text, inline keyboards, short notices.

Texts are sent without ``parse_mode``: Telegram shows them exactly as written, so nothing a
resident or a translation contains (``<``, ``*``, ``_``, ``[``) can turn into markup, and there
is nothing to escape. Telegram counts a message's length in UTF-16 code units (an emoji or a
rare CJK character outside the BMP counts two), at most 4,096; longer texts are split after
sentence ends (channels/kit/text_pieces.py). A message's buttons go under its last piece.

callback_data carries only ``<keyboard id>:<index>`` (at most 16 bytes of the 64 allowed); the
payloads stay in Redis (channels/telegram/store.py).
"""

import json
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from channels.kit import text_pieces

MAX_TEXT_UNITS = int(MessageLimit.MAX_TEXT_LENGTH)                  # 4096
MAX_CALLBACK_BYTES = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)  # 64
SHORT_TITLE = 12   # up to three buttons this short share one row
LANGUAGES = (("中文", "zh"), ("English", "en"), ("日本語", "ja"))
NOTICES = {  # the connector's own few words (the bot's answers come from translations/)
    "expired": {"zh": "这个按钮已过期，请直接输入您的回答。", "en": "This button has expired. Please type your answer.",
                "ja": "このボタンは期限切れです。回答を入力してください。"},
    "used": {"zh": "这个按钮已经选过了。", "en": "You already chose this.", "ja": "このボタンは選択済みです。"},
    "choose_language": {"zh": "请选择语言 / Choose a language / 言語を選んでください",
                        "en": "Choose a language / 请选择语言 / 言語を選んでください",
                        "ja": "言語を選んでください / 请选择语言 / Choose a language"},
}


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MAX_TEXT_UNITS) -> list[str]:
    """Pieces of at most ``limit`` UTF-16 units, broken after sentence ends where possible."""
    return text_pieces.split_text(text, limit, utf16_len)


def language_of(language_code: str | None) -> str | None:
    """zh, en or ja from a Telegram ``language_code`` (``en-US``, ``zh-hans``, ``ja``), else None."""
    code = (language_code or "").lower()
    return next((lang for lang in ("zh", "en", "ja") if code.startswith(lang)), None)


def notice(name: str, language_code: str | None) -> str:
    return NOTICES[name][language_of(language_code) or "zh"]


def switch_language(language: str) -> str:
    """The payload of a language button, as the web chat and domain.yml's switch_language use it."""
    return "/switch_language" + json.dumps({"language": language}, separators=(", ", ": "))


def language_buttons() -> list[dict[str, Any]]:
    return [{"title": title, "payload": switch_language(code)} for title, code in LANGUAGES]


def callback_data(keyboard: str, index: int) -> str:
    data = f"{keyboard}:{index}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def parse_callback_data(data: str | None) -> tuple[str, int] | None:
    """(keyboard id, index) from callback_data, None when it is not ours."""
    keyboard, _, index = (data or "").partition(":")
    if not keyboard or not index.isdigit() or len(keyboard) > 32:
        return None
    return keyboard, int(index)


def button_title(button: dict[str, Any]) -> str:
    return str(button.get("title") or button.get("payload") or "?").strip()[:64] or "?"


def keyboard_markup(keyboard: str, buttons: Sequence[dict[str, Any]]) -> InlineKeyboardMarkup:
    """Inline buttons, one per row; up to three short ones (yes/no, languages) share a row."""
    keys = [InlineKeyboardButton(button_title(b), callback_data=callback_data(keyboard, n))
            for n, b in enumerate(buttons)]
    if len(keys) <= 3 and all(len(k.text) <= SHORT_TITLE for k in keys):
        return InlineKeyboardMarkup([keys])
    return InlineKeyboardMarkup([[key] for key in keys])
