"""The operator console: sign-in, queue, ticket page, status updates, CSRF, roles, zh/en; one Chromium run."""

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from bot.taxonomy import Category
from hotline.config import DEV_API_KEY, DEV_OPERATOR_TOKEN, DEV_SERVICE_KEY
from hotline.domain.models import Role, Ticket
from hotline.domain.staff import add_staff
from tests.hotline.helpers import file_request, plain_leaf, taxonomy_of

DOCS = Path(__file__).resolve().parents[3] / "docs"
PHONE = "13812345678"


@pytest.fixture
def client(app_factory: Callable[..., FastAPI], sqlite_url: str) -> Iterator[TestClient]:
    with TestClient(app_factory(sqlite_url)) as test_client:
        yield test_client


def login(client: TestClient, token: str = DEV_OPERATOR_TOKEN) -> None:
    response = client.post("/console/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console/"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def new_ticket(client: TestClient, **fields: str) -> str:
    response = file_request(client, **fields)
    assert response.status_code == 201, response.text
    request_id: str = response.json()[0]["service_request_id"]
    return request_id


def make_overdue(app: FastAPI, request_id: str) -> None:
    """Move the resolution deadline two hours into the past (the API cannot file old tickets)."""
    past = datetime.now(timezone.utc) - timedelta(hours=2)
    with app.state.backend.db.write() as session, session.begin():
        session.execute(update(Ticket).where(Ticket.service_request_id == request_id).values(resolution_due=past))


def post_update(client: TestClient, request_id: str, **fields: str) -> "httpx.Response":
    return client.post(f"/console/tickets/{request_id}/updates", data=fields, follow_redirects=False)


def test_pages_redirect_to_login_without_a_session(client: TestClient) -> None:
    request_id = new_ticket(client)
    for response in (client.get("/console/", follow_redirects=False),
                     client.get(f"/console/tickets/{request_id}", follow_redirects=False),
                     post_update(client, request_id, status="accepted", note="x")):
        assert response.status_code == 303
        assert response.headers["location"] == "/console/login"
    forged = client.get("/console/", headers={"Cookie": "hotline_console=forged-token"}, follow_redirects=False)
    assert forged.status_code == 303


def test_login_sets_a_strict_httponly_cookie_and_logout_clears_it(client: TestClient) -> None:
    assert "<form" in client.get("/console/login").text
    response = client.post("/console/login", data={"token": DEV_OPERATOR_TOKEN}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "hotline_console=" in cookie and "HttpOnly" in cookie and "Path=/console" in cookie
    assert "samesite=strict" in cookie.lower()
    page = client.get("/console/")
    assert page.status_code == 200 and DEV_OPERATOR_TOKEN not in page.text
    assert client.post("/console/logout", data={}, follow_redirects=False).status_code == 403
    out = client.post("/console/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert client.get("/console/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("token", ["wrong-token", "", DEV_SERVICE_KEY])
def test_a_bad_token_gets_the_login_page_again_with_401(client: TestClient, token: str) -> None:
    response = client.post("/console/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 401
    assert "令牌无效或已停用" in response.text and 'name="token"' in response.text
    assert "set-cookie" not in response.headers


def test_queue_lists_filters_and_pages(client: TestClient) -> None:
    first = new_ticket(client)
    second = new_ticket(client, description="工体北路施工噪音扰民，夜里十二点还在施工")
    login(client)
    html = client.get("/console/").text
    assert first in html and second in html and "共 2 件工单" in html
    assert "朝阳区" in html and "三里屯街道" in html and "待受理" in html
    searched = client.get("/console/", params={"q": "噪音"}).text
    assert second in searched and first not in searched
    assert first not in client.get("/console/", params={"status": "closed"}).text
    assert first in client.get("/console/", params={"district": "110105", "status": "bogus", "page": "x"}).text
    assert first not in client.get("/console/", params={"district": "110101"}).text
    assert "第 1 / 1 页" in html


def test_overdue_tickets_are_highlighted(client: TestClient) -> None:
    late, on_time = new_ticket(client), new_ticket(client)
    make_overdue(client.app, late)  # type: ignore[arg-type]
    login(client)
    rows = re.findall(r'<tr class="([^"]*)">\s*<td class="mono"><a href="/console/tickets/(\d+)"',
                      client.get("/console/").text)
    assert dict((rid, cls) for cls, rid in rows) == {late: "overdue", on_time: ""}
    assert "已超期" in client.get(f"/console/tickets/{late}").text
    assert "已超期" not in client.get(f"/console/tickets/{on_time}").text


def test_ticket_page_shows_routing_contact_and_update_form(client: TestClient) -> None:
    request_id = new_ticket(client, description=f"路灯坏了，请回电 {PHONE}", phone="010-6512 3456")
    login(client)
    html = client.get(f"/console/tickets/{request_id}").text
    category = plain_leaf(taxonomy_of(client))
    assert category.name["zh"] in html and PHONE in html and "010-6512 3456" in html
    assert "更新工单" in html and 'name="status"' in html
    assert '<option value="in_progress">办理中</option>' in html
    assert '<option value="reopened">' not in html  # not allowed from "open"


def test_analyst_sees_redacted_text_and_no_update_form(client: TestClient) -> None:
    request_id = new_ticket(client, description=f"路灯坏了，请回电 {PHONE}", phone="010-6512 3456")
    backend = client.app.state.backend  # type: ignore[attr-defined]
    login(client, add_staff(backend.db, name="ana", role=Role.ANALYST))
    html = client.get(f"/console/tickets/{request_id}").text
    assert "路灯坏了" in html and "[phone]" in html
    assert PHONE not in html and "6512" not in html
    assert "已按您的角色隐去个人信息" in html and 'name="status"' not in html
    assert PHONE not in client.get("/console/").text
    refused = post_update(client, request_id, csrf=csrf_of(html), status="accepted", note="")
    assert refused.status_code == 403


def test_an_analysts_queue_search_finds_nothing_by_personal_data(client: TestClient) -> None:
    """Issue 13: the console's search, like /api's, looks only at de-identified text for analysts."""
    request_id = new_ticket(client, description=f"路灯坏了，请回电 {PHONE}")
    backend = client.app.state.backend  # type: ignore[attr-defined]
    login(client, add_staff(backend.db, name="ana-search", role=Role.ANALYST))
    assert request_id not in client.get("/console/", params={"q": PHONE}).text
    assert request_id in client.get("/console/", params={"q": "路灯坏了"}).text
    login(client)
    assert request_id in client.get("/console/", params={"q": PHONE}).text  # operators still find it


def test_an_update_needs_the_csrf_token(client: TestClient) -> None:
    request_id = new_ticket(client)
    login(client)
    assert post_update(client, request_id, status="accepted", note="无令牌").status_code == 403
    assert post_update(client, request_id, csrf="0" * 64, status="accepted", note="错令牌").status_code == 403
    html = client.get(f"/console/tickets/{request_id}").text
    assert "无令牌" not in html and "错令牌" not in html


def test_a_status_update_through_the_form_shows_in_the_timeline(client: TestClient) -> None:
    request_id = new_ticket(client)
    login(client)
    csrf = csrf_of(client.get(f"/console/tickets/{request_id}").text)
    response = post_update(client, request_id, csrf=csrf, status="in_progress", note="已派单今日处理<b>",
                           note_language="zh")
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/tickets/{request_id}?saved=1"
    html = client.get(response.headers["location"]).text
    assert "工单已更新" in html and "已派单今日处理&lt;b&gt;" in html and "admin:admin" in html
    assert html.count("办理中") >= 2  # the header badge and the timeline row
    api = client.get(f"/api/tickets/{request_id}", headers={"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"})
    assert api.json()["detailed_status"] == "in_progress"


def test_a_disallowed_transition_or_bad_field_shows_an_error(client: TestClient) -> None:
    request_id = new_ticket(client)
    login(client)
    csrf = csrf_of(client.get(f"/console/tickets/{request_id}").text)
    moved = post_update(client, request_id, csrf=csrf, status="reopened", note="试试", note_language="zh")
    assert moved.status_code == 409 and "当前状态不允许变更为“重新办理”" in moved.text
    assert "试试" in moved.text  # the form keeps what was typed
    assert post_update(client, request_id, csrf=csrf, status="done", note="", note_language="zh").status_code == 422
    assert post_update(client, request_id, csrf=csrf, status="", note="", note_language="zh").status_code == 400
    too_long = post_update(client, request_id, csrf=csrf, status="", note="长" * 4001, note_language="zh")
    assert too_long.status_code == 422 and "备注无效或过长" in too_long.text
    missing = post_update(client, "20990101000000", csrf=csrf, status="accepted", note="", note_language="zh")
    assert missing.status_code == 404
    english = client.post(f"/console/tickets/{request_id}/updates?lang=en", follow_redirects=False,
                          data={"csrf": csrf, "status": "reopened", "note": "", "note_language": "en"})
    assert english.status_code == 409 and "cannot move to “Reopened”" in english.text


def test_labels_render_in_chinese_and_english(client: TestClient) -> None:
    request_id = new_ticket(client)
    login(client)
    zh = client.get("/console/").text
    assert "工单队列" in zh and "承办部门" in zh and 'lang="zh-CN"' in zh and "?lang=en" in zh
    en = client.get("/console/?lang=en")
    assert "Ticket queue" in en.text and "Department" in en.text and "Chaoyang District" in en.text
    assert "hotline_console_lang=en" in en.headers["set-cookie"]
    detail = client.get(f"/console/tickets/{request_id}").text  # the cookie keeps English
    assert plain_leaf(taxonomy_of(client)).name["en"] in detail and "Update ticket" in detail
    assert "Sanlitun Subdistrict" in detail and "工单队列" not in detail
    assert "工单队列" in client.get("/console/?lang=zh").text


# --- A real browser against a real server -----------------------------------------------------------

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
APPEALS = [
    "工体北路的路灯已经坏了一个星期，晚上走路很黑，希望尽快修理。",
    "三里屯附近有商户占道经营，人行道堵得走不过去。",
    "小区门口的井盖松动，车辆经过时响声很大，担心有安全隐患。",
]


def fitting_leaf(app: FastAPI, text: str) -> Category:
    """The suggester's best non-urgent category for ``text``."""
    backend = app.state.backend
    fitting = [s.category for s in backend.suggester.suggest(text, "zh", limit=5) if not s.category.urgent]
    return fitting[0] if fitting else plain_leaf(backend.taxonomy)


def required_answers(category: Category) -> dict[str, str]:
    """Form fields answering the category's required questions (the first choice of each list)."""
    return {f"attribute[{a.code}]": a.values[0].key if a.values else "1" for a in category.attributes if a.required}


def chromium_or_skip() -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no `chromium` binary on PATH (Debian package chromium)")
    return chromium


@pytest.mark.integration
@pytest.mark.browser
def test_console_in_chromium(live_server: tuple[str, FastAPI]) -> None:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    base, app = live_server
    ids = []
    for text in APPEALS:
        leaf = fitting_leaf(app, text)
        response = httpx.post(f"{base}/open311/v2/requests.json", data={
            "api_key": DEV_API_KEY, "service_code": leaf.code, "description": text,
            "address_string": "北京市朝阳区三里屯街道工体北路", **required_answers(leaf)})
        assert response.status_code == 201, response.text
        ids.append(response.json()[0]["service_request_id"])
    make_overdue(app, ids[0])
    DOCS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            page.goto(f"{base}/console/")
            assert page.url.endswith("/console/login")
            page.fill("#token", DEV_OPERATOR_TOKEN)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/console/")
            assert page.locator("table.tickets tbody tr").count() == 3
            assert "工单队列" in page.inner_text("h1")
            page.screenshot(path=str(DOCS / "console-queue-zh.png"), full_page=True)

            page.click(f"text={ids[0]}")
            page.wait_for_url(f"**/console/tickets/{ids[0]}")
            page.select_option("#status", "in_progress")
            page.fill("#note", "已派发朝阳区城管执法局，今日内到场处置。")
            page.click("form.stack button[type=submit]")
            page.wait_for_url(f"**/console/tickets/{ids[0]}?saved=1")
            timeline = page.inner_text("#timeline")
            assert "已派发朝阳区城管执法局" in timeline and "办理中" in timeline
            page.screenshot(path=str(DOCS / "console-ticket-zh.png"), full_page=True)

            page.click("a.lang-switch")
            page.wait_for_url("**lang=en")
            assert "Ticket" in page.inner_text("h1") and "In progress" in page.inner_text("#timeline")
            page.click("text=Back to queue")
            page.wait_for_url(f"{base}/console/")
            assert "Ticket queue" in page.inner_text("h1") and "In progress" in page.inner_text("table.tickets")
            page.screenshot(path=str(DOCS / "console-queue-en.png"), full_page=True)
        finally:
            browser.close()
