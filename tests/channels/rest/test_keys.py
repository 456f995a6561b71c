"""The keyed REST channel: its keys from the environment, the bearer check, and its webhook over real HTTP
(401 without a key, namespaced conversation ids, body checks, the per-key limit, the bad-key throttle)."""

import asyncio
import http.client
import json
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from channels.kit.rate_limit import Limit
from channels.rest import connector
from channels.rest.connector import (
    BAD_KEYS_PER_ADDRESS,
    DEV_REST_KEYS,
    PER_KEY,
    KeyedRestInput,
    integration_of,
    load_keys,
)
from tests.doubles.sanic_thread import serving

KEY = "partner-key-123"

# ---------- keys ----------


def test_keys_are_name_key_pairs() -> None:
    env = {"REST_API_KEYS": " partner=partner-key-123 , city_2=k3y=with=equals ,,", "HOTLINE_ENV": "production"}
    assert load_keys(env) == {"partner": "partner-key-123", "city_2": "k3y=with=equals"}


@pytest.mark.parametrize("value", [
    "Partner=partner-key-123",  # upper case name
    "=partner-key-123",  # no name
    "part ner=partner-key-123",
    "a" * 33 + "=partner-key-123",  # name too long
    "partner=1234567",  # key too short
    "partner=",
    "partner",
    "partner=partner-key-123,other",
])
def test_bad_names_and_short_keys_stop_the_start(value: str) -> None:
    with pytest.raises(ValueError, match="REST_API_KEYS"):
        load_keys({"REST_API_KEYS": value})


@pytest.mark.parametrize("env", [{}, {"HOTLINE_ENV": "development"}, {"HOTLINE_ENV": " DEVELOPMENT "},
                                 {"REST_API_KEYS": " , "}])
def test_development_without_keys_has_the_dev_key(env: dict[str, str]) -> None:
    assert load_keys(env) == DEV_REST_KEYS == {"dev": "dev-rest-key"}


def test_configured_keys_replace_the_dev_key_in_development() -> None:
    assert load_keys({"REST_API_KEYS": "partner=partner-key-123"}) == {"partner": "partner-key-123"}


@pytest.mark.parametrize("env", ["production", "staging", ""])
def test_outside_development_there_is_no_key_unless_configured(env: str) -> None:
    assert load_keys({"HOTLINE_ENV": env}) == {}


def test_changing_the_returned_keys_leaves_the_dev_key_alone() -> None:
    load_keys({})["dev"] = "changed"
    assert load_keys({}) == {"dev": "dev-rest-key"}


KEYS = {"partner": KEY, "city": "city-key-4567890"}


@pytest.mark.parametrize("authorization, integration", [
    (f"Bearer {KEY}", "partner"),
    (f"bearer {KEY}", "partner"),
    (f"BEARER  {KEY} ", "partner"),
    ("Bearer city-key-4567890", "city"),
    (f"Basic {KEY}", None),
    (KEY, None),
    ("Bearer", None),
    ("Bearer ", None),
    ("", None),
    (None, None),
    ("Bearer unknown-key-000", None),
    (f"Bearer {KEY[:-1]}", None),  # a prefix of a key
    (f"Bearer {KEY}x", None),
    ("Bearer dev-rest-key", None),
    ("Bearer 密钥密钥密钥密钥", None),
])
def test_the_integration_a_bearer_key_belongs_to(authorization: str | None, integration: str | None) -> None:
    assert integration_of(authorization, KEYS) == integration


def test_no_keys_no_integration() -> None:
    assert integration_of(f"Bearer {KEY}", {}) is None


@pytest.mark.parametrize("sent", [KEY, "city-key-4567890", "nobody's-key-123"])
def test_every_key_is_compared_in_constant_time_whichever_matches(monkeypatch: pytest.MonkeyPatch, sent: str) -> None:
    compared: list[tuple[bytes, bytes]] = []

    def compare_digest(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return a == b

    monkeypatch.setattr(connector, "hmac", SimpleNamespace(compare_digest=compare_digest))
    integration_of(f"Bearer {sent}", KEYS)
    assert sorted(b for _, b in compared) == sorted(k.encode() for k in KEYS.values())  # all keys, no early exit


# ---------- the webhook over HTTP ----------

Post = Callable[..., tuple[int, dict[str, str], Any]]


@contextmanager
def rest_channel(received: list[UserMessage], tracker_store: Any = None) -> Iterator[Post]:
    """The keyed REST channel alone in a real Sanic server (4 messages at once per key, 3 bad keys per
    address); yields a POST helper."""

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "hi")

    app = Sanic(f"rest_keys_{uuid.uuid4().hex}")
    channel = KeyedRestInput(keys={"partner": KEY, "city": "city-key-4567890"}, redis_url=None,
                             per_key=Limit(60, 4), bad_keys_per_address=Limit(60, 3))
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
    app.ctx.agent = SimpleNamespace(tracker_store=tracker_store)
    with serving(app) as base:
        def post(body: Any, *, key: str | None = KEY, raw: bytes | None = None,
                 headers: dict[str, str] | None = None, source: str = "127.0.0.1") -> tuple[int, dict[str, str], Any]:
            data = raw if raw is not None else json.dumps(body).encode()
            sent = {"Content-Type": "application/json", **(headers or {})}
            if key is not None:
                sent["Authorization"] = f"Bearer {key}"
            host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
            connection = http.client.HTTPConnection(host or "127.0.0.1", port, timeout=30, source_address=(source, 0))
            try:
                connection.request("POST", "/webhooks/rest/webhook", body=data, headers=sent)
                answer = connection.getresponse()
                return answer.status, dict(answer.headers), json.loads(answer.read() or b"null")
            finally:
                connection.close()
        yield post


@pytest.fixture
def received() -> list[UserMessage]:
    return []


@pytest.fixture
def post(received: list[UserMessage]) -> Iterator[Post]:
    with rest_channel(received) as helper:
        yield helper


def test_without_or_with_a_wrong_key_nothing_gets_in(post: Post, received: list[UserMessage]) -> None:
    body = {"sender": "alice", "message": "hello"}
    for key in (None, "wrong-key-123456", "dev-rest-key"):
        status, _, answer = post(body, key=key)
        assert status == 401 and "Bearer" in answer["error"]
    # Three failures spend the address's bad-key allowance: now even the right key is refused.
    for key in ("another-guess-123", KEY):
        status, headers, answer = post(body, key=key)
        assert status == 429 and answer == {"error": "too many failed keys from this address"}
        assert headers["Retry-After"] == "1"
    assert received == []
    # Another address is not held up by the guesser (an X-Forwarded-For header is no other address).
    assert post(body, headers={"X-Forwarded-For": "10.0.0.9"})[0] == 429
    assert post(body, source="127.0.0.2")[0] == 200


def test_a_keyed_message_reaches_rasa_in_the_integrations_namespace(post: Post, received: list[UserMessage]) -> None:
    status, _, answer = post({"sender": "alice", "message": "路灯坏了", "input_channel": "telegram",
                              "metadata": {"is_external": True, "language": "en"}})
    assert status == 200
    assert answer == [{"recipient_id": "rest:partner:alice", "text": "hi"}]
    [message] = received
    assert (message.sender_id, message.text, message.input_channel, message.metadata) == (
        "rest:partner:alice", "路灯坏了", "rest", None)


def test_sender_is_required_and_bounded(post: Post, received: list[UserMessage]) -> None:
    for body in ({"message": "hello"}, {"sender": "", "message": "hello"}, {"sender": 12345, "message": "hello"}):
        status, _, answer = post(body)
        assert status == 400 and "sender is required" in answer["error"]
    assert received == []


@pytest.mark.parametrize("sender", ["a" * 65, "rest:other:bob", "bob smith", "../default", "alice\n", "名字"])
def test_a_sender_of_another_shape_is_refused(post: Post, received: list[UserMessage], sender: str) -> None:
    status, _, answer = post({"sender": sender, "message": "hello"})
    assert status == 400 and "sender is required" in answer["error"]
    assert received == []


def test_the_body_must_be_a_json_object(post: Post, received: list[UserMessage]) -> None:
    for raw in (b"[1, 2]", b'"alice"', b"{not json"):
        status, _, answer = post(None, raw=raw)
        assert status == 400 and answer == {"error": "the body must be a JSON object"}
    assert received == []


def test_message_must_be_a_string(post: Post, received: list[UserMessage]) -> None:
    status, _, answer = post({"sender": "alice", "message": {"text": "hello"}})
    assert status == 400 and answer == {"error": "message must be a string"}
    assert received == []


def test_a_body_over_64_kb_is_refused(post: Post, received: list[UserMessage]) -> None:
    status, _, answer = post({"sender": "alice", "message": "x" * (64 * 1024)})
    assert status == 413 and "65536" in answer["error"]
    assert received == []


def test_the_fifth_quick_message_of_one_key_waits_whatever_the_address(post: Post,
                                                                       received: list[UserMessage]) -> None:
    for forwarded in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"):
        assert post({"sender": "alice", "message": "hi"}, headers={"X-Forwarded-For": forwarded})[0] == 200
    status, headers, answer = post({"sender": "bob", "message": "hi"}, headers={"X-Forwarded-For": "10.0.0.5"})
    assert status == 429 and answer == {"error": "too many messages for this key"}
    assert headers["Retry-After"] == "1"  # 60 a minute: the next token within a second
    assert len(received) == 4
    assert post({"sender": "carol", "message": "hi"}, key="city-key-4567890")[0] == 200  # another key, its own


def test_many_residents_behind_one_address_are_not_limited_by_it(post: Post, received: list[UserMessage]) -> None:
    """One integration server relays many people from one address: only its key's rate counts."""
    for key in (KEY, "city-key-4567890"):
        for sender in ("alice", "bob", "carol", "dave"):
            assert post({"sender": sender, "message": "hi"}, key=key)[0] == 200
    assert len(received) == 8


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    default = KeyedRestInput.from_credentials(None)
    assert (default.per_key.limit, default.bad_keys.limit) == (PER_KEY, BAD_KEYS_PER_ADDRESS) == (
        Limit(1200, 200), Limit(10, 10))
    for name, value in {"REST_KEY_PER_MINUTE": "30", "REST_KEY_BURST": "5", "REST_BAD_KEY_PER_MINUTE": "2",
                        "REST_BAD_KEY_BURST": "1"}.items():
        monkeypatch.setenv(name, value)
    configured = KeyedRestInput.from_credentials(None)
    assert (configured.per_key.limit, configured.bad_keys.limit) == (Limit(30, 5), Limit(2, 1))
    monkeypatch.setenv("REST_KEY_BURST", "0")
    with pytest.raises(ValueError):
        KeyedRestInput.from_credentials(None)


# ---------- message_id: a retry is answered from the conversation, not run twice ----------

def test_a_message_id_of_another_shape_is_refused(post: Post, received: list[UserMessage]) -> None:
    for message_id in ("a" * 65, "bad id", 12, "名字"):  # four: the key's burst here
        status, _, answer = post({"sender": "alice", "message": "hello", "message_id": message_id})
        assert status == 400 and "message_id" in answer["error"]
    assert received == []


def test_a_retried_turn_that_ran_is_answered_from_the_tracker() -> None:
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker("rest:partner:alice", [])
    for event in (ActionExecuted("action_listen"), UserUttered("first", message_id="m-1"),
                  BotUttered("answer one", {"buttons": [{"title": "Yes", "payload": "/affirm"}]}),
                  BotUttered("answer two"), ActionExecuted("action_listen"),
                  UserUttered("second", message_id="m-2"), BotUttered("later")):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    received: list[UserMessage] = []
    with rest_channel(received, tracker_store=store) as post:
        status, _, answer = post({"sender": "alice", "message": "first", "message_id": "m-1"})
        assert status == 200 and received == []  # not run again
        assert answer == [{"recipient_id": "rest:partner:alice", "text": "answer one",
                           "buttons": [{"title": "Yes", "payload": "/affirm"}]},
                          {"recipient_id": "rest:partner:alice", "text": "answer two"}]
        status, _, answer = post({"sender": "alice", "message": "third", "message_id": "m-3"})
        assert status == 200 and answer == [{"recipient_id": "rest:partner:alice", "text": "hi"}]
        [message] = received  # a new id runs, and carries its id into the tracker
        assert message.message_id == "m-3"
        # the same id from another sender is another conversation's message: it runs
        assert rest_sender_of(post, "bob") == []


def rest_sender_of(post: Post, sender: str) -> list[Any]:
    status, _, answer = post({"sender": sender, "message": "x", "message_id": "m-1"}, key=KEY)
    assert status == 200
    return [item for item in answer if item.get("text") != "hi"]
