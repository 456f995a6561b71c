"""Duplicates on SQLite and PostgreSQL: suggestions find the same case nearby and not the lift of another
building; a linked ticket leaves the queues and the escalation, follows its master's status with an event of
its own (so its resident is told and surveyed), and shows as DUPLICATE in Open311's updates."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.dispatch.duplicates import DuplicateDetector
from hotline.dispatch.escalation import EscalationSweep
from hotline.dispatch.links import Linker
from hotline.dispatch.queues import to_dispatch, unit_queue
from hotline.domain.errors import BadRequest, Conflict
from hotline.domain.events import CAUSE_MASTER, TICKET_STATUS_CHANGED
from hotline.domain.models import OutboxEvent, Status, Ticket, TicketUpdate
from hotline.domain.tickets import NewRequest, TicketDesk
from tests.hotline.dispatch.conftest import FILED, World

HOUSING = "dept:housing_commission"
SANLITUN = "北京市朝阳区三里屯街道"


def lift(desk: TicketDesk, text: str) -> Ticket:
    ticket, _ = desk.file(NewRequest(service_code="elevator_broken", description=text, language="zh",
                                     address_string=f"{SANLITUN}幸福村小区"))
    return ticket


@pytest.fixture
def linker(world: World) -> Linker:
    return Linker(world.db, detector=DuplicateDetector(world.desk.taxonomy), lifecycle=world.dispatcher.lifecycle,
                  clock=world.clock)


def test_suggestions_find_the_same_lift_and_not_another_building_s(world: World, linker: Linker) -> None:
    first = lift(world.desk, "幸福村小区3号楼电梯坏了三天了，老人上不了楼")
    other_building = lift(world.desk, "幸福村小区7号楼电梯坏了三天了，老人上不了楼")
    world.clock.now = FILED + timedelta(hours=5)
    me_too = lift(world.desk, "3号楼的电梯还是停着，一直没人修")
    found = [ticket.service_request_id for ticket, _ in linker.suggestions(me_too.service_request_id)]
    assert found == [first.service_request_id]
    assert other_building.service_request_id not in found


def test_a_linked_ticket_follows_its_master_and_leaves_the_queues(world: World, linker: Linker) -> None:
    master = lift(world.desk, "幸福村小区3号楼电梯坏了")
    world.clock.now = FILED + timedelta(hours=1)
    duplicate = lift(world.desk, "3号楼电梯停运一天了")
    linked = linker.link(duplicate.service_request_id, master=master.service_request_id, actor="operator:wang",
                         reason="同一部电梯")
    assert linked.master_id == master.id and linked.dispatch_state == "linked"
    queue = [row.ticket.id for row in unit_queue(world.db, HOUSING, limit=10, offset=0)[1]]
    assert queue == [master.id]
    assert to_dispatch(world.db, limit=10, offset=0)[0] == 0
    world.clock.now = master.resolution_due + timedelta(days=1)
    assert EscalationSweep(world.db, clock=world.clock).sweep() == 2  # the master's response and resolution only

    world.dispatcher.accept(master.service_request_id, unit=HOUSING, actor="handler:chen")
    world.dispatcher.lifecycle.update(master.service_request_id, status=Status.RESOLVED,
                                      note="张先生您好，电梯已修复，有问题请打13812345678", note_language="zh",
                                      actor="handler:chen")
    with world.db.read() as session:
        follower = session.get(Ticket, duplicate.id)
        events = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == TICKET_STATUS_CHANGED)).all()
        public = session.scalars(select(TicketUpdate.public_state).where(TicketUpdate.ticket_id == duplicate.id)).all()
    assert follower is not None and follower.status == "resolved"
    mine = [(e.payload["status"], e.payload["cause"], e.payload["note"]) for e in events
            if e.payload["service_request_id"] == duplicate.service_request_id]
    # The master's resident's name and number stay with the master's resident.
    assert mine == [("accepted", CAUSE_MASTER, ""),
                    ("resolved", CAUSE_MASTER, "[name]先生您好，电梯已修复，有问题请打[phone]")]
    assert "DUPLICATE" in public


def test_linking_refuses_what_makes_no_sense_and_goes_to_the_root(world: World, linker: Linker) -> None:
    a, b, c = (lift(world.desk, f"{n}号楼电梯坏了") for n in (1, 1, 1))
    with pytest.raises(BadRequest):
        linker.link(a.service_request_id, master=a.service_request_id, actor="op", reason="x")
    with pytest.raises(BadRequest):
        linker.link(a.service_request_id, master=b.service_request_id, actor="op", reason=" ")
    linker.link(b.service_request_id, master=a.service_request_id, actor="op", reason="同一部电梯")
    with pytest.raises(Conflict):
        linker.link(b.service_request_id, master=c.service_request_id, actor="op", reason="again")
    with pytest.raises(Conflict):  # a has a duplicate of its own
        linker.link(a.service_request_id, master=c.service_request_id, actor="op", reason="x")
    linked = linker.link(c.service_request_id, master=b.service_request_id, actor="op", reason="同一部电梯")
    assert linked.master_id == a.id  # b follows a, so c does too
    with pytest.raises(BadRequest):
        linker.link(a.service_request_id, master=c.service_request_id, actor="op", reason="loop")
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Ticket).where(Ticket.master_id == a.id)) == 2
