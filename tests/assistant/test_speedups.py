"""The Rasa server's action-response check built once still accepts and refuses what Rasa's did."""

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
