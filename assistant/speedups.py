"""Speed fixes to Rasa 3.6.21, applied by ``python -m assistant`` before Rasa starts.

1. Rasa 3.6 checks every custom action's response with ``jsonschema.validate``, which first checks
the response *schema* against the JSON Schema meta-schema, on every call, then tries each event
against all 25 branches of the schema's ``oneOf``: about 1 ms of CPU per response even with the
validator built once, the largest single cost of a turn left in the Rasa server (py-spy, 10
concurrent conversations). The fix checks each event against its own type's branch (the same
verdict, see ``_EventwiseCheck``) and runs Rasa's full check only for a response that fails, so a
bad response still raises the same ``ValidationError`` with Rasa's message.
2. The predict graph runs through assistant/graph_runner.SequentialGraphRunner instead of dask (the
same nodes, called in dependency order; dask's per-run bookkeeping was about a tenth of the
server's time).
3. Reading a tracker from the tracker store looks up each event's class by its type name, and
Rasa 3.6 walks every subclass of ``Event`` (with ``inspect.isabstract`` on each) for every
event of every stored tracker: about 5% of the server's time. The fix remembers the class found
for each name; a name not found yet is looked up the slow way, with the same errors.
4. Before every prediction Rasa asks ``Domain.is_empty()``, which builds a whole empty Domain to
compare with (2% of the server's time); the fix builds it once.
5. Every copy of a tracker (several per turn: replaying states for the rules, travelling back in
time) copies each slot with ``copy.copy``, which goes the generic ``__reduce_ex__`` way: 6% of
the server's time. The fix gives ``Slot`` a ``__copy__`` doing what that way does for a plain
object (a new instance of the same class, its ``__dict__`` copied shallowly), four times faster.
6. Rasa opens a new HTTP session and TCP connection for every action-server call, and encodes the
tracker it sends with the standard json module (a twentieth of the server's time); the fix keeps
one session per event loop and endpoint (see ``_kept_session``), closed when the server stops,
and encodes request bodies with ujson (assistant/json_codec.py).

Every config served through ``python -m assistant``, ours and the benchmark's Rasa default alike, gets them.
Each is checked against Rasa's own behaviour in tests/assistant/.
"""

import asyncio
import copy
import weakref
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _EventwiseCheck:
    """The response schema split so each event is checked against its own type's branch only.

    Rasa's schema says an event matches ``oneOf`` about 25 branches, each fixing ``event`` to a
    different constant, so at most one branch can ever match: an event is valid exactly when it is
    valid against the common part and the branch of its own type. Checking that one branch instead
    of all of them is what ``oneOf`` would conclude, at a tenth of the cost.
    """

    envelope: Any  # the response with ``events`` only required to be an array
    branch_by_type: dict[str, Any]  # event type -> validator for the common part plus its branch


@lru_cache(maxsize=1)
def _eventwise_check() -> _EventwiseCheck | None:
    """The split check, or None when the schema is not the shape this reasoning holds for."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    events = schema.get("properties", {}).get("events", {})
    item = events.get("items", {})
    branches = item.get("oneOf")
    if not isinstance(branches, list) or "event" not in item.get("required", []):
        return None
    types = [branch.get("properties", {}).get("event", {}).get("const") for branch in branches]
    if any(not isinstance(name, str) for name in types) or len(set(types)) != len(types):
        return None
    common = {key: value for key, value in item.items() if key != "oneOf"}
    validator_class = validator_for(schema)
    branch_by_type = {}
    for name, branch in zip(types, branches, strict=True):
        one = {**common, "allOf": [branch]}
        validator_class.check_schema(one)
        branch_by_type[name] = validator_class(one)
    events["items"] = {}
    return _EventwiseCheck(validator_class(schema), branch_by_type)


def _fast_valid(result: Any) -> bool:
    """True only for a response Rasa's schema accepts; False means "ask the full check"."""
    check = _eventwise_check()
    if check is None or not check.envelope.is_valid(result):
        return False
    for event in result.get("events") or []:
        name = event.get("event") if isinstance(event, dict) else None
        branch = check.branch_by_type.get(name) if isinstance(name, str) else None
        if branch is None or not branch.is_valid(event):
            return False
    return True


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    if _fast_valid(result):
        return True
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


# Keep-alive: Rasa 3.6 opens a new aiohttp session, and so a new TCP connection, for every call to
# the action server (EndpointConfig.request), two or three per turn. One session per event loop and
# endpoint identity keeps the connections open. Idle connections close after 2 s on our side,
# before the action server (Sanic: 5 s) or HAProxy (10 s) would, so a kept connection is never one
# the other side has just dropped.
KEPT_CONNECTION_IDLE_SECONDS = 2.0
_KEPT_SESSIONS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[Any, ...], Any]]" = \
    weakref.WeakKeyDictionary()
_RASA_CLOSE_RESOURCES: Any = None


class _KeptSession:
    """What ``async with endpoint.session()`` sees: the loop's kept session, not closed on exit."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


def _kept_session(self: Any) -> _KeptSession:
    """``EndpointConfig.session`` answered from a session kept for the running loop."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    from assistant import json_codec

    loop = asyncio.get_running_loop()
    auth = (self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
    key = (tuple(sorted((str(k), str(v)) for k, v in self.headers.items())), auth)
    sessions = _KEPT_SESSIONS.setdefault(loop, {})
    session = sessions.get(key)
    if session is None or session.closed:
        session = aiohttp.ClientSession(
            headers=self.headers, auth=aiohttp.BasicAuth(*auth) if auth else None,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT), json_serialize=json_codec.dumps,
            connector=aiohttp.TCPConnector(keepalive_timeout=KEPT_CONNECTION_IDLE_SECONDS))
        sessions[key] = session
    return _KeptSession(session)


async def close_kept_sessions() -> None:
    """Close the running loop's kept sessions (the server does it when it stops)."""
    for session in _KEPT_SESSIONS.pop(asyncio.get_running_loop(), {}).values():
        await session.close()


async def _close_resources(app: Any, loop: Any) -> None:
    await close_kept_sessions()
    await _RASA_CLOSE_RESOURCES(app, loop)


def _copy_slot(self: Any) -> Any:
    """``copy.copy(slot)`` as the standard library does it for an object without ``__copy__``."""
    cls: Any = type(self)
    new = cls.__new__(cls)
    new.__dict__.update(self.__dict__)
    return new


@lru_cache(maxsize=1)
def _empty_domain_dict() -> dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return dict(Domain.empty().as_dict())


def _domain_is_empty(self: Any) -> bool:
    """``Domain.is_empty`` against an empty domain built once."""
    return bool(self.as_dict() == _empty_domain_dict())


_APPLIED = False


def applied() -> bool:
    """Whether ``apply_speedups`` ran in this process (the NLG warns at load when it did not)."""
    return _APPLIED


def apply_speedups() -> None:
    """Install the fixes; calling it again changes nothing."""
    global _RASA_RESOLVE_BY_TYPE, _RASA_CLOSE_RESOURCES, _APPLIED
    import rasa.core.processor
    import rasa.core.run
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.slots import Slot
    from rasa.utils.endpoints import EndpointConfig

    from assistant.graph_runner import SequentialGraphRunner

    setattr(RemoteAction, "_validate_action_result", _validate_action_result)
    if _RASA_RESOLVE_BY_TYPE is None:
        _RASA_RESOLVE_BY_TYPE = Event.resolve_by_type
        setattr(Event, "resolve_by_type", staticmethod(_resolve_event_by_type))
    # MessageProcessor._load_model passes this module global to the graph loader.
    setattr(rasa.core.processor, "DaskGraphRunner", SequentialGraphRunner)
    setattr(EndpointConfig, "session", _kept_session)
    setattr(Domain, "is_empty", _domain_is_empty)
    setattr(Slot, "__copy__", _copy_slot)
    if _RASA_CLOSE_RESOURCES is None:
        _RASA_CLOSE_RESOURCES = rasa.core.run.close_resources
        setattr(rasa.core.run, "close_resources", _close_resources)
    _APPLIED = True

