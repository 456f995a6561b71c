"""Issue 13, "No rate limits anywhere" and "5xx on bad input": 150 anonymous Open311 POSTs were all
filed; 10 anonymous "fire, people trapped" reports in one second became 10 urgent tickets; JSON nested
30,000 levels deep and out-of-range dates got 500s from unauthenticated callers.

Held means: bad input gets a 4xx; one address gets 429 with Retry-After once it has filed its 30 a
minute; ten urgent reports from one source within a second make one ticket, and each reporter is still
answered at once. Each test speaks from a loopback address of its own, so one exhausted budget does not
spill into another test.
"""

import asyncio
import json
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.security.attacker import (
    OPERATOR,
    open311_fields,
    plain_category,
    send,
    unique,
    urgent_category,
)
from tools.stack import Stack

pytestmark = pytest.mark.integration
POST = "open311/v2/requests.json"


def test_bad_input_from_anyone_gets_a_4xx(stack: Stack) -> None:
    """Attack: deep JSON, invalid UTF-8, wrong types, out-of-range dates (were 500s). Held: every answer a 4xx."""
    url = f"{stack.backend_url}/{POST}"
    fields = open311_fields(plain_category(), "路灯坏了")
    bodies: list[tuple[str, bytes, str]] = [
        ("JSON 30,000 levels deep", b"[" * 30_000 + b"]" * 30_000, "application/json"),
        ("objects 10,000 levels deep", b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "application/json"),
        ("invalid UTF-8 form", b"service_code=\xff\xfe&description=\xc3\x28", "application/x-www-form-urlencoded"),
        ("invalid UTF-8 JSON", b'{"service_code": "\xff\xfe", "description": "\xc3\x28"}', "application/json"),
        ("wrong JSON types", json.dumps({**fields, "lat": {"x": 1}, "long": [1], "description": 7}).encode(),
         "application/json"),
        ("a list instead of an object", b"[1, 2, 3]", "application/json"),
        ("NaN coordinates", urlencode({**fields, "lat": "NaN", "long": "inf"}).encode(),
         "application/x-www-form-urlencoded"),
    ]
    for name, body, content_type in bodies:
        answer = send("POST", url, content=body, headers={"content-type": content_type}, source="127.0.0.5")
        assert 400 <= answer.status_code < 500, (name, answer.status_code, answer.text[:200])
    for path in ("requests.json", "servicerequestupdates.json", "requests.xml"):
        for params in ({"start_date": "9999-12-31T23:59:59-23:59"}, {"end_date": "0001-01-01T00:00:00+23:59"},
                       {"start_date": "2026-13-45T99:99:99Z"}, {"start_date": "\x00"}):
            answer = send("GET", f"{stack.backend_url}/open311/v2/{path}", params=params, source="127.0.0.5")
            assert 400 <= answer.status_code < 500, (path, params, answer.status_code, answer.text[:200])


async def _post_all(stack: Stack, source: str, bodies: list[dict[str, Any]], concurrency: int) -> list[httpx.Response]:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(transport=transport, timeout=60, trust_env=False,
                                 limits=httpx.Limits(max_connections=concurrency)) as http:
        return await asyncio.gather(*(http.post(f"{stack.backend_url}/{POST}", data=body) for body in bodies))


def test_ten_anonymous_emergencies_in_one_second_make_one_ticket(stack: Stack) -> None:
    """Attack: 10 anonymous urgent reports in one second (became 10 urgent tickets).
    Held: one ticket, every reporter answered.
    """
    marker = unique("fire")
    body = open311_fields(urgent_category(), f"着火了，有人被困在楼里，快来人 {marker}")
    answers = asyncio.run(_post_all(stack, "127.0.0.6", [body] * 10, 10))
    statuses = Counter(a.status_code for a in answers)
    filed = {a.json()[0]["service_request_id"] for a in answers if a.status_code in (200, 201)}
    found = send("GET", f"{stack.backend_url}/api/tickets", params={"q": marker}, headers=OPERATOR).json()
    print(f"\n10 urgent reports from one source at once: {dict(statuses)}, tickets {sorted(filed)}, "
          f"{found['total']} in the queue")
    assert found["total"] == 1 and len(filed) <= 1, (found["total"], filed)
    assert statuses[201] + statuses[200] == 10, statuses  # every reporter is answered, none turned away


def test_one_address_is_limited_to_its_rate(stack: Stack) -> None:
    """HOTLINE_ADDRESS_RATE_PER_MINUTE: 30 by default; 150 anonymous POSTs from one address."""
    bodies = [open311_fields(plain_category(), f"路灯坏了 {unique('flood')}") for _ in range(150)]
    answers = asyncio.run(_post_all(stack, "127.0.0.7", bodies, 10))
    statuses = Counter(a.status_code for a in answers)
    limited = [a for a in answers if a.status_code == 429]
    print(f"\n150 Open311 POSTs from one address: {dict(statuses)}")
    assert set(statuses) <= {201, 429} and statuses[201] <= 32, statuses
    assert all(int(a.headers.get("Retry-After", "0")) >= 1 for a in limited), [a.headers for a in limited[:3]]
    other = send("POST", f"{stack.backend_url}/{POST}", data=open311_fields(plain_category(), "路灯坏了"),
                 source="127.0.0.8")
    assert other.status_code == 201, other.text  # another address is not affected
