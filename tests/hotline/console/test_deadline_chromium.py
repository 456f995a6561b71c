"""The deadline clock and linked duplicates in real Chromium against a real server. In Chinese and in English: a
handler pauses the clock while the resident is asked, asks for more time and resumes; a supervisor approves the
request from the extensions page and sees the new deadline. In English: an operator links a "me too" ticket, reads
the master's list of its duplicates and a duplicate's page. Takes the docs' screenshots."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI

from hotline.console.i18n import short_time
from hotline.domain.tickets import load_ticket
from hotline.open311.views import w3c
from tests.hotline.console.members import CITY_MANAGEMENT
from tests.hotline.console.test_dispatch_chromium import signed_in, staff_token
from tests.hotline.console.test_duplicates_chromium import ESTATE, LIFTS, ROAD, file
from tests.hotline.console.test_routes import BROWSER_ARGS, DOCS, chromium_or_skip

TEXT = {
    "zh": {"paused": "等待市民答复", "question": "请问是哪一根灯杆？门牌号是多少？", "asked": "延期申请已提交",
           "why": "需要供电公司配合更换电缆，预计还需三个工作日。", "approved": "已批准延期",
           "note": "同意，请抓紧协调。",
           "resumed": "已恢复计时", "answer": "居民回复：东门第三根灯杆。", "running": "正常计时中",
           "extensions": "待审批的延期申请", "decided": "延期审批"},
    "en": {"paused": "Waiting for the resident", "question": "Which lamp post is it? What is the door number?",
           "asked": "The request is sent", "why": "The power company must replace a cable: three more working days.",
           "approved": "The extension is approved", "note": "Agreed; please hurry them up.",
           "resumed": "The clock runs again", "answer": "The resident answered: the third post at the east gate.",
           "running": "The clock is running", "extensions": "Extension requests", "decided": "Extension decided"},
}
SHOTS = {"zh": {"clock": "console-deadline-clock-zh.png"}, "en": {"linked": "console-linked-duplicates-en.png"}}

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@contextmanager
def chromium() -> Iterator["Browser"]:
    """Chromium through Playwright (the test skips without the binary); the docs folder ready for screenshots."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    DOCS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def due_shown(app: FastAPI, service_request_id: str) -> str:
    """The ticket's resolution deadline as the console shows it."""
    with app.state.backend.db.read() as session:
        return short_time(w3c(load_ticket(session, service_request_id).resolution_due))


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_deadline_clock_in_chromium(live_server: tuple[str, FastAPI], lang: str) -> None:
    base, app = live_server
    text, shots = TEXT[lang], SHOTS[lang]
    light = file(base, "street_light_out", "工体北路的路灯已经坏了一个星期，晚上走路很黑。", ROAD)
    cm_token = staff_token(base, "cm.liu", "handler", CITY_MANAGEMENT)
    sup_token = staff_token(base, "sup.sun", "supervisor")
    with chromium() as browser:
        # The lead unit's handler: pause while the resident is asked, then ask for more time.
        handler = signed_in(browser, base, cm_token, lang, f"/console/units/{CITY_MANAGEMENT}")
        handler.click(f"#row-{light} a")
        handler.wait_for_url(f"**/console/tickets/{light}")
        assert text["running"] in handler.inner_text("#clock-panel")
        handler.fill("#pause-reason", text["question"])
        handler.click("#pause")
        handler.wait_for_url(f"**/console/tickets/{light}?done=paused")
        assert text["paused"] in handler.inner_text("#paused-since")
        assert handler.locator("#pause-form").count() == 0 and text["question"] in handler.inner_text("#trail")
        handler.select_option("#ask-deadline", "resolution")
        handler.fill("#ask-amount", "3")
        handler.select_option("#ask-unit", "working_days")
        handler.fill("#ask-reason", text["why"])
        handler.click("#ask")
        handler.wait_for_url(f"**/console/tickets/{light}?done=asked")
        assert text["asked"] in handler.inner_text("#done") and text["why"] in handler.inner_text(
            "#pending-extension")

        # A supervisor: the ticket page with the clock paused and the request waiting, then the extensions page.
        [(request, _)] = app.state.backend.deadline_clock.waiting_requests(limit=10, offset=0)
        supervisor = signed_in(browser, base, sup_token, lang, "/console/")
        supervisor.click("a[href='/console/extensions']")
        supervisor.wait_for_url(f"{base}/console/extensions")
        assert text["extensions"] in supervisor.inner_text("h1")
        assert text["why"] in supervisor.inner_text(f"#ext-{request.id}")
        supervisor.click(f"#ext-{request.id} td.mono a")
        supervisor.wait_for_url(f"**/console/tickets/{light}")
        before = supervisor.inner_text("#resolution-due")
        assert before == due_shown(app, light) and text["paused"] in supervisor.inner_text("#paused-since")
        if "clock" in shots:
            supervisor.screenshot(path=str(DOCS / shots["clock"]), full_page=True)
        supervisor.go_back()
        supervisor.wait_for_url(f"{base}/console/extensions")
        supervisor.fill(f"#decision-note-{request.id}", text["note"])
        supervisor.click(f"#approve-{request.id}")
        supervisor.wait_for_url(f"**/console/tickets/{light}?done=approved")
        assert text["approved"] in supervisor.inner_text("#done")
        after = supervisor.inner_text("#resolution-due")
        assert after == due_shown(app, light) and after > before  # the new deadline, later
        trail = supervisor.inner_text("#trail")
        assert text["decided"] in trail and text["note"] in trail and after in trail
        assert supervisor.locator("#pending-extension").count() == 0

        # The handler resumes once the resident answered.
        handler.goto(f"{base}/console/tickets/{light}")
        handler.fill("#resume-reason", text["answer"])
        handler.click("#resume")
        handler.wait_for_url(f"**/console/tickets/{light}?done=resumed")
        assert text["resumed"] in handler.inner_text("#done") and handler.locator("#paused-since").count() == 0
        assert text["running"] in handler.inner_text("#clock-panel")
        assert handler.locator("#pause-form").count() == 1 and text["answer"] in handler.inner_text("#trail")


@pytest.mark.integration
@pytest.mark.browser
def test_a_master_lists_its_linked_duplicates_in_chromium(live_server: tuple[str, FastAPI]) -> None:
    base, app = live_server
    first, _, me_too = (file(base, "elevator_broken", appeal, ESTATE) for appeal in LIFTS)
    again = file(base, "elevator_broken", "3号楼电梯今天还是不动，楼里老人下不了楼。", ESTATE)
    app.state.backend.linker.link(again, master=first, actor="operator:op.li", reason="Same lift, called again.")
    op_token = staff_token(base, "op.wang", "operator")
    with chromium() as browser:
        operator = signed_in(browser, base, op_token, "en", "/console/")
        operator.goto(f"{base}/console/tickets/{me_too}")
        assert operator.locator("#dispatch-panel").count() == 1
        operator.fill(f"#link-reason-{first}", "The same lift: the resident called again.")
        operator.click(f"#link-{first}")
        operator.wait_for_url(f"**/console/tickets/{me_too}?done=linked")
        assert operator.inner_text("#duplicate-of") == f"Duplicate of {first}: follows its status."
        assert operator.locator("#dispatch-panel").count() == 0 and operator.locator("#pause-form").count() == 0

        operator.click("#duplicate-of a")
        operator.wait_for_url(f"**/console/tickets/{first}")
        rows = operator.locator("#linked tbody tr")
        assert [rows.nth(i).get_attribute("id") for i in range(rows.count())] == [
            f"linked-{me_too}", f"linked-{again}"]
        assert "Open" in operator.inner_text(f"#linked-{me_too}")
        operator.select_option("#status", "in_progress")
        operator.fill("#note", "The maintenance company is on site.")
        operator.click("#update-form button[type=submit]")
        operator.wait_for_url(f"**/console/tickets/{first}?saved=1")
        assert operator.inner_text("#linked tbody").count("In progress") == 2  # they follow the master
        operator.screenshot(path=str(DOCS / SHOTS["en"]["linked"]), full_page=True)

        operator.click(f"#linked-{again} a")
        operator.wait_for_url(f"**/console/tickets/{again}")
        assert first in operator.inner_text("#duplicate-of") and operator.locator("#dispatch-panel").count() == 0
