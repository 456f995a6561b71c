"""Web chat sessions: only a token this server signed names a conversation; no key, no start outside development."""

import hashlib
import hmac
import re
from collections.abc import Callable

import pytest

from channels.webchat.sessions import DEV_SESSION_KEY, issue, session_key, token_for, verified_id

KEY = b"a-session-key-for-the-tests-0123"
OTHER_KEY = b"another-session-key-0123456789ab"


def test_an_issued_token_gives_back_its_conversation_id() -> None:
    token = issue(KEY)
    assert re.fullmatch(r"[0-9a-f]{32}\.[0-9a-f]{32}", token)
    session_id = verified_id(token, KEY)
    assert session_id == token.split(".")[0]
    assert token_for(session_id, KEY) == token


def test_every_issued_session_is_new() -> None:
    assert len({verified_id(issue(KEY), KEY) for _ in range(100)}) == 100


def test_a_forged_or_borrowed_signature_is_refused() -> None:
    session_id, signature = issue(KEY).split(".")
    other_id, other_signature = issue(KEY).split(".")
    assert verified_id(f"{other_id}.{signature}", KEY) is None  # a signature of another session
    assert verified_id(f"{session_id}.{other_signature}", KEY) is None
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert verified_id(f"{session_id}.{flipped}", KEY) is None
    assert verified_id(f"{session_id}.{'0' * 32}", KEY) is None


def test_a_bare_id_names_no_conversation() -> None:
    session_id = verified_id(issue(KEY), KEY)
    assert session_id is not None
    assert verified_id(session_id, KEY) is None
    assert verified_id(f"{session_id}.", KEY) is None


def test_a_token_of_another_key_is_refused() -> None:
    token = issue(OTHER_KEY)
    assert verified_id(token, OTHER_KEY) is not None
    assert verified_id(token, KEY) is None


@pytest.mark.parametrize("shape", [
    lambda token: token.upper(),
    lambda token: f" {token}",
    lambda token: f"{token}\n",
    lambda token: f"{token}.extra",
    lambda token: token.replace(".", ":"),
    lambda token: token[1:],
    lambda token: token + "0",
])
def test_a_changed_shape_of_a_valid_token_is_refused(shape: Callable[[str], str]) -> None:
    token = issue(KEY)
    assert verified_id(shape(token), KEY) is None


@pytest.mark.parametrize("token", [None, 42, b"bytes", ["a", "b"], {"token": "x"}, "", ".", "default"])
def test_what_is_not_a_token_string_is_refused(token: object) -> None:
    assert verified_id(token, KEY) is None


def test_a_full_length_signature_is_not_accepted_either() -> None:
    session_id = verified_id(issue(KEY), KEY)
    assert session_id is not None
    full = hmac.new(KEY, session_id.encode(), hashlib.sha256).hexdigest()
    assert verified_id(f"{session_id}.{full}", KEY) is None


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBCHAT_SESSION_KEY", "a-real-key")
    for env in ("production", "development"):
        monkeypatch.setenv("HOTLINE_ENV", env)
        assert session_key() == b"a-real-key"


@pytest.mark.parametrize("env", [None, "development", " Development "])
def test_development_has_a_fixed_key_when_none_is_set(monkeypatch: pytest.MonkeyPatch, env: str | None) -> None:
    monkeypatch.delenv("WEBCHAT_SESSION_KEY", raising=False)
    if env is None:
        monkeypatch.delenv("HOTLINE_ENV", raising=False)
    else:
        monkeypatch.setenv("HOTLINE_ENV", env)
    assert session_key() == DEV_SESSION_KEY.encode()


@pytest.mark.parametrize("env", ["production", "staging", "test", ""])
def test_outside_development_there_is_no_key_without_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                       env: str) -> None:
    monkeypatch.setenv("HOTLINE_ENV", env)
    monkeypatch.setenv("WEBCHAT_SESSION_KEY", "")
    with pytest.raises(RuntimeError, match="WEBCHAT_SESSION_KEY must be set outside development"):
        session_key()
