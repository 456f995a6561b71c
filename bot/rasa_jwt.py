"""Short-lived HS256 JSON Web Tokens for Rasa's HTTP API (standard library only).

Rasa is started with ``--jwt-secret`` and ``--jwt-method HS256``: every call to its HTTP API
carries ``Authorization: Bearer <token>`` instead of the ``?token=`` query parameter, so no
secret travels in a URL or lands in an access log. Our own callers (the notifier, the appeal
outbox worker, tools and tests) sign an ``admin`` token that lives a few minutes.
"""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

DEV_RASA_JWT_SECRET = "dev-rasa-jwt-secret"
LIFETIME_SECONDS = 300


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def admin_token(secret: str, *, subject: str, now: float | None = None, lifetime: int = LIFETIME_SECONDS) -> str:
    """A token Rasa accepts for every conversation (``user.role == "admin"``), valid ``lifetime`` s."""
    issued = int(time.time() if now is None else now)
    claims = {"user": {"username": subject, "role": "admin"}, "iat": issued, "exp": issued + lifetime}
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def verify(token: str, secret: str, *, now: float | None = None) -> dict[str, Any] | None:
    """The claims of a valid, unexpired HS256 token signed with ``secret``; None otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    expected = hmac.new(secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return None
        header, claims = json.loads(_unb64(parts[0])), json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        return None
    expires = claims.get("exp")
    if not isinstance(expires, int) or expires <= (time.time() if now is None else now):
        return None
    return claims


class AdminTokens:
    """Reuses one signed token until a minute before it expires (a signature per call is waste)."""

    def __init__(self, secret: str, subject: str) -> None:
        self.secret, self.subject = secret, subject
        self._token, self._renew_at = "", 0.0

    def header(self) -> dict[str, str]:
        now = time.time()
        if now >= self._renew_at:
            self._token = admin_token(self.secret, subject=self.subject, now=now)
            self._renew_at = now + LIFETIME_SECONDS - 60
        return {"Authorization": f"Bearer {self._token}"}
