"""The deadline clock on the ticket page and the supervisors' extension requests, on SQLite and PostgreSQL: pause
and resume, ask for more time, approve or refuse; who gets which form and who is refused (per role, and a handler
of another unit); CSRF on each; bad input and the clock's refusals as a 4xx page, never a 5xx; each form sent
twice at once acts once; the audit trail in words, zh and en."""

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.domain.models import AssignmentRole, ExtensionRequest, Role, Status, Ticket
from hotline.domain.tickets import load_ticket
from tests.hotline.console.members import (
    CITY_MANAGEMENT,
    HOUSING,
    SANLITUN_OFFICE,
    at_once,
    backend_of,
    filed,
    member,
)
from tests.hotline.console.test_dispatch_forms import error_of, section, ticket_path, trail_actions

FORMS = ("pause", "resume", "extensions", "extensions/decision")
ASK = {"deadline": "resolution", "amount": "3", "unit_of_time": "working_days", "reason": "需要协调供电公司更换电缆"}


def table(html: str, element_id: str) -> str:
    """The text of the table with ``element_id`` (tags dropped)."""
    start = html.index(f'id="{element_id}"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:html.index("</table>", start)]))


def ticket_of(client: TestClient, service_request_id: str) -> Ticket:
    with backend_of(client).db.read() as session:
        return load_ticket(session, service_request_id)


def pending_id(client: TestClient, service_request_id: str) -> str:
    ticket = ticket_of(client, service_request_id)
    with backend_of(client).db.read() as session:
        request = session.scalars(select(ExtensionRequest).where(ExtensionRequest.ticket_id == ticket.id,
                                                                 ExtensionRequest.state == "pending")).one()
    return str(request.id)


def decision(client: TestClient, service_request_id: str, verdict: str, note: str = "") -> dict[str, str]:
    return {"request": pending_id(client, service_request_id), "decision": verdict, "note": note}


def assisted_by_housing(client: TestClient, service_request_id: str) -> None:
    """The housing commission gets an assisting part: its handlers read the ticket but do not lead it."""
    backend_of(client).dispatcher.dispatch(service_request_id, unit=HOUSING, actor="operator:op.wang",
                                           reason="涉及小区", role=AssignmentRole.ASSIST)


def test_a_handler_of_the_lead_unit_pauses_and_resumes_the_clock(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    before = ticket_of(client, light)
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    html = handler.get(ticket_path(light)).text
    assert 'id="pause-form"' in html and 'id="resume-form"' not in html and 'id="ask-form"' in html
    assert "正常计时中。" in section(html, "clock-panel") and 'id="pending-extension"' not in html

    paused = handler.post(ticket_path(light, "pause"), reason="请问是哪一根灯杆？")
    assert paused.status_code == 303 and paused.headers["location"] == f"{ticket_path(light)}?done=paused"
    after = handler.get(paused.headers["location"]).text
    assert "已暂停计时。" in after and 'id="pause-form"' not in after and 'id="resume-form"' in after
    assert re.search(r"等待市民答复：自 \d{4}-\d\d-\d\d \d\d:\d\d 起暂停计时。", section(after, "clock-panel"))
    trail = section(after, "trail")
    assert "暂停计时（等待市民）" in trail and "请问是哪一根灯杆？" in trail and "cm.liu（承办人员）" in trail
    assert ticket_of(client, light).paused_at is not None

    resumed = handler.post(ticket_path(light, "resume"), reason="居民回复：东门第三根")
    assert resumed.status_code == 303 and resumed.headers["location"].endswith("?done=resumed")
    again = handler.get(resumed.headers["location"]).text
    assert "已恢复计时，时限已按暂停时长顺延。" in again and 'id="pause-form"' in again
    trail = section(again, "trail")
    assert "恢复计时" in trail and "居民回复：东门第三根" in trail and "暂停起始" in trail
    now = ticket_of(client, light)
    assert now.paused_at is None and now.resolution_due > before.resolution_due  # moved by the time paused
    assert trail_actions(client, light)[-2:] == ["paused", "resumed"]


def test_a_supervisor_approves_a_request_from_the_list_and_the_deadline_moves(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    asked = handler.post(ticket_path(light, "extensions"), **ASK)
    assert asked.status_code == 303 and asked.headers["location"].endswith("?done=asked")
    html = handler.get(asked.headers["location"]).text
    assert "延期申请已提交，等待值班长审批。" in html and 'id="ask-form"' not in html
    pending = section(html, "clock-panel")
    assert "办结时限延长 3 工作日" in pending and ASK["reason"] in pending and 'id="approve-' not in html
    assert "申请延期" in section(html, "trail")

    supervisor = member(client, "sup.sun", Role.SUPERVISOR)
    assert 'href="/console/extensions"' in supervisor.get("/console/").text
    listing = supervisor.get("/console/extensions").text
    rows = table(listing, "extensions")
    assert light in rows and "北京市城市管理委员会" in rows and ASK["reason"] in rows and "共 1 项待审批" in listing
    request_id = pending_id(client, light)
    assert f'action="{ticket_path(light)}/extensions/decision"' in listing and f'id="approve-{request_id}"' in listing
    due_before = ticket_of(client, light).resolution_due

    approved = supervisor.post(ticket_path(light, "extensions/decision"), request=request_id, decision="approve",
                               note="同意，请抓紧协调")
    assert approved.status_code == 303 and approved.headers["location"].endswith("?done=approved")
    page = supervisor.get(approved.headers["location"]).text
    due_after = ticket_of(client, light).resolution_due
    assert due_after > due_before and "已批准延期，时限已更新。" in page
    assert 'id="pending-extension"' not in page and 'id="ask-form"' in page  # another may be asked now
    trail = section(page, "trail")
    assert "延期审批" in trail and "同意，请抓紧协调" in trail and "是否批准 是" in trail and "办结时限" in trail
    assert "sup.sun（值班长）" in trail
    assert "没有待审批的延期申请。" in supervisor.get("/console/extensions").text


def test_a_refused_request_leaves_the_deadline_and_reads_in_english(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    admin = member(client, "admin", Role.ADMIN)
    assert admin.post(ticket_path(light, "extensions"), **ASK).status_code == 303  # for the lead unit
    due_before = ticket_of(client, light).resolution_due
    english = unescape(admin.get(ticket_path(light), lang="en").text)
    panel = section(english, "clock-panel")
    assert "Resolution deadline: 3 working days more" in panel
    assert "Asked for Beijing Municipal Commission of Urban Management by admin (Administrator)" in panel
    refused = admin.client.post(ticket_path(light, "extensions/decision") + "?lang=en", follow_redirects=False,
                                data={"csrf": admin.csrf(), **decision(client, light, "refuse", "先按原时限办理")})
    assert refused.status_code == 303 and refused.headers["location"].endswith("?done=refused")
    page = unescape(admin.get(refused.headers["location"]).text)
    assert "The extension is refused: the deadline stays." in page
    assert ticket_of(client, light).resolution_due == due_before
    trail = section(page, "trail")
    assert "Extension decided" in trail and "Approved No" in trail and "先按原时限办理" in trail


def test_who_gets_which_clock_form(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    assisted_by_housing(client, light)
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    assert handler.post(ticket_path(light, "extensions"), **ASK).status_code == 303
    forms = {"pause-form", "ask-form", "pending-extension", "decide-"}
    seen = {}
    for name, role, unit in (("op.wang", Role.OPERATOR, None), ("sup.sun", Role.SUPERVISOR, None),
                             ("admin", Role.ADMIN, None), ("cm.zhao", Role.HANDLER, CITY_MANAGEMENT),
                             ("hc.chen", Role.HANDLER, HOUSING), ("zhao.an", Role.ANALYST, None)):
        html = member(client, name, role, unit).get(ticket_path(light)).text
        seen[name] = {f for f in forms if f'id="{f}' in html} | ({"panel"} if 'id="clock-panel"' in html else set())
    assert seen["op.wang"] == {"panel", "pause-form", "pending-extension"}  # the call centre pauses; asks not
    assert seen["sup.sun"] == seen["admin"] == {"panel", "pause-form", "pending-extension", "decide-"}
    assert seen["cm.zhao"] == {"panel", "pause-form", "pending-extension"}  # one request waits: no second ask
    assert seen["hc.chen"] == {"panel", "pending-extension"}  # an assisting unit reads the clock, acts on nothing
    assert seen["zhao.an"] == set()


def test_the_server_refuses_the_roles_and_units_the_api_refuses(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    assisted_by_housing(client, light)
    lead = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT, raise_server_exceptions=False)
    assert lead.post(ticket_path(light, "extensions"), **ASK).status_code == 303
    other = member(client, "hc.chen", Role.HANDLER, HOUSING, raise_server_exceptions=False)
    stranger = member(client, "sl.ma", Role.HANDLER, SANLITUN_OFFICE, raise_server_exceptions=False)
    operator = member(client, "op.wang", Role.OPERATOR, raise_server_exceptions=False)
    analyst = member(client, "zhao.an", Role.ANALYST, raise_server_exceptions=False)
    decide = decision(client, light, "approve")
    before = trail_actions(client, light)
    for who, step, fields, status, message in (
            (analyst, "pause", {"reason": "x"}, 403, "您的角色无权暂停或恢复计时。"),
            (analyst, "resume", {"reason": "x"}, 403, "您的角色无权暂停或恢复计时。"),
            (analyst, "extensions", ASK, 403, "您的角色无权申请延期。"),
            (analyst, "extensions/decision", decide, 403, "仅值班长和管理员可审批延期申请。"),
            (operator, "extensions", ASK, 403, "您的角色无权申请延期。"),
            (operator, "extensions/decision", decide, 403, "仅值班长和管理员可审批延期申请。"),
            (lead, "extensions/decision", decide, 403, "仅值班长和管理员可审批延期申请。"),
            (other, "pause", {"reason": "x"}, 403, "仅主办单位的承办人员可暂停、恢复计时或申请延期。"),
            (other, "resume", {"reason": "x"}, 403, "仅主办单位的承办人员可暂停、恢复计时或申请延期。"),
            (other, "extensions", ASK, 403, "仅主办单位的承办人员可暂停、恢复计时或申请延期。"),
            (stranger, "pause", {"reason": "x"}, 404, "未找到该工单。"),  # not their unit's ticket: not found
            (stranger, "extensions", ASK, 404, "未找到该工单。")):
        answer = who.post(ticket_path(light, step), **fields)
        assert answer.status_code == status and error_of(answer) == message, (who.home, step, answer.text[:300])
        assert 'id="clock-panel"' not in answer.text  # a refusal page, not the form
    assert trail_actions(client, light) == before
    assert operator.get("/console/extensions").status_code == 403
    assert lead.get("/console/extensions").status_code == 403 and analyst.get("/console/extensions").status_code == 403
    assert 'href="/console/extensions"' not in operator.get("/console/").text
    assert member(client, "admin", Role.ADMIN).get("/console/extensions").status_code == 200


def test_every_clock_form_needs_the_csrf_token(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    supervisor = member(client, "sup.sun", Role.SUPERVISOR)
    other = member(client, "sup.li", Role.SUPERVISOR)
    assert supervisor.post(ticket_path(light, "extensions"), **ASK).status_code == 303
    fields = {"pause": {"reason": "问居民"}, "resume": {"reason": "已答复"}, "extensions": ASK,
              "extensions/decision": decision(client, light, "approve")}
    before = trail_actions(client, light)
    for step in FORMS:
        for csrf in (None, "", "0" * 64, other.csrf()):
            data = fields[step] if csrf is None else {**fields[step], "csrf": csrf}
            refused = supervisor.post_raw(ticket_path(light, step), data)
            assert refused.status_code == 403 and "表单已失效" in refused.text, (step, csrf)
    assert trail_actions(client, light) == before


@pytest.mark.parametrize(("step", "fields", "status", "message"), [
    ("pause", {"reason": ""}, 422, "请填写原因（最多 2000 字）。"),
    ("pause", {"reason": " \n\t"}, 422, "请填写原因（最多 2000 字）。"),
    ("pause", {"reason": "长" * 2001}, 422, "请填写原因（最多 2000 字）。"),
    ("pause", {}, 422, "请填写原因（最多 2000 字）。"),
    ("resume", {"reason": ""}, 422, "请填写原因（最多 2000 字）。"),
    ("extensions", {**ASK, "deadline": "later"}, 422, "请选择要延长的时限。"),
    ("extensions", {**ASK, "unit_of_time": "weeks"}, 422, "请选择有效的计时单位。"),
    ("extensions", {**ASK, "amount": ""}, 422, "延长时长须为整数：1 至 720 小时、90 个自然日或 60 个工作日。"),
    ("extensions", {**ASK, "amount": "abc"}, 422, "延长时长须为整数：1 至 720 小时、90 个自然日或 60 个工作日。"),
    ("extensions", {**ASK, "amount": "-1"}, 422, "延长时长须为整数：1 至 720 小时、90 个自然日或 60 个工作日。"),
    ("extensions", {**ASK, "amount": "1.5"}, 422, "延长时长须为整数：1 至 720 小时、90 个自然日或 60 个工作日。"),
    ("extensions", {**ASK, "amount": "²"}, 422, "延长时长须为整数：1 至 720 小时、90 个自然日或 60 个工作日。"),
    ("extensions", {**ASK, "amount": "9" * 40}, 422, "延长时长须为整数：1 至 720 小时、90 个自然日或 60 个工作日。"),
    ("extensions", {**ASK, "amount": "0"}, 400, "延长时长须为整数：1 至 720 小时、90 个自然日或 60 个工作日。"),
    ("extensions", {**ASK, "amount": "61"}, 400, "延长时长须为整数：1 至 720 小时、90 个自然日或 60 个工作日。"),
    ("extensions", {**ASK, "reason": ""}, 422, "请填写原因（最多 2000 字）。"),
    ("extensions/decision", {"decision": "maybe"}, 422, "请选择批准或不批准。"),
    ("extensions/decision", {"decision": ""}, 422, "请选择批准或不批准。"),
    ("extensions/decision", {"request": "abc"}, 422, "本工单没有该延期申请。"),
    ("extensions/decision", {"request": ""}, 422, "本工单没有该延期申请。"),
    ("extensions/decision", {"request": "9" * 40}, 422, "本工单没有该延期申请。"),
    ("extensions/decision", {"request": "999999"}, 422, "本工单没有该延期申请。"),
    ("extensions/decision", {"note": "长" * 4001}, 422, "备注无效或过长（最多 4000 字）。"),
])
def test_bad_input_gets_a_4xx_page_with_the_form_s_error(client: TestClient, step: str, fields: dict[str, str],
                                                          status: int, message: str) -> None:
    light = filed(client, service_code="street_light_out")
    supervisor = member(client, "sup.sun", Role.SUPERVISOR, raise_server_exceptions=False)
    if step == "extensions/decision":
        assert supervisor.post(ticket_path(light, "extensions"), **ASK).status_code == 303
        fields = {**decision(client, light, "approve"), **fields}
    before = trail_actions(client, light)
    answer = supervisor.post(ticket_path(light, step), **fields)
    assert answer.status_code == status and error_of(answer) == message
    assert 'id="clock-panel"' in answer.text  # the ticket page again, with the forms
    reason = fields.get("reason", "")
    if reason.strip() and len(reason) <= 2000:
        assert reason in answer.text  # what was typed stays
    assert trail_actions(client, light) == before


def test_a_request_of_another_ticket_cannot_be_decided_from_this_one(client: TestClient) -> None:
    light, other = filed(client, service_code="street_light_out"), filed(client, service_code="street_light_out")
    supervisor = member(client, "sup.sun", Role.SUPERVISOR)
    assert supervisor.post(ticket_path(other, "extensions"), **ASK).status_code == 303
    answer = supervisor.post(ticket_path(light, "extensions/decision"), **decision(client, other, "approve"))
    assert answer.status_code == 422 and error_of(answer) == "本工单没有该延期申请。"
    assert "extension_decided" not in trail_actions(client, other)


def test_the_clock_s_refusals_show_as_a_message_on_the_page(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    nowhere = filed(client, service_code="leak_from_upstairs", address_string="我家楼上")
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT, raise_server_exceptions=False)
    supervisor = member(client, "sup.sun", Role.SUPERVISOR, raise_server_exceptions=False)

    not_paused = handler.post(ticket_path(light, "resume"), reason="恢复")
    assert not_paused.status_code == 409 and error_of(not_paused) == "计时未暂停，无需恢复。"
    assert handler.post(ticket_path(light, "pause"), reason="问居民").status_code == 303
    twice = handler.post(ticket_path(light, "pause"), reason="再问一次")
    assert twice.status_code == 409
    assert re.fullmatch(r"工单已在等待市民答复（自 \d{4}-\d\d-\d\d \d\d:\d\d 起暂停计时）。", error_of(twice))

    assert handler.post(ticket_path(light, "extensions"), **ASK).status_code == 303
    waiting = handler.post(ticket_path(light, "extensions"), **ASK)
    assert waiting.status_code == 409 and error_of(waiting) == "已有一项延期申请等待审批（cm.liu（承办人员））。"
    decide = decision(client, light, "approve")
    assert supervisor.post(ticket_path(light, "extensions/decision"), **decide).status_code == 303
    decided = supervisor.post(ticket_path(light, "extensions/decision"), **{**decide, "decision": "refuse"})
    assert decided.status_code == 409 and error_of(decided) == "该延期申请已有审批结果：批准（sup.sun（值班长））。"

    assert handler.post(ticket_path(light, "accept")).status_code == 303  # the response deadline is met
    met = handler.post(ticket_path(light, "extensions"), **{**ASK, "deadline": "response"})
    assert met.status_code == 409 and error_of(met) == "响应时限已满足，只能申请延长办结时限。"
    assert 'value="response"' not in met.text  # the form offers the resolution deadline only

    unled = supervisor.post(ticket_path(nowhere, "extensions"), **ASK)
    assert unled.status_code == 409 and error_of(unled) == "工单尚无主办单位，不能申请延期。"

    backend_of(client).lifecycle.update(light, status=Status.CLOSED, note="", note_language="zh", actor="admin:admin")
    closed = handler.post(ticket_path(light, "resume"), reason="恢复")
    assert closed.status_code == 409 and error_of(closed) == "工单已是“已关闭”，计时不能再变更。"
    english = handler.client.post(ticket_path(light, "pause") + "?lang=en", follow_redirects=False,
                                  data={"csrf": handler.csrf(), "reason": "ask"})
    assert english.status_code == 409 and unescape(error_of(english)) == (
        "The ticket is “Closed”: its clock can no longer change.")
    page = supervisor.get(ticket_path(light)).text
    assert "工单已办结，计时已停止。" in section(page, "clock-panel") and 'id="resume-form"' not in page


def test_unknown_tickets_and_odd_bodies_are_4xx(client: TestClient) -> None:
    supervisor = member(client, "sup.sun", Role.SUPERVISOR, raise_server_exceptions=False)
    fields = {"pause": {"reason": "x"}, "resume": {"reason": "x"}, "extensions": ASK,
              "extensions/decision": {"request": "1", "decision": "approve"}}
    for step in FORMS:
        assert supervisor.post(ticket_path("20990101000000", step), **fields[step]).status_code == 404, step
        assert supervisor.post(ticket_path("x" * 300, step), **fields[step]).status_code == 404, step
        raw = supervisor.client.post(ticket_path("1", step), content=b"csrf=\xff\xfe&reason=%ff",
                                     headers={"content-type": "application/x-www-form-urlencoded"})
        assert 400 <= raw.status_code < 500, (step, raw.status_code)


def test_each_clock_action_acts_once_when_sent_twice_at_once(client: TestClient) -> None:
    first = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT, raise_server_exceptions=False)
    second = member(client, "cm.zhao", Role.HANDLER, CITY_MANAGEMENT, raise_server_exceptions=False)
    sup_a = member(client, "sup.sun", Role.SUPERVISOR, raise_server_exceptions=False)
    sup_b = member(client, "sup.li", Role.SUPERVISOR, raise_server_exceptions=False)
    for round_number in range(2):
        light = filed(client, service_code="street_light_out", description=f"路灯坏了，第{round_number}盏")
        for step, fields, action in (("pause", {"reason": "问居民"}, "paused"),
                                     ("resume", {"reason": "已答复"}, "resumed"),
                                     ("extensions", ASK, "extension_asked")):
            answers = at_once([first, second], light, step, [fields, fields])
            assert sorted(a.status_code for a in answers) == [303, 409], (round_number, step)
            assert trail_actions(client, light).count(action) == 1
        verdicts = [decision(client, light, "approve"), decision(client, light, "refuse")]
        answers = at_once([sup_a, sup_b], light, "extensions/decision", verdicts)
        assert sorted(a.status_code for a in answers) == [303, 409], round_number
        lost = next(a for a in answers if a.status_code == 409)
        assert re.fullmatch(r"该延期申请已有审批结果：(批准|不批准)（sup\.(sun|li)（值班长））。", error_of(lost))
        assert trail_actions(client, light).count("extension_decided") == 1
