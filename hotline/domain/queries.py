"""Read-side queries over tickets and their timelines."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from hotline.db import Database
from hotline.domain.models import Status, Ticket, TicketUpdate
from hotline.domain.privacy import PRIVATE_SERVICE_CODES
from hotline.domain.routing import URGENT

OPEN311_CLOSED = (Status.RESOLVED.value, Status.CLOSED.value)


@dataclass(frozen=True)
class TicketFilter:
    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # our detailed statuses
    open311_status: str | None = None  # "open" or "closed"
    department: str | None = None
    district_code: str | None = None
    subdistrict_code: str | None = None
    text: str | None = None
    needs_multilingual_operator: bool | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 1000
    offset: int = 0
    public_only: bool = False  # the public record: no urgent or private tickets (hotline.domain.privacy)
    redacted_search: bool = False  # ``text`` searches the de-identified copy (analysts), not what was written


def public_tickets() -> ColumnElement[bool]:
    """The SQL form of ``hotline.domain.privacy.is_public``."""
    return and_(Ticket.priority != URGENT, Ticket.service_code.not_in(PRIVATE_SERVICE_CODES))


def filtered(f: TicketFilter) -> Select[Ticket]:
    """The tickets ``f`` selects, as a query to build on (no order, limit or offset)."""
    query = select(Ticket)
    if f.public_only:
        query = query.where(public_tickets())
    if f.service_request_ids:
        query = query.where(Ticket.service_request_id.in_(f.service_request_ids))
    if f.service_codes:
        query = query.where(Ticket.service_code.in_(f.service_codes))
    if f.statuses:
        query = query.where(Ticket.status.in_(f.statuses))
    if f.open311_status == "closed":
        query = query.where(Ticket.status.in_(OPEN311_CLOSED))
    elif f.open311_status == "open":
        query = query.where(Ticket.status.not_in(OPEN311_CLOSED))
    if f.department:
        query = query.where(Ticket.department == f.department)
    if f.district_code:
        query = query.where(Ticket.district_code == f.district_code)
    if f.subdistrict_code:
        query = query.where(Ticket.subdistrict_code == f.subdistrict_code)
    if f.text:
        pattern = f"%{f.text}%"
        searched = (Ticket.public_text,) if f.redacted_search else (Ticket.description, Ticket.address_string)
        query = query.where(or_(Ticket.service_request_id.ilike(pattern), *(c.ilike(pattern) for c in searched)))
    if f.needs_multilingual_operator is not None:
        query = query.where(Ticket.needs_multilingual_operator.is_(f.needs_multilingual_operator))
    if f.start:
        query = query.where(Ticket.requested_at >= f.start)
    if f.end:
        query = query.where(Ticket.requested_at <= f.end)
    return query


def find_tickets(db: Database, f: TicketFilter) -> list[Ticket]:
    """Tickets matching ``f``, newest first."""
    query = (
        filtered(f)
        .options(selectinload(Ticket.updates))
        .order_by(Ticket.requested_at.desc(), Ticket.id.desc())
        .limit(f.limit)
        .offset(f.offset)
    )
    with db.read() as session:
        return list(session.scalars(query))


def count_tickets(db: Database, f: TicketFilter) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(filtered(f).subquery())) or 0


def ticket_by_token(db: Database, token: str) -> Ticket | None:
    with db.read() as session:
        return session.scalars(select(Ticket).where(Ticket.token == token)).first()


def resident_tickets(db: Database, channel: str, channel_user_id: str, limit: int = 50) -> list[Ticket]:
    """One resident's tickets (exact match on both channel and user id), newest first."""
    query = (
        select(Ticket)
        .where(Ticket.channel == channel, Ticket.channel_user_id == channel_user_id)
        .options(selectinload(Ticket.updates))
        .order_by(Ticket.requested_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    with db.read() as session:
        return list(session.scalars(query))


def updates_between(db: Database, start: datetime | None, end: datetime | None,
                    limit: int = 1000, public_only: bool = False) -> list[tuple[TicketUpdate, str]]:
    """Timeline rows in a time window with their ticket's public id, oldest first
    (with ``public_only``, of public tickets only)."""
    query = select(TicketUpdate, Ticket.service_request_id).join(Ticket)
    if public_only:
        query = query.where(public_tickets())
    if start:
        query = query.where(TicketUpdate.created_at >= start)
    if end:
        query = query.where(TicketUpdate.created_at <= end)
    query = query.order_by(TicketUpdate.created_at, TicketUpdate.id).limit(limit)
    with db.read() as session:
        return [(update, request_id) for update, request_id in session.execute(query)]
