"""The dispatch loop in real Chromium against a real server, in Chinese and in English: a handler accepts one
ticket from their unit's queue and returns another with a reason; an operator finds it under "to dispatch" and
re-dispatches it to another category; the new unit's handler sees it and accepts it. Takes the docs' screenshots."""

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from hotline.config import DEV_API_KEY, DEV_OPERATOR_TOKEN
from hotline.domain.models import Ticket
from tests.doubles.samples import required_answers
from tests.hotline.console.members import CITY_MANAGEMENT, HOUSING
from tests.hotline.console.test_routes import BROWSER_ARGS, DOCS, chromium_or_skip

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ADMIN = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}
PLACE = "北京市朝阳区三里屯街道工体北路"
APPEALS = [  # (service code, text)
    ("street_light_out", "工体北路的路灯已经坏了一个星期，晚上走路很黑，希望尽快修理。"),
    ("street_light_out", "三里屯路口的路灯不亮，小区里的路灯也坏了好几盏。"),
    ("roof_icicles", "楼顶挂着很长的冰溜子，下面就是人行道，非常危险。"),
    ("street_light_out", "幸福村中路路灯夜里一直闪烁，已经反映过一次。"),
]
TEXT = {
    "zh": {"locale": "zh-CN", "accepted": "已接收工单", "returned": "已退回工单", "redispatched": "已改派",
           "not_ours": "不属于本单位职责", "dispatch": "待派单工单", "note": "这是小区内部的路灯，归物业管理。",
           "reason": "小区内部设施，转住建委处理。", "change": "路灯不亮 → 物业服务不到位",
           "housing": "北京市住房和城乡建设委员会", "urgent": "紧急", "soon": "即将到期", "overdue": "已超期"},
    "en": {"locale": "en-GB", "accepted": "The ticket is accepted", "returned": "The ticket is returned",
           "redispatched": "The ticket is re-dispatched", "not_ours": "Not our responsibility",
           "dispatch": "Tickets to dispatch", "note": "These lights are inside the estate: the property manager's.",
           "reason": "Estate facilities: the housing commission's.",
           "change": "Street lights out → Poor property management service",
           "housing": "Beijing Municipal Commission of Housing and Urban-Rural Development", "urgent": "Urgent",
           "soon": "Due soon", "overdue": "Overdue"},
}
SHOTS = {"zh": {"queue": "console-unit-queue-zh.png", "dispatch": "console-dispatch-zh.png"},
         "en": {"queue": "console-unit-queue-en.png", "ticket": "console-ticket-dispatch-en.png"}}


def file_appeals(base: str) -> list[str]:
    from bot.taxonomy import load_taxonomy
    from hotline.config import Settings

    taxonomy = load_taxonomy(Settings().data_dir / "taxonomy.json")
    ids = []
    for code, text in APPEALS:
        response = httpx.post(f"{base}/open311/v2/requests.json", data={
            "api_key": DEV_API_KEY, "service_code": code, "description": text, "address_string": PLACE,
            **required_answers(taxonomy.categories[code])})
        assert response.status_code == 201, response.text
        ids.append(response.json()[0]["service_request_id"])
    never_placed = httpx.post(f"{base}/open311/v2/requests.json", data={
        "api_key": DEV_API_KEY, "service_code": "leak_from_upstairs", "description": "楼上卫生间漏水，天花板一直滴水。",
        "address_string": "我家楼上"})
    assert never_placed.status_code == 201, never_placed.text
    return ids


def make_late(app: FastAPI, service_request_id: str) -> None:
    """Response deadline passed, resolution deadline in its last fifth: "overdue" and "due soon" in the queue."""
    now = datetime.now(timezone.utc)
    with app.state.backend.db.write() as session, session.begin():
        session.execute(update(Ticket).where(Ticket.service_request_id == service_request_id).values(
            requested_at=now - timedelta(days=9), response_due=now - timedelta(days=8),
            resolution_due=now + timedelta(days=1)))


def staff_token(base: str, name: str, role: str, unit: str | None = None) -> str:
    response = httpx.post(f"{base}/api/staff", json={"name": name, "role": role, "unit": unit}, headers=ADMIN)
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


def signed_in(browser: "Browser", base: str, token: str, lang: str, lands_on: str) -> "Page":
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=TEXT[lang]["locale"])
    page = context.new_page()
    page.goto(f"{base}/console/login?lang={lang}")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{lands_on}")
    return page


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_dispatch_loop_in_chromium(live_server: tuple[str, FastAPI], lang: str) -> None:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    base, app = live_server
    text, shots = TEXT[lang], SHOTS[lang]
    first, second, urgent, late = file_appeals(base)
    make_late(app, late)
    cm_token = staff_token(base, "cm.liu", "handler", CITY_MANAGEMENT)
    hc_token = staff_token(base, "hc.chen", "handler", HOUSING)
    op_token = staff_token(base, "op.wang", "operator")
    DOCS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            # The city management commission's handler: their queue, accept one, return another.
            handler = signed_in(browser, base, cm_token, lang, f"/console/units/{CITY_MANAGEMENT}")
            rows = handler.locator("#unit-queue tbody tr")
            assert rows.count() == 4 and rows.first.get_attribute("id") == f"row-{urgent}"
            assert text["urgent"] in handler.inner_text(f"#row-{urgent}")
            assert text["soon"] in handler.inner_text(f"#row-{late}") and text["overdue"] in handler.inner_text(
                f"#row-{late}")
            if "queue" in shots:
                handler.screenshot(path=str(DOCS / shots["queue"]), full_page=True)
            handler.click(f"#row-{first} a")
            handler.wait_for_url(f"**/console/tickets/{first}")
            handler.click("#accept")
            handler.wait_for_url(f"**/console/tickets/{first}?done=accepted")
            assert text["accepted"] in handler.inner_text("#done")
            handler.click("p.crumbs a")
            handler.wait_for_url(f"{base}/console/units/{CITY_MANAGEMENT}")
            handler.click(f"#row-{second} a")
            handler.wait_for_url(f"**/console/tickets/{second}")
            handler.select_option("#return-reason", "not_ours")
            handler.fill("#return-note", text["note"])
            handler.click("#return")
            handler.wait_for_url(f"**/console/tickets/{second}?done=returned")
            assert text["returned"] in handler.inner_text("#done")
            assert handler.locator("#return-form").count() == 0

            # An operator: "to dispatch", then re-dispatch to another category.
            operator = signed_in(browser, base, op_token, lang, "/console/")
            operator.click("a[href='/console/dispatch']")
            operator.wait_for_url(f"{base}/console/dispatch")
            assert text["dispatch"] in operator.inner_text("h1")
            returned = operator.inner_text(f"#row-{second}")
            assert text["not_ours"] in returned and text["note"] in returned
            if "dispatch" in shots:
                operator.screenshot(path=str(DOCS / shots["dispatch"]), full_page=True)
            operator.click(f"#row-{second} a")
            operator.wait_for_url(f"**/console/tickets/{second}")
            operator.select_option("#redispatch-category", "poor_property_service")
            operator.fill("#redispatch-reason", text["reason"])
            operator.click("#redispatch")
            operator.wait_for_url(f"**/console/tickets/{second}?done=redispatched")
            assert text["redispatched"] in operator.inner_text("#done")
            assert text["change"] in operator.inner_text("#trail") and text["reason"] in operator.inner_text("#trail")
            assert text["housing"] in operator.inner_text("#lead-unit")
            if "ticket" in shots:
                operator.screenshot(path=str(DOCS / shots["ticket"]), full_page=True)

            # The housing commission's handler now has it.
            housing = signed_in(browser, base, hc_token, lang, f"/console/units/{HOUSING}")
            assert housing.locator("#unit-queue tbody tr").count() == 1
            housing.click(f"#row-{second} a")
            housing.wait_for_url(f"**/console/tickets/{second}")
            housing.click("#accept")
            housing.wait_for_url(f"**/console/tickets/{second}?done=accepted")
            assert text["accepted"] in housing.inner_text("#done")
            housing.goto(f"{base}/console/dispatch")
            assert housing.locator("main h1").count() == 1 and housing.locator("#dispatch-queue").count() == 0
        finally:
            browser.close()
