"""The ticket page's dispatch panel and forms, on SQLite and PostgreSQL: accept, return, dispatch, add an assisting
unit, re-dispatch; CSRF on each; who may use which; bad input and the domain's refusals as a 4xx page, never a
5xx; the handling units and the audit trail in words, zh and en."""

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from hotline.domain.models import Role, Status
from tests.hotline.console.members import (
    CITY_MANAGEMENT,
    HOUSING,
    PHONE,
    SANLITUN,
    SANLITUN_OFFICE,
    at_once,
    backend_of,
    filed,
    member,
)

FORMS = ("accept", "return", "dispatch", "redispatch")


def ticket_path(service_request_id: str, step: str = "") -> str:
    return f"/console/tickets/{service_request_id}" + (f"/{step}" if step else "")


def section(html: str, element_id: str) -> str:
    """The text of the element with ``element_id`` up to the end of its section (tags dropped)."""
    start = html.index(f'id="{element_id}"')
    end = html.index("</section>", start)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end]))


def error_of(response: httpx.Response) -> str:
    match = re.search(r'role="alert"[^>]*>([^<]*)<', response.text)
    assert match, response.text[:500]
    return match.group(1)


def trail_actions(client: TestClient, service_request_id: str) -> list[str]:
    from hotline.domain.history import ticket_history
    from hotline.domain.tickets import load_ticket

    with backend_of(client).db.read() as session:
        ticket = load_ticket(session, service_request_id)
        return [row.action for row in ticket_history(session, ticket.id)]


def test_a_handler_accepts_from_the_ticket_page(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    html = handler.get(ticket_path(light)).text
    assert 'id="accept"' in html and 'id="return-form"' in html and 'id="update-form"' not in html
    assert 'id="redispatch-form"' not in html and 'id="dispatch-form"' not in html
    for label in ("不属于本单位职责", "不属于本辖区", "重复诉求", "信息不全，需补充"):
        assert label in html
    done = handler.post(ticket_path(light, "accept"))
    assert done.status_code == 303 and done.headers["location"] == f"{ticket_path(light)}?done=accepted"
    after = handler.get(done.headers["location"]).text
    assert "已接收工单。" in after and 'id="accept"' not in after and 'id="return-form"' in after
    assert "已受理" in after  # the lead's acceptance moves the ticket to "accepted"
    assert "接收" in section(after, "trail") and "cm.liu（承办人员）" in section(after, "trail")
    assert "已接收" in section(after, "assignments")
    again = handler.post(ticket_path(light, "accept"))
    assert again.status_code == 409 and error_of(again) == "本单位对该工单的任务已是“已接收”（cm.liu（承办人员））。"


def test_a_return_goes_to_the_call_centre_which_redispatches_it_to_another_category(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    back = handler.post(ticket_path(light, "return"), return_reason="not_ours", note="小区内部路灯，归物业管理")
    assert back.status_code == 303 and back.headers["location"].endswith("?done=returned")
    page = handler.get(back.headers["location"])
    assert page.status_code == 200 and "已退回工单" in page.text  # a unit still reads a ticket it returned
    assert "本单位对此工单暂无待处理事项" in page.text
    assert light not in handler.get(handler.home).text

    operator = member(client, "op.wang", Role.OPERATOR)
    html = operator.get(ticket_path(light)).text
    assert 'id="dispatch-form"' in html and 'id="redispatch-form"' in html and 'id="assist-form"' not in html
    assert 'id="accept"' not in html
    moved = operator.post(ticket_path(light, "redispatch"), service_code="poor_property_service",
                          subdistrict_code="", unit="", reason="小区内部设施，转住建委")
    assert moved.status_code == 303 and moved.headers["location"].endswith("?done=redispatched")
    after = operator.get(moved.headers["location"]).text
    trail, units = section(after, "trail"), section(after, "assignments")
    assert "改派" in trail and "路灯不亮 → 物业服务不到位" in trail.replace("  ", " ")
    assert "北京市城市管理委员会 → 北京市住房和城乡建设委员会" in trail and "小区内部设施，转住建委" in trail
    assert "op.wang（话务员）" in trail and "退回" in trail and "小区内部路灯，归物业管理" in trail
    assert "已退回" in units and "待接收" in units and "不属于本单位职责" in units
    assert 'id="assist-form"' in after and 'id="dispatch-form"' not in after  # it has a lead again

    housing = member(client, "hc.chen", Role.HANDLER, HOUSING)
    assert light in housing.get(housing.home).text
    assert housing.post(ticket_path(light, "accept")).status_code == 303


def test_the_call_centre_dispatches_a_ticket_never_placed_and_adds_an_assisting_unit(client: TestClient) -> None:
    nowhere = filed(client, service_code="leak_from_upstairs", address_string="我家楼上")
    supervisor = member(client, "sup.sun", Role.SUPERVISOR)
    sent = supervisor.post(ticket_path(nowhere, "dispatch"), unit=SANLITUN_OFFICE, role="lead", reason="居民补充了地址")
    assert sent.status_code == 303 and sent.headers["location"].endswith("?done=dispatched")
    helped = supervisor.post(ticket_path(nowhere, "dispatch"), unit=HOUSING, role="assist", reason="涉及房屋质量")
    assert helped.status_code == 303 and helped.headers["location"].endswith("?done=assist")
    html = supervisor.get(helped.headers["location"]).text
    assert "已增加协办单位。" in html and "增加协办单位" in section(html, "trail")
    assert "协办" in section(html, "assignments") and "主办" in section(html, "assignments")
    assert nowhere in member(client, "hc.chen", Role.HANDLER, HOUSING).get(f"/console/units/{HOUSING}").text


def test_every_dispatch_form_needs_the_csrf_token(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    operator = member(client, "op.wang", Role.OPERATOR)
    before = trail_actions(client, light)
    fields = {"accept": {}, "return": {"return_reason": "duplicate", "note": "重复"},
              "dispatch": {"unit": HOUSING, "role": "assist", "reason": "协办"},
              "redispatch": {"service_code": "poor_property_service", "reason": "转"}}
    for step in FORMS:
        who = handler if step in ("accept", "return") else operator
        for csrf in (None, "", "0" * 64, operator.csrf() if who is handler else handler.csrf()):
            data = fields[step] if csrf is None else {**fields[step], "csrf": csrf}
            refused = who.post_raw(ticket_path(light, step), data)
            assert refused.status_code == 403 and "表单已失效" in refused.text, (step, csrf)
    assert trail_actions(client, light) == before


def test_each_form_is_for_its_roles_only(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    leak = filed(client, service_code="leak_from_upstairs")
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    other = member(client, "hc.chen", Role.HANDLER, HOUSING)
    analyst = member(client, "zhao.an", Role.ANALYST)
    operator = member(client, "op.wang", Role.OPERATOR)
    ret = {"return_reason": "not_ours", "note": "不是我们的"}
    for who, step, fields, status in (
            (handler, "dispatch", {"unit": HOUSING, "role": "assist", "reason": "x"}, 403),
            (handler, "redispatch", {"unit": HOUSING, "reason": "x"}, 403),
            (operator, "accept", {}, 403), (operator, "return", ret, 403),
            (analyst, "accept", {}, 403), (analyst, "return", ret, 403),
            (analyst, "dispatch", {"unit": HOUSING, "role": "assist", "reason": "x"}, 403),
            (analyst, "redispatch", {"unit": HOUSING, "reason": "x"}, 403),
            (other, "accept", {}, 404), (other, "return", ret, 404),  # not in their queue: no such ticket
            (handler, "accept", {}, 404)):
        ticket = leak if (who is handler and step == "accept") else light
        answer = who.post(ticket_path(ticket, step), **fields)
        assert answer.status_code == status, (step, answer.text[:300])
    assert trail_actions(client, light) == ["filed", "dispatched"]
    html = analyst.get(ticket_path(light)).text
    assert 'id="dispatch-panel"' not in html and "操作记录" in html  # analysts read the trail, act on nothing


@pytest.mark.parametrize(("step", "fields", "message"), [
    ("dispatch", {"unit": "dept:nope", "role": "lead", "reason": "x"}, "请选择有效的承办单位。"),
    ("dispatch", {"unit": "x" * 5000, "role": "lead", "reason": "x"}, "请选择有效的承办单位。"),
    ("dispatch", {"unit": HOUSING, "role": "boss", "reason": "x"}, "无效的分工。"),
    ("dispatch", {"unit": HOUSING, "role": "assist", "reason": ""}, "请填写原因（最多 2000 字）。"),
    ("dispatch", {"unit": HOUSING, "role": "assist", "reason": " \n\t"}, "请填写原因（最多 2000 字）。"),
    ("dispatch", {"unit": HOUSING, "role": "assist", "reason": "长" * 2001}, "请填写原因（最多 2000 字）。"),
    ("dispatch", {"unit": HOUSING, "role": "assist"}, "请填写原因（最多 2000 字）。"),
    ("redispatch", {"service_code": "no_such_code", "reason": "x"}, "无效的诉求类别。"),
    ("redispatch", {"service_code": "urban_management", "reason": "x"}, "无效的诉求类别。"),  # not a leaf
    ("redispatch", {"subdistrict_code": "999999999", "reason": "x"}, "无效的街道（乡镇）。"),
    ("redispatch", {"unit": "subdistrict:1", "reason": "x"}, "请选择有效的承办单位。"),
    ("redispatch", {"service_code": "poor_property_service", "reason": ""}, "请填写原因（最多 2000 字）。"),
    ("redispatch", {"service_code": "poor_property_service", "reason": "x" * 2001}, "请填写原因（最多 2000 字）。"),
    ("return", {"return_reason": "bored", "note": "x"}, "请选择有效的退回原因。"),
    ("return", {"return_reason": "", "note": "x"}, "请选择有效的退回原因。"),
    ("return", {"return_reason": "duplicate", "note": ""}, "请填写退回说明（最多 2000 字）。"),
    ("return", {"return_reason": "duplicate", "note": "长" * 2001}, "请填写退回说明（最多 2000 字）。"),
])
def test_bad_input_gets_a_422_page_that_keeps_what_was_typed(client: TestClient, step: str, fields: dict[str, str],
                                                             message: str) -> None:
    light = filed(client, service_code="street_light_out")
    who = (member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT, raise_server_exceptions=False)
           if step == "return" else member(client, "op.wang", Role.OPERATOR, raise_server_exceptions=False))
    answer = who.post(ticket_path(light, step), **fields)
    assert answer.status_code == 422 and error_of(answer) == message
    assert 'id="dispatch-panel"' in answer.text  # the ticket page again, with the form
    reason = fields.get("reason") or fields.get("note") or ""
    if reason.strip() and len(reason) <= 2000:
        assert reason in answer.text
    assert trail_actions(client, light) == ["filed", "dispatched"]


def test_unknown_tickets_and_odd_bodies_are_4xx(client: TestClient) -> None:
    operator = member(client, "op.wang", Role.OPERATOR, raise_server_exceptions=False)
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT, raise_server_exceptions=False)
    assert operator.post(ticket_path("20990101000000", "dispatch"), unit=HOUSING, role="lead",
                         reason="x").status_code == 404
    assert operator.post(ticket_path("20990101000000", "redispatch"), unit=HOUSING, reason="x").status_code == 404
    assert handler.post(ticket_path("20990101000000", "accept")).status_code == 404
    assert handler.post(ticket_path("x" * 300, "return"), return_reason="duplicate", note="x").status_code == 404
    for step in FORMS:
        raw = operator.client.post(ticket_path("1", step), content=b"csrf=\xff\xfe&unit=%ff",
                                   headers={"content-type": "application/x-www-form-urlencoded"})
        assert 400 <= raw.status_code < 500, (step, raw.status_code)


def test_the_domain_s_refusals_show_as_a_message_on_the_page(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    nowhere = filed(client, service_code="leak_from_upstairs", address_string="我家楼上")
    operator = member(client, "op.wang", Role.OPERATOR, raise_server_exceptions=False)

    second_lead = operator.post(ticket_path(light, "dispatch"), unit=HOUSING, role="lead", reason="再派一个")
    assert second_lead.status_code == 409
    assert error_of(second_lead) == "工单已由北京市城市管理委员会主办，请使用改派。"
    busy = operator.post(ticket_path(light, "dispatch"), unit=CITY_MANAGEMENT, role="assist", reason="协办")
    assert busy.status_code == 409 and error_of(busy) == "北京市城市管理委员会已在办理该工单。"
    same = operator.post(ticket_path(light, "redispatch"), unit=CITY_MANAGEMENT, reason="原单位")
    assert same.status_code == 400 and error_of(same) == "没有任何变化：工单已在该单位。"
    nobody = operator.post(ticket_path(nowhere, "redispatch"), service_code="leak_from_upstairs", reason="仍不知地点")
    assert nobody.status_code == 409 and error_of(nobody) == "该类别在该地点没有承办单位，请直接指定单位。"
    assert "仍不知地点" in nobody.text
    placed = operator.post(ticket_path(nowhere, "redispatch"), subdistrict_code=SANLITUN, reason="居民补充在三里屯")
    assert placed.status_code == 303

    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT, raise_server_exceptions=False)
    backend_of(client).lifecycle.update(light, status=Status.CLOSED, note="", note_language="zh", actor="admin:admin")
    closed = handler.post(ticket_path(light, "accept"))
    assert closed.status_code == 409 and error_of(closed) == "工单已是“已关闭”，不能再派单、接收或退回。"
    english = handler.client.post(ticket_path(light, "return") + "?lang=en", follow_redirects=False, data={
        "csrf": handler.csrf(), "return_reason": "duplicate", "note": "dup"})
    assert english.status_code == 409
    assert error_of(english) == "The ticket is “Closed”: it can no longer be dispatched, accepted or returned."
    assert "工单已办结，不能再派单。" in operator.get(ticket_path(light)).text


def test_the_trail_and_units_read_in_english_and_are_redacted_for_analysts(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    assert handler.post(ticket_path(light, "return"), return_reason="needs_information",
                        note=f"请居民补充门牌号，电话 {PHONE}").status_code == 303
    admin = member(client, "admin", Role.ADMIN)
    assert admin.post(ticket_path(light, "redispatch"), subdistrict_code="110101001",
                      unit=CITY_MANAGEMENT, reason="地点更正").status_code == 303
    html = admin.get(ticket_path(light), lang="en").text
    trail, units = section(html, "trail"), section(html, "assignments")
    for words in ("Filed", "Resident (open311)", "Dispatched", "System (routing rules)",
                  "Dispatched by the routing rules", "Returned", "Needs more information", "cm.liu (Handler)",
                  "Re-dispatched", "admin (Administrator)", "Sanlitun Subdistrict →", "Chaoyang District →",
                  "Street lights out", "Deadline rule General", PHONE):
        assert words in trail, words
    assert "Returned" in units and "Waiting" in units and "Needs more information" in units
    analyst = member(client, "zhao.an", Role.ANALYST)
    redacted = section(analyst.get(ticket_path(light)).text, "trail")
    assert PHONE not in redacted and "[phone]" in redacted and "请居民补充门牌号" in redacted


def test_two_handlers_accepting_at_once_one_wins_and_the_other_reads_why(client: TestClient) -> None:
    first = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT, raise_server_exceptions=False)
    second = member(client, "cm.zhao", Role.HANDLER, CITY_MANAGEMENT, raise_server_exceptions=False)
    for round_number in range(4):
        light = filed(client, service_code="street_light_out", description=f"路灯坏了，第{round_number}盏")
        answers = at_once([first, second], light, "accept", [{}, {}])
        assert sorted(a.status_code for a in answers) == [303, 409], round_number
        lost = next(a for a in answers if a.status_code == 409)
        assert re.fullmatch(r"本单位对该工单的任务已是“已接收”（cm\.(liu|zhao)（承办人员））。", error_of(lost))
        assert trail_actions(client, light).count("accepted") == 1
