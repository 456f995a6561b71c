"""Dispatch, accept, return, re-dispatch and co-handling of tickets by handling units.

A filed ticket that the routing rules can place goes straight to its lead unit (``dispatch_lead``, called by
the ticket desk in the filing transaction); one they cannot place waits for the call centre. The lead unit
accepts it or returns it with a reason; the call centre re-dispatches (another category, sub-district or
unit), which withdraws the old assignment. Assisting units can be added; each accepts or returns its own
part. Every step writes the ticket's audit trail (hotline.domain.history) and an outbox event.

Concurrency: each step locks the ticket row first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers
are serialised by ``BEGIN IMMEDIATE``), then checks the state it expects. Of two units racing on one
ticket, the second sees the first one's result and gets a ``Conflict`` that says what happened.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.gazetteer import Gazetteer
from bot.taxonomy import Taxonomy
from hotline.db import Database
from hotline.dispatch.assignments import ACTIVE, dispatch_lead
from hotline.dispatch.deadlines import DeadlineRules
from hotline.dispatch.escalation import RESOLUTION, RESPONSE, restart
from hotline.dispatch.units import Units
from hotline.domain.errors import BadRequest, Conflict, Forbidden, NotFound
from hotline.domain.events import TICKET_DISPATCHED, TICKET_RETURNED, record_event
from hotline.domain.history import Change, record_change
from hotline.domain.lifecycle import Lifecycle
from hotline.domain.models import (
    AssignmentRole,
    AssignmentState,
    DispatchState,
    Status,
    Ticket,
    TicketAssignment,
    TicketUpdate,
)
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.tickets import Clock, utcnow

INTERNAL_REFERRAL = "INTERNAL_REFERRAL"  # FixMyStreet's state for a report passed to another body


class ReturnReason(str, Enum):
    NOT_OURS = "not_ours"  # another department's responsibility
    WRONG_PLACE = "wrong_place"  # another sub-district's
    DUPLICATE = "duplicate"
    NEEDS_INFORMATION = "needs_information"


@dataclass(frozen=True)
class Redispatch:
    """What the call centre changes when it sends a ticket elsewhere; None keeps the current value."""

    service_code: str | None = None
    subdistrict_code: str | None = None
    unit: str | None = None  # an explicit unit; else the routing rules' unit for the (new) category and place


class Dispatcher:
    """The steps above, each one transaction."""

    def __init__(self, db: Database, *, units: Units, taxonomy: Taxonomy, gazetteer: Gazetteer,
                 lifecycle: Lifecycle, rules: DeadlineRules, clock: Clock = utcnow) -> None:
        self.db, self.units, self.taxonomy, self.gazetteer = db, units, taxonomy, gazetteer
        self.lifecycle, self.rules, self.clock = lifecycle, rules, clock

    def dispatch(self, service_request_id: str, *, unit: str, actor: str, reason: str,
                 role: AssignmentRole = AssignmentRole.LEAD) -> Ticket:
        """The call centre sends a ticket that has no active lead to ``unit``, or adds an assisting unit.

        Raises:
            NotFound: no such ticket. BadRequest: unknown unit.
            Conflict: the ticket is closed, already has an active lead (re-dispatch instead), or the unit
                already has an active part in it.
        """
        self._check_unit(unit)
        with self.db.write() as session, session.begin():
            ticket = ticket_for_update(session, service_request_id)
            check_workable(ticket)
            now = self.clock()
            if any(a.unit == unit and a.state in ACTIVE for a in ticket.assignments):
                raise Conflict(f"{unit} already handles this ticket")
            if role is AssignmentRole.LEAD:
                if _active_lead(ticket) is not None:
                    raise Conflict(f"the ticket is with {ticket.lead_unit}: re-dispatch it to change the lead unit")
                dispatch_lead(session, ticket, unit=unit, actor=actor, at=now, reason=reason)
            else:
                session.add(TicketAssignment(ticket=ticket, unit=unit, role=role.value,
                                             state=AssignmentState.DISPATCHED.value, dispatched_at=now,
                                             dispatched_by=actor))
                ticket.updated_at = now
                record_change(session, ticket, actor=actor, change=Change.ASSISTING_ADDED, at=now, reason=reason,
                              unit=unit, role=role.value)
                record_event(session, TICKET_DISPATCHED, ticket, at=now, unit=unit, role=role.value, actor=actor)
        return ticket

    def accept(self, service_request_id: str, *, unit: str, actor: str) -> Ticket:
        """``unit`` takes on its part. The lead's acceptance moves an open ticket to ``accepted``.

        Raises:
            NotFound: no such ticket, or nothing of it is in ``unit``'s queue.
            Conflict: the part was accepted, returned or withdrawn already.
        """
        with self.db.write() as session, session.begin():
            ticket = ticket_for_update(session, service_request_id)
            check_workable(ticket)
            part = _part_of(ticket, unit)
            now = self.clock()
            part.state, part.decided_at, part.decided_by = AssignmentState.ACCEPTED.value, now, actor
            record_change(session, ticket, actor=actor, change=Change.ACCEPTED, at=now, unit=unit, role=part.role)
            if part.role == AssignmentRole.LEAD.value:
                ticket.dispatch_state, ticket.accepted_at = DispatchState.ACCEPTED.value, now
                if ticket.status in (Status.OPEN.value, Status.REOPENED.value):
                    self.lifecycle.apply(session, ticket, status=Status.ACCEPTED, note="",
                                         note_language=ticket.language, actor=actor)
            ticket.updated_at = now
        return ticket

    def give_back(self, service_request_id: str, *, unit: str, actor: str, reason: ReturnReason,
                  note: str) -> Ticket:
        """``unit`` returns its part with a reason; a returned lead puts the ticket back with the call centre.

        Raises:
            NotFound: nothing of the ticket is in ``unit``'s queue. BadRequest: no explanation.
            Conflict: the part was returned or withdrawn already.
        """
        if not note.strip():
            raise BadRequest("say why the ticket is returned (note)")
        with self.db.write() as session, session.begin():
            ticket = ticket_for_update(session, service_request_id)
            check_workable(ticket)
            part = _part_of(ticket, unit, accepted_too=True)
            now = self.clock()
            part.state, part.decided_at, part.decided_by = AssignmentState.RETURNED.value, now, actor
            part.return_reason = reason.value
            if part.role == AssignmentRole.LEAD.value:
                ticket.dispatch_state = DispatchState.RETURNED.value
            ticket.updated_at = now
            record_change(session, ticket, actor=actor, change=Change.RETURNED, at=now, reason=note, unit=unit,
                          role=part.role, return_reason=reason.value)
            record_event(session, TICKET_RETURNED, ticket, at=now, unit=unit, role=part.role,
                         return_reason=reason.value, actor=actor)
        return ticket

    def redispatch(self, service_request_id: str, change: Redispatch, *, actor: str, reason: str) -> Ticket:
        """The call centre changes category, sub-district or unit and sends the ticket to its new lead unit.

        Raises:
            NotFound: no such ticket. BadRequest: unknown category, sub-district or unit, no reason, or
                nothing would change. Conflict: the ticket is closed, or no unit can take it.
        """
        if not reason.strip():
            raise BadRequest("say why the ticket is re-dispatched (reason)")
        category = None
        if change.service_code is not None:
            category = self.taxonomy.leaf(change.service_code)
            if category is None:
                raise BadRequest(f"service_code {change.service_code!r} not found")
        if change.subdistrict_code is not None and change.subdistrict_code not in self.gazetteer.subdistricts:
            raise BadRequest(f"sub-district {change.subdistrict_code!r} not found")
        if change.unit is not None:
            self._check_unit(change.unit)
        with self.db.write() as session, session.begin():
            ticket = ticket_for_update(session, service_request_id)
            check_workable(ticket)
            now = self.clock()
            before = {"service_code": ticket.service_code, "department": ticket.department,
                      "subdistrict_code": ticket.subdistrict_code, "district_code": ticket.district_code,
                      "unit": ticket.lead_unit}
            if category is not None:
                ticket.service_code, ticket.department = category.code, category.department
            if change.subdistrict_code is not None:
                ticket.subdistrict_code = change.subdistrict_code
                ticket.district_code = self.gazetteer.subdistricts[change.subdistrict_code].district_code
            unit = change.unit or self.units.for_routing(ticket.department, ticket.subdistrict_code)
            if unit is None:
                raise Conflict("no unit handles this category in this place: name a unit")
            after = {"service_code": ticket.service_code, "department": ticket.department,
                     "subdistrict_code": ticket.subdistrict_code, "district_code": ticket.district_code,
                     "unit": unit}
            lead = _active_lead(ticket)
            if after == before and lead is not None:
                raise BadRequest("nothing would change: the ticket is with that unit already")
            for part in ticket.assignments:
                if part.role == AssignmentRole.LEAD.value and part.state in ACTIVE:
                    part.state, part.decided_at, part.decided_by = AssignmentState.WITHDRAWN.value, now, actor
            record_change(session, ticket, actor=actor, change=Change.REDISPATCHED, at=now, reason=reason,
                          before=before, after=after)
            ticket.accepted_at = None
            if category is not None and category.code != before["service_code"]:
                self._new_category_deadlines(session, ticket, actor=actor, at=now, reason=reason)
            dispatch_lead(session, ticket, unit=unit, actor=actor, at=now, reason=reason)
            # The public record says it changed hands, not why (the reason may name people or places).
            ticket.updates.append(TicketUpdate(status=ticket.status, note="", note_language=ticket.language,
                                               actor=actor, created_at=now, public_state=INTERNAL_REFERRAL))
        return ticket

    def _new_category_deadlines(self, session: Session, ticket: Ticket, *, actor: str, at: datetime,
                                reason: str) -> None:
        """The new category's rule, counted from filing: misrouting never gives the unit, nor takes from it, time."""
        due = self.rules.deadlines(ticket.service_code, start=ticket.requested_at)
        before = {"tier": ticket.deadline_tier, "response_due": ticket.response_due.isoformat(),
                  "resolution_due": ticket.resolution_due.isoformat()}
        after = {"tier": due.tier, "response_due": due.response_due.isoformat(),
                 "resolution_due": due.resolution_due.isoformat()}
        if after != before:
            moved = [kind for kind, old, new in ((RESPONSE, ticket.response_due, due.response_due),
                                                 (RESOLUTION, ticket.resolution_due, due.resolution_due)) if old != new]
            ticket.deadline_tier, ticket.response_due, ticket.resolution_due = (
                due.tier, due.response_due, due.resolution_due)
            for kind in moved:
                restart(ticket, kind)
            record_change(session, ticket, actor=actor, change=Change.DEADLINES, at=at, reason=reason,
                          before=before, after=after)

    def _check_unit(self, unit: str) -> None:
        if unit not in self.units:
            raise BadRequest(f"unit {unit!r} not found")


def ticket_for_update(session: Session, service_request_id: str) -> Ticket:
    """The ticket with its parts, timeline and ratings, its row locked for this transaction.

    Raises:
        NotFound: no such ticket.
    """
    ticket = session.scalars(
        select(Ticket).where(Ticket.service_request_id == service_request_id)
        .options(selectinload(Ticket.assignments), selectinload(Ticket.updates), selectinload(Ticket.satisfaction))
        .with_for_update(of=Ticket)
    ).first()
    if ticket is None:
        raise NotFound(f"service request {service_request_id} not found")
    return ticket


def check_workable(ticket: Ticket) -> None:
    """Raises Conflict for a ticket no unit works on: closed, or a duplicate following its master."""
    if ticket.status in OPEN311_CLOSED:
        raise Conflict(f"the ticket is {ticket.status}")
    if ticket.master_id is not None:
        raise Conflict("the ticket is a duplicate and follows its master: act on the master")


def _active_lead(ticket: Ticket) -> TicketAssignment | None:
    return next((a for a in ticket.assignments if a.role == AssignmentRole.LEAD.value and a.state in ACTIVE), None)


def _part_of(ticket: Ticket, unit: str, *, accepted_too: bool = False) -> TicketAssignment:
    """``unit``'s latest part in the ticket, which must be waiting (or, to return it, accepted)."""
    parts = [a for a in ticket.assignments if a.unit == unit]
    if not parts:
        raise NotFound(f"service request {ticket.service_request_id} is not in the queue of {unit}")
    part = parts[-1]
    allowed = ACTIVE if accepted_too else (AssignmentState.DISPATCHED.value,)
    if part.state not in allowed:
        by = f" by {part.decided_by}" if part.decided_by else ""
        raise Conflict(f"{unit}'s part was {part.state}{by} already")
    return part


def check_acts_for(principal_role: str, principal_unit: str | None, unit: str) -> None:
    """Handlers act for their own unit only; the call centre's supervisors and admins may act for any.

    Raises:
        Forbidden: a handler of another unit.
    """
    if principal_role == "handler" and principal_unit != unit:
        raise Forbidden("handlers act for their own unit only")
