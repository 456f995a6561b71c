"""WeChat messages and events as Rasa user text: one translator per type."""

import json

import pytest

from channels.wechat.crypto import parse_xml
from channels.wechat.inbound import UNSUPPORTED, parse
from tests.doubles.fake_wechat import message_xml


def inbound_of(**fields: str | int) -> tuple[str | None, str, str]:
    message = parse(parse_xml(message_xml(FromUserName="o-resident", **fields).encode()))
    assert message.sender == "o-resident"
    return message.text, message.kind, message.dedupe_key


def entities(text: str | None, intent: str) -> dict[str, object]:
    assert text is not None and text.startswith(f"/{intent}{{")
    parsed: dict[str, object] = json.loads(text[len(intent) + 1:])
    return parsed


def test_text_is_passed_on_and_deduped_by_msg_id() -> None:
    assert inbound_of(MsgType="text", Content=" 路灯坏了 ", MsgId=6054768590064713728) == (
        "路灯坏了", "text", "6054768590064713728")


@pytest.mark.parametrize("typed", ["/affirm", "//share_location{\"latitude\": 1}", "/EXTERNAL_appeal_filed"])
def test_typed_payloads_lose_their_slash(typed: str) -> None:
    text, _, _ = inbound_of(MsgType="text", Content=typed, MsgId=1)
    assert text is not None and not text.startswith("/")


def test_location_becomes_share_location_with_its_label() -> None:
    text, kind, _ = inbound_of(MsgType="location", Location_X="39.93", Location_Y="116.45", Scale="15",
                               Label="北京市朝阳区三里屯路19号", MsgId=2)
    assert kind == "location"
    assert entities(text, "share_location") == {"latitude": 39.93, "longitude": 116.45,
                                                "location_label": "北京市朝阳区三里屯路19号"}
    assert "三里屯路19号" in (text or "")  # Chinese kept readable, not \\u-escaped


def test_location_without_label_or_with_nonsense() -> None:
    text, _, _ = inbound_of(MsgType="location", Location_X="39.9", Location_Y="116.4", MsgId=3)
    assert entities(text, "share_location") == {"latitude": 39.9, "longitude": 116.4}
    assert inbound_of(MsgType="location", Location_X="north", Location_Y="116.4", MsgId=4)[0] == UNSUPPORTED
    assert inbound_of(MsgType="location", Location_X="139.9", Location_Y="116.4", MsgId=5)[0] == UNSUPPORTED


def test_image_becomes_share_media() -> None:
    text, _, _ = inbound_of(MsgType="image", PicUrl="https://mmbiz.qpic.cn/abc", MediaId="m", MsgId=6)
    assert entities(text, "share_media") == {"media_url": "https://mmbiz.qpic.cn/abc"}
    assert inbound_of(MsgType="image", PicUrl="javascript:alert(1)", MsgId=7)[0] == UNSUPPORTED


def test_voice_uses_wechats_recognition_or_is_unsupported() -> None:
    assert inbound_of(MsgType="voice", Recognition="我要投诉噪音", MediaId="m", MsgId=8)[0] == "我要投诉噪音"
    assert inbound_of(MsgType="voice", MediaId="m", MsgId=9)[0] == UNSUPPORTED


def test_subscribe_greets_and_events_dedupe_by_sender_and_time() -> None:
    assert inbound_of(MsgType="event", Event="subscribe", CreateTime=1700000000) == (
        "/greet", "event:subscribe", "o-resident:1700000000:event:subscribe")
    assert inbound_of(MsgType="event", Event="subscribe", EventKey="qrscene_42", CreateTime=1)[0] == "/greet"


@pytest.mark.parametrize("key, intent", [("check_status", "/check_status"), ("report_problem", "/report_problem"),
                                         ("ask_question", "/ask_question"), ("drop_tables", UNSUPPORTED)])
def test_menu_clicks_map_to_intents(key: str, intent: str) -> None:
    assert inbound_of(MsgType="event", Event="CLICK", EventKey=key)[0] == intent


@pytest.mark.parametrize("event", ["unsubscribe", "VIEW", "TEMPLATESENDJOBFINISH", "LOCATION", "kf_close_session"])
def test_events_without_a_question_get_no_turn(event: str) -> None:
    assert inbound_of(MsgType="event", Event=event)[0] is None


@pytest.mark.parametrize("msg_type", ["video", "shortvideo", "link", "miniprogrampage", "file", "something_new"])
def test_other_messages_get_the_polite_unsupported_answer(msg_type: str) -> None:
    assert inbound_of(MsgType=msg_type, MsgId=10)[0] == UNSUPPORTED


def test_sender_and_type_are_required() -> None:
    with pytest.raises(ValueError):
        parse({"MsgType": "text", "Content": "x"})
    with pytest.raises(ValueError):
        parse({"FromUserName": "o-1"})
