"""Web chat sessions the server issued: ``<32 hex id>.<HMAC>``, so a page cannot choose a conversation.

The conversation id is the 32-hex id; the page keeps the whole token (localStorage) and sends
it back with every message. A token is only valid with the server's key
(``WEBCHAT_SESSION_KEY``; in development a fixed key when unset), so guessing or copying
another resident's id without its signature gets a new, empty session.
"""

import hashlib
import hmac
import os
import re
import uuid

DEV_SESSION_KEY = "dev-webchat-session-key"
_TOKEN = re.compile(r"([0-9a-f]{32})\.([0-9a-f]{32})")


def session_key() -> bytes:
    key = os.environ.get("WEBCHAT_SESSION_KEY", "")
    if not key:
        if os.environ.get("HOTLINE_ENV", "development").strip().lower() != "development":
            raise RuntimeError("WEBCHAT_SESSION_KEY must be set outside development")
        key = DEV_SESSION_KEY
    return key.encode()


def _signature(session_id: str, key: bytes) -> str:
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()[:32]


def issue(key: bytes) -> str:
    """A new session token."""
    session_id = uuid.uuid4().hex
    return f"{session_id}.{_signature(session_id, key)}"


def token_for(session_id: str, key: bytes) -> str:
    return f"{session_id}.{_signature(session_id, key)}"


def reporter_digest(address: str, key: bytes) -> str:
    """Which network a page writes from, as a keyed digest (the backend merges urgent floods by it)."""
    return hmac.new(key, f"reporter|{address}".encode(), hashlib.sha256).hexdigest()[:32]


def verified_id(token: object, key: bytes) -> str | None:
    """The conversation id of a token this server issued, else None."""
    if not isinstance(token, str):
        return None
    match = _TOKEN.fullmatch(token)
    if match is None or not hmac.compare_digest(match.group(2), _signature(match.group(1), key)):
        return None
    return match.group(1)
