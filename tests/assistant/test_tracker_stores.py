"""Tracker stores whose conversations expire: the retention setting, the bounded in-memory store, the
session store (a real redis-server) built from endpoints.yml as Rasa builds it, and the whole-value Redis
store kept for deployments that set it."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import redis
from rasa.core.tracker_store import TrackerStore, create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from assistant import tracker_stores
from assistant.session_store import SessionRedisTrackerStore
from assistant.tracker_stores import (
    DAY_SECONDS,
    BoundedInMemoryTrackerStore,
    RetainedRedisTrackerStore,
    retention_seconds,
)
from tests.doubles.local_servers import redis_server

ROOT = Path(__file__).resolve().parents[2]


def tracker(sender_id: str, text: str = "路灯坏了") -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender_id, [UserUttered(text)])


def texts(store: TrackerStore, sender_id: str) -> list[str] | None:
    """The user texts of a stored conversation (None: not stored)."""
    found = asyncio.run(store.retrieve(sender_id))
    return None if found is None else [e.text for e in found.events if isinstance(e, UserUttered)]


@pytest.mark.parametrize("days, seconds", [
    (90, 90 * DAY_SECONDS), ("90", 90 * DAY_SECONDS), ("0.5", DAY_SECONDS // 2), (1e-9, 1), ("1", DAY_SECONDS),
])
def test_retention_seconds(days: object, seconds: int) -> None:
    assert retention_seconds(days) == seconds


@pytest.mark.parametrize("days", [0, "0", -1, "-0.5", "ninety", ""])
def test_retention_must_be_a_positive_number(days: object) -> None:
    with pytest.raises(ValueError):
        retention_seconds(days)


def store_from(endpoints: str, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> TrackerStore:
    """The tracker store Rasa builds from an endpoints file of the project, with ``env`` and placeholders set."""
    for name, value in {"ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
                        "ACTION_SERVER_TOKEN": "a-token-of-24-characters", **env}.items():
        monkeypatch.setenv(name, value)
    return create_tracker_store(read_endpoint_config(str(ROOT / endpoints), "tracker_store"), Domain.empty())


# ---------- in memory ----------

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The monotonic clock as assistant/tracker_stores.py sees it."""
    fake = Clock()
    monkeypatch.setattr(tracker_stores, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


def test_the_in_memory_store_keeps_the_most_recently_saved_conversations(clock: Clock) -> None:
    store = BoundedInMemoryTrackerStore(Domain.empty(), max_conversations="2", retention_days="90")
    for sender in ("rest:dev:a", "rest:dev:b"):
        asyncio.run(store.save(tracker(sender)))
    asyncio.run(store.save(tracker("rest:dev:a", "again")))  # "a" is now the most recent
    asyncio.run(store.save(tracker("rest:dev:c")))
    assert list(store.store) == ["rest:dev:a", "rest:dev:c"]
    assert texts(store, "rest:dev:b") is None
    assert texts(store, "rest:dev:a") == ["again"]
    assert set(store.saved_at) == {"rest:dev:a", "rest:dev:c"}  # nothing left behind for the evicted one


def test_the_in_memory_store_forgets_a_conversation_after_the_retention(clock: Clock) -> None:
    store = BoundedInMemoryTrackerStore(Domain.empty(), retention_days=1)
    asyncio.run(store.save(tracker("rest:dev:a")))
    asyncio.run(store.save(tracker("rest:dev:b")))
    clock.now += DAY_SECONDS
    assert texts(store, "rest:dev:a") == ["路灯坏了"]  # a day is still within a day
    asyncio.run(store.save(tracker("rest:dev:b", "still here")))  # a save restarts the retention
    clock.now += 1
    assert texts(store, "rest:dev:a") is None
    assert "rest:dev:a" not in store.store and "rest:dev:a" not in store.saved_at
    assert asyncio.run(store.retrieve_full_tracker("rest:dev:a")) is None
    assert texts(store, "rest:dev:b") == ["still here"]


def test_the_in_memory_store_takes_its_settings_as_endpoints_yml_gives_them(monkeypatch: pytest.MonkeyPatch) -> None:
    store = store_from("endpoints.memory.yml", monkeypatch, {"TRACKER_RETENTION_DAYS": "30"})
    assert isinstance(store, BoundedInMemoryTrackerStore)  # not Rasa's silent fallback to its own store
    assert (store.max_conversations, store.retention) == (10_000, 30 * DAY_SECONDS)


# ---------- Redis ----------

@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.mark.integration
def test_endpoints_yml_gives_the_session_store_whose_conversations_expire(redis_url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    parts = urlsplit(redis_url)  # the environment tools/stack.py sets
    store = store_from("endpoints.yml", monkeypatch, {
        "REDIS_HOST": parts.hostname or "", "REDIS_PORT": str(parts.port), "REDIS_DB": "0", "REDIS_PASSWORD": "",
        "TRACKER_RETENTION_DAYS": "2"})
    assert isinstance(store, SessionRedisTrackerStore)  # not Rasa's silent in-memory fallback
    assert store.expire == 2 * DAY_SECONDS and store.prefix == "assistant:tracker:"
    asyncio.run(store.save(tracker("rest:dev:x")))
    client = redis.Redis.from_url(redis_url)
    try:
        assert sorted(client.keys("*rest:dev:x*")) == [b"assistant:tracker:rest:dev:x:meta",
                                                        b"assistant:tracker:rest:dev:x:s:0"]
        assert 2 * DAY_SECONDS - 60 < client.ttl("assistant:tracker:rest:dev:x:s:0") <= 2 * DAY_SECONDS
        client.expire("assistant:tracker:rest:dev:x:s:0", 100)
        loaded = asyncio.run(store.retrieve("rest:dev:x"))
        assert loaded is not None
        loaded.update(UserUttered("again"))
        asyncio.run(store.save(loaded))  # every message renews the retention
        assert client.ttl("assistant:tracker:rest:dev:x:s:0") > 2 * DAY_SECONDS - 60
    finally:
        client.close()
    assert texts(store, "rest:dev:x") == ["路灯坏了", "again"]


@pytest.mark.integration
def test_the_redis_store_takes_strings_and_an_empty_password(redis_url: str) -> None:
    parts = urlsplit(redis_url)
    store = RetainedRedisTrackerStore(Domain.empty(), host=parts.hostname or "", port=str(parts.port), db="1",
                                      password="", retention_days="0.5", record_exp=5)
    assert store.record_exp == DAY_SECONDS // 2  # retention_days wins over a record_exp given as well
    assert store.key_prefix == "tracker:"
    asyncio.run(store.save(tracker("socketio-conversation")))
    client = redis.Redis.from_url(redis_url.rsplit("/", 1)[0] + "/1")
    try:
        assert DAY_SECONDS // 2 - 60 < client.ttl("tracker:socketio-conversation") <= DAY_SECONDS // 2
    finally:
        client.close()


def test_the_redis_store_refuses_a_retention_of_zero() -> None:
    with pytest.raises(ValueError, match="retention_days must be positive"):
        RetainedRedisTrackerStore(Domain.empty(), retention_days="0")
