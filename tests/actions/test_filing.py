import asyncio

from rasa_sdk.events import SlotSet

from actions import deps
from actions.appeal_outbox import AppealOutbox
from actions.conversation import appeal_key, readable_time
from actions.filing import ActionFileTicket, ActionStartAppeal, appeal_fields
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker

FORM_STARTED = {"event": "active_loop", "name": "appeal_form", "timestamp": 1.0}
CONFIRMED = {"appeal_description": "路灯坏了一个星期", "appeal_location": "朝阳区三里屯街道",
             "appeal_category": "street_light_out",
             "appeal_attributes": {"recurring": "repeated"}, "contact_consent": True, "contact_phone": "13812345678",
             "appeal_confirmed": True}


def test_files_the_confirmed_appeal_with_all_its_fields(hotline: FakeHotline) -> None:
    messages, events = run(ActionFileTicket(), tracker(slots=CONFIRMED, events=[FORM_STARTED], intent="affirm"))
    fields, key = hotline.filed[0]
    assert fields == {"service_code": "street_light_out", "description": "路灯坏了一个星期",
                      "address_string": "朝阳区三里屯街道", "language": "zh", "channel": "webchat",
                      "channel_user_id": "resident-1", "attribute[recurring]": "repeated", "phone": "13812345678"}
    assert key.startswith("assistant:")
    assert messages[0]["response"] == "msg_ticket_filed"
    assert messages[0]["ticket_id"] == "202611220000001" and messages[0]["expected"] == "2026-11-25 14:00"
    assert messages[0]["department"] == "北京市城市管理委员会"
    assert SlotSet("appeal_confirmed", None) in events and SlotSet("appeal_description", None) in events


def test_no_phone_without_consent_and_nothing_filed_unconfirmed(hotline: FakeHotline) -> None:
    no_consent = {**CONFIRMED, "contact_consent": False}
    assert "phone" not in appeal_fields(tracker(slots=no_consent))
    messages, events = run(ActionFileTicket(), tracker(slots={**CONFIRMED, "appeal_confirmed": None}))
    assert hotline.filed == [] and messages == [] and events == []


def test_the_same_appeal_always_has_the_same_key_and_a_new_appeal_a_new_one() -> None:
    first = tracker(events=[FORM_STARTED])
    assert appeal_key(first) == appeal_key(tracker(events=[FORM_STARTED]))
    later = tracker(events=[FORM_STARTED, {"event": "active_loop", "name": "appeal_form", "timestamp": 9.0}])
    assert appeal_key(later) != appeal_key(first)
    assert appeal_key(tracker(sender="someone-else", events=[FORM_STARTED])) != appeal_key(first)


def test_backend_down_without_outbox_says_so_and_files_nothing(hotline: FakeHotline) -> None:
    hotline.down = True
    messages, _ = run(ActionFileTicket(), tracker(slots=CONFIRMED, events=[FORM_STARTED]))
    assert [m["response"] for m in messages] == ["msg_backend_error"]


def test_backend_down_queues_the_appeal_in_redis(hotline: FakeHotline, monkeypatch, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    from redis.asyncio import Redis

    hotline.down = True
    # A client per event loop: each asyncio.run below has its own loop.
    monkeypatch.setattr(deps, "appeal_outbox", lambda: AppealOutbox(Redis.from_url(redis_url)))
    conversation = tracker(slots=CONFIRMED, events=[FORM_STARTED])
    messages, _ = run(ActionFileTicket(), conversation)
    assert messages[0]["response"] == "msg_ticket_queued" and messages[0]["reference"].startswith("Q-")

    async def queued() -> list:  # type: ignore[type-arg]
        outbox = AppealOutbox(Redis.from_url(redis_url))
        items = await outbox.due()
        await outbox.redis.close()
        return items

    items = asyncio.run(queued())
    assert [a.idempotency_key for a in items] == [appeal_key(conversation)]
    assert items[0].fields["service_code"] == "street_light_out" and items[0].sender_id == "resident-1"


def test_start_keeps_a_descriptive_first_message_and_the_faq_question() -> None:
    _, events = run(ActionStartAppeal(), tracker(text="小区门口的路灯坏了一个星期，晚上很黑"))
    assert SlotSet("appeal_description", "小区门口的路灯坏了一个星期，晚上很黑") in events
    _, events = run(ActionStartAppeal(), tracker(text="我要投诉"))
    assert all(e != SlotSet("appeal_description", "我要投诉") for e in events)
    faq_turn = {"event": "user", "text": "暖气什么时候开始供？", "parse_data": {"intent": {"name": "faq"}}}
    _, events = run(ActionStartAppeal(), tracker(text="好的", intent="affirm", events=[faq_turn]))
    assert SlotSet("appeal_description", "暖气什么时候开始供？") in events
    _, events = run(ActionStartAppeal(), tracker(text="朝阳区三里屯街道", intent="inform_location"))
    assert SlotSet("appeal_location", "朝阳区三里屯街道") in events


def test_readable_time() -> None:
    assert readable_time("2026-11-25T14:08:44+08:00") == "2026-11-25 14:08"
    assert readable_time(None) == "" and readable_time("soon") == "soon"


SHARED = [{"entity": "latitude", "value": 39.9334}, {"entity": "longitude", "value": 116.4543},
          {"entity": "location_label", "value": "朝阳区三里屯路19号"}]


def test_a_shared_location_starts_an_appeal_with_its_place_and_coordinates() -> None:
    _, events = run(ActionStartAppeal(), tracker(text="/share_location", intent="share_location", entities=SHARED))
    assert events[-3:] == [SlotSet("appeal_location", "朝阳区三里屯路19号"), SlotSet("appeal_latitude", 39.9334),
                           SlotSet("appeal_longitude", 116.4543)]
    unlabelled = [e for e in SHARED if e["entity"] != "location_label"]
    _, events = run(ActionStartAppeal(), tracker(intent="share_location", entities=unlabelled))
    assert events[-3] == SlotSet("appeal_location", "39.93340, 116.45430（朝阳区三里屯街道附近）")
    out_of_range = [{"entity": "latitude", "value": 123}, {"entity": "longitude", "value": 1}]
    _, events = run(ActionStartAppeal(), tracker(intent="share_location", entities=out_of_range))
    assert all(e["value"] is None for e in events)  # only the reset


def test_a_photo_starts_an_appeal_with_the_photo_attached() -> None:
    photo = [{"entity": "media_url", "value": "https://mmbiz.qpic.cn/photo.jpg"}]
    messages, events = run(ActionStartAppeal(), tracker(intent="share_media", entities=photo))
    assert events[-1] == SlotSet("appeal_media_url", "https://mmbiz.qpic.cn/photo.jpg")
    assert [m["response"] for m in messages] == ["utter_media_attached"]


def test_coordinates_and_photo_go_to_the_backend() -> None:
    slots = {**CONFIRMED, "appeal_latitude": 39.9334, "appeal_longitude": 116.4543,
             "appeal_media_url": "https://mmbiz.qpic.cn/photo.jpg"}
    fields = appeal_fields(tracker(slots=slots))
    assert (fields["lat"], fields["long"], fields["media_url"]) == ("39.933400", "116.454300",
                                                                   "https://mmbiz.qpic.cn/photo.jpg")
    not_a_url = appeal_fields(tracker(slots={**slots, "appeal_media_url": "javascript:alert(1)"}))
    assert "media_url" not in not_a_url


KOREAN = [{"entity": "detected_language", "value": "en", "written_language": "ko"}]


def test_an_appeal_in_an_unserved_language_is_noted_once_and_filed_with_that_language() -> None:
    text = "아파트 앞 가로등이 일주일째 고장났어요"
    messages, events = run(ActionStartAppeal(), tracker(text=text, intent="report_problem", entities=KOREAN,
                                                       slots={"language": "en"}))
    assert [m["response"] for m in messages] == ["msg_other_language_note"]
    assert SlotSet("other_language_noted", True) in events and SlotSet("appeal_written_language", "ko") in events
    told_before = tracker(text=text, intent="report_problem", entities=KOREAN, slots={"other_language_noted": True})
    assert run(ActionStartAppeal(), told_before)[0] == []
    fields = appeal_fields(tracker(slots={**CONFIRMED, "appeal_written_language": "ko", "language": "en"}))
    assert fields["language"] == "ko"
    assert appeal_fields(tracker(slots={**CONFIRMED, "language": "en"}))["language"] == "en"


def test_a_private_ticket_names_its_categorys_department() -> None:
    from actions.filing import category_department

    hrss = "Beijing Municipal Human Resources and Social Security Bureau"
    assert category_department("illegal_dismissal", "en") == hrss
    assert category_department("illegal_dismissal", "ja") == "北京市人力資源・社会保障局"
    assert category_department("no_such_category", "en") == ""
