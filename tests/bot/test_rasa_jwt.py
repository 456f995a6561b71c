"""HS256 tokens for Rasa's API: what ``verify`` accepts and refuses, token reuse, and PyJWT's view of them.

Runs in both runtimes; the PyJWT test only where PyJWT is installed (the assistant runtime, through Rasa).
"""

import base64
import hashlib
import hmac
import json
from types import SimpleNamespace
from typing import Any

import pytest

from bot import rasa_jwt
from bot.rasa_jwt import LIFETIME_SECONDS, AdminTokens, admin_token, verify

SECRET = "a-secret-of-at-least-32-characters"
NOW = 1_700_000_000.0


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed(header: Any, claims: Any, secret: str = SECRET, *, raw_payload: str | None = None) -> str:
    """A token with any header and claims, signed with ``secret``: reaches the checks after the signature."""
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(claims).encode()) if raw_payload is None else raw_payload
    signature = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def valid_claims() -> dict[str, Any]:
    return {"user": {"username": "notifier", "role": "admin"}, "iat": int(NOW), "exp": int(NOW) + 300}


def test_round_trip_gives_the_admin_claims() -> None:
    token = admin_token(SECRET, subject="notifier", now=NOW)
    assert verify(token, SECRET, now=NOW) == valid_claims()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert "=" not in token  # base64url without padding, as JWT requires


def test_a_token_expires_after_its_lifetime() -> None:
    token = admin_token(SECRET, subject="notifier", now=NOW, lifetime=60)
    assert verify(token, SECRET, now=NOW + 59) is not None
    assert verify(token, SECRET, now=NOW + 60) is None  # exp is exclusive
    assert verify(token, SECRET, now=NOW + 3600) is None
    assert verify(admin_token(SECRET, subject="x", now=NOW - LIFETIME_SECONDS - 1), SECRET) is None


def test_another_secret_is_refused() -> None:
    token = admin_token(SECRET, subject="notifier", now=NOW)
    assert verify(token, "another-secret-of-32-characters!", now=NOW) is None
    assert verify(token, "", now=NOW) is None


def test_a_changed_payload_or_header_is_refused() -> None:
    head, payload, signature = admin_token(SECRET, subject="guest", now=NOW).split(".")
    forged = dict(valid_claims(), exp=int(NOW) + 10**6)
    assert verify(f"{head}.{b64(json.dumps(forged).encode())}.{signature}", SECRET, now=NOW) is None
    other_head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "x"}).encode())
    assert verify(f"{other_head}.{payload}.{signature}", SECRET, now=NOW) is None
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert verify(f"{head}.{payload}.{flipped}", SECRET, now=NOW) is None


@pytest.mark.parametrize("alg", ["none", "None", "HS512", "RS256", "hs256", None])
def test_only_hs256_is_accepted_even_when_the_signature_matches(alg: str | None) -> None:
    header = {"typ": "JWT"} if alg is None else {"alg": alg, "typ": "JWT"}
    assert verify(signed(header, valid_claims()), SECRET, now=NOW) is None
    assert verify(signed({"alg": "HS256", "typ": "JWT"}, valid_claims()), SECRET, now=NOW) is not None


def test_an_unsigned_none_token_is_refused() -> None:
    head = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = b64(json.dumps(valid_claims()).encode())
    assert verify(f"{head}.{body}.", SECRET, now=NOW) is None
    assert verify(f"{head}.{body}", SECRET, now=NOW) is None


@pytest.mark.parametrize("token", [
    "", ".", "..", "a.b", "a.b.c.d", "only-one-part",
    "!!!.@@@.###", "a.b.c", "\u00e9\u00e9.\u00e9\u00e9.\u00e9\u00e9",
])
def test_malformed_tokens_are_refused(token: str) -> None:
    assert verify(token, SECRET, now=NOW) is None


def test_four_parts_of_a_valid_token_are_refused() -> None:
    assert verify(admin_token(SECRET, subject="x", now=NOW) + ".extra", SECRET, now=NOW) is None


@pytest.mark.parametrize("raw_payload", [
    b64(b"not json"),  # signed, but not JSON
    b64(b"\xff\xfe\x00"),  # signed, but not UTF-8
    "%%%%",  # signed, but not base64
])
def test_signed_garbage_is_refused_without_an_exception(raw_payload: str) -> None:
    assert verify(signed({"alg": "HS256"}, None, raw_payload=raw_payload), SECRET, now=NOW) is None


@pytest.mark.parametrize("header, claims", [
    (["HS256"], valid_claims()),  # header not an object
    ({"alg": "HS256"}, [1, 2]),  # claims not an object
    ({"alg": "HS256"}, {"user": {"role": "admin"}}),  # no exp
    ({"alg": "HS256"}, dict(valid_claims(), exp=str(int(NOW) + 300))),  # exp not a number
    ({"alg": "HS256"}, dict(valid_claims(), exp=NOW + 300.5)),  # exp not an integer
])
def test_signed_tokens_of_the_wrong_shape_are_refused(header: Any, claims: Any) -> None:
    assert verify(signed(header, claims), SECRET, now=NOW) is None


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time as bot.rasa_jwt sees it (nothing else's clock changes)."""
    fake = Clock(NOW)
    monkeypatch.setattr(rasa_jwt, "time", SimpleNamespace(time=fake.time))
    return fake


def token_of(header: dict[str, str]) -> str:
    scheme, _, token = header["Authorization"].partition(" ")
    assert scheme == "Bearer"
    return token


def test_admin_tokens_reuse_one_token_until_a_minute_before_expiry(clock: Clock) -> None:
    tokens = AdminTokens(SECRET, "outbox-worker")
    first = token_of(tokens.header())
    claims = verify(first, SECRET, now=clock.now)
    assert claims is not None and claims["user"] == {"username": "outbox-worker", "role": "admin"}
    clock.now += LIFETIME_SECONDS - 61
    assert token_of(tokens.header()) == first
    clock.now += 1  # exactly a minute before expiry: renewed
    second = token_of(tokens.header())
    assert second != first
    assert verify(second, SECRET, now=clock.now + LIFETIME_SECONDS - 1) is not None
    assert verify(first, SECRET, now=clock.now + 60) is None  # the old one would have run out
    assert token_of(tokens.header()) == second


def test_every_token_admin_tokens_hand_out_is_valid_while_reused(clock: Clock) -> None:
    tokens = AdminTokens(SECRET, "notifier")
    for _ in range(20):
        assert verify(token_of(tokens.header()), SECRET, now=clock.now) is not None
        clock.now += 37


def test_pyjwt_accepts_our_tokens_and_we_accept_its() -> None:
    jwt = pytest.importorskip("jwt")
    token = admin_token(SECRET, subject="notifier")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["user"] == {"username": "notifier", "role": "admin"}
    assert claims["exp"] - claims["iat"] == LIFETIME_SECONDS
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret-of-32-characters!", algorithms=["HS256"])
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(admin_token(SECRET, subject="x", now=NOW), SECRET, algorithms=["HS256"])
    theirs = jwt.encode({"user": {"username": "tool", "role": "admin"}, "exp": int(NOW) + 60}, SECRET,
                        algorithm="HS256")
    assert verify(theirs, SECRET, now=NOW) == {"user": {"username": "tool", "role": "admin"}, "exp": int(NOW) + 60}
