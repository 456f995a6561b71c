"""The deadline clock: paused while a ticket waits for the resident's answer, extended when a supervisor agrees.

- **Pause**: the lead unit (or the call centre) marks the ticket as waiting for the resident; no deadline step
  fires while it waits. On resume (the resident answered, or staff resume it) each running deadline moves by
  the time paused, as its rule counts time (``DeadlineRules.shift``: wall time for hours and calendar days,
  business hours for working days).
- **Extension**: the lead unit asks for more time on a deadline with a reason; a supervisor approves
  (``DeadlineRules.extend`` from the current due date) or refuses. One request waits per ticket at a time.

Every change is in the ticket's audit trail; a moved deadline starts its escalation steps again.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.dispatch.deadlines import DeadlineRules, Kind
from hotline.dispatch.escalation import RESOLUTION, RESPONSE, restart, schedule
from hotline.dispatch.workflow import check_workable, ticket_for_update
from hotline.domain.errors import BadRequest, Conflict, NotFound
from hotline.domain.history import Change, record_change
from hotline.domain.models import ExtensionRequest, Status, Ticket
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.tickets import Clock, utcnow

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
UNITS_OF_TIME = ("hours", "calendar_days", "working_days")
MAX_EXTENSION = {"hours": 24 * 30, "calendar_days": 90, "working_days": 60}


@dataclass(frozen=True)
class ExtensionAsk:
    kind: str  # response or resolution
    amount: int
    unit_of_time: str
    reason: str


class DeadlineClock:
    """Pause, resume and extensions, each one transaction."""

    def __init__(self, db: Database, *, rules: DeadlineRules, clock: Clock = utcnow) -> None:
        self.db, self.rules, self.clock = db, rules, clock

    def pause(self, service_request_id: str, *, actor: str, reason: str) -> Ticket:
        """Stop the clock while the ticket waits for the resident.

        Raises:
            NotFound, BadRequest (no reason), Conflict: closed, or waiting already.
        """
        if not reason.strip():
            raise BadRequest("say what the resident is asked (reason)")
        with self.db.write() as session, session.begin():
            ticket = _open_ticket(session, service_request_id)
            if ticket.paused_at is not None:
                raise Conflict("the ticket is waiting for the resident already")
            now = self.clock()
            ticket.paused_at, ticket.updated_at = now, now
            schedule(ticket)
            record_change(session, ticket, actor=actor, change=Change.PAUSED, at=now, reason=reason)
        return ticket

    def resume(self, service_request_id: str, *, actor: str, reason: str) -> Ticket:
        """Start the clock again; running deadlines move by the time paused.

        Raises:
            NotFound, Conflict: not waiting.
        """
        with self.db.write() as session, session.begin():
            ticket = _open_ticket(session, service_request_id)
            if ticket.paused_at is None:
                raise Conflict("the ticket is not waiting for the resident")
            now = self.clock()
            paused_from, ticket.paused_at, ticket.updated_at = ticket.paused_at, None, now
            tier = ticket.deadline_tier or self.rules.tier_for(ticket.service_code).name
            before = _dues(ticket)
            if ticket.status == Status.OPEN.value:  # the response deadline still runs
                ticket.response_due = self.rules.shift(ticket.response_due, tier=tier, kind=RESPONSE,
                                                       paused_from=paused_from, paused_until=now)
            ticket.resolution_due = self.rules.shift(ticket.resolution_due, tier=tier, kind=RESOLUTION,
                                                     paused_from=paused_from, paused_until=now)
            after = _dues(ticket)
            record_change(session, ticket, actor=actor, change=Change.RESUMED, at=now, reason=reason,
                          paused_from=paused_from.isoformat(), before=before, after=after)
            _restart_moved(ticket, before, after)
        return ticket

    def ask_extension(self, service_request_id: str, ask: ExtensionAsk, *, unit: str, actor: str) -> ExtensionRequest:
        """The lead unit asks for more time.

        Raises:
            NotFound: no such ticket, or ``unit`` is not its lead. BadRequest: a bad ask.
            Conflict: closed, a request waits already, or the response deadline is met already.
        """
        if ask.kind not in (RESPONSE, RESOLUTION) or ask.unit_of_time not in UNITS_OF_TIME:
            raise BadRequest("kind is response or resolution; unit_of_time hours, calendar_days or working_days")
        if not 1 <= ask.amount <= MAX_EXTENSION[ask.unit_of_time]:
            raise BadRequest(f"amount must be 1 to {MAX_EXTENSION[ask.unit_of_time]} {ask.unit_of_time}")
        if not ask.reason.strip():
            raise BadRequest("say why more time is needed (reason)")
        with self.db.write() as session, session.begin():
            ticket = _open_ticket(session, service_request_id)
            if ticket.lead_unit != unit:
                raise NotFound(f"service request {service_request_id} is not led by {unit}")
            if ask.kind == RESPONSE and ticket.status != Status.OPEN.value:
                raise Conflict("the response deadline is met already")
            waiting = session.scalars(select(ExtensionRequest).where(ExtensionRequest.ticket_id == ticket.id,
                                                                     ExtensionRequest.state == PENDING)).first()
            if waiting is not None:
                raise Conflict(f"extension request {waiting.id} waits for a supervisor already")
            now = self.clock()
            request = ExtensionRequest(ticket_id=ticket.id, kind=ask.kind, amount=ask.amount,
                                       unit_of_time=ask.unit_of_time, reason=ask.reason, unit=unit,
                                       requested_by=actor, requested_at=now, state=PENDING)
            session.add(request)
            session.flush()
            record_change(session, ticket, actor=actor, change=Change.EXTENSION_ASKED, at=now, reason=ask.reason,
                          request=request.id, deadline=ask.kind, amount=ask.amount, unit_of_time=ask.unit_of_time)
        return request

    def decide_extension(self, request_id: int, *, approve: bool, actor: str, note: str) -> ExtensionRequest:
        """A supervisor approves (the deadline moves) or refuses a waiting request.

        Raises:
            NotFound, Conflict: decided already, or the ticket is closed.
        """
        with self.db.write() as session, session.begin():
            request = session.scalars(select(ExtensionRequest).where(ExtensionRequest.id == request_id)
                                      .with_for_update()).first()
            if request is None:
                raise NotFound(f"extension request {request_id} not found")
            if request.state != PENDING:
                raise Conflict(f"extension request {request_id} was {request.state} by {request.decided_by}")
            ticket = session.get(Ticket, request.ticket_id, with_for_update=True)
            assert ticket is not None
            if ticket.status in OPEN311_CLOSED:
                raise Conflict(f"the ticket is {ticket.status}")
            now = self.clock()
            request.state = APPROVED if approve else REFUSED
            request.decided_by, request.decided_at, request.decision_note = actor, now, note
            before = _dues(ticket)
            if approve:
                tier = ticket.deadline_tier or self.rules.tier_for(ticket.service_code).name
                due = ticket.response_due if request.kind == RESPONSE else ticket.resolution_due
                kind: Kind = RESPONSE if request.kind == RESPONSE else RESOLUTION
                moved = self.rules.extend(due, tier=tier, kind=kind, amount=request.amount,
                                          unit=request.unit_of_time)  # type: ignore[arg-type]
                if request.kind == RESPONSE:
                    ticket.response_due = moved
                else:
                    ticket.resolution_due = moved
                ticket.updated_at = now
            after = _dues(ticket)
            record_change(session, ticket, actor=actor, change=Change.EXTENSION_DECIDED, at=now, reason=note,
                          request=request.id, approved=approve, before=before, after=after)
            _restart_moved(ticket, before, after)
        return request

    def waiting_requests(self, *, limit: int, offset: int) -> list[tuple[ExtensionRequest, Ticket]]:
        """Requests waiting for a supervisor, oldest first, with their tickets."""
        with self.db.read() as session:
            query = (select(ExtensionRequest, Ticket).join(Ticket, Ticket.id == ExtensionRequest.ticket_id)
                     .where(ExtensionRequest.state == PENDING).order_by(ExtensionRequest.id)
                     .limit(limit).offset(offset))
            rows = session.execute(query).all()
        return [(request, ticket) for request, ticket in rows]


def _open_ticket(session: Session, service_request_id: str) -> Ticket:
    ticket = ticket_for_update(session, service_request_id)
    check_workable(ticket)
    return ticket


def _dues(ticket: Ticket) -> dict[str, str]:
    return {RESPONSE: ticket.response_due.isoformat(), RESOLUTION: ticket.resolution_due.isoformat()}


def _restart_moved(ticket: Ticket, before: dict[str, str], after: dict[str, str]) -> None:
    for kind in (RESPONSE, RESOLUTION):
        if before[kind] != after[kind]:
            restart(ticket, kind)
    schedule(ticket)
