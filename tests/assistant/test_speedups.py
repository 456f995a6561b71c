"""The speed fixes keep Rasa's behaviour: action responses accepted and refused as Rasa does, event classes
resolved as Rasa does, action-server calls answered the same over a kept connection."""

import asyncio
from datetime import datetime

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from assistant.speedups import apply_speedups


@pytest.fixture
def action() -> RemoteAction:
    apply_speedups()
    return RemoteAction("action_list_my_tickets", None)


def test_a_valid_response_passes(action: RemoteAction) -> None:
    response = {"events": [{"event": "slot", "name": "language", "value": "en"}],
                "responses": [{"response": "msg_no_tickets", "text": None, "buttons": []}]}
    assert action._validate_action_result(response) is True


def test_an_invalid_response_is_refused_with_rasas_message(action: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_event_classes_resolve_as_in_rasa() -> None:
    from rasa.shared.core.events import Event, SlotSet, UserUttered
    from rasa.shared.utils.common import all_subclasses

    import assistant.speedups

    apply_speedups()
    rasas = assistant.speedups._RASA_RESOLVE_BY_TYPE
    assert rasas is not None and Event.resolve_by_type is not rasas
    names = {event_class.type_name for event_class in all_subclasses(Event)}
    assert {"user", "slot", "action", "bot", "active_loop"} <= names
    for _ in range(2):  # found, then remembered
        for name in names:
            assert Event.resolve_by_type(name) is rasas(name)
    assert Event.resolve_by_type("slot") is SlotSet and Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")


def _rasa_accepts(response: object) -> bool:
    from assistant.speedups import _response_validator

    return next(iter(_response_validator().iter_errors(response)), None) is None


def _valid_events() -> list[dict[str, object]]:
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        AllSlotsReset,
        BotUttered,
        FollowupAction,
        ReminderScheduled,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    user = UserUttered("不是路灯，是井盖", {"name": "correct", "confidence": 0.9},
                       [{"entity": "category", "value": "井盖", "start": 4, "end": 6}],
                       parse_data={"intent_ranking": [{"name": "correct", "confidence": 0.9}]}, message_id="m1")
    events = [SlotSet("language", "ja"), SlotSet("phone", None), BotUttered("hi", {"buttons": []}),
              ActionExecuted("action_listen"), ActiveLoop("appeal_form"), ActiveLoop(None), FollowupAction("x"),
              AllSlotsReset(), Restarted(), SessionStarted(), user,
              ReminderScheduled("EXTERNAL_reminder", datetime(2026, 12, 6))]
    return [event.as_dict() for event in events]


def _variants(event: dict[str, object]) -> list[object]:
    """The event with each field dropped or given a value of every JSON type."""
    variants: list[object] = [event]
    for key in event:
        variants.append({k: v for k, v in event.items() if k != key})
        values: list[object] = [None, 7, 1.5, "text", True, [], {}, [{"entity": 1}]]
        for value in values:
            variants.append({**event, key: value})
    return variants + [{**event, "event": "no_such_event"}, "slot", 3, None]


def test_the_eventwise_check_reaches_rasas_verdict_on_every_variant() -> None:
    from assistant.speedups import _eventwise_check, _fast_valid

    assert _eventwise_check() is not None  # Rasa's schema still has the shape the split relies on
    cases: list[object] = []
    for event in _valid_events():
        for variant in _variants(event):
            cases.append({"events": [variant]})
            cases.append({"events": [_valid_events()[0], variant], "responses": [{"text": "x"}]})
    cases += [{}, {"events": None}, {"events": []}, {"responses": "x"}, {"responses": [3]}, [], "events", None]
    accepted = 0
    for case in cases:
        assert _fast_valid(case) == _rasa_accepts(case), case
        accepted += _rasa_accepts(case)
    assert 50 < accepted < len(cases) - 50  # both verdicts are well represented


def test_rasas_own_response_passes_and_a_bad_event_is_refused_with_rasas_message(action: RemoteAction) -> None:
    assert action._validate_action_result({"events": _valid_events(), "responses": []}) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "slot", "value": 1}]})  # a slot needs a name


def test_action_calls_share_one_kept_connection_and_reconnect_after_the_server_drops_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.speedups

    # Our side would close an idle connection after 2 s; here the server drops it first, the case to survive.
    monkeypatch.setattr(assistant.speedups, "KEPT_CONNECTION_IDLE_SECONDS", 30.0)
    asyncio.run(_kept_connection_scenario())


async def _kept_connection_scenario() -> None:
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    from assistant.speedups import close_kept_sessions

    apply_speedups()
    connections: set[object] = set()  # the client ends seen: one per TCP connection
    seen_tokens: list[str | None] = []

    async def webhook(request: web.Request) -> web.Response:
        seen_tokens.append(request.headers.get("Authorization"))
        assert request.transport is not None
        connections.add(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app, keepalive_timeout=0.5)  # the server drops idle connections first
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"Authorization": "Bearer t"})
        for _ in range(5):
            assert await endpoint.request(json={"next_action": "x"}, method="post") == {"events": [], "responses": []}
        assert len(connections) == 1 and seen_tokens == ["Bearer t"] * 5
        assert runner.server is not None
        for _ in range(100):  # idle until the server has dropped the connection
            if not runner.server.connections:
                break
            await asyncio.sleep(0.1)
        assert not runner.server.connections
        assert await endpoint.request(json={}, method="post") == {"events": [], "responses": []}
        assert len(connections) == 2
    finally:
        await close_kept_sessions()
        await runner.cleanup()


def test_request_bodies_encode_to_the_same_json_as_the_standard_module() -> None:
    import json

    from assistant.json_codec import dumps as _request_json

    bodies: list[object] = [
        {"text": "路灯坏了 / 街灯が壊れた \\ \"quoted\" \n\t\u2028", "confidence": 0.1 + 0.2,
         "big": 2**62, "small": 5e-324, "nested": [{"none": None, "yes": True, "list": [1, 2.5, "x"]}], "empty": {}},
        {"tracker": {"events": [{"event": "slot", "name": "phone", "value": None, "timestamp": 1733450000.123456}]}},
    ]
    for body in bodies:
        assert json.loads(_request_json(body)) == body
    encoded = json.loads(_request_json({"x": float("nan")}))  # ujson refuses NaN; the standard module does not
    assert encoded["x"] != encoded["x"]


def test_domain_emptiness_is_judged_as_rasa_does() -> None:
    from rasa.shared.core.domain import Domain

    apply_speedups()
    assert Domain.empty().is_empty()
    assert Domain.from_dict({}).is_empty()
    assert not Domain.from_dict({"intents": ["greet"]}).is_empty()
    assert not Domain.load("domain.yml").is_empty()


def test_slots_copy_as_the_standard_library_copies_them() -> None:
    import copy

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.slots import Slot

    apply_speedups()
    assert "__copy__" in Slot.__dict__  # so copy.copy below is ours; the standard way is spelled out
    slots = Domain.load("domain.yml").slots
    assert {type(slot).__name__ for slot in slots} >= {"TextSlot", "BooleanSlot", "CategoricalSlot", "AnySlot"}
    for slot in slots:
        slot.value = ["kept by reference"] if slot.type_name == "list" else slot.value
        standard = copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # type: ignore[attr-defined]
        ours = copy.copy(slot)
        assert type(ours) is type(standard) is type(slot) and ours is not slot
        assert ours.__dict__ == standard.__dict__
        assert all(ours.__dict__[key] is slot.__dict__[key] for key in slot.__dict__)  # shallow, as before
