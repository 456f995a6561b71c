""""Me too" after filing (actions/me_too.py): the question is asked only when the backend finds an open case
alike, shows nothing another resident wrote, and a yes joins it for this conversation's resident only; a no, or
any other message in between, leaves the appeal as filed."""

from rasa_sdk.events import SlotSet

from actions.fallback import ActionBareReply
from actions.filing import ActionFileTicket
from actions.hotline_client import OpenCase
from actions.me_too import OFFER_SLOT
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker

CONFIRMED = {"appeal_description": "3号楼电梯又坏了", "appeal_location": "朝阳区三里屯街道幸福村3号楼",
             "appeal_category": "elevator_broken", "contact_consent": False, "appeal_confirmed": True}
LIFT = OpenCase("202612050000007", "电梯故障", "三里屯街道", "2026-12-05T09:12:00+08:00")
OFFER = {"ticket": "202611220000001", "master": "202612050000007"}


def offered(name: str = "msg_me_too_offer") -> dict[str, object]:
    return {"event": "bot", "text": "…", "metadata": {"utter_action": name}, "timestamp": 1.5}


def test_filed_and_alike_an_open_case_the_resident_is_asked(hotline: FakeHotline) -> None:
    hotline.open_case = LIFT
    messages, events = run(ActionFileTicket(), tracker(slots=CONFIRMED, intent="affirm"))
    assert [m["response"] for m in messages] == ["msg_ticket_filed", "msg_me_too_offer"]
    assert messages[1]["service_name"] == "电梯故障" and messages[1]["subdistrict"] == "三里屯街道"
    assert messages[1]["filed"] == "2026-12-05"
    assert SlotSet(OFFER_SLOT, OFFER) in events


def test_nothing_alike_or_nothing_filed_nothing_asked(hotline: FakeHotline) -> None:
    messages, events = run(ActionFileTicket(), tracker(slots=CONFIRMED, intent="affirm"))
    assert [m["response"] for m in messages] == ["msg_ticket_filed"]
    assert not any(e.get("name") == OFFER_SLOT for e in events)
    hotline.reject_with = "bad"
    messages, _ = run(ActionFileTicket(), tracker(slots=CONFIRMED, intent="affirm"))
    assert [m["response"] for m in messages] == ["msg_backend_error"]


def test_yes_joins_the_open_case_for_this_resident(hotline: FakeHotline) -> None:
    for words in ("yes", "/affirm", "是的，就是那部电梯", "はい"):
        hotline.joined.clear()
        messages, events = run(ActionBareReply(), tracker(slots={OFFER_SLOT: OFFER}, text=words, intent="affirm",
                                                          events=[offered()]))
        assert [m["response"] for m in messages] == ["msg_me_too_linked"], words
        assert hotline.joined == [(OFFER["ticket"], ("webchat", "resident-1"), OFFER["master"])]
        assert SlotSet(OFFER_SLOT, None) in events


def test_no_keeps_the_appeal_on_its_own(hotline: FakeHotline) -> None:
    messages, events = run(ActionBareReply(), tracker(slots={OFFER_SLOT: OFFER}, text="不是", intent="deny",
                                                      events=[offered()]))
    assert [m["response"] for m in messages] == ["msg_me_too_kept"] and hotline.joined == []
    assert SlotSet(OFFER_SLOT, None) in events


def test_an_offer_not_answered_at_once_is_gone(hotline: FakeHotline) -> None:
    later = [offered(), offered("utter_youre_welcome")]
    messages, _ = run(ActionBareReply(), tracker(slots={OFFER_SLOT: OFFER}, text="yes", intent="affirm",
                                                 events=later))
    assert [m["response"] for m in messages] == ["utter_what_else"] and hotline.joined == []


def test_the_backend_refusing_the_link_is_said_plainly(hotline: FakeHotline) -> None:
    hotline.reject_with = "closed meanwhile"
    messages, events = run(ActionBareReply(), tracker(slots={OFFER_SLOT: OFFER}, text="yes", intent="affirm",
                                                      events=[offered()]))
    assert [m["response"] for m in messages] == ["msg_me_too_not_linked"]
    assert SlotSet(OFFER_SLOT, None) in events
