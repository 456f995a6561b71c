"""Rasa's REST channel, for integrations that hold a key.

Replaces Rasa's ``rest`` channel in credentials.yml (same name, same ``/webhooks/rest/webhook``):

- every call needs ``Authorization: Bearer <key>``; keys come from ``REST_API_KEYS``
  (``name=key,name2=key2``), compared in constant time; in development (``HOTLINE_ENV`` unset
  or ``development``) the key ``dev-rest-key`` named ``dev`` works when none is set;
- the conversation id is ``rest:<integration name>:<sender>``, so an integration reaches only
  conversations it started itself, never a WeChat, Telegram or web chat resident's;
- the body's ``input_channel`` and ``metadata`` are ignored (the channel is always ``rest``);
- ``sender`` is required (no shared "default" conversation) and has a bounded shape;
- limits, 429 with Retry-After beyond them: each integration (one key, usually one server relaying
  many people) sends at most ``REST_KEY_PER_MINUTE`` (burst ``REST_KEY_BURST``); each client address
  may fail the key check ``REST_BAD_KEY_PER_MINUTE`` times (burst ``REST_BAD_KEY_BURST``), after which
  it is refused outright, right key or not, until its bucket refills: keys cannot be guessed at speed.
  Each conversation is limited again by the message gate (assistant/gate.py).
- ``message_id`` (optional, 1-64 of A-Z a-z 0-9 _ . : -) makes a retry safe: a message sent again with
  the same id after a cut-off request is answered from the conversation when its turn already ran
  (channels/kit/replay.py), so a client may always retry, on any Rasa server.
"""

import hmac
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.kit.identity import rest_sender
from channels.kit.rate_limit import Limit, RateLimiter, retry_after
from channels.kit.replay import answers_of_recorded_turn

logger = logging.getLogger(__name__)
DEV_REST_KEYS = {"dev": "dev-rest-key"}
MAX_BODY_BYTES = 64 * 1024
_SENDER = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
_INTEGRATION = re.compile(r"[a-z0-9_-]{1,32}")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def load_keys(env: Mapping[str, str]) -> dict[str, str]:
    """Integration name -> key from ``REST_API_KEYS``; the development key when unset in development."""
    keys: dict[str, str] = {}
    for item in env.get("REST_API_KEYS", "").split(","):
        name, _, key = item.strip().partition("=")
        if not item.strip():
            continue
        if not _INTEGRATION.fullmatch(name) or len(key) < 8:
            raise ValueError("REST_API_KEYS: use name=key pairs (name: a-z 0-9 _ -, key: at least 8 characters)")
        keys[name] = key
    development = env.get("HOTLINE_ENV", "development").strip().lower() == "development"
    return keys or (dict(DEV_REST_KEYS) if development else {})


def integration_of(authorization: str | None, keys: Mapping[str, str]) -> str | None:
    """The integration a bearer key belongs to; every key is compared, in constant time."""
    scheme, _, sent = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not sent:
        return None
    found = None
    for name, key in keys.items():
        if hmac.compare_digest(sent.strip().encode(), key.encode()):
            found = name
    return found


def _problem(status: int, message: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers=headers)


PER_KEY = Limit(1200, 200)  # REST_KEY_PER_MINUTE, REST_KEY_BURST
BAD_KEYS_PER_ADDRESS = Limit(10, 10)  # REST_BAD_KEY_PER_MINUTE, REST_BAD_KEY_BURST


class KeyedRestInput(RestInput):
    """``rest`` with keys, namespaced conversation ids, a per-key limit and a bad-key throttle."""

    def __init__(self, keys: Mapping[str, str] | None = None, *, redis_url: str | None = None,
                 per_key: Limit = PER_KEY, bad_keys_per_address: Limit = BAD_KEYS_PER_ADDRESS) -> None:
        self.keys = dict(load_keys(os.environ) if keys is None else keys)
        self.per_key = RateLimiter(per_key, redis_url=redis_url, prefix="assistant:rate:rest-key")
        self.bad_keys = RateLimiter(bad_keys_per_address, redis_url=redis_url, prefix="assistant:rate:rest-bad-key")
        if not self.keys:
            logger.warning("REST channel: REST_API_KEYS is not set, every call will be refused")

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "KeyedRestInput":
        env = os.environ
        return cls(redis_url=env.get("REDIS_URL") or None, per_key=PER_KEY.from_env(env, "REST_KEY"),
                   bad_keys_per_address=BAD_KEYS_PER_ADDRESS.from_env(env, "REST_BAD_KEY"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("keyed_rest_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            address = request.remote_addr or request.ip or "unknown"
            # An address that has spent its bad-key allowance is refused before its key is looked at.
            wait = await self.bad_keys.peek(address)
            if wait > 0:
                return _problem(429, "too many failed keys from this address", {"Retry-After": retry_after(wait)})
            integration = integration_of(request.headers.get("authorization"), self.keys)
            if integration is None:
                wait = await self.bad_keys.wait_for(address)  # atomic: concurrent guesses cannot overshoot
                if wait > 0:
                    return _problem(429, "too many failed keys from this address", {"Retry-After": retry_after(wait)})
                return _problem(401, "send Authorization: Bearer <REST key>")
            wait = await self.per_key.wait_for(integration)
            if wait > 0:
                return _problem(429, "too many messages for this key", {"Retry-After": retry_after(wait)})
            if len(request.body or b"") > MAX_BODY_BYTES:
                return _problem(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
            try:
                body = request.json
            except Exception:  # Sanic raises its own error type for bad JSON
                body = None
            if not isinstance(body, dict):
                return _problem(400, "the body must be a JSON object")
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not _SENDER.fullmatch(sender):
                return _problem(400, "sender is required: 1-64 of A-Z a-z 0-9 _ . @ -")
            if text is not None and not isinstance(text, str):
                return _problem(400, "message must be a string")
            message_id = body.get("message_id")
            if message_id is not None and (not isinstance(message_id, str) or not _MESSAGE_ID.fullmatch(message_id)):
                return _problem(400, "message_id: 1-64 of A-Z a-z 0-9 _ . : -")
            sender_id = rest_sender(integration, sender)
            if message_id is not None:
                store = getattr(getattr(request.app.ctx, "agent", None), "tracker_store", None)
                answered = await answers_of_recorded_turn(store, sender_id, message_id)
                if answered is not None:
                    return response.json(answered)
            collector = CollectingOutputChannel()
            await on_new_message(UserMessage(text, collector, sender_id, input_channel=self.name(), metadata=None,
                                             message_id=message_id))
            return response.json(collector.messages)

        return hook
