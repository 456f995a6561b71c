"""Duplicates and escalations in real Chromium against a real server, in Chinese and in English: an operator opens
a "me too" ticket about the same lift, sees the first report suggested (and not another building's lift), links
it and sees "Duplicate of ..."; a supervisor reads the overdue tickets, filters them by unit. Takes the docs'
screenshots."""

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from hotline.config import DEV_API_KEY
from hotline.dispatch.escalation import EscalationSweep
from hotline.domain.models import Ticket
from tests.doubles.samples import required_answers
from tests.hotline.console.members import CITY_MANAGEMENT
from tests.hotline.console.test_dispatch_chromium import signed_in, staff_token
from tests.hotline.console.test_routes import BROWSER_ARGS, DOCS, chromium_or_skip

ESTATE = "北京市朝阳区三里屯街道幸福村小区"
ROAD = "北京市朝阳区三里屯街道工体北路"
LIFTS = ("幸福村小区3号楼电梯坏了三天了，老人上不了楼", "幸福村小区7号楼电梯坏了三天了，老人上不了楼",
         "3号楼的电梯还是停着，一直没人修")
TEXT = {
    "zh": {"panel": "可能重复的工单", "reason": "同一部电梯，居民再次来电。", "linked": "已关联为重复件",
           "duplicate_of": "本工单为重复件，主工单：", "escalations": "超期督办", "response": "响应时限超期",
           "resolution": "办结时限超期", "urgent": "紧急"},
    "en": {"panel": "Possible duplicates", "reason": "The same lift: the resident called again.",
           "linked": "The ticket is linked as a duplicate", "duplicate_of": "Duplicate of",
           "escalations": "Escalations", "response": "Response deadline overdue by",
           "resolution": "Resolution deadline overdue by", "urgent": "Urgent"},
}
SHOTS = {"zh": {"duplicates": "console-duplicates-zh.png"}, "en": {"escalations": "console-escalations-en.png"}}


def file(base: str, service_code: str, text: str, place: str) -> str:
    from bot.taxonomy import load_taxonomy
    from hotline.config import Settings

    taxonomy = load_taxonomy(Settings().data_dir / "taxonomy.json")
    response = httpx.post(f"{base}/open311/v2/requests.json", data={
        "api_key": DEV_API_KEY, "service_code": service_code, "description": text, "address_string": place,
        **required_answers(taxonomy.categories[service_code])})
    assert response.status_code == 201, response.text
    service_request_id: str = response.json()[0]["service_request_id"]
    return service_request_id


def make_overdue(app: FastAPI, service_request_id: str, *, hours: float) -> None:
    """Both deadlines passed ``hours`` ago (the response one a day before), then the escalation sweep runs."""
    now = datetime.now(timezone.utc)
    with app.state.backend.db.write() as session, session.begin():
        session.execute(update(Ticket).where(Ticket.service_request_id == service_request_id).values(
            requested_at=now - timedelta(days=9), response_due=now - timedelta(hours=hours + 24),
            resolution_due=now - timedelta(hours=hours), next_escalation_at=now))
    EscalationSweep(app.state.backend.db, clock=lambda: now + timedelta(seconds=1)).sweep()


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_operator_links_a_me_too_ticket_in_chromium(live_server: tuple[str, FastAPI], lang: str) -> None:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    base, _ = live_server
    text, shots = TEXT[lang], SHOTS[lang]
    first, other, me_too = (file(base, "elevator_broken", appeal, ESTATE) for appeal in LIFTS)
    op_token = staff_token(base, "op.wang", "operator")
    DOCS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            operator = signed_in(browser, base, op_token, lang, "/console/")
            operator.goto(f"{base}/console/tickets/{me_too}")
            assert text["panel"] in operator.inner_text("#duplicates-panel h2")
            assert operator.locator(f"#dup-{first}").count() == 1 and operator.locator(f"#dup-{other}").count() == 0
            if "duplicates" in shots:
                operator.screenshot(path=str(DOCS / shots["duplicates"]), full_page=True)
            operator.fill(f"#link-reason-{first}", text["reason"])
            operator.click(f"#link-{first}")
            operator.wait_for_url(f"**/console/tickets/{me_too}?done=linked")
            assert text["linked"] in operator.inner_text("#done")
            banner = operator.inner_text("#duplicate-of")
            assert text["duplicate_of"] in banner and first in banner
            assert operator.locator("#duplicates-panel").count() == 0
            assert text["reason"] in operator.inner_text("#trail")
            operator.click("#duplicate-of a")
            operator.wait_for_url(f"**/console/tickets/{first}")
            assert me_too in operator.inner_text("#trail")
        finally:
            browser.close()


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_supervisor_reads_the_escalations_in_chromium(live_server: tuple[str, FastAPI], lang: str) -> None:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    base, app = live_server
    text, shots = TEXT[lang], SHOTS[lang]
    light = file(base, "street_light_out", "工体北路的路灯已经坏了一个星期，晚上走路很黑。", ROAD)
    icicles = file(base, "roof_icicles", "楼顶挂着很长的冰溜子，下面就是人行道，非常危险。", ROAD)
    leak = file(base, "leak_from_upstairs", "楼上卫生间漏水，天花板一直滴水。", ESTATE)
    for ticket, hours in ((light, 50), (icicles, 3), (leak, 26)):
        make_overdue(app, ticket, hours=hours)
    sup_token = staff_token(base, "sup.sun", "supervisor")
    DOCS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            supervisor = signed_in(browser, base, sup_token, lang, "/console/")
            supervisor.click("a[href='/console/escalations']")
            supervisor.wait_for_url(f"{base}/console/escalations")
            assert text["escalations"] in supervisor.inner_text("h1")
            rows = supervisor.locator("#escalations tbody tr")
            assert [rows.nth(i).get_attribute("id") for i in range(rows.count())] == [
                f"row-{icicles}", f"row-{light}", f"row-{leak}"]
            assert text["urgent"] in supervisor.inner_text(f"#row-{icicles}")
            late = supervisor.inner_text(f"#row-{light} td.late")
            assert text["response"] in late and text["resolution"] in late
            if "escalations" in shots:
                supervisor.screenshot(path=str(DOCS / shots["escalations"]), full_page=True)
            supervisor.select_option("#escalations-unit", CITY_MANAGEMENT)
            supervisor.click("#escalations-filter button[type=submit]")
            supervisor.wait_for_url("**/console/escalations?unit=*")
            assert supervisor.locator("#escalations tbody tr").count() == 2
            assert supervisor.locator(f"#row-{leak}").count() == 0
        finally:
            browser.close()
