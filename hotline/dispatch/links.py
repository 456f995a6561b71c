"""Duplicates and "me too": suggest the open tickets a ticket may duplicate, and link it to one (its master).

A linked ticket stops being handled on its own: its units' parts are withdrawn, it leaves every queue and
its deadlines stop stepping (the master's carry the case), and from then on it follows the master's status
(hotline.domain.lifecycle: each status change of a master is applied to its duplicates, with its own
timeline row and event, so every linked resident is told and surveyed). Open311 shows the link as
FixMyStreet's ``DUPLICATE``; both tickets' audit trails record it.
"""

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.dispatch.assignments import ACTIVE
from hotline.dispatch.duplicates import NEARBY_METRES, WINDOW, Appeal, DuplicateDetector, Likeness, candidate
from hotline.dispatch.escalation import schedule
from hotline.dispatch.workflow import ticket_for_update
from hotline.domain.errors import BadRequest, Conflict
from hotline.domain.history import Change, record_change
from hotline.domain.lifecycle import Lifecycle, can_move
from hotline.domain.models import AssignmentState, DispatchState, Status, Ticket, TicketUpdate
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.tickets import Clock, load_ticket, utcnow

DUPLICATE = "DUPLICATE"  # FixMyStreet's state for a report of a problem already reported
MAX_CANDIDATES = 2000  # the newest; a sub-district's open tickets of a month are fewer
DEGREES_PER_METRE = 1 / 111_000  # latitude; longitude is wider apart in Beijing, so this box is generous


def appeal_of(ticket: Ticket) -> Appeal:
    return Appeal(text=ticket.description, address=ticket.address_string or "", service_code=ticket.service_code,
                  subdistrict_code=ticket.subdistrict_code,
                  lat=ticket.lat, long=ticket.long, filed_at=ticket.requested_at)


def master_service_request_id(db: Database, ticket: Ticket) -> str | None:
    """The service request id of the ticket ``ticket`` duplicates (its master), or None."""
    if ticket.master_id is None:
        return None
    with db.read() as session:
        master = session.get(Ticket, ticket.master_id)
    return master.service_request_id if master else None


class Linker:
    def __init__(self, db: Database, *, detector: DuplicateDetector, lifecycle: Lifecycle,
                 clock: Clock = utcnow) -> None:
        self.db, self.detector, self.lifecycle, self.clock = db, detector, lifecycle, clock

    def suggestions(self, service_request_id: str, *, limit: int = 5) -> list[tuple[Ticket, Likeness]]:
        """Open tickets this one may duplicate, most alike first, at or above the detector's threshold."""
        with self.db.read() as session:
            ticket = load_ticket(session, service_request_id)
            others = session.scalars(_nearby(ticket)).all()
        mine = appeal_of(ticket)
        scored = []
        for other in others:
            theirs = appeal_of(other)
            if candidate(mine, theirs):
                likeness = self.detector.likeness(mine, theirs)
                if likeness.score >= self.detector.threshold:
                    scored.append((other, likeness))
        scored.sort(key=lambda pair: pair[1].score, reverse=True)
        return scored[:limit]

    def link(self, service_request_id: str, *, master: str, actor: str, reason: str) -> Ticket:
        """Make ``service_request_id`` a duplicate of ``master`` (of its master, if ``master`` is linked itself).

        Raises:
            NotFound: either ticket. BadRequest: itself, or no reason.
            Conflict: either is closed, or the ticket has duplicates of its own (link those first).
        """
        if not reason.strip():
            raise BadRequest("say why the tickets are the same case (reason)")
        if master == service_request_id:
            raise BadRequest("a ticket cannot duplicate itself")
        with self.db.write() as session, session.begin():
            # Lock both rows in id order, so two links crossing each other cannot deadlock.
            first, second = sorted((service_request_id, master))
            locked = {srid: ticket_for_update(session, srid) for srid in (first, second)}
            ticket, root = locked[service_request_id], locked[master]
            if root.master_id is not None:
                root = session.get(Ticket, root.master_id, with_for_update=True) or root
            if root.id == ticket.id:
                raise BadRequest("that ticket already duplicates this one")
            for each in (ticket, root):
                if each.status in OPEN311_CLOSED:
                    raise Conflict(f"ticket {each.service_request_id} is {each.status}")
            if ticket.master_id is not None:
                raise Conflict("the ticket is linked already")
            if session.scalars(select(Ticket.id).where(Ticket.master_id == ticket.id).limit(1)).first():
                raise Conflict("the ticket has duplicates of its own: link them to the other ticket first")
            self._link(session, ticket, root, actor=actor, reason=reason, now=self.clock())
        return ticket

    def _link(self, session: Session, ticket: Ticket, root: Ticket, *, actor: str, reason: str,
              now: datetime) -> None:
        ticket.master_id = root.id
        for part in ticket.assignments:
            if part.state in ACTIVE:
                part.state, part.decided_at, part.decided_by = AssignmentState.WITHDRAWN.value, now, actor
        ticket.dispatch_state, ticket.updated_at = DispatchState.LINKED.value, now
        record_change(session, ticket, actor=actor, change=Change.LINKED, at=now, reason=reason,
                      master=root.service_request_id)
        record_change(session, root, actor=actor, change=Change.DUPLICATE_ADDED, at=now, reason=reason,
                      duplicate=ticket.service_request_id)
        ticket.updates.append(TicketUpdate(status=ticket.status, note="", note_language=ticket.language,
                                           actor=actor, created_at=now, public_state=DUPLICATE))
        target = Status(root.status)
        if target.value != ticket.status and can_move(Status(ticket.status), target):
            self.lifecycle.apply(session, ticket, status=target, note="", note_language=ticket.language,
                                 actor=actor)
        schedule(ticket)


def _nearby(ticket: Ticket) -> Select[Ticket]:
    """Open, unlinked tickets filed within the window of ``ticket``, in its sub-district or near its point."""
    query = select(Ticket).where(Ticket.id != ticket.id, Ticket.master_id.is_(None),
                                 Ticket.status.not_in(OPEN311_CLOSED),
                                 Ticket.requested_at >= ticket.requested_at - WINDOW,
                                 Ticket.requested_at <= ticket.requested_at + WINDOW)
    if ticket.lat is not None and ticket.long is not None:
        box = NEARBY_METRES * DEGREES_PER_METRE * 1.5
        near = ((Ticket.lat.between(ticket.lat - box, ticket.lat + box))
                & (Ticket.long.between(ticket.long - box, ticket.long + box)))
        query = query.where(near | (Ticket.subdistrict_code == ticket.subdistrict_code)
                            if ticket.subdistrict_code else near)
    elif ticket.subdistrict_code is not None:
        query = query.where(Ticket.subdistrict_code == ticket.subdistrict_code)
    else:
        return query.where(Ticket.id.is_(None))  # nowhere to look
    return query.order_by(Ticket.requested_at.desc()).limit(MAX_CANDIDATES)
