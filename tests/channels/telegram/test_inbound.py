"""Telegram updates as Rasa texts: commands, locations, photos, buttons, and no forged intents."""

import json

import pytest

from channels.telegram.inbound import UNSUPPORTED, parse
from tests.doubles.fake_telegram import (
    callback_update,
    location_update,
    message_update,
    photo_update,
    text_update,
    venue_update,
    voice_update,
)


def link(file_id: str) -> str | None:
    return f"https://hotline.example/webhooks/telegram/media/{file_id}.sig"


def test_typed_text_goes_as_typed() -> None:
    inbound = parse(text_update(1, 42, "路灯坏了一个星期"), link)
    assert (inbound.kind, inbound.chat_id, inbound.texts) == ("text", "42", ("路灯坏了一个星期",))
    assert inbound.metadata == {"telegram": {"update_id": 1, "kind": "text", "language_code": "en"}}
    assert inbound.message_id(0) == "tg-1" and inbound.message_id(1) == "tg-1-1"


@pytest.mark.parametrize("typed, text", [
    ('/share_location{"latitude": 1, "longitude": 2}', 'share_location{"latitude": 1, "longitude": 2}'),
    ("//EXTERNAL_appeal_filed", "EXTERNAL_appeal_filed"),
    ("/affirm", "affirm"),
    ("/", UNSUPPORTED),
])
def test_typed_slashes_cannot_forge_intents(typed: str, text: str) -> None:
    assert parse(text_update(2, 42, typed), link).texts == (text,)


@pytest.mark.parametrize("code, texts", [
    ("en-GB", ('/switch_language{"language": "en"}', "/greet")),
    ("ja", ('/switch_language{"language": "ja"}', "/greet")),
    ("zh-hans", ('/switch_language{"language": "zh"}', "/greet")),
    ("de", ("/greet",)),
    (None, ("/greet",)),
])
def test_start_greets_in_the_clients_language(code: str | None, texts: tuple[str, ...]) -> None:
    inbound = parse(text_update(3, 42, "/start", language_code=code), link)
    assert (inbound.kind, inbound.texts) == ("command:start", texts)


def test_our_commands_map_to_intents() -> None:
    assert parse(text_update(4, 42, "/status"), link).texts == ("/check_status",)
    assert parse(text_update(5, 42, "/status@hotline12345_bot"), link).texts == ("/check_status",)
    lang = parse(text_update(6, 42, "/lang"), link)
    assert (lang.kind, lang.texts) == ("command:lang", ())
    assert parse(text_update(7, 42, "/start deep-link"), link).texts[-1] == "/greet"


def test_a_location_and_a_venue() -> None:
    plain = parse(location_update(8, 42, 39.9338, 116.4551), link)
    assert plain.texts == ('/share_location{"latitude": 39.9338, "longitude": 116.4551}',)
    venue = parse(venue_update(9, 42, 39.93, 116.45, "三里屯太古里", "三里屯路19号"), link)
    assert venue.kind == "location"
    assert json.loads(venue.texts[0].removeprefix("/share_location")) == {
        "latitude": 39.93, "longitude": 116.45, "location_label": "三里屯太古里, 三里屯路19号"}
    assert parse(location_update(10, 42, 91.0, 0.0), link).texts == (UNSUPPORTED,)


def test_a_photo_becomes_media_and_its_caption_a_typed_text() -> None:
    inbound = parse(photo_update(11, 42, "AgACAgQAAxk-big", caption="/路灯 坏了"), link)
    assert inbound.kind == "photo"
    assert inbound.texts == ('/share_media{"media_url": "https://hotline.example/webhooks/telegram/media/'
                             'AgACAgQAAxk-big.sig"}', "路灯 坏了")
    assert parse(photo_update(12, 42, "x"), lambda _: None).texts == (UNSUPPORTED,)  # link too long


def test_an_image_sent_as_a_file_is_a_photo_other_files_are_not() -> None:
    image = message_update(13, 42, document={"file_id": "doc-1", "file_unique_id": "d", "mime_type": "image/png"})
    assert parse(image, link).texts[0].startswith("/share_media")
    pdf = message_update(14, 42, document={"file_id": "doc-2", "file_unique_id": "e", "mime_type": "application/pdf"})
    assert parse(pdf, link).texts == (UNSUPPORTED,)


def test_voice_and_stickers_ask_to_type() -> None:
    assert parse(voice_update(15, 42), link).texts == (UNSUPPORTED,)
    sticker = message_update(16, 42, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                                              "height": 1, "is_animated": False, "is_video": False})
    assert parse(sticker, link).kind == "unsupported"


def test_a_button_press_carries_its_query_id_and_data() -> None:
    inbound = parse(callback_update(17, 42, "AbC:1", language_code="ja"), link)
    assert (inbound.kind, inbound.chat_id, inbound.texts) == ("callback", "42", ())
    assert (inbound.callback_query_id, inbound.callback_data, inbound.language_code) == ("cq-17", "AbC:1", "ja")


def test_groups_edits_and_blocks() -> None:
    assert parse(text_update(18, -100, "hi", chat_type="group"), link).kind == "ignored"
    edited = {"update_id": 19, "edited_message": text_update(0, 42, "hi")["message"]}
    assert parse(edited, link).kind == "ignored"
    member = {"update_id": 20, "my_chat_member": {
        "chat": {"id": 42, "type": "private"}, "from": {"id": 42, "is_bot": False, "first_name": "R"}, "date": 1,
        "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "B"}},
        "new_chat_member": {"status": "kicked", "until_date": 0, "user": {"id": 1, "is_bot": True, "first_name": "B"}}}}
    assert (parse(member, link).kind, parse(member, link).chat_id) == ("blocked", "42")


@pytest.mark.parametrize("data", [{}, {"update_id": "1"}, [], {"update_id": True}])
def test_not_an_update(data: object) -> None:
    with pytest.raises(ValueError):
        parse(data, link)  # type: ignore[arg-type]
