"""The notifier's pure parts, offline: Rasa's answers, the plan per event, settings, backoff, translation."""

import asyncio
import json

import httpx
import pytest

from bot.rasa_jwt import verify
from hotline.config import SettingsError
from hotline.notifier.event_plan import CancelReminder, Event, Notify, Skip, plan
from hotline.notifier.note_translation import guarded
from hotline.notifier.rasa_client import RasaClient, RasaMisconfigured, RasaRejected, RasaUnavailable
from hotline.notifier.settings import load_notifier_settings
from hotline.notifier.survey_reminders import Backoff

DEPARTMENTS = {"water": {"zh": "北京市水务局", "en": "Beijing Water Authority", "ja": "北京市水務局"}}


def event(event_type: str = "ticket.status_changed", **payload: object) -> Event:
    base = {"service_request_id": "T1", "status": "resolved", "language": "ja", "channel": "wechat",
            "channel_user_id": "o-1", "department": "water", "note": "已修复", "note_language": "zh",
            "cause": "update"}
    fields = {"event_id": "e-1", "event_type": event_type, "payload": json.dumps({**base, **payload})}
    return Event.from_fields("1-0", fields)


def classify(status: int | None) -> type[Exception] | None:
    def reply(request: httpx.Request) -> httpx.Response:
        assert request.url.raw_path.startswith(b"/conversations/o%2F1/trigger_intent?")
        assert dict(request.url.params) == {"output_channel": "wechat"}  # no secret in the URL
        claims = verify(request.headers["authorization"].removeprefix("Bearer "), "notifier-test-secret")
        assert claims is not None and claims["user"]["role"] == "admin"
        if status is None:
            raise httpx.ConnectTimeout("slow")
        return httpx.Response(status, json={})

    client = RasaClient("http://rasa", "notifier-test-secret", client=httpx.AsyncClient(base_url="http://rasa",
                                                                      transport=httpx.MockTransport(reply)))
    try:
        asyncio.run(client.trigger("o/1", "wechat", "EXTERNAL_ticket_update", {}))
    except Exception as exc:
        return type(exc)
    return None


@pytest.mark.parametrize(("status", "outcome"), [
    (200, None), (204, None), (None, RasaUnavailable), (500, RasaUnavailable), (503, RasaUnavailable),
    (429, RasaUnavailable), (408, RasaUnavailable), (401, RasaMisconfigured), (403, RasaMisconfigured),
    (404, RasaMisconfigured), (400, RasaRejected), (422, RasaRejected),
])
def test_rasa_answers_become_one_typed_outcome_each(status: int | None, outcome: type[Exception] | None) -> None:
    assert classify(status) is outcome


def test_a_resolution_is_announced_in_the_tickets_language_with_the_survey() -> None:
    action = plan(event(), DEPARTMENTS)
    assert isinstance(action, Notify)
    assert (action.sender_id, action.output_channel, action.language, action.survey) == ("o-1", "wechat", "ja", True)
    assert action.entities["department"] == "北京市水務局" and action.entities["note_language"] == "zh"


@pytest.mark.parametrize(("changes", "reason"), [
    ({"status": "in_progress"}, "not announced"),
    ({"cause": "rating", "status": "reopened"}, "own rating"),
    ({"channel": "rest"}, "cannot be pushed"),
    ({"channel": None}, "cannot be pushed"),
    ({"channel_user_id": None}, "cannot be pushed"),
])
def test_what_is_not_announced(changes: dict[str, object], reason: str) -> None:
    action = plan(event(**changes), DEPARTMENTS)
    assert isinstance(action, Skip) and reason in action.reason


def test_other_events() -> None:
    assert plan(event("ticket.rated"), DEPARTMENTS) == CancelReminder("T1")
    assert isinstance(plan(event("ticket.created", status="open"), DEPARTMENTS), Skip)
    unknown = plan(event(department="gone", note=""), DEPARTMENTS)
    assert isinstance(unknown, Notify) and unknown.entities["department"] == "gone"
    assert unknown.entities["note_language"] == ""


def test_settings_from_the_environment() -> None:
    s = load_notifier_settings({"SURVEY_REMINDER_HOURS": "0.5", "SURVEY_EXPIRY_HOURS": "2",
                                "NOTIFIER_MAX_ATTEMPTS": "3", "NOTIFIER_CLAIM_IDLE_MS": "1000",
                                "RASA_URL": "http://rasa:5005/", "NOTIFIER_CONSUMER": "n-1"})
    assert (s.reminder_hours, s.expiry_hours, s.max_attempts, s.claim_idle_ms) == (0.5, 2.0, 3, 1000)
    assert s.rasa_url == "http://rasa:5005" and s.consumer == "n-1"
    assert load_notifier_settings({}).reminder_hours == 24.0 and load_notifier_settings({}).expiry_hours == 72.0
    load_notifier_settings({}).check()
    with pytest.raises(SettingsError, match="RASA_JWT_SECRET"):
        load_notifier_settings({"HOTLINE_ENV": "production"}).check()


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    assert [Backoff(0.5, 4.0, lambda: 1.0).delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert Backoff(0.5, 4.0, lambda: 0.0).delay(3) == 1.0


def test_translation_failures_and_echoes_count_as_none() -> None:
    def broken(text: str, source: str, target: str) -> str:
        raise RuntimeError("no model")

    assert guarded(broken)("已修复", "zh", "en") == ""
    assert guarded(lambda text, source, target: text)("已修复", "zh", "en") == ""
    assert guarded(lambda text, source, target: "Fixed")("已修复", "zh", "en") == "Fixed"
    assert guarded(lambda text, source, target: "Fixed")("已修复", "zh", "zh") == ""
