"""Console sessions over HTTP: an opaque cookie, sign-out and expiry on the server, revoked members, throttling.

On SQLite and PostgreSQL (the ``client`` fixture of tests/hotline/conftest.py).
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hotline.app import create_app
from hotline.config import DEV_OPERATOR_TOKEN, Settings
from hotline.db import Database
from hotline.domain.models import AuditEntry, ConsoleSession, LoginFailure, Role
from hotline.domain.sessions import KEEP_PER_MEMBER
from hotline.domain.staff import add_staff
from tests.hotline.console.test_routes import BROWSER_ARGS, DOCS, chromium_or_skip, csrf_of, login

ADMIN = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}
COOKIE = "hotline_console"


def db_of(client: TestClient) -> Database:
    db: Database = client.app.state.backend.db  # type: ignore[attr-defined]
    return db


def sign_in(client: TestClient, token: str = DEV_OPERATOR_TOKEN) -> str:
    """Sign in through the form; the session cookie's value."""
    login(client, token)
    session_id = client.cookies.get(COOKIE)
    assert session_id
    return session_id


def with_cookie(client: TestClient, session_id: str, path: str = "/console/") -> httpx.Response:
    """A GET that carries only ``session_id`` (what an attacker holding a copy of the cookie would send)."""
    other = TestClient(client.app)
    return other.get(path, headers={"Cookie": f"{COOKIE}={session_id}"}, follow_redirects=False)


def shift_sessions(client: TestClient, **values: datetime) -> None:
    with db_of(client).write() as session, session.begin():
        session.execute(update(ConsoleSession).values(**values))


def sessions_in_db(client: TestClient) -> list[ConsoleSession]:
    with db_of(client).read() as session:
        return list(session.scalars(select(ConsoleSession).order_by(ConsoleSession.id)).all())


def audit_actions(client: TestClient) -> list[tuple[str, str, str]]:
    """(action, actor, subject), oldest first, read through GET /api/audit."""
    entries = client.get("/api/audit", params={"limit": 500}, headers=ADMIN).json()["entries"]
    return [(e["action"], e["actor"], e["subject"]) for e in reversed(entries)]


def test_the_cookie_is_an_opaque_session_id_not_the_token(client: TestClient) -> None:
    response = client.post("/console/login", data={"token": DEV_OPERATOR_TOKEN}, follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    session_id = response.cookies[COOKIE]
    assert DEV_OPERATOR_TOKEN not in cookie and session_id != DEV_OPERATOR_TOKEN
    assert len(session_id) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", session_id)  # 32 random bytes, base64url
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/console" in cookie
    assert "Max-Age=43200" in cookie and "Secure" not in cookie  # development: plain http on localhost
    rows = sessions_in_db(client)
    assert [(r.staff_name, r.role) for r in rows] == [("admin", "admin")]
    assert rows[0].id_sha256 == hashlib.sha256(session_id.encode()).hexdigest()  # only the digest is stored
    assert rows[0].expires_at - rows[0].created_at == timedelta(hours=12)
    assert rows[0].user_agent == "testclient"
    assert with_cookie(client, session_id).status_code == 200
    assert with_cookie(client, DEV_OPERATOR_TOKEN).status_code == 303  # the token is not a session


def test_the_cookie_is_secure_outside_development(database_url: str) -> None:
    secret = "s3cret-operator-token-for-production"
    settings = replace(Settings(), database_url=database_url, environment="production", operator_token=secret,
                       service_key="s3cret-service-key-for-production", api_keys=frozenset({"s3cret-open311-key-x"}),
                       media_key="s3cret-media-key-for-production", console_session_hours=8)
    with TestClient(create_app(settings, run_relay=False)) as client:
        response = client.post("/console/login", data={"token": secret}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert response.status_code == 303 and secret not in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "Max-Age=28800" in cookie


def test_a_cookie_replayed_after_sign_out_is_refused(client: TestClient) -> None:
    session_id = sign_in(client)
    html = client.get("/console/").text
    out = client.post("/console/logout", data={"csrf": csrf_of(html)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    replayed = with_cookie(client, session_id)
    assert replayed.status_code == 303 and replayed.headers["location"] == "/console/login"
    assert with_cookie(client, session_id, "/console/login").status_code == 200  # the sign-in page
    again = TestClient(client.app).post("/console/logout", data={"csrf": csrf_of(html)},
                                        headers={"Cookie": f"{COOKIE}={session_id}"}, follow_redirects=False)
    assert again.status_code == 303
    assert [a for a in audit_actions(client) if a[0].startswith("console.")] == [
        ("console.sign_in", "admin", "admin"), ("console.sign_out", "admin", "admin")]


def test_a_session_past_its_lifetime_or_idle_too_long_is_refused(client: TestClient) -> None:
    now = datetime.now(timezone.utc)
    session_id = sign_in(client)
    shift_sessions(client, last_seen_at=now - timedelta(minutes=29))  # idle, but not for 30 minutes
    assert with_cookie(client, session_id).status_code == 200
    assert sessions_in_db(client)[0].last_seen_at > now - timedelta(minutes=1)  # the request slid it on
    shift_sessions(client, last_seen_at=now - timedelta(minutes=31))
    assert with_cookie(client, session_id).status_code == 303

    other = sign_in(client)
    shift_sessions(client, expires_at=now - timedelta(seconds=1), last_seen_at=now)
    assert with_cookie(client, other).status_code == 303  # active a moment ago, but past 12 hours


def test_last_seen_is_written_at_most_once_a_minute(client: TestClient) -> None:
    session_id = sign_in(client)
    seen = now = datetime.now(timezone.utc) - timedelta(seconds=30)
    shift_sessions(client, last_seen_at=seen)
    for _ in range(3):
        assert with_cookie(client, session_id).status_code == 200
    assert sessions_in_db(client)[0].last_seen_at == seen
    shift_sessions(client, last_seen_at=now - timedelta(seconds=61))
    assert with_cookie(client, session_id).status_code == 200
    assert sessions_in_db(client)[0].last_seen_at > now


def test_the_csrf_token_belongs_to_the_session_not_to_the_token(client: TestClient) -> None:
    first = sign_in(client)
    first_csrf = csrf_of(client.get("/console/").text)
    second = sign_in(client)  # the same token, a second session
    second_csrf = csrf_of(client.get("/console/").text)
    assert first != second and first_csrf != second_csrf
    crossed = TestClient(client.app).post("/console/logout", data={"csrf": first_csrf}, follow_redirects=False,
                                          headers={"Cookie": f"{COOKIE}={second}"})
    assert crossed.status_code == 403
    assert with_cookie(client, second).status_code == 200


def test_revoking_a_member_ends_their_console_session_and_their_token(client: TestClient) -> None:
    token = client.post("/api/staff", json={"name": "wang.op", "role": "operator"}, headers=ADMIN).json()["token"]
    session_id = sign_in(client, token)
    assert "wang.op" in with_cookie(client, session_id).text
    revoked = client.post("/api/staff/wang.op/revoke", headers=ADMIN)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    dead = with_cookie(client, session_id)
    assert dead.status_code == 303 and dead.headers["location"] == "/console/login"
    refused = TestClient(client.app).post("/console/login", data={"token": token}, follow_redirects=False)
    assert refused.status_code == 401 and "set-cookie" not in refused.headers
    assert client.get("/api/tickets", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert ("staff.revoked", "admin", "wang.op") in audit_actions(client)


def test_signing_in_prunes_ended_sessions_and_keeps_ten_per_member(client: TestClient) -> None:
    first = sign_in(client)
    shift_sessions(client, expires_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    for _ in range(KEEP_PER_MEMBER + 2):
        newest = sign_in(client)
    rows = sessions_in_db(client)
    assert len(rows) == KEEP_PER_MEMBER
    digests = {r.id_sha256 for r in rows}
    assert hashlib.sha256(first.encode()).hexdigest() not in digests
    assert hashlib.sha256(newest.encode()).hexdigest() in digests
    assert with_cookie(client, newest).status_code == 200


# --- Throttling --------------------------------------------------------------------------------------

def bad_attempts(client: TestClient, n: int) -> None:
    for _ in range(n):
        response = client.post("/console/login", data={"token": "wrong-token"}, follow_redirects=False)
        assert response.status_code == 401


def test_the_sixth_attempt_from_one_address_gets_429_even_with_a_valid_token(client: TestClient) -> None:
    bad_attempts(client, 5)
    throttled = client.post("/console/login", data={"token": DEV_OPERATOR_TOKEN}, follow_redirects=False)
    assert throttled.status_code == 429 and "set-cookie" not in throttled.headers
    assert 14 * 60 < int(throttled.headers["retry-after"]) <= 15 * 60
    assert "登录失败次数过多，请 15 分钟后再试。" in throttled.text and 'name="token"' in throttled.text
    english = client.post("/console/login?lang=en", data={"token": DEV_OPERATOR_TOKEN}, follow_redirects=False)
    assert english.status_code == 429 and "Too many failed sign-ins. Try again in 15 min." in english.text
    login(TestClient(client.app, client=("203.0.113.7", 40000)))  # another address is not throttled
    with db_of(client).write() as session, session.begin():  # the failures age out of the window
        session.execute(update(LoginFailure).values(at=datetime.now(timezone.utc) - timedelta(minutes=16)))
    login(client)


def test_a_successful_sign_in_clears_the_address_failures(client: TestClient) -> None:
    bad_attempts(client, 4)
    login(client)
    bad_attempts(client, 5)  # 4 + 5 would have been throttled without the reset
    assert client.post("/console/login", data={"token": "wrong-token"}, follow_redirects=False).status_code == 429
    with db_of(client).read() as session:
        failures = session.scalars(select(LoginFailure)).all()
    assert {(f.address, len(f.account)) for f in failures} == {("testclient", 12)}  # a digest prefix, no token


def test_old_failures_are_deleted_when_a_new_one_is_written(client: TestClient) -> None:
    bad_attempts(client, 3)
    with db_of(client).write() as session, session.begin():
        session.execute(update(LoginFailure).values(at=datetime.now(timezone.utc) - timedelta(hours=1)))
    bad_attempts(client, 1)
    with db_of(client).read() as session:
        assert len(session.scalars(select(LoginFailure)).all()) == 1


def test_sign_in_audit_holds_no_token_text(client: TestClient) -> None:
    operator = add_staff(db_of(client), name="li.op", role=Role.OPERATOR)
    bad_attempts(client, 1)
    sign_in(client, operator)
    entries = client.get("/api/audit", headers=ADMIN).json()["entries"]
    failed = next(e for e in entries if e["action"] == "console.sign_in_failed")
    assert failed["actor"] == "anonymous" and failed["detail"]["address"] == "testclient"
    assert failed["detail"]["account"] == hashlib.sha256(b"wrong-token").hexdigest()[:12]
    signed = next(e for e in entries if e["action"] == "console.sign_in")
    assert (signed["actor"], signed["subject"], signed["detail"]["role"]) == ("li.op", "li.op", "operator")
    with db_of(client).read() as session:
        stored = repr([(e.actor, e.subject, e.detail) for e in session.scalars(select(AuditEntry))])
    for secret in ("wrong-token", operator, DEV_OPERATOR_TOKEN):
        assert secret not in stored


def test_forwarded_addresses_count_only_from_trusted_proxies_and_ipv6_by_its_64(
        app_factory: Callable[..., FastAPI], database_url: str) -> None:
    app = app_factory(database_url, trusted_proxies=("10.0.0.0/8",))
    direct = TestClient(app, client=("198.51.100.9", 1000))
    for n in range(5):  # a client cannot dodge the throttle by making up X-Forwarded-For headers
        bad = direct.post("/console/login", data={"token": "x"}, headers={"X-Forwarded-For": f"203.0.113.{n}"})
        assert bad.status_code == 401
    assert direct.post("/console/login", data={"token": "x"}).status_code == 429
    proxy = TestClient(app, client=("10.1.2.3", 1000))  # behind the proxy: the client it names is counted
    bad_attempts_via(proxy, 5, "2001:db8:1:2::1")
    assert login_via(proxy, "2001:db8:1:2:ffff::9").status_code == 429  # the same /64
    assert login_via(proxy, "2001:db8:1:3::1").status_code == 303
    assert login_via(proxy, "198.51.100.10").status_code == 303


def login_via(proxy: TestClient, forwarded_for: str, token: str = DEV_OPERATOR_TOKEN) -> httpx.Response:
    return proxy.post("/console/login", data={"token": token}, headers={"X-Forwarded-For": forwarded_for},
                      follow_redirects=False)


def bad_attempts_via(proxy: TestClient, n: int, forwarded_for: str) -> None:
    for _ in range(n):
        assert login_via(proxy, forwarded_for, "wrong-token").status_code == 401


# --- The staff page --------------------------------------------------------------------------------

def test_admins_see_and_revoke_staff_in_the_console(client: TestClient) -> None:
    token = client.post("/api/staff", json={"name": "zhao.an", "role": "analyst"}, headers=ADMIN).json()["token"]
    analyst = TestClient(client.app)
    analyst_session = sign_in(analyst, token)
    assert "/console/staff" not in analyst.get("/console/").text  # no link for non-admins
    assert analyst.get("/console/staff").status_code == 403
    sign_in(client)
    html = client.get("/console/staff").text
    assert "zhao.an" in html and "分析员" in html and "/console/staff/zhao.an/revoke" in html and token not in html
    assert client.post("/console/staff/zhao.an/revoke", data={}, follow_redirects=False).status_code == 403
    refused = analyst.post("/console/staff/zhao.an/revoke", data={"csrf": csrf_of(analyst.get("/console/").text)},
                           follow_redirects=False)
    assert refused.status_code == 403
    done = client.post("/console/staff/zhao.an/revoke", data={"csrf": csrf_of(html)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/console/staff?revoked=1"
    after = client.get("/console/staff?revoked=1").text
    assert "令牌已停用" in after and "/console/staff/zhao.an/revoke" not in after
    assert with_cookie(client, analyst_session).status_code == 303
    missing = client.post("/console/staff/nobody/revoke", data={"csrf": csrf_of(html)}, follow_redirects=False)
    assert missing.status_code == 404


# --- A real browser ------------------------------------------------------------------------------------

@pytest.mark.integration
@pytest.mark.browser
def test_sessions_and_the_staff_page_in_chromium(live_server: tuple[str, FastAPI]) -> None:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    base, _app = live_server
    for name, role in (("li.op", "operator"), ("zhao.an", "analyst")):
        assert httpx.post(f"{base}/api/staff", json={"name": name, "role": role}, headers=ADMIN).status_code == 201
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 640}, locale="zh-CN")
            page = context.new_page()
            page.goto(f"{base}/console/login")
            page.fill("#token", DEV_OPERATOR_TOKEN)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/console/")
            cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console"
            assert cookie["value"] != DEV_OPERATOR_TOKEN
            assert page.evaluate("document.cookie") == ""  # HttpOnly: no script sees it
            page.click("text=人员令牌")
            page.wait_for_url(f"{base}/console/staff")
            page.click("#staff-zhao\\.an button[type=submit]")
            page.wait_for_url(f"{base}/console/staff?revoked=1")
            assert "已停用" in page.inner_text("#staff-zhao\\.an") and "有效" in page.inner_text("#staff-li\\.op")
            page.screenshot(path=str(DOCS / "console-staff-zh.png"), full_page=True)
            page.click("text=退出登录")
            page.wait_for_url(f"{base}/console/login")
            replayed = httpx.get(f"{base}/console/", cookies={COOKIE: cookie["value"]}, follow_redirects=False)
            assert replayed.status_code == 303
        finally:
            browser.close()
