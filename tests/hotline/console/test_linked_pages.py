"""A master ticket's linked duplicates and a linked ticket's page, on SQLite and PostgreSQL: the master lists the
tickets linked to it (id, filed, status, a link to each) for everyone who reads it, and their status follows the
master's; a linked ticket's page has no dispatch panel and no clock forms and says it follows its master; zh and
en, per role."""

from html import unescape

import pytest
from fastapi.testclient import TestClient

from hotline.domain.models import Role
from tests.hotline.console.members import CITY_MANAGEMENT, HOUSING, backend_of, filed, member
from tests.hotline.console.test_deadline_pages import table, ticket_of
from tests.hotline.console.test_dispatch_forms import section, ticket_path
from tests.hotline.console.test_duplicates import lift, three_lifts


def linked(client: TestClient) -> tuple[str, str, str]:
    """The first report of building 3's lift, and two "me too" tickets linked to it (one through the console)."""
    first, _, me_too = three_lifts(client)
    operator = member(client, "op.wang", Role.OPERATOR)
    linked_here = operator.post(ticket_path(me_too, "link"), master=first, reason="同一部电梯，居民再次来电")
    assert linked_here.status_code == 303
    again = lift(client, "3号楼电梯今天还是不动，楼里老人下不了楼")
    backend_of(client).linker.link(again, master=first, actor="operator:op.wang", reason="同一部电梯")
    return first, me_too, again


def test_the_master_lists_its_duplicates_for_everyone_who_reads_it(client: TestClient) -> None:
    first, me_too, again = linked(client)
    lift_unit = ticket_of(client, first).lead_unit
    assert lift_unit is not None
    for name, role, unit in (("op.li", Role.OPERATOR, None), ("sup.sun", Role.SUPERVISOR, None),
                             ("admin", Role.ADMIN, None), ("lift.zhou", Role.HANDLER, lift_unit),
                             ("zhao.an", Role.ANALYST, None)):
        html = member(client, name, role, unit).get(ticket_path(first)).text
        assert "已关联的重复件" in section(html, "linked-duplicates"), name
        rows = table(html, "linked")
        assert rows.index(me_too) < rows.index(again), name  # first filed first
        assert f'href="{ticket_path(me_too)}"' in html and f'href="{ticket_path(again)}"' in html, name
        assert rows.count("待受理") == 2 and "(2)" in section(html, "linked-duplicates"), name
    other_unit = CITY_MANAGEMENT if lift_unit != CITY_MANAGEMENT else HOUSING
    other = member(client, "other.chen", Role.HANDLER, other_unit, raise_server_exceptions=False)
    assert other.get(ticket_path(first)).status_code == 404  # not their unit's ticket: as before

    supervisor = member(client, "sup.sun2", Role.SUPERVISOR)
    moved = supervisor.post(ticket_path(first, "updates"), status="in_progress", note="维保单位已到场",
                            note_language="zh")
    assert moved.status_code == 303
    rows = table(supervisor.get(ticket_path(first)).text, "linked")
    assert rows.count("办理中") == 2 and "待受理" not in rows  # the duplicates follow the master
    english = unescape(supervisor.get(ticket_path(first), lang="en").text)
    assert "Linked duplicates" in english and "follow its status" in english
    assert table(english, "linked").count("In progress") == 2
    assert 'id="linked-duplicates"' not in supervisor.get(ticket_path(me_too)).text  # a duplicate has none


def test_a_linked_ticket_has_no_dispatch_panel_and_follows_its_master(client: TestClient) -> None:
    first, _, me_too = three_lifts(client)
    lift_unit = ticket_of(client, me_too).lead_unit
    assert lift_unit is not None
    operator = member(client, "op.wang", Role.OPERATOR)
    before = operator.get(ticket_path(me_too)).text
    assert 'id="dispatch-panel"' in before and 'id="pause-form"' in before
    assert operator.post(ticket_path(me_too, "link"), master=first, reason="同一部电梯").status_code == 303
    readers = [("op.wang", operator), ("sup.sun", member(client, "sup.sun", Role.SUPERVISOR)),
               ("admin", member(client, "admin", Role.ADMIN)), ("zhao.an", member(client, "zhao.an", Role.ANALYST)),
               ("lift.zhou", member(client, "lift.zhou", Role.HANDLER, lift_unit))]  # its part withdrawn, it reads
    for name, who in readers:
        html = who.get(ticket_path(me_too)).text
        assert 'id="dispatch-panel"' not in html and 'id="pause-form"' not in html, name
        assert 'id="ask-form"' not in html and 'id="resume-form"' not in html, name
        assert f"本工单为重复件，主工单： {first} ，随主工单状态办理。" in section(html, "duplicate-of"), name
        if 'id="clock-panel"' in html:
            assert "本工单为重复件，时限以主工单为准。" in section(html, "clock-panel"), name
    english = unescape(operator.get(ticket_path(me_too), lang="en").text)
    assert f'Duplicate of <a class="mono" href="{ticket_path(first)}">{first}</a>: follows its status.' in english
    assert "A duplicate: its master's deadlines count." in english and 'id="dispatch-panel"' not in english


def test_a_ticket_without_duplicates_lists_none(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    for name, role, unit in (("op.wang", Role.OPERATOR, None), ("cm.liu", Role.HANDLER, CITY_MANAGEMENT)):
        assert 'id="linked-duplicates"' not in member(client, name, role, unit).get(ticket_path(light)).text


def test_a_long_list_says_how_many_more_there_are(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import hotline.console.duplicate_panel as panel

    first, me_too, again = linked(client)
    monkeypatch.setattr(panel, "MAX_LINKED_SHOWN", 1)
    html = member(client, "sup.sun", Role.SUPERVISOR).get(ticket_path(first)).text
    rows = table(html, "linked")
    assert me_too in rows and again not in rows
    assert "(2)" in section(html, "linked-duplicates") and "另有 1 件未列出。" in section(html, "linked-duplicates")
