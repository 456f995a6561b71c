"""Three speed fixes to Rasa 3.6.21, applied by ``python -m assistant`` before Rasa starts.

1. Rasa 3.6 checks every custom action's response with ``jsonschema.validate``, which first checks
the response *schema* against the JSON Schema meta-schema, on every call: about 2 ms of CPU per
custom action, a fifth of the Rasa server's time under load here (py-spy, 10 concurrent
conversations). The fix checks against a validator built once; a bad response still raises the
same ``ValidationError`` with Rasa's message.
2. The predict graph runs through assistant/graph_runner.SequentialGraphRunner instead of dask (the
same nodes, called in dependency order; dask's per-run bookkeeping was about a tenth of the
server's time).
3. Reading a tracker from the tracker store looks up each event's class by its type name, and
Rasa 3.6 walks every subclass of ``Event`` (with ``inspect.isabstract`` on each) for every
event of every stored tracker: about 5% of the server's time. The fix remembers the class found
for each name; a name not found yet is looked up the slow way, with the same errors.

Every config served through ``python -m assistant``, ours and the benchmark's Rasa default alike, gets them.
Each is checked against Rasa's own behaviour in tests/assistant/.
"""

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


_APPLIED = False


def applied() -> bool:
    """Whether ``apply_speedups`` ran in this process (the NLG warns at load when it did not)."""
    return _APPLIED


def apply_speedups() -> None:
    """Install the three fixes; calling it again changes nothing."""
    global _RASA_RESOLVE_BY_TYPE, _APPLIED
    import rasa.core.processor
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    from assistant.graph_runner import SequentialGraphRunner

    setattr(RemoteAction, "_validate_action_result", _validate_action_result)
    if _RASA_RESOLVE_BY_TYPE is None:
        _RASA_RESOLVE_BY_TYPE = Event.resolve_by_type
        setattr(Event, "resolve_by_type", staticmethod(_resolve_event_by_type))
    # MessageProcessor._load_model passes this module global to the graph loader.
    setattr(rasa.core.processor, "DaskGraphRunner", SequentialGraphRunner)
    _APPLIED = True

