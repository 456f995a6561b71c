"""Where an urgent report is (actions/urgent_place.py): asked after the emergency numbers only when the report
named no place; a place goes to this resident's ticket; "no thanks" ends the question; small talk is no place."""

from typing import Any

from rasa_sdk.events import SlotSet

from actions.emergency import ActionHandleEmergency
from actions.urgent_place import ValidateUrgentPlaceForm
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker

FLOODING = "雨下了一宿，我们楼的地下室进水了，还在往里灌"


def followed_by_form(events: list[dict[str, Any]]) -> bool:
    return any(e.get("event") == "followup" and e.get("name") == "urgent_place_form" for e in events)


def test_an_emergency_without_a_place_is_asked_where_after_the_numbers(hotline: FakeHotline) -> None:
    messages, events = run(ActionHandleEmergency(), tracker(intent="emergency", text=FLOODING))
    assert [m["response"] for m in messages] == ["msg_emergency", "msg_emergency_logged"]
    assert SlotSet("urgent_ticket", "202611220000001") in events and followed_by_form(events)


def test_an_emergency_that_names_its_place_or_was_not_filed_is_not_asked(hotline: FakeHotline) -> None:
    _, events = run(ActionHandleEmergency(), tracker(intent="emergency", text="朝阳区三里屯街道工体北路8号着火了"))
    assert not followed_by_form(events)
    _, events = run(ActionHandleEmergency(), tracker(intent="emergency", text=FLOODING,
                                                     slots={"appeal_location": "丰台区东高地街道万源南里12号楼"}))
    assert not followed_by_form(events)
    hotline.reject_with = "bad"
    _, events = run(ActionHandleEmergency(), tracker(intent="emergency", text=FLOODING))
    assert not followed_by_form(events)


def place_answer(text: str, intent: str = "inform_location") -> tuple[list[dict[str, Any]], list[Any]]:
    events = [{"event": "action", "name": "action_listen"}]
    conversation = tracker(text=text, intent=intent, events=events,
                           slots={"urgent_ticket": "202612060000009", "requested_slot": "urgent_place"})
    conversation.events.append({"event": "action", "name": "urgent_place_form"})
    conversation.active_loop = {"name": "urgent_place_form"}
    return run(ValidateUrgentPlaceForm(), conversation)


def test_the_place_goes_to_this_residents_urgent_ticket(hotline: FakeHotline) -> None:
    messages, events = place_answer("丰台区东高地街道万源南里12号楼地下室")
    assert hotline.places == [("202612060000009", ("webchat", "resident-1"), "丰台区东高地街道万源南里12号楼地下室")]
    assert [m["response"] for m in messages] == ["msg_urgent_place_added"]
    assert SlotSet("urgent_ticket", None) in events


def test_no_thanks_ends_the_question_and_small_talk_is_no_place(hotline: FakeHotline) -> None:
    messages, events = place_answer("不用了", intent="deny")
    assert [m["response"] for m in messages] == ["msg_urgent_place_skipped"] and hotline.places == []
    assert SlotSet("requested_slot", None) in events
    messages, _ = place_answer("好的谢谢你们", intent="thanks")
    assert hotline.places == []
    messages, _ = place_answer("ok", intent="affirm")
    assert [m["response"] for m in messages] == ["msg_not_a_place"] and hotline.places == []


def test_the_backend_refusing_the_place_is_said_plainly(hotline: FakeHotline) -> None:
    hotline.reject_with = "has a place already"
    messages, events = place_answer("丰台区东高地街道万源南里12号楼")
    assert [m["response"] for m in messages] == ["msg_urgent_place_not_added"]
    assert SlotSet("urgent_ticket", None) in events
