"""``rasa run`` with three fixes to Rasa 3.6 applied first. tools/stack.py starts the Rasa server this way.

1. Rasa 3.6 checks every custom action's response with ``jsonschema.validate``, which first checks
the response *schema* against the JSON Schema meta-schema, on every call: about 2 ms of CPU per
custom action, a fifth of the Rasa server's time under load here (py-spy, 10 concurrent
conversations). The fix checks against a validator built once; a bad response still raises the
same ``ValidationError`` with Rasa's message.
2. The predict graph runs through tools/graph_runner.SequentialGraphRunner instead of dask (the
same nodes, called in dependency order; dask's per-run bookkeeping was about a tenth of the
server's time).
3. Reading a tracker from the tracker store looks up each event's class by its type name, and
Rasa 3.6 walks every subclass of ``Event`` (with ``inspect.isabstract`` on each) for every
event of every stored tracker: about 5% of the server's time. The fix remembers the class found
for each name; a name not found yet is looked up the slow way, with the same errors.

Every config served through tools/stack.py gets both, ours and the benchmark's Rasa default alike.

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


_EVENT_CLASSES: dict[str, Any] = {}  # type name -> the Event subclass Rasa would find for it
_RASA_RESOLVE_BY_TYPE: Any = None  # Rasa's own Event.resolve_by_type, kept for what is not a class


def _resolve_event_by_type(type_name: str, default: Any = None) -> Any:
    """``Event.resolve_by_type`` with the class found for each type name remembered."""
    found = _EVENT_CLASSES.get(type_name)
    if found is not None:
        return found
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    for event_class in all_subclasses(Event):  # Rasa's walk, in Rasa's order: the first match wins
        if event_class.type_name == type_name:
            _EVENT_CLASSES[type_name] = event_class
            return event_class
    return _RASA_RESOLVE_BY_TYPE(type_name, default)  # "topic", the default, or Rasa's ValueError


def apply_fixes() -> None:
    global _RASA_RESOLVE_BY_TYPE
    import rasa.core.processor
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    from tools.graph_runner import SequentialGraphRunner

    setattr(RemoteAction, "_validate_action_result", _validate_action_result)
    if _RASA_RESOLVE_BY_TYPE is None:
        _RASA_RESOLVE_BY_TYPE = Event.resolve_by_type
        setattr(Event, "resolve_by_type", staticmethod(_resolve_event_by_type))
    # MessageProcessor._load_model passes this module global to the graph loader.
    setattr(rasa.core.processor, "DaskGraphRunner", SequentialGraphRunner)


def main() -> None:
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
