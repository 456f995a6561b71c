"""The deadline clock on SQLite and PostgreSQL: paused while waiting for the resident (no escalation fires, the
deadlines move by the time paused as each rule counts time), and extensions a supervisor approves or refuses,
all in the audit trail."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.dispatch.clock import ExtensionAsk
from hotline.dispatch.escalation import EscalationSweep
from hotline.domain.errors import BadRequest, Conflict, NotFound
from hotline.domain.models import Ticket, TicketEscalation, TicketHistory
from hotline.domain.tickets import NewRequest, TicketDesk
from tests.hotline.dispatch.conftest import CITY_MANAGEMENT, FILED, World


def file_ticket(desk: TicketDesk, code: str = "street_light_out") -> Ticket:
    ticket, _ = desk.file(NewRequest(service_code=code, description="路灯不亮，晚上很黑", language="zh",
                                     address_string="北京市朝阳区三里屯街道工体北路8号"))
    return ticket


def trail(world: World, ticket: Ticket) -> list[TicketHistory]:
    with world.db.read() as session:
        return list(session.scalars(select(TicketHistory).where(TicketHistory.ticket_id == ticket.id)
                                    .order_by(TicketHistory.id)).all())


def test_no_step_fires_while_paused_and_resuming_moves_the_deadlines_by_the_pause(world: World) -> None:
    light = file_ticket(world.desk)
    world.clock.now = FILED + timedelta(hours=2)
    world.deadline_clock.pause(light.service_request_id, actor="handler:liu", reason="请问是哪一根灯杆？")
    with pytest.raises(Conflict):
        world.deadline_clock.pause(light.service_request_id, actor="handler:liu", reason="again")
    world.clock.now = light.response_due + timedelta(hours=5)  # past the response deadline, while waiting
    assert EscalationSweep(world.db, clock=world.clock).sweep() == 0

    resumed = world.deadline_clock.resume(light.service_request_id, actor="resident", reason="居民回复：东门第三根")
    paused_for = light.response_due + timedelta(hours=5) - (FILED + timedelta(hours=2))
    assert resumed.response_due == light.response_due + paused_for  # hours: wall time
    assert resumed.resolution_due == light.resolution_due + paused_for  # calendar days: wall time too
    assert resumed.paused_at is None and resumed.next_escalation_at is not None
    with pytest.raises(Conflict):
        world.deadline_clock.resume(light.service_request_id, actor="resident", reason="again")
    actions = [(row.action, row.actor) for row in trail(world, light)][-2:]
    assert actions == [("paused", "handler:liu"), ("resumed", "resident")]
    assert trail(world, light)[-1].detail["before"]["response"] == light.response_due.isoformat()


def test_a_working_day_deadline_moves_by_business_hours_only(world: World) -> None:
    structure = file_ticket(world.desk, "illegal_structure")  # complex: 15 working days
    # Paused from Friday 17:00 to Monday 09:00 Beijing: half an hour of business time (17:00-17:30 on Friday).
    world.clock.now = FILED.replace(day=27, hour=9)  # Friday 2026-11-27 17:00 Beijing
    world.deadline_clock.pause(structure.service_request_id, actor="handler:zhou", reason="请提供照片")
    world.clock.now = FILED.replace(day=30, hour=1)  # Monday 2026-11-30 09:00 Beijing
    resumed = world.deadline_clock.resume(structure.service_request_id, actor="handler:zhou", reason="已收到")
    # The old due date is 17:30 on a working day: half an hour more is 09:30 on the next working day.
    assert resumed.resolution_due - structure.resolution_due > timedelta(hours=15)
    local = (resumed.resolution_due + timedelta(hours=8))
    assert (local.hour, local.minute) == (9, 30)


def test_an_extension_is_asked_by_the_lead_unit_and_moves_the_deadline_only_when_approved(world: World) -> None:
    light = file_ticket(world.desk)
    ask = ExtensionAsk(kind="resolution", amount=3, unit_of_time="working_days", reason="需要协调供电公司")
    with pytest.raises(NotFound):
        world.deadline_clock.ask_extension(light.service_request_id, ask, unit="dept:housing_commission",
                                           actor="handler:chen")
    with pytest.raises(BadRequest):
        world.deadline_clock.ask_extension(light.service_request_id, ExtensionAsk("resolution", 0, "hours", "x"),
                                           unit=CITY_MANAGEMENT, actor="handler:liu")
    first = world.deadline_clock.ask_extension(light.service_request_id, ask, unit=CITY_MANAGEMENT,
                                               actor="handler:liu")
    with pytest.raises(Conflict):  # one waits at a time
        world.deadline_clock.ask_extension(light.service_request_id, ask, unit=CITY_MANAGEMENT, actor="handler:liu")
    assert [r.id for r, _ in world.deadline_clock.waiting_requests(limit=10, offset=0)] == [first.id]

    refused = world.deadline_clock.decide_extension(first.id, approve=False, actor="supervisor:sun", note="不同意")
    assert refused.state == "refused"
    with world.db.read() as session:
        unchanged = session.get(Ticket, light.id)
    assert unchanged is not None and unchanged.resolution_due == light.resolution_due
    with pytest.raises(Conflict):
        world.deadline_clock.decide_extension(first.id, approve=True, actor="supervisor:sun", note="")

    second = world.deadline_clock.ask_extension(light.service_request_id, ask, unit=CITY_MANAGEMENT,
                                                actor="handler:liu")
    world.clock.now = light.resolution_due - timedelta(hours=1)
    assert EscalationSweep(world.db, clock=world.clock).sweep() == 2  # response overdue, resolution due soon
    world.deadline_clock.decide_extension(second.id, approve=True, actor="supervisor:sun", note="同意延期三个工作日")
    with world.db.read() as session:
        moved = session.get(Ticket, light.id)
    assert moved is not None and moved.resolution_due > light.resolution_due + timedelta(days=2)
    assert moved.resolution_escalation == 0 and moved.response_escalation == 2  # the moved deadline starts again
    world.clock.now = moved.resolution_due
    assert EscalationSweep(world.db, clock=world.clock).sweep() == 1  # overdue for the new due date
    with world.db.read() as session:
        kinds = session.scalars(select(TicketEscalation.level).where(TicketEscalation.ticket_id == light.id,
                                                                     TicketEscalation.kind == "resolution")).all()
    assert list(kinds) == ["due_soon", "overdue"]
    decided = [row for row in trail(world, light) if row.action == "extension_decided"]
    assert [(row.actor, row.detail["approved"]) for row in decided] == [("supervisor:sun", False),
                                                                        ("supervisor:sun", True)]
    assert decided[-1].detail["after"]["resolution"] == moved.resolution_due.isoformat()
