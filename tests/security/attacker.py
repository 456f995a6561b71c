"""What the attack suite sends, as an outsider would: HTTP from a chosen loopback address, chat turns over
the REST channel, tickets filed directly at the backend, and hand-made JWTs.

Every loopback address (127.0.0.0/8) reaches the stack, so a test that must exhaust a per-address limit
sends from an address of its own and leaves the others' budgets alone.
"""

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from functools import lru_cache
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import quote

import httpx

from bot.taxonomy import Category, Taxonomy, load_taxonomy
from tests.doubles.samples import required_answers
from tools.stack import Stack

OPERATOR = {"Authorization": "Bearer dev-operator-token"}  # the development admin: sees everything
SERVICE = {"Authorization": "Bearer dev-service-key"}  # the assistant's key for /api
OPEN311_KEY = "dev-open311-key"
TICKET = re.compile(r"(?<!\d)\d{15}(?!\d)")
EMERGENCY_NUMBERS = ("110", "119", "120")


@lru_cache(maxsize=64)
def client(source: str = "127.0.0.1") -> httpx.Client:
    """One keep-alive client per source address: no proxies from the environment, and no cookie jar (a test
    that wants a cookie sends it), so no test speaks with another test's session."""
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=60, trust_env=False,
                        cookies=jar)


def send(method: str, url: str, *, source: str = "127.0.0.1", **options: Any) -> httpx.Response:
    return client(source).request(method, url, **options)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def telegram_id() -> str:
    """A fresh Telegram-shaped chat id (digits only)."""
    return str(7_000_000_000 + uuid.uuid4().int % 1_000_000_000)


# ---------- chat ----------

def chat(stack: Stack, body: dict[str, Any], *, key: str | None = "dev-rest-key",
         source: str = "127.0.0.1") -> httpx.Response:
    """A raw POST to the REST channel."""
    headers = stack.rest_headers(key) if key else {}
    return send("POST", f"{stack.rasa_url}/webhooks/rest/webhook", json=body, headers=headers, source=source)


def say(stack: Stack, sender: str, text: str, **extra: Any) -> list[dict[str, Any]]:
    """One turn with the development REST key; ``extra`` goes into the body as an attacker would put it."""
    answer = chat(stack, {"sender": sender, "message": text, **extra})
    assert answer.status_code == 200, answer.text
    messages: list[dict[str, Any]] = answer.json()
    return messages


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in messages)


def slow_down(messages: list[dict[str, Any]]) -> bool:
    """The gate's refusal notice: it always carries the emergency numbers."""
    said = texts(messages)
    return all(number in said for number in EMERGENCY_NUMBERS)


# ---------- Rasa's HTTP API ----------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(secret: str, user: dict[str, str], *, lifetime: int = 300, algorithm: str = "HS256") -> str:
    """An HS256 token with ``user`` claims, built by hand (``algorithm`` only names it in the header)."""
    now = int(time.time())
    header = _b64(json.dumps({"alg": algorithm, "typ": "JWT"}).encode())
    payload = _b64(json.dumps({"user": user, "iat": now, "exp": now + lifetime}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def conversation_url(stack: Stack, conversation: str, tail: str = "tracker") -> str:
    """Rasa (Sanic) does not decode path parameters: ``rest%3Adev%3Ax`` would be another conversation."""
    return f"{stack.rasa_url}/conversations/{quote(conversation, safe=':@')}/{tail}"


def tracker(stack: Stack, conversation: str) -> dict[str, Any]:
    answer = send("GET", conversation_url(stack, conversation), headers=stack.rasa_headers())
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def user_events(stack: Stack, conversation: str) -> list[dict[str, Any]]:
    return [e for e in tracker(stack, conversation)["events"] if e.get("event") == "user"]


# ---------- the backend ----------

@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    return load_taxonomy()


def plain_category() -> Category:
    """A non-urgent place problem without required questions."""
    return next(c for c in taxonomy().leaves
                if not c.urgent and c.needs_location and not any(a.required for a in c.attributes))


def urgent_category() -> Category:
    leaves = [c for c in taxonomy().leaves if c.urgent]
    return next((c for c in leaves if c.code == "emergency_referred"), leaves[0])


def open311_fields(category: Category, description: str, **fields: Any) -> dict[str, Any]:
    return {"api_key": OPEN311_KEY, "service_code": category.code, "description": description,
            "address_string": "北京市朝阳区三里屯街道工体北路8号", **required_answers(category), **fields}


def file_ticket(stack: Stack, description: str, *, resident: tuple[str, str] | None,
                category: Category | None = None, source: str = "127.0.0.1", **fields: Any) -> str:
    """File through Open311 as the assistant does; ``resident`` = (channel, channel_user_id) or anonymous."""
    owner = {"channel": resident[0], "channel_user_id": resident[1]} if resident else {}
    body = open311_fields(category or plain_category(), description, **owner, **fields)
    answer = send("POST", f"{stack.backend_url}/open311/v2/requests.json", data=body, source=source)
    assert answer.status_code in (200, 201), answer.text
    ticket_id: str = answer.json()[0]["service_request_id"]
    return ticket_id


def ticket(stack: Stack, ticket_id: str, headers: dict[str, str] = OPERATOR) -> dict[str, Any]:
    answer = send("GET", f"{stack.backend_url}/api/tickets/{ticket_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    detail: dict[str, Any] = answer.json()
    return detail


def update(stack: Stack, ticket_id: str, status: str, note: str) -> None:
    answer = send("POST", f"{stack.backend_url}/api/tickets/{ticket_id}/updates",
                  json={"status": status, "note": note, "note_language": "zh"}, headers=OPERATOR)
    assert answer.status_code == 200, answer.text


def resolved_ticket(stack: Stack, resident: tuple[str, str]) -> str:
    """A ticket of ``resident``'s, resolved by an operator: what a survey would rate or reopen."""
    ticket_id = file_ticket(stack, "小区门口的路灯坏了一个星期，晚上很黑", resident=resident)
    update(stack, ticket_id, "resolved", "路灯已更换")
    return ticket_id


def ratings(stack: Stack, ticket_id: str) -> tuple[str, list[tuple[bool, int | None]]]:
    """The ticket's state and its satisfaction rows: what a forged survey would change."""
    detail = ticket(stack, ticket_id)
    return detail["detailed_status"], [(s["resolved"], s["rating"]) for s in detail["satisfaction"]]
