"""``rasa run`` with one fix to Rasa 3.6 applied first. tools/stack.py starts the Rasa server this way.

Rasa 3.6 checks every custom action's response with ``jsonschema.validate``, which first checks
the response *schema* against the JSON Schema meta-schema, on every call: about 2 ms of CPU per
custom action, a fifth of the Rasa server's time under load here (py-spy, 10 concurrent
conversations). The fix checks against a validator built once; a bad response still raises the
same ``ValidationError`` with Rasa's message. Every config served through tools/stack.py gets it,
ours and the benchmark's Rasa default alike.

Usage: ``python -m tools.rasa_run run --model ...`` (the arguments of ``rasa``).
"""

import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, instead of once per response
    return validator_class(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (f". Failed to validate Action server response from API, make sure your response from "
                          f"the Action endpoint is valid. For more information about the format visit "
                          f"{DOCS_BASE_URL}/custom-actions")
        raise error
    return True


def apply_fixes() -> None:
    from rasa.core.actions.action import RemoteAction

    setattr(RemoteAction, "_validate_action_result", _validate_action_result)


def main() -> None:
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
