"""Issue 13, "Console sessions": the cookie was the bearer token itself; after logout the old cookie still
worked; staff tokens could not be revoked; logins were not throttled.

Held means: signing in sets an opaque, HttpOnly, SameSite cookie that is not the token (and the token
as a cookie opens nothing); after logout, or once the staff member's token is revoked, a copy of the old
cookie opens nothing; and after 5 failed sign-ins from one address the next attempt gets 429 with
Retry-After, even with a correct token.
"""

import re

import httpx
import pytest

from tests.security.attacker import OPERATOR, send, unique
from tools.stack import Stack

pytestmark = pytest.mark.integration
COOKIE = "hotline_console"
ADMIN_TOKEN = "dev-operator-token"


def sign_in(stack: Stack, token: str, source: str = "127.0.0.1") -> httpx.Response:
    return send("POST", f"{stack.backend_url}/console/login", data={"token": token}, source=source)


def session_cookie(answer: httpx.Response) -> tuple[str, str]:
    """(value, the whole Set-Cookie header) of the console session cookie."""
    header = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}="))
    return header.split(";", 1)[0].split("=", 1)[1].strip('"'), header


def queue(stack: Stack, cookie: str) -> httpx.Response:
    """The console's queue with only this cookie (the shared client keeps no cookies)."""
    return send("GET", f"{stack.backend_url}/console/", headers={"Cookie": f"{COOKIE}={cookie}"})


def opens(answer: httpx.Response) -> bool:
    return answer.status_code == 200 and 'name="csrf"' in answer.text


def test_the_cookie_is_an_opaque_session_that_logout_ends(stack: Stack) -> None:
    """Attack: reuse the cookie (once the token itself) after logout. Held: an opaque id, dead once signed out."""
    signed = sign_in(stack, ADMIN_TOKEN)
    assert signed.status_code == 303, signed.text[:300]
    session, header = session_cookie(signed)
    assert session and ADMIN_TOKEN not in session and ADMIN_TOKEN not in header
    assert "httponly" in header.lower() and "samesite=strict" in header.lower(), header
    assert not opens(queue(stack, ADMIN_TOKEN))  # the token itself is no cookie
    page = queue(stack, session)
    assert opens(page)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    out = send("POST", f"{stack.backend_url}/console/logout", data={"csrf": csrf.group(1)},
               headers={"Cookie": f"{COOKIE}={session}"})
    assert out.status_code in (302, 303), out.status_code
    assert not opens(queue(stack, session))  # the copy an attacker kept
    assert queue(stack, session).status_code in (302, 303, 401)


def test_a_revoked_token_ends_its_sessions(stack: Stack) -> None:
    """Attack: keep using a departed staff member's token or console session.
    Held: revoked through /api/staff, both stop working; the audit log names them.
    """
    name = unique("operator")
    made = send("POST", f"{stack.backend_url}/api/staff", headers=OPERATOR, json={"name": name, "role": "operator"})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    session, _ = session_cookie(sign_in(stack, token))
    assert opens(queue(stack, session))
    listed = send("GET", f"{stack.backend_url}/api/staff", headers=OPERATOR).json()["staff"]
    assert any(member["name"] == name and member["active"] for member in listed)
    assert send("POST", f"{stack.backend_url}/api/staff/{name}/revoke", headers=OPERATOR).status_code == 200
    assert not opens(queue(stack, session))
    assert send("GET", f"{stack.backend_url}/api/tickets", headers={"Authorization": f"Bearer {token}"}
                ).status_code == 401
    audit = send("GET", f"{stack.backend_url}/api/audit", headers=OPERATOR).text
    assert name in audit


def test_sign_ins_from_one_address_are_throttled(stack: Stack) -> None:
    """Attack: guess console tokens from one address.
    Held: the sixth attempt gets 429 with Retry-After, even with a right token.
    """
    source = "127.0.0.9"
    statuses = [sign_in(stack, f"guess-{n:04d}", source=source).status_code for n in range(6)]
    print(f"\nsix wrong console sign-ins from one address: {statuses}")
    assert statuses[:5] == [401] * 5 and statuses[5] == 429, statuses
    throttled = sign_in(stack, ADMIN_TOKEN, source=source)
    assert throttled.status_code == 429 and int(throttled.headers.get("Retry-After", "0")) >= 1
    assert sign_in(stack, ADMIN_TOKEN, source="127.0.0.10").status_code == 303  # other addresses still sign in
