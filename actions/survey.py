"""Ticket updates from the notifier, and the satisfaction survey after a resolution.

The notifier (hotline/notifier/) asks Rasa to speak with ``EXTERNAL_ticket_update`` and, a day
later, ``EXTERNAL_survey_reminder``. Each carries an ``event_id``; the ids already spoken are kept
in the conversation (``announced_events``), so a redelivered event says nothing twice. A ticket
is only announced or surveyed in the conversation of the resident who filed it (checked with the
backend), and only when the event came through Rasa's trigger_intent API (Rasa marks those
``is_external``), so a typed ``/EXTERNAL_ticket_update{...}`` does nothing.
"""

import logging
import re
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import deps
from actions.appeal_outbox import QueuedAppeal
from actions.conversation import language_of, latest_entity, resident_of
from actions.hotline_client import HotlineRejected, HotlineUnavailable
from actions.repair import REQUESTED_SLOT, AskQuestion, Kind, Question, RepairingFormValidation, Turn

log = logging.getLogger(__name__)
SURVEY_SLOTS = ("survey_ticket_id", "survey_resolved", "survey_rating", "survey_comment")
# "Was your problem resolved?" answered in words (the negative is looked for first).
NOT_RESOLVED = re.compile(r"(没解决|没有解决|未解决|还没|没修好|没好|还是坏|不行|not (been )?(resolved|fixed|solved)|"
                          r"still (broken|not)|isn'?t fixed|wasn'?t|解決していません|解決してない|直っていません|"
                          r"直ってない|まだ|未解決)", re.IGNORECASE)
RESOLVED = re.compile(r"(解决了|已解决|已经解决|修好了|好了|resolved|fixed|solved|解決しました|解決済み|直りました|"
                      r"直った|解決した)", re.IGNORECASE)
UPDATE_STATUSES = ("accepted", "resolved", "closed", "reopened")
REMEMBERED_EVENTS = 50
_RATING_WORDS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def parse_rating(text: str) -> int | None:
    """1-5 from "4", "４", "4分", "四星", "5 stars"; None when there is no single such digit."""
    digits = re.findall(r"[1-5]", text.translate(str.maketrans("１２３４５", "12345")))
    if len(set(digits)) == 1:
        return int(digits[0])
    words = {value for word, value in _RATING_WORDS.items() if word in text}
    return words.pop() if len(words) == 1 and not re.search(r"\d", text) else None


def _announced(tracker: Tracker) -> list[str]:
    return list(tracker.get_slot("announced_events") or [])


def _remember(tracker: Tracker, event_id: str) -> SlotSet:
    return SlotSet("announced_events", [*_announced(tracker), event_id][-REMEMBERED_EVENTS:])


async def owns_ticket(tracker: Tracker, ticket_id: str) -> bool:
    """Whether ``ticket_id`` is one of this conversation's resident's tickets."""
    channel, user_id = resident_of(tracker)
    try:
        tickets = await deps.hotline().resident_tickets(channel, user_id, language_of(tracker))
    except (HotlineUnavailable, HotlineRejected) as exc:
        log.warning("could not check the owner of ticket %s: %s", ticket_id, exc)
        return False
    return any(t.service_request_id == ticket_id for t in tickets)


def from_notifier(tracker: Tracker) -> bool:
    """Whether the latest message came through trigger_intent, not typed by someone."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return metadata.get("is_external") is True


def _expired(expires_at: Any) -> bool:
    try:
        when = datetime.fromisoformat(str(expires_at))
    except ValueError:
        return False
    return when.astimezone(timezone.utc) <= datetime.now(timezone.utc)


class ActionAnnounceTicketUpdate(Action):
    """Tells the resident what happened to their ticket; a resolution starts the survey."""

    def name(self) -> str:
        return "action_announce_ticket_update"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        event_id = str(latest_entity(tracker, "event_id") or "")
        ticket_id = str(latest_entity(tracker, "ticket_id") or "")
        status = str(latest_entity(tracker, "status") or "")
        if not event_id or not ticket_id or status not in UPDATE_STATUSES or event_id in _announced(tracker):
            return []
        if not from_notifier(tracker):
            log.warning("a typed ticket update for %s ignored", ticket_id)
            return []
        if not await owns_ticket(tracker, ticket_id):
            log.warning("ticket update %s for %s is not this resident's: not announced", event_id, ticket_id)
            return []
        department = str(latest_entity(tracker, "department") or "")
        dispatcher.utter_message(response=f"msg_ticket_update_{status}", ticket_id=ticket_id, department=department)
        translated, note = latest_entity(tracker, "note_translated"), latest_entity(tracker, "note")
        if translated:
            dispatcher.utter_message(response="msg_ticket_note_translated", note=str(translated))
        elif note:
            dispatcher.utter_message(response="msg_ticket_note", note=str(note))
        events: list[EventType] = [_remember(tracker, event_id)]
        if status == "resolved" and latest_entity(tracker, "survey") in (True, "true", "True"):
            events += start_survey(tracker, ticket_id)
        return events


def start_survey(tracker: Tracker, ticket_id: str) -> list[EventType]:
    """The survey for ``ticket_id``, unless the resident is in the middle of something else."""
    active = (tracker.active_loop or {}).get("name")
    if active and active != "survey_form":
        return []  # an appeal or call-back in progress: the reminder asks later
    return [SlotSet("survey_ticket_id", ticket_id), SlotSet("survey_resolved", None), SlotSet("survey_rating", None),
            SlotSet("survey_comment", None), SlotSet("requested_slot", None), FollowupAction("survey_form")]


class ActionRemindSurvey(Action):
    """The one reminder for an unanswered survey (the notifier's durable scheduler sends it)."""

    def name(self) -> str:
        return "action_remind_survey"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        event_id = str(latest_entity(tracker, "event_id") or "")
        ticket_id = str(latest_entity(tracker, "ticket_id") or "")
        if not event_id or not ticket_id or event_id in _announced(tracker) or not from_notifier(tracker):
            return []
        if _expired(latest_entity(tracker, "expires_at")) or not await owns_ticket(tracker, ticket_id):
            return [_remember(tracker, event_id)]
        dispatcher.utter_message(response="msg_survey_reminder", ticket_id=ticket_id)
        return [_remember(tracker, event_id), *start_survey(tracker, ticket_id)]


class ValidateSurveyForm(RepairingFormValidation):
    """Resolved? A rating, a comment; with repair first (actions/repair.py). Stopping it is the rules' job."""

    QUESTIONS = {"survey_resolved": Question(Kind.YES_NO), "survey_rating": Question(Kind.CHOICE),
                 "survey_comment": Question(Kind.TEXT, optional=True)}
    WHY_NEEDED = {"survey_rating": "msg_required_survey_rating"}
    WAY_OUT = "msg_way_out_survey"

    def name(self) -> str:
        return "validate_survey_form"

    async def yes_or_no(self, slot: str, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> list[EventType]:
        """"解决了", "still broken", "直っていません": the survey's own yes and no come first."""
        if slot == "survey_resolved" and NOT_RESOLVED.search(turn.text):
            return await self.answer(slot, False, dispatcher, tracker, domain)
        if slot == "survey_resolved" and RESOLVED.search(turn.text):
            return await self.answer(slot, True, dispatcher, tracker, domain)
        return await super().yes_or_no(slot, turn, dispatcher, tracker, domain)

    async def skip(self, requested: str, question: Question, dispatcher: CollectingDispatcher, tracker: Tracker,
                   domain: DomainDict) -> list[EventType]:
        if requested == "survey_comment":  # "no thanks": no comment, and the survey is done
            return await self.settle([SlotSet("survey_comment", "")], dispatcher, tracker, domain)
        if requested == "survey_resolved":  # "no thanks" to the survey itself: stop, nothing rated
            dispatcher.utter_message(response="msg_survey_stopped")
            return [*(SlotSet(name, None) for name in SURVEY_SLOTS), SlotSet(REQUESTED_SLOT, None)]
        return await super().skip(requested, question, dispatcher, tracker, domain)

    def validate_survey_rating(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        if value is None:
            return {"survey_rating": None}
        rating = parse_rating(str(value))
        if rating is None:
            dispatcher.utter_message(response="msg_invalid_rating")
            return {"survey_rating": None}
        return {"survey_rating": str(rating)}

    def validate_survey_comment(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        # Only an answer to the question counts (a "no" at the form's start is not "no comment").
        if value is None or tracker.get_slot("requested_slot") != "survey_comment":
            return {"survey_comment": None}
        return {"survey_comment": str(value).strip()[:1000]}


class AskSurveyResolved(AskQuestion):
    SLOT = "survey_resolved"

    def name(self) -> str:
        return "action_ask_survey_resolved"


class AskSurveyRating(AskQuestion):
    SLOT = "survey_rating"

    def name(self) -> str:
        return "action_ask_survey_rating"


class AskSurveyComment(AskQuestion):
    SLOT = "survey_comment"

    def name(self) -> str:
        return "action_ask_survey_comment"


class ActionSubmitSurvey(Action):
    """Sends the answers to the backend; "not resolved" reopens the ticket there."""

    def name(self) -> str:
        return "action_submit_survey"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ticket_id = tracker.get_slot("survey_ticket_id")
        resolved = tracker.get_slot("survey_resolved")
        if not ticket_id or resolved is None:
            return []
        rating = parse_rating(str(tracker.get_slot("survey_rating") or ""))
        channel, user_id = resident_of(tracker)
        answers = {"ticket_id": str(ticket_id), "resolved": "true" if resolved else "false",
                   "channel": channel, "channel_user_id": user_id,
                   "rating": str(rating or ""), "comment": str(tracker.get_slot("survey_comment") or ""),
                   "language": language_of(tracker)}
        reset = [SlotSet(name, None) for name in SURVEY_SLOTS]
        try:
            await deps.hotline().rate_ticket(str(ticket_id), resident=(channel, user_id), resolved=bool(resolved),
                                             rating=rating,
                                             comment=answers["comment"], language=answers["language"])
        except HotlineUnavailable as exc:
            if not await queue_rating(tracker, answers):
                dispatcher.utter_message(response="msg_backend_error")
                return reset
            log.warning("backend unavailable, rating of %s queued: %s", ticket_id, exc)
            dispatcher.utter_message(response="msg_survey_saved_later")
            return reset
        except HotlineRejected as exc:  # 409: rated already (a double tap); the first answer stands
            log.info("rating of %s not taken: %s", ticket_id, exc)
        await say_thanks(dispatcher, tracker, str(ticket_id), bool(resolved))
        return reset


async def say_thanks(dispatcher: CollectingDispatcher, tracker: Tracker, ticket_id: str, resolved: bool) -> None:
    if resolved:
        dispatcher.utter_message(response="msg_survey_thanks")
        return
    try:
        department = await deps.hotline().department_of(ticket_id, language_of(tracker)) or ""
    except (HotlineUnavailable, HotlineRejected):
        department = ""
    dispatcher.utter_message(response="msg_survey_reopened", ticket_id=ticket_id, department=department)


async def queue_rating(tracker: Tracker, answers: dict[str, str]) -> bool:
    """Keep the answers in the durable outbox (actions/outbox_worker.py submits them later)."""
    outbox = deps.appeal_outbox()
    if outbox is None:
        return False
    key = f"assistant-rating:{answers['ticket_id']}:{tracker.sender_id}"
    try:
        await outbox.put(QueuedAppeal(idempotency_key=key, fields=answers, sender_id=tracker.sender_id,
                                      output_channel=tracker.get_latest_input_channel() or "rest",
                                      language=answers["language"], kind="rating"))
    except Exception:  # Redis down too: say so honestly
        log.exception("could not queue the rating of %s", answers["ticket_id"])
        return False
    return True
