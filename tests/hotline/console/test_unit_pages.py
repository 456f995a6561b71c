"""Unit queues and the call centre's "to dispatch" queue in the console, on SQLite and PostgreSQL: who sees which
queue (a handler only their own unit's, as on /api/), order, deadline marks, paging, zh/en."""

import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from hotline.console import unit_pages
from hotline.domain.models import Role, Ticket
from tests.hotline.console.members import (
    CITY_MANAGEMENT,
    HOUSING,
    PHONE,
    SANLITUN_OFFICE,
    backend_of,
    filed,
    member,
)

CM_QUEUE = f"/console/units/{CITY_MANAGEMENT}"


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" id="row-(\d+)">', html)


def set_times(client: TestClient, service_request_id: str, **values: datetime) -> None:
    with backend_of(client).db.write() as session, session.begin():
        session.execute(update(Ticket).where(Ticket.service_request_id == service_request_id).values(**values))


def test_a_handler_lands_on_their_unit_queue_and_is_refused_everything_else(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out", description=f"路灯坏了，请回电 {PHONE}")
    leak = filed(client, service_code="leak_from_upstairs")  # the Sanlitun office's
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    assert handler.home == CM_QUEUE

    queue = handler.get(CM_QUEUE)
    assert queue.status_code == 200
    assert row_ids(queue.text) == [light] and "北京市城市管理委员会" in queue.text
    assert "主办" in queue.text and "待接收" in queue.text and "共 1 件未办结工单" in queue.text
    assert PHONE not in queue.text and "[phone]" in queue.text  # queue lines are de-identified
    assert "本单位队列" in queue.text and 'href="/console/dispatch"' not in queue.text
    assert 'href="/console/"' not in queue.text and 'id="unit-picker"' not in queue.text

    assert handler.get("/console/").status_code == 403
    assert "您只能查看本单位的队列和工单" in handler.get("/console/").text
    assert handler.get("/console/dispatch").status_code == 403
    assert handler.get(f"/console/units/{SANLITUN_OFFICE}").status_code == 403
    assert handler.get("/console/units/dept:nope").status_code == 404
    assert handler.get("/console/staff").status_code == 403
    to_own = handler.get("/console/units", unit=SANLITUN_OFFICE)
    assert to_own.status_code == 303 and to_own.headers["location"] == CM_QUEUE
    assert handler.get(f"/console/tickets/{leak}").status_code == 404  # another unit's ticket does not exist
    assert handler.get("/console/tickets/20990101000000").status_code == 404
    own = handler.get(f"/console/tickets/{light}")
    assert own.status_code == 200 and PHONE in own.text  # personal data on their unit's ticket page only


def test_the_call_centre_sees_every_unit_with_a_picker(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    leak = filed(client, service_code="leak_from_upstairs")
    for name, role in (("op.wang", Role.OPERATOR), ("sup.sun", Role.SUPERVISOR), ("admin", Role.ADMIN)):
        desk = member(client, name, role)
        assert desk.home == "/console/"
        index = desk.get("/console/units")
        assert index.status_code == 200 and 'id="unit-picker"' in index.text
        assert f'href="{CM_QUEUE}"' in index.text and f'href="/console/units/{SANLITUN_OFFICE}"' in index.text
        assert f'<option value="{HOUSING}">' in index.text and "朝阳区" in index.text  # offices by district
        picked = desk.get("/console/units", unit=SANLITUN_OFFICE)
        assert picked.status_code == 303 and picked.headers["location"] == f"/console/units/{SANLITUN_OFFICE}"
        assert desk.get("/console/units", unit="dept:nope").status_code == 404
        office = desk.get(f"/console/units/{SANLITUN_OFFICE}")
        assert row_ids(office.text) == [leak] and "朝阳区三里屯街道" in office.text
        assert f'<option value="{SANLITUN_OFFICE}" selected>' in office.text
        assert row_ids(desk.get(CM_QUEUE).text) == [light]
        assert row_ids(desk.get(f"/console/units/{HOUSING}").text) == []
        assert "本单位暂无未办结的工单" in desk.get(f"/console/units/{HOUSING}").text
        assert desk.get("/console/units/" + "x" * 500).status_code == 404
        nav = desk.get("/console/").text
        assert 'href="/console/dispatch"' in nav and 'href="/console/units"' in nav


def test_analysts_get_no_unit_or_dispatch_queue(client: TestClient) -> None:
    filed(client, service_code="street_light_out")
    analyst = member(client, "zhao.an", Role.ANALYST)
    for path in ("/console/units", CM_QUEUE, "/console/dispatch"):
        assert analyst.get(path).status_code == 403, path
    assert 'href="/console/dispatch"' not in analyst.get("/console/").text


def test_a_unit_queue_is_urgent_first_then_newest_with_deadline_marks(client: TestClient) -> None:
    older = filed(client, service_code="street_light_out")
    newer = filed(client, service_code="street_light_out")
    urgent = filed(client, service_code="roof_icicles")  # urgent, also the city management commission's
    now = datetime.now(timezone.utc)
    set_times(client, older, requested_at=now - timedelta(days=9), response_due=now - timedelta(days=8),
              resolution_due=now + timedelta(days=1))  # response overdue, resolution in its last 20%
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    html = handler.get(CM_QUEUE).text
    assert row_ids(html) == [urgent, newer, older]
    rows = dict(zip(row_ids(html), re.split(r'<tr class="[^"]*" id="row-\d+">', html)[1:], strict=True))
    assert "prio-urgent" in rows[urgent] and "紧急" in rows[urgent]
    assert 'class="due-overdue"' in rows[older] and "已超期" in rows[older]
    assert 'class="due-due_soon"' in rows[older] and "即将到期" in rows[older]
    assert "已超期" not in rows[newer] and "即将到期" not in rows[newer]
    set_times(client, older, resolution_due=now - timedelta(hours=1))
    assert re.search(rf'<tr class="overdue" id="row-{older}">', handler.get(CM_QUEUE).text)


def test_unit_and_dispatch_queues_page(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unit_pages, "PAGE_SIZE", 2)
    lights = [filed(client, service_code="street_light_out") for _ in range(3)]
    nowhere = [filed(client, service_code="leak_from_upstairs", address_string="我家楼上") for _ in range(3)]
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    first, second = handler.get(CM_QUEUE).text, handler.get(CM_QUEUE, page="2").text
    assert row_ids(first) == lights[:0:-1] and row_ids(second) == lights[:1]
    assert "第 1 / 2 页" in first and f'href="{CM_QUEUE}?page=2"' in first and "第 2 / 2 页" in second
    assert row_ids(handler.get(CM_QUEUE, page="x").text) == lights[:0:-1]
    operator = member(client, "op.wang", Role.OPERATOR)
    assert row_ids(operator.get("/console/dispatch", page="2").text) == nowhere[:1]
    assert row_ids(operator.get("/console/dispatch", page="99").text) == []


def test_the_dispatch_queue_shows_tickets_never_placed_and_returned_ones_with_unit_reason_and_note(
        client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    nowhere = filed(client, service_code="leak_from_upstairs", address_string="我家楼上")
    placed = filed(client, service_code="street_light_out")
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    back = handler.post(f"/console/tickets/{light}/return", return_reason="not_ours", note="小区内部路灯，归物业")
    assert back.status_code == 303
    operator = member(client, "op.wang", Role.OPERATOR)
    html = operator.get("/console/dispatch").text
    assert row_ids(html) == [nowhere, light] and placed not in html
    assert "共 2 件待派单" in html and "未派单" in html and "已退回" in html
    assert "北京市城市管理委员会" in html and "不属于本单位职责" in html and "小区内部路灯，归物业" in html
    english = operator.get("/console/dispatch", lang="en").text
    assert "Tickets to dispatch" in english and "Never dispatched" in english and "Not our responsibility" in english
    assert "Beijing Municipal Commission of Urban Management" in english


def test_unit_queue_labels_in_english(client: TestClient) -> None:
    filed(client, service_code="street_light_out")
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    html = unescape(handler.get(CM_QUEUE, lang="en").text)
    assert "Beijing Municipal Commission of Urban Management" in html and "1 open tickets" in html
    for words in ("Lead", "Waiting", "Response due", "Resolution due", "My unit's queue", "Street lights out"):
        assert words in html, words
    assert "主办" not in html
