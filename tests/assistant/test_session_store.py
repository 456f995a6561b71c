"""The session tracker store (assistant/session_store.py) on a real redis-server: a turn loads a bounded
window whatever the history, with the same state as the whole history; sessions, archives, trimming and
expiry; a conversation replaced through Rasa's API."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from assistant import json_codec, session_store
from assistant.session_store import WINDOW_MAX, SessionRedisTrackerStore
from assistant.tracker_stores import DAY_SECONDS
from tests.doubles.local_servers import redis_server

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def store_of(domain: Domain, redis_url: str, **settings: Any) -> SessionRedisTrackerStore:
    host_port = redis_url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    return SessionRedisTrackerStore(domain, host=host, port=port, db=0, retention_days=settings.pop("days", 2),
                                    **settings)


def turn(number: int) -> list[Event]:
    """One resident turn: a message, a slot, an answer, listening again."""
    return [UserUttered(f"message {number}", intent={"name": "report_problem", "confidence": 1.0}),
            SlotSet("appeal_description", f"description {number}"),
            BotUttered(f"answer {number}", metadata={"utter_action": "utter_ask_appeal_location"}),
            ActionExecuted(ACTION_LISTEN_NAME)]


def session_start() -> list[Event]:
    return [ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)]


async def converse(store: SessionRedisTrackerStore, sender: str, turns: range,
                   extra: dict[int, list[Event]] | None = None) -> DialogueStateTracker:
    """Each turn as Rasa runs it: load (or create), add the turn's events, save."""
    tracker = await store.get_or_create_tracker(sender)
    for number in turns:
        tracker = await store.get_or_create_tracker(sender)
        for event in [*(extra or {}).get(number, []), *turn(number)]:
            tracker.update(event)
        await store.save(tracker)
    return tracker


def replay(domain: Domain, sender: str, events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, domain.slots)


def test_a_turn_loads_a_bounded_window_with_the_state_of_the_whole_history(domain: Domain, redis_url: str) -> None:
    store = store_of(domain, redis_url)
    asyncio.run(converse(store, "rest:dev:long", range(150), extra={3: [ActiveLoop("appeal_form")]}))
    loaded = asyncio.run(store.retrieve("rest:dev:long"))
    assert loaded is not None
    assert len(loaded.events) <= WINDOW_MAX + 20  # the head is a handful of events
    assert loaded.get_slot("appeal_description") == "description 149"
    assert loaded.active_loop_name == "appeal_form"  # set at turn 3, long out of the window
    assert loaded.latest_message is not None and loaded.latest_message.text == "message 149"
    full = asyncio.run(store.retrieve_full_tracker("rest:dev:long"))
    assert full is not None
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == [f"message {n}" for n in range(150)]


def test_the_window_is_bounded_at_turn_100_and_turn_400(domain: Domain, redis_url: str) -> None:
    store = store_of(domain, redis_url)
    sizes = {}
    for upto in (100, 400):
        asyncio.run(converse(store, f"rest:dev:size{upto}", range(upto)))
        loaded = asyncio.run(store.retrieve(f"rest:dev:size{upto}"))
        assert loaded is not None
        sizes[upto] = len(loaded.events)
    for size in sizes.values():  # the window grows to WINDOW_MAX, then moves on to WINDOW_KEEP events
        assert session_store.WINDOW_KEEP - 8 <= size <= WINDOW_MAX + 20


def test_a_new_session_is_loaded_alone_and_the_old_one_kept(domain: Domain, redis_url: str) -> None:
    store = store_of(domain, redis_url)
    asyncio.run(converse(store, "rest:dev:sessions", range(10), extra={5: session_start()}))
    loaded = asyncio.run(store.retrieve("rest:dev:sessions"))
    assert loaded is not None
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == [f"message {n}" for n in range(5, 10)]
    full = asyncio.run(store.retrieve_full_tracker("rest:dev:sessions"))
    assert full is not None and len([e for e in full.events if isinstance(e, UserUttered)]) == 10
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        assert client.hget("assistant:tracker:rest:dev:sessions:meta", "session") == "1"
        for key in client.keys("assistant:tracker:rest:dev:sessions:*"):
            assert 2 * DAY_SECONDS - 60 < client.ttl(key) <= 2 * DAY_SECONDS, key  # every key expires
    finally:
        client.close()


def test_a_very_long_session_keeps_a_bounded_list_and_its_state(domain: Domain, redis_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_store, "MAX_SESSION_EVENTS", 300)
    store = store_of(domain, redis_url)
    asyncio.run(converse(store, "rest:dev:trim", range(300), extra={1: [ConversationPaused()]}))
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        assert client.llen("assistant:tracker:rest:dev:trim:s:0") <= 300 + WINDOW_MAX
    finally:
        client.close()
    loaded = asyncio.run(store.retrieve("rest:dev:trim"))
    full = asyncio.run(store.retrieve_full_tracker("rest:dev:trim"))
    assert loaded is not None and full is not None
    for tracker in (loaded, full):
        assert tracker.get_slot("appeal_description") == "description 299"
        assert tracker.is_paused()  # paused at turn 1: the archive and the head stand for it


def test_the_loaded_window_decides_as_the_whole_history_would(domain: Domain, redis_url: str) -> None:
    store = store_of(domain, redis_url)
    asyncio.run(converse(store, "rest:dev:same", range(120), extra={7: [SlotSet("language", "ja")]}))
    loaded = asyncio.run(store.retrieve("rest:dev:same"))
    full = asyncio.run(store.retrieve_full_tracker("rest:dev:same"))
    assert loaded is not None and full is not None
    whole = replay(domain, "rest:dev:same", list(full.events))
    assert loaded.current_slot_values() == whole.current_slot_values()
    assert loaded.active_loop == whole.active_loop
    # the last turns, as the policies see them, are the same events
    assert [e.as_dict() for e in list(loaded.events)[-40:]] == [e.as_dict() for e in list(whole.events)[-40:]]


def test_a_conversation_replaced_through_the_api_starts_a_new_session(domain: Domain, redis_url: str) -> None:
    store = store_of(domain, redis_url)
    asyncio.run(converse(store, "rest:dev:replaced", range(3)))
    replacement = replay(domain, "rest:dev:replaced", [*session_start(), *turn(100)])
    asyncio.run(store.save(replacement))
    loaded = asyncio.run(store.retrieve("rest:dev:replaced"))
    assert loaded is not None
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["message 100"]


def test_saving_the_same_tracker_twice_appends_nothing_twice(domain: Domain, redis_url: str) -> None:
    store = store_of(domain, redis_url)

    async def twice() -> None:
        tracker = await store.get_or_create_tracker("rest:dev:twice")  # Rasa saves a new conversation here
        for event in turn(1):
            tracker.update(event)
        await store.save(tracker)
        await store.save(tracker)

    asyncio.run(twice())
    full = asyncio.run(store.retrieve_full_tracker("rest:dev:twice"))
    assert full is not None and [e.text for e in full.events if isinstance(e, UserUttered)] == ["message 1"]


def test_an_unknown_conversation_is_none_and_keys_lists_conversations(domain: Domain, redis_url: str) -> None:
    store = store_of(domain, redis_url, key_prefix="other")
    assert asyncio.run(store.retrieve("rest:dev:nobody")) is None
    assert asyncio.run(store.retrieve_full_tracker("rest:dev:nobody")) is None
    asyncio.run(converse(store, "rest:dev:listed", range(1)))
    assert list(asyncio.run(store.keys())) == ["rest:dev:listed"]


def test_events_read_back_as_the_standard_json_module_reads_them() -> None:
    import json

    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

    events = [UserUttered("路灯坏了 \u2028 \\ \"quoted\"", {"name": "report", "confidence": 0.1 + 0.2},
                          timestamp=1733450000.123456),
              SlotSet("phone", None), SlotSet("big", 2**70), BotUttered("街灯が壊れた", {"buttons": []})]
    written = session_store.dumps([*events, SlotSet("odd", float("nan"))])  # ujson refuses NaN; json does not
    for text in written + ['"\\ud800"', "[1e400, -Infinity, NaN]"]:
        expected, ours = json.loads(text), json_codec.loads(text)
        assert json.dumps(ours) == json.dumps(expected)
