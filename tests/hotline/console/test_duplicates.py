"""The ticket page's "Possible duplicates" panel and its link form, on SQLite and PostgreSQL: who sees it, what it
suggests (the same lift, not another building's), linking with a reason, the linked ticket's page; CSRF; bad
input and the linker's refusals as a 4xx page, never a 5xx; zh and en."""

from html import unescape

import pytest
from fastapi.testclient import TestClient

from hotline.domain.models import Role, Status
from tests.hotline.console.members import CITY_MANAGEMENT, backend_of, filed, member
from tests.hotline.console.test_dispatch_forms import error_of, section, ticket_path, trail_actions

ESTATE = "北京市朝阳区三里屯街道幸福村小区"


def lift(client: TestClient, text: str) -> str:
    return filed(client, service_code="elevator_broken", description=text, address_string=ESTATE)


def three_lifts(client: TestClient) -> tuple[str, str, str]:
    """The first report of building 3's lift, one of building 7's, and a "me too" about building 3's."""
    first = lift(client, "幸福村小区3号楼电梯坏了三天了，老人上不了楼")
    other = lift(client, "幸福村小区7号楼电梯坏了三天了，老人上不了楼")
    me_too = lift(client, "3号楼的电梯还是停着，一直没人修")
    return first, other, me_too


def test_an_operator_links_a_me_too_ticket_to_the_first_report(client: TestClient) -> None:
    first, other, me_too = three_lifts(client)
    operator = member(client, "op.wang", Role.OPERATOR)
    html = operator.get(ticket_path(me_too)).text
    panel = section(html, "duplicates-panel")
    assert "可能重复的工单" in panel and first in panel and other not in panel
    assert "电梯" in panel and "三里屯街道" in panel and "同一类别" in panel and "%" in panel
    assert f'id="link-form-{first}"' in html and 'name="master" value="' + first + '"' in html

    linked = operator.post(ticket_path(me_too, "link"), master=first, reason="同一部电梯，居民再次来电")
    assert linked.status_code == 303 and linked.headers["location"] == f"{ticket_path(me_too)}?done=linked"
    after = operator.get(linked.headers["location"]).text
    assert "已关联为重复件。" in after and 'id="duplicates-panel"' not in after
    assert "本工单为重复件，主工单：" in after and f'href="{ticket_path(first)}"' in after
    trail = section(after, "trail")
    assert "关联为重复件" in trail and "同一部电梯，居民再次来电" in trail and first in trail
    assert "op.wang（话务员）" in trail
    assert trail_actions(client, first)[-1] == "duplicate_added"
    assert "关联重复件" in section(operator.get(ticket_path(first)).text, "trail")
    english = unescape(operator.get(ticket_path(me_too), lang="en").text)
    assert "Duplicate of" in english and "Linked as a duplicate" in english and "Possible duplicates" not in english


def test_the_panel_is_for_the_call_centre_and_in_english(client: TestClient) -> None:
    first, _, me_too = three_lifts(client)
    for name, role in (("sup.sun", Role.SUPERVISOR), ("admin", Role.ADMIN)):
        assert first in section(member(client, name, role).get(ticket_path(me_too)).text, "duplicates-panel")
    english = unescape(member(client, "op.li", Role.OPERATOR).get(ticket_path(me_too), lang="en").text)
    panel = section(english, "duplicates-panel")
    for words in ("Possible duplicates", "Likeness", "same category", "text ", "place ", "Same case: link",
                  "Reason (required)"):
        assert words in panel, words
    analyst = member(client, "zhao.an", Role.ANALYST, raise_server_exceptions=False)
    assert 'id="duplicates-panel"' not in analyst.get(ticket_path(me_too)).text
    refused = analyst.post(ticket_path(me_too, "link"), master=first, reason="同一部电梯")
    assert refused.status_code == 403 and "您的角色无权关联重复工单" in refused.text
    handler = member(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT, raise_server_exceptions=False)
    assert handler.post_raw(ticket_path(me_too, "link"), {"csrf": handler.csrf(), "master": first,
                                                          "reason": "x"}).status_code == 403
    assert trail_actions(client, me_too) == ["filed", "dispatched"]


def test_a_ticket_without_look_alikes_says_so(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    html = member(client, "op.wang", Role.OPERATOR).get(ticket_path(light)).text
    assert "未发现可能重复的工单。" in section(html, "duplicates-panel")


def test_the_link_form_needs_the_csrf_token(client: TestClient) -> None:
    first, _, me_too = three_lifts(client)
    operator = member(client, "op.wang", Role.OPERATOR)
    other = member(client, "op.li", Role.OPERATOR)
    for csrf in (None, "", "0" * 64, other.csrf()):
        data = {"master": first, "reason": "同一部电梯", **({} if csrf is None else {"csrf": csrf})}
        refused = operator.post_raw(ticket_path(me_too, "link"), data)
        assert refused.status_code == 403 and "表单已失效" in refused.text, csrf
    assert trail_actions(client, me_too) == ["filed", "dispatched"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"reason": ""}, "请填写原因（最多 2000 字）。"),
    ({"reason": " \n\t"}, "请填写原因（最多 2000 字）。"),
    ({"reason": "长" * 2001}, "请填写原因（最多 2000 字）。"),
    ({"master": "20990101000000"}, "请选择有效的主工单。"),
    ({"master": ""}, "请选择有效的主工单。"),
    ({"master": "x" * 5000}, "请选择有效的主工单。"),
])
def test_bad_input_gets_a_422_page(client: TestClient, fields: dict[str, str], message: str) -> None:
    first, _, me_too = three_lifts(client)
    operator = member(client, "op.wang", Role.OPERATOR, raise_server_exceptions=False)
    answer = operator.post(ticket_path(me_too, "link"), **{"master": first, "reason": "同一部电梯", **fields})
    assert answer.status_code == 422 and error_of(answer) == message
    assert 'id="duplicates-panel"' in answer.text
    assert trail_actions(client, me_too) == ["filed", "dispatched"]


def test_the_linker_s_refusals_show_as_a_message_on_the_page(client: TestClient) -> None:
    first, other, me_too = three_lifts(client)
    operator = member(client, "op.wang", Role.OPERATOR, raise_server_exceptions=False)
    itself = operator.post(ticket_path(me_too, "link"), master=me_too, reason="同一张")
    assert itself.status_code == 400 and error_of(itself) == "不能关联：两张工单已是同一案件（或为同一张工单）。"
    assert operator.post(ticket_path(me_too, "link"), master=first, reason="同一部电梯").status_code == 303
    twice = operator.post(ticket_path(me_too, "link"), master=other, reason="再关联一次")
    assert twice.status_code == 409 and error_of(twice) == f"该工单已是 {first} 的重复件。"
    assert 'id="duplicates-panel"' not in twice.text and "本工单为重复件" in twice.text
    loop = operator.post(ticket_path(first, "link"), master=me_too, reason="反过来")
    assert loop.status_code == 400 and error_of(loop) == "不能关联：两张工单已是同一案件（或为同一张工单）。"
    has_own = operator.post(ticket_path(first, "link"), master=other, reason="都是电梯")
    assert has_own.status_code == 409 and error_of(has_own) == "本工单已有重复件，请先将它们关联到另一工单。"
    backend_of(client).lifecycle.update(other, status=Status.CLOSED, note="", note_language="zh", actor="admin:admin")
    late = lift(client, "3号楼电梯又坏了")
    closed = operator.post(ticket_path(late, "link"), master=other, reason="同一小区")
    assert closed.status_code == 409 and error_of(closed) == f"工单 {other} 已是“已关闭”，不能关联。"
    english = operator.client.post(ticket_path(me_too, "link") + "?lang=en", follow_redirects=False, data={
        "csrf": operator.csrf(), "master": other, "reason": "again"})
    assert english.status_code == 409 and error_of(english) == f"The ticket is a duplicate of {first} already."
    assert operator.post(ticket_path("20990101000000", "link"), master=first, reason="x").status_code == 404
    raw = operator.client.post(ticket_path(me_too, "link"), content=b"csrf=\xff\xfe&master=%ff",
                               headers={"content-type": "application/x-www-form-urlencoded"})
    assert 400 <= raw.status_code < 500
