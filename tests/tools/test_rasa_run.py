"""The Rasa server's action-response check built once still accepts and refuses what Rasa's did."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from tools.rasa_run import apply_fixes


@pytest.fixture
def action() -> RemoteAction:
    apply_fixes()
    return RemoteAction("action_list_my_tickets", None)


def test_a_valid_response_passes(action: RemoteAction) -> None:
    response = {"events": [{"event": "slot", "name": "language", "value": "en"}],
                "responses": [{"response": "msg_no_tickets", "text": None, "buttons": []}]}
    assert action._validate_action_result(response) is True


def test_an_invalid_response_is_refused_with_rasas_message(action: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})
