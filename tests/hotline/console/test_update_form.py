"""The ticket page's update form and what Open311 shows for an update (``public_state``), on SQLite and PostgreSQL:
the optional select offers what /api/'s UpdateIn takes, the value reaches the timeline row and Open311's
servicerequestupdates; who may post it; CSRF; bad input as a 4xx page that keeps what was typed."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.domain.models import Role, TicketUpdate
from tests.hotline.console.members import CITY_MANAGEMENT, backend_of, filed, member
from tests.hotline.console.test_deadline_pages import ticket_of
from tests.hotline.console.test_dispatch_forms import error_of, ticket_path, trail_actions


def public_states(client: TestClient, service_request_id: str) -> list[str | None]:
    ticket = ticket_of(client, service_request_id)
    with backend_of(client).db.read() as session:
        return list(session.scalars(select(TicketUpdate.public_state).where(TicketUpdate.ticket_id == ticket.id)
                                    .order_by(TicketUpdate.id)).all())


def test_the_update_form_offers_the_public_states_in_both_languages(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    operator = member(client, "op.wang", Role.OPERATOR)
    html = operator.get(ticket_path(light)).text
    for value, words in (("", "按工单状态"), ("ACTION_SCHEDULED", "已安排处理"), ("DUPLICATE", "重复诉求"),
                         ("NOT_RESPONSIBLE", "非本热线职责")):
        assert f'<option value="{value}">{words}</option>' in html
    english = operator.get(ticket_path(light), lang="en").text
    assert "Public state (optional)" in english
    assert '<option value="NOT_RESPONSIBLE">Not responsible</option>' in english


@pytest.mark.parametrize(("name", "role"), [("op.wang", Role.OPERATOR), ("sup.sun", Role.SUPERVISOR),
                                            ("admin", Role.ADMIN)])
def test_the_call_centre_schedules_an_action_and_open311_shows_it(client: TestClient, name: str, role: Role) -> None:
    light = filed(client, service_code="street_light_out")
    writer = member(client, name, role)
    saved = writer.post(ticket_path(light, "updates"), status="in_progress", note="已安排明早检修",
                        note_language="zh", public_state="ACTION_SCHEDULED")
    assert saved.status_code == 303 and saved.headers["location"] == f"{ticket_path(light)}?saved=1"
    assert "工单已更新。" in writer.get(saved.headers["location"]).text
    assert public_states(client, light)[-1] == "ACTION_SCHEDULED"
    updates = client.get("/open311/v2/servicerequestupdates.json").json()
    mine = [u for u in updates if u["service_request_id"] == light]
    assert mine[-1]["status"] == "ACTION_SCHEDULED" and mine[-1]["external_status_code"] == "in_progress"
    note_only = writer.post(ticket_path(light, "updates"), status="", note="不属本热线受理范围，已告知居民",
                            note_language="zh", public_state="NOT_RESPONSIBLE")
    assert note_only.status_code == 303 and public_states(client, light)[-1] == "NOT_RESPONSIBLE"
    plain = writer.post(ticket_path(light, "updates"), status="", note="补充说明", note_language="zh", public_state="")
    assert plain.status_code == 303 and public_states(client, light)[-1] is None  # from the status, as before


def test_only_the_call_centre_posts_updates(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    before = trail_actions(client, light)
    for name, role, unit in (("cm.liu", Role.HANDLER, CITY_MANAGEMENT), ("zhao.an", Role.ANALYST, None)):
        who = member(client, name, role, unit, raise_server_exceptions=False)
        assert 'id="update-form"' not in who.get(ticket_path(light)).text
        refused = who.post(ticket_path(light, "updates"), status="accepted", note="", note_language="zh",
                           public_state="ACTION_SCHEDULED")
        assert refused.status_code == 403 and error_of(refused) == "您的角色无权更新工单。", name
    assert trail_actions(client, light) == before and public_states(client, light) == [None]


def test_the_update_form_needs_the_csrf_token(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    operator, other = member(client, "op.wang", Role.OPERATOR), member(client, "op.li", Role.OPERATOR)
    fields = {"status": "accepted", "note": "无令牌", "note_language": "zh", "public_state": "ACTION_SCHEDULED"}
    for csrf in (None, "", "0" * 64, other.csrf()):
        refused = operator.post_raw(ticket_path(light, "updates"), fields if csrf is None else {**fields, "csrf": csrf})
        assert refused.status_code == 403 and "表单已失效" in refused.text, csrf
    assert public_states(client, light) == [None]


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"public_state": "RESOLVED_BY_MAGIC"}, 422, "无效的对外状态。"),
    ({"public_state": "duplicate"}, 422, "无效的对外状态。"),
    ({"public_state": "x" * 5000}, 422, "无效的对外状态。"),
    ({"status": "done"}, 422, "无效的状态。"),
    ({"note_language": "xx"}, 422, "无效的备注语言。"),
    ({"note": "长" * 4001}, 422, "备注无效或过长（最多 4000 字）。"),
    ({"status": "", "note": ""}, 400, "请选择新状态或填写备注。"),
    ({"status": "reopened"}, 409, "当前状态不允许变更为“重新办理”。"),
])
def test_bad_input_gets_a_4xx_page_that_keeps_what_was_typed(client: TestClient, fields: dict[str, str], status: int,
                                                             message: str) -> None:
    light = filed(client, service_code="street_light_out")
    operator = member(client, "op.wang", Role.OPERATOR, raise_server_exceptions=False)
    typed = {"status": "in_progress", "note": "已安排明早检修", "note_language": "zh",
             "public_state": "ACTION_SCHEDULED", **fields}
    answer = operator.post(ticket_path(light, "updates"), **typed)
    assert answer.status_code == status and error_of(answer) == message
    assert 'id="update-form"' in answer.text
    if typed["note"] == "已安排明早检修":
        assert ">已安排明早检修</textarea>" in answer.text
    if typed["public_state"] == "ACTION_SCHEDULED":
        assert '<option value="ACTION_SCHEDULED" selected>' in answer.text
    assert public_states(client, light) == [None]
