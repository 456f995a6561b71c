import asyncio

from rasa_sdk.events import SlotSet

from actions import deps
from actions.appeal_outbox import AppealOutbox
from actions.conversation import appeal_key
from actions.filing import ActionFileTicket, ActionStartAppeal, appeal_fields, readable_time
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker

FORM_STARTED = {"event": "active_loop", "name": "appeal_form", "timestamp": 1.0}
CONFIRMED = {"appeal_description": "路灯坏了一个星期", "appeal_location": "朝阳区三里屯街道", "appeal_category": "street_light_out",
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
