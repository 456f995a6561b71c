"""The supervisor's escalation page and a unit's "due soon" view, on SQLite and PostgreSQL: who may see them,
order (urgent first, oldest deadline first), which deadline is overdue and by how long, the unit filter, paging,
zh and en."""

import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from fastapi.testclient import TestClient

from hotline.console import escalation_pages
from hotline.dispatch.escalation import EscalationSweep
from hotline.domain.models import Role
from tests.hotline.console.members import CITY_MANAGEMENT, HOUSING, SANLITUN_OFFICE, backend_of, filed, member
from tests.hotline.console.test_unit_pages import row_ids, set_times

ESCALATIONS = "/console/escalations"
CM_QUEUE = f"/console/units/{CITY_MANAGEMENT}"


def late(client: TestClient, service_request_id: str, *, response_hours: float,
         resolution_hours: float | None = None) -> None:
    """Deadlines ``response_hours`` (and ``resolution_hours``) ago, or ahead when negative; then the sweep runs."""
    now = datetime.now(timezone.utc)
    resolution = now - timedelta(hours=resolution_hours) if resolution_hours is not None else now + timedelta(days=1)
    set_times(client, service_request_id, requested_at=now - timedelta(days=9),
              response_due=now - timedelta(hours=response_hours), resolution_due=resolution, next_escalation_at=now)
    EscalationSweep(backend_of(client).db, clock=lambda: now + timedelta(seconds=1)).sweep()


def test_only_supervisors_and_admins_see_escalations(client: TestClient) -> None:
    filed(client, service_code="street_light_out")
    for name, role in (("sup.sun", Role.SUPERVISOR), ("admin", Role.ADMIN)):
        desk = member(client, name, role)
        page = desk.get(ESCALATIONS)
        assert page.status_code == 200 and "超期督办" in page.text and "没有超期工单。" in page.text
        assert 'href="/console/escalations"' in desk.get("/console/").text
    for who in (member(client, "op.wang", Role.OPERATOR), member(client, "zhao.an", Role.ANALYST),
                member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)):
        refused = who.get(ESCALATIONS)
        assert refused.status_code == 403 and "仅值班长和管理员可查看超期督办" in refused.text
        assert 'href="/console/escalations"' not in who.get(who.home).text
    signed_out = TestClient(client.app).get(ESCALATIONS, follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/console/login"


def test_overdue_tickets_urgent_first_then_oldest_deadline_with_how_late(client: TestClient) -> None:
    older = filed(client, service_code="street_light_out")
    newer = filed(client, service_code="street_light_out")
    urgent = filed(client, service_code="roof_icicles")
    leak = filed(client, service_code="leak_from_upstairs")  # the Sanlitun office's
    on_time = filed(client, service_code="street_light_out")
    late(client, older, response_hours=50, resolution_hours=3)
    late(client, newer, response_hours=2.5)
    late(client, urgent, response_hours=1)
    late(client, leak, response_hours=30)
    supervisor = member(client, "sup.sun", Role.SUPERVISOR)
    html = supervisor.get(ESCALATIONS).text
    assert row_ids(html) == [urgent, older, newer, leak] and on_time not in html
    assert "共 4 件超期工单" in html
    rows = dict(zip(row_ids(html), re.split(r'<tr class="[^"]*" id="row-\d+">', html)[1:], strict=True))
    assert "响应时限超期 2 天 2 小时" in rows[older] and "办结时限超期 3 小时 0 分" in rows[older]
    assert "响应时限超期 2 小时 30 分" in rows[newer] and "办结时限超期" not in rows[newer]
    assert "北京市城市管理委员会" in rows[urgent] and "紧急" in rows[urgent] and "冰" in rows[urgent]
    assert "三里屯街道" in rows[leak]
    english = unescape(supervisor.get(ESCALATIONS, lang="en").text)
    assert "Response deadline overdue by 2 d 2 h" in english and "Resolution deadline overdue by 3 h 0 min" in english
    assert "4 overdue tickets" in english and "All units" in english

    only_cm = supervisor.get(ESCALATIONS, unit=CITY_MANAGEMENT).text
    assert row_ids(only_cm) == [urgent, older, newer]
    assert f'<option value="{CITY_MANAGEMENT}" selected>' in only_cm
    assert row_ids(supervisor.get(ESCALATIONS, unit=SANLITUN_OFFICE).text) == [leak]
    assert row_ids(supervisor.get(ESCALATIONS, unit=HOUSING).text) == []
    assert row_ids(supervisor.get(ESCALATIONS, unit="dept:nope").text) == [urgent, older, newer, leak]


def test_escalations_page(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(escalation_pages, "PAGE_SIZE", 2)
    lights = [filed(client, service_code="street_light_out") for _ in range(3)]
    for hours, light in zip((30, 20, 10), lights, strict=True):
        late(client, light, response_hours=hours, resolution_hours=hours)
    admin = member(client, "admin", Role.ADMIN)
    first = admin.get(ESCALATIONS, unit=CITY_MANAGEMENT).text
    assert row_ids(first) == lights[:2] and "第 1 / 2 页" in first
    assert f'href="{ESCALATIONS}?unit=dept%3Acity_management_commission&amp;page=2"' in first
    assert row_ids(admin.get(ESCALATIONS, unit=CITY_MANAGEMENT, page="2").text) == lights[2:]
    assert row_ids(admin.get(ESCALATIONS, page="99").text) == []


def test_a_unit_s_due_soon_view(client: TestClient) -> None:
    overdue = filed(client, service_code="street_light_out")
    soon = filed(client, service_code="street_light_out")
    calm = filed(client, service_code="street_light_out")
    late(client, overdue, response_hours=1)
    now = datetime.now(timezone.utc)
    set_times(client, soon, requested_at=now - timedelta(days=4), response_due=now + timedelta(hours=2),
              resolution_due=now + timedelta(days=5), next_escalation_at=now)  # response in its last fifth
    EscalationSweep(backend_of(client).db, clock=lambda: now + timedelta(seconds=1)).sweep()
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    everything = handler.get(CM_QUEUE).text
    assert set(row_ids(everything)) == {overdue, soon, calm}
    assert f'href="{CM_QUEUE}?view=due_soon"' in everything and 'aria-current="page">全部未办结' in everything
    due = handler.get(CM_QUEUE, view="due_soon").text
    assert row_ids(due) == [overdue, soon] and "共 2 件即将到期或已超期" in due
    assert 'aria-current="page">即将到期 / 已超期' in due
    assert handler.get(f"/console/units/{HOUSING}", view="due_soon").status_code == 403
    supervisor = member(client, "sup.sun", Role.SUPERVISOR)
    empty = supervisor.get(f"/console/units/{HOUSING}", view="due_soon").text
    assert "本单位暂无即将到期或已超期的工单。" in empty
    assert "Due soon / overdue" in supervisor.get(CM_QUEUE, view="due_soon", lang="en").text
