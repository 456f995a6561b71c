"""Ticket updates and the satisfaction survey: said once, only to the ticket's resident, answers stored."""

from rasa_sdk.events import FollowupAction, SlotSet

from actions.hotline_client import ResidentTicket
from actions.survey import (
    ActionAnnounceTicketUpdate,
    ActionRemindSurvey,
    ActionSubmitSurvey,
    ValidateSurveyForm,
    parse_rating,
)
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker

TICKET = "202611220000001"
EXTERNAL = {"is_external": True}  # what Rasa's trigger_intent marks its messages with


def update(status: str = "resolved", event_id: str = "ev-1", **extra: object) -> list[dict[str, object]]:
    entities = {"event_id": event_id, "ticket_id": TICKET, "status": status, "department": "北京市城市管理委员会",
                "note": "路灯已修复", "note_language": "zh", "note_translated": "", "survey": status == "resolved",
                **extra}
    return [{"entity": name, "value": value} for name, value in entities.items()]


def mine(hotline: FakeHotline) -> None:
    hotline.tickets[("webchat", "resident-1")] = [ResidentTicket(TICKET, "路灯不亮", "resolved", None, None)]


def test_ratings_in_words_and_digits() -> None:
    assert [parse_rating(t) for t in ("5", "４", "4分", "三星", "5 stars", "五分满意")] == [5, 4, 4, 3, 5, 5]
    assert [parse_rating(t) for t in ("", "6", "12", "不知道", "3 or 4")] == [None, None, None, None, None]


def test_a_resolution_is_announced_with_its_note_then_the_survey_starts(hotline: FakeHotline) -> None:
    mine(hotline)
    messages, events = run(ActionAnnounceTicketUpdate(),
                           tracker(intent="EXTERNAL_ticket_update", metadata=EXTERNAL, entities=update()))
    assert [m["response"] for m in messages] == ["msg_ticket_update_resolved", "msg_ticket_note"]
    assert messages[0]["department"] == "北京市城市管理委员会" and messages[1]["note"] == "路灯已修复"
    assert SlotSet("announced_events", ["ev-1"]) in events and SlotSet("survey_ticket_id", TICKET) in events
    assert events[-1] == FollowupAction("survey_form")


def test_a_translated_note_is_shown_marked_and_other_statuses_start_no_survey(hotline: FakeHotline) -> None:
    mine(hotline)
    entities = update("accepted", note="路灯已修复", note_translated="The street light was repaired")
    messages, events = run(ActionAnnounceTicketUpdate(), tracker(intent="EXTERNAL_ticket_update", metadata=EXTERNAL,
                                                                entities=entities, slots={"language": "en"}))
    assert [m["response"] for m in messages] == ["msg_ticket_update_accepted", "msg_ticket_note_translated"]
    assert messages[1]["note"] == "The street light was repaired"
    assert not any(isinstance(e, dict) and e.get("event") == "followup" for e in events)


def test_a_redelivered_event_is_not_said_twice(hotline: FakeHotline) -> None:
    mine(hotline)
    said_before = tracker(intent="EXTERNAL_ticket_update", metadata=EXTERNAL, entities=update(),
                          slots={"announced_events": ["ev-1"]})
    assert run(ActionAnnounceTicketUpdate(), said_before) == ([], [])


def test_a_typed_update_is_ignored(hotline: FakeHotline) -> None:
    mine(hotline)
    assert run(ActionAnnounceTicketUpdate(), tracker(intent="EXTERNAL_ticket_update", entities=update())) == ([], [])


def test_someone_elses_ticket_is_never_announced_or_surveyed(hotline: FakeHotline) -> None:
    hotline.tickets[("webchat", "someone-else")] = [ResidentTicket(TICKET, "路灯不亮", "resolved", None, None)]
    assert run(ActionAnnounceTicketUpdate(),
               tracker(intent="EXTERNAL_ticket_update", metadata=EXTERNAL, entities=update())) == ([], [])


def test_no_survey_in_the_middle_of_an_appeal_the_reminder_asks_later(hotline: FakeHotline) -> None:
    mine(hotline)
    busy = tracker(intent="EXTERNAL_ticket_update", metadata=EXTERNAL, entities=update())
    busy.active_loop = {"name": "appeal_form"}
    messages, events = run(ActionAnnounceTicketUpdate(), busy)
    assert messages and not any(isinstance(e, dict) and e.get("event") == "followup" for e in events)
    reminder = [{"entity": "event_id", "value": "reminder-1"}, {"entity": "ticket_id", "value": TICKET},
                {"entity": "expires_at", "value": "2999-01-01T00:00:00+08:00"}]
    messages, events = run(ActionRemindSurvey(),
                           tracker(intent="EXTERNAL_survey_reminder", metadata=EXTERNAL, entities=reminder))
    assert [m["response"] for m in messages] == ["msg_survey_reminder"] and events[-1] == FollowupAction("survey_form")


def test_an_expired_reminder_says_nothing(hotline: FakeHotline) -> None:
    mine(hotline)
    reminder = [{"entity": "event_id", "value": "reminder-1"}, {"entity": "ticket_id", "value": TICKET},
                {"entity": "expires_at", "value": "2020-01-01T00:00:00+08:00"}]
    messages, events = run(ActionRemindSurvey(),
                           tracker(intent="EXTERNAL_survey_reminder", metadata=EXTERNAL, entities=reminder))
    assert messages == [] and events == [SlotSet("announced_events", ["reminder-1"])]


def test_rating_answers_are_checked() -> None:
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    form = ValidateSurveyForm()
    assert form.validate_survey_rating("4分", dispatcher, tracker(), {}) == {"survey_rating": "4"}
    assert form.validate_survey_rating("very good", dispatcher, tracker(), {}) == {"survey_rating": None}
    assert form.validate_survey_rating(None, dispatcher, tracker(), {}) == {"survey_rating": None}
    assert [m["response"] for m in dispatcher.messages] == ["msg_invalid_rating"]
    asked = tracker(slots={"requested_slot": "survey_comment"})
    assert form.validate_survey_comment("", dispatcher, asked, {}) == {"survey_comment": ""}  # skipped
    assert form.validate_survey_comment("", dispatcher, tracker(), {}) == {"survey_comment": None}  # not asked yet


def test_answers_go_to_the_backend_and_not_resolved_reopens(hotline: FakeHotline) -> None:
    answers = {"survey_ticket_id": TICKET, "survey_resolved": False, "survey_rating": "2", "survey_comment": "还是不亮"}
    messages, events = run(ActionSubmitSurvey(), tracker(slots=answers))
    assert hotline.ratings == [(TICKET, False, 2, "还是不亮")]
    assert [m["response"] for m in messages] == ["msg_survey_reopened"] and messages[0]["ticket_id"] == TICKET
    assert SlotSet("survey_ticket_id", None) in events
    again, _ = run(ActionSubmitSurvey(), tracker(slots={**answers, "survey_resolved": True}))  # a double tap
    assert (hotline.ratings == [(TICKET, False, 2, "还是不亮")]
            and [m["response"] for m in again] == ["msg_survey_thanks"])


def test_backend_down_without_outbox_says_so(hotline: FakeHotline) -> None:
    hotline.down = True
    answers = {"survey_ticket_id": TICKET, "survey_resolved": True, "survey_rating": "5", "survey_comment": ""}
    messages, _ = run(ActionSubmitSurvey(), tracker(slots=answers))
    assert [m["response"] for m in messages] == ["msg_backend_error"]
