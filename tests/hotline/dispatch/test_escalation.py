"""Escalation on SQLite and PostgreSQL: each deadline step fires once, at its time, into the right view, with an
audit-trail row and one ``ticket.escalated`` event; taken-up tickets stop their response steps; a moved deadline
starts its steps again; a sweep that dies mid-way loses and doubles nothing."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from hotline.db import Database
from hotline.dispatch import escalation
from hotline.dispatch.escalation import EscalationSweep, due_soon_at
from hotline.dispatch.queues import escalated, unit_due_soon
from hotline.dispatch.workflow import Redispatch
from hotline.domain.events import TICKET_ESCALATED
from hotline.domain.models import OutboxEvent, Status, Ticket, TicketEscalation, TicketHistory
from hotline.domain.tickets import NewRequest, TicketDesk
from tests.hotline.dispatch.conftest import CITY_MANAGEMENT, FILED, Clock


def file_light(desk: TicketDesk, text: str = "小区门口路灯不亮") -> Ticket:
    ticket, _ = desk.file(NewRequest(service_code="street_light_out", description=text, language="zh",
                                     address_string="北京市朝阳区三里屯街道工体北路8号"))
    return ticket


def steps(db: Database, ticket: Ticket) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.scalars(select(TicketEscalation).where(TicketEscalation.ticket_id == ticket.id)
                               .order_by(TicketEscalation.id)).all()
    return [(r.kind, r.level) for r in rows]


def escalation_events(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.event_type == TICKET_ESCALATED)) or 0


def sweep(db: Database, clock: Clock, at: datetime) -> int:
    clock.now = at
    return EscalationSweep(db, clock=clock, batch=3).sweep()


def test_each_step_fires_once_at_its_time_into_the_unit_view_then_the_supervisor_queue(world) -> None:  # type: ignore[no-untyped-def]
    db, desk, _, clock = world
    light = file_light(desk)
    response_soon = due_soon_at(light.requested_at, light.response_due)
    assert light.next_escalation_at == response_soon

    assert sweep(db, clock, response_soon - timedelta(seconds=1)) == 0
    assert sweep(db, clock, response_soon) == 1
    assert sweep(db, clock, response_soon + timedelta(minutes=5)) == 0  # once
    assert steps(db, light) == [("response", "due_soon")]
    assert [r.ticket.id for r in unit_due_soon(db, CITY_MANAGEMENT, limit=10, offset=0)[1]] == [light.id]
    assert escalated(db, unit=None, limit=10, offset=0)[0] == 0

    assert sweep(db, clock, light.response_due) == 1
    assert steps(db, light) == [("response", "due_soon"), ("response", "overdue")]
    assert [r.ticket.id for r in escalated(db, unit=CITY_MANAGEMENT, limit=10, offset=0)[1]] == [light.id]
    assert escalated(db, unit="dept:housing_commission", limit=10, offset=0)[0] == 0
    resolution_soon = due_soon_at(light.requested_at, light.resolution_due)
    assert sweep(db, clock, resolution_soon) == 1
    assert sweep(db, clock, light.resolution_due + timedelta(days=30)) == 1
    assert sweep(db, clock, light.resolution_due + timedelta(days=60)) == 0
    assert steps(db, light)[2:] == [("resolution", "due_soon"), ("resolution", "overdue")]
    assert escalation_events(db) == 4
    with db.read() as session:
        trail = session.scalars(select(TicketHistory).where(TicketHistory.ticket_id == light.id,
                                                            TicketHistory.action == "escalated")).all()
        ticket = session.get(Ticket, light.id)
    assert [(row.actor, row.detail["deadline"], row.detail["level"]) for row in trail] == [
        ("system:escalation", "response", "due_soon"), ("system:escalation", "response", "overdue"),
        ("system:escalation", "resolution", "due_soon"), ("system:escalation", "resolution", "overdue")]
    assert ticket is not None and ticket.next_escalation_at is None and ticket.escalation_level == 2


def test_a_sweep_that_was_down_fires_only_the_highest_step_and_taken_up_tickets_skip_response(world) -> None:  # type: ignore[no-untyped-def]
    db, desk, dispatcher, clock = world
    late = file_light(desk, "路灯一直不亮")
    taken = file_light(desk, "路灯坏了两盏")
    clock.now = FILED + timedelta(hours=1)
    dispatcher.accept(taken.service_request_id, unit=CITY_MANAGEMENT, actor="handler:liu")

    assert sweep(db, clock, late.resolution_due + timedelta(hours=1)) == 3
    assert steps(db, late) == [("response", "overdue"), ("resolution", "overdue")]
    assert steps(db, taken) == [("resolution", "overdue")]


def test_a_resolved_ticket_stops_and_a_moved_deadline_starts_its_steps_again(world) -> None:  # type: ignore[no-untyped-def]
    db, desk, dispatcher, clock = world
    light = file_light(desk)
    assert sweep(db, clock, light.response_due) == 1  # response overdue
    clock.now = light.response_due + timedelta(minutes=1)
    moved = dispatcher.redispatch(light.service_request_id, Redispatch(service_code="illegal_structure"),
                                  actor="operator:wang", reason="其实是违建")
    assert moved.resolution_due > light.resolution_due
    assert moved.response_escalation == 2 and moved.resolution_escalation == 0  # response due did not move
    assert sweep(db, clock, due_soon_at(moved.requested_at, moved.resolution_due)) == 1
    assert steps(db, light)[-1] == ("resolution", "due_soon")

    clock.now = moved.resolution_due - timedelta(hours=1)
    dispatcher.accept(light.service_request_id, unit="dept:urban_law_enforcement", actor="handler:zhou")
    dispatcher.lifecycle.update(light.service_request_id, status=None, note="已派人核查", note_language="zh",
                                actor="handler:zhou")
    dispatcher.lifecycle.update(light.service_request_id, status=Status.RESOLVED, note="已拆除", note_language="zh",
                                actor="handler:zhou")
    assert sweep(db, clock, moved.resolution_due + timedelta(days=3)) == 0
    with db.read() as session:
        ticket = session.get(Ticket, light.id)
    assert ticket is not None and ticket.next_escalation_at is None


def test_a_sweep_that_dies_mid_batch_loses_and_doubles_nothing(world, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    db, desk, _, clock = world
    tickets = [file_light(desk, f"路灯不亮 {n}") for n in range(7)]
    real = escalation.fire_due_steps
    calls = {"n": 0}

    def dying(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:  # inside the second batch of three
            raise RuntimeError("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(escalation, "fire_due_steps", dying)
    clock.now = tickets[0].response_due
    with pytest.raises(RuntimeError):
        EscalationSweep(db, clock=clock, batch=3).sweep()
    monkeypatch.setattr(escalation, "fire_due_steps", real)
    assert escalation_events(db) == 3  # the first batch committed, the second rolled back whole
    assert sweep(db, clock, tickets[0].response_due) == 4
    assert all(steps(db, t) == [("response", "overdue")] for t in tickets)
    assert escalation_events(db) == 7


def test_a_sweep_from_the_relay_stops_at_its_budget_and_goes_on_at_the_next_pass(world) -> None:  # type: ignore[no-untyped-def]
    db, desk, _, clock = world
    tickets = [file_light(desk, f"路灯不亮 {n}") for n in range(7)]
    clock.now = tickets[0].response_due
    sweeper = EscalationSweep(db, clock=clock, batch=3, budget=timedelta(0), every=timedelta(hours=1))
    done = []
    for _ in range(5):  # one batch of three per pass, however long ago the last run was
        sweeper.run_if_due()
        done.append((escalation_events(db), sweeper.behind))
    assert done[:3] == [(3, True), (6, True), (7, False)]
    assert done[3:] == [(7, False), (7, False)]  # caught up: the next run waits for ``every``
    assert all(steps(db, t) == [("response", "overdue")] for t in tickets)
