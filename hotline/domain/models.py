"""Database tables (SQLAlchemy 2). Schema changes go through Alembic migrations."""

from datetime import datetime, timezone
from enum import Enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite itself keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC datetimes only")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    pass


class Status(str, Enum):
    """A ticket's lifecycle: open -> accepted -> in_progress -> resolved -> closed, and reopened."""

    OPEN = "open"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class Role(str, Enum):
    OPERATOR = "operator"  # the call centre: files, dispatches and re-dispatches
    SUPERVISOR = "supervisor"  # an operator who also decides extensions and works the escalation queue
    HANDLER = "handler"  # staff of one handling unit (a department or a sub-district office): its queue only
    ANALYST = "analyst"
    ADMIN = "admin"


class DispatchState(str, Enum):
    """Where a ticket stands with its lead handling unit (hotline.dispatch.workflow)."""

    UNDISPATCHED = "undispatched"  # the call centre has to pick a unit
    DISPATCHED = "dispatched"  # in the lead unit's queue, not accepted yet
    ACCEPTED = "accepted"
    RETURNED = "returned"  # the lead unit sent it back; the call centre re-dispatches
    LINKED = "linked"  # a duplicate: its master ticket's units handle it


class AssignmentRole(str, Enum):
    LEAD = "lead"
    ASSIST = "assist"


class AssignmentState(str, Enum):
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"  # the call centre re-dispatched elsewhere


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_request_id: Mapped[str] = mapped_column(String(32), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    service_code: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    description: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    # Machine translation for operators (hotline/machine_translation): the original stays in description.
    source_language: Mapped[str | None] = mapped_column(String(8))  # what the text is written in (any ISO code)
    translation: Mapped[str | None] = mapped_column(Text)
    translation_language: Mapped[str | None] = mapped_column(String(8))
    machine_translated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    translated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # De-identified description, address and translation (hotline.domain.privacy.public_text): what analysts search.
    public_text: Mapped[str | None] = mapped_column(Text)
    needs_multilingual_operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                                              index=True)
    address_string: Mapped[str | None] = mapped_column(String(500))
    lat: Mapped[float | None]
    long: Mapped[float | None]
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    media_url: Mapped[str | None] = mapped_column(String(1000))
    # Routing
    department: Mapped[str] = mapped_column(String(64), index=True)
    district_code: Mapped[str | None] = mapped_column(String(12), index=True)
    subdistrict_code: Mapped[str | None] = mapped_column(String(12), index=True)
    priority: Mapped[str] = mapped_column(String(8))
    response_due: Mapped[datetime] = mapped_column(UTCDateTime())
    resolution_due: Mapped[datetime] = mapped_column(UTCDateTime())
    # Dispatch (hotline.dispatch): the lead unit's state, copied here so unit queues need no join to sort.
    dispatch_state: Mapped[str] = mapped_column(String(16), default=DispatchState.UNDISPATCHED.value,
                                                server_default=DispatchState.UNDISPATCHED.value, index=True)
    lead_unit: Mapped[str | None] = mapped_column(String(64), index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the latest dispatch to a lead unit
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # filed -> accepted is the dispatch time
    deadline_tier: Mapped[str | None] = mapped_column(String(32))  # hotline/dispatch/data/deadline_rules.toml
    # Escalation (hotline.dispatch.escalation): 0 none, 1 due soon, 2 overdue, per deadline and the higher of the
    # two; the sweep visits only tickets whose next step is due (next_escalation_at <= now), by its index.
    response_escalation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolution_escalation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # The deadline clock stops while the ticket waits for the resident's answer (hotline.dispatch.clock).
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Urgent tickets: the danger named (bot/dangers.py, the most life-threatening when several are) and the
    # emergency number the resident was referred to; the lead unit is the department that follows it up.
    danger_kind: Mapped[str | None] = mapped_column(String(16))
    referred_to: Mapped[str | None] = mapped_column(String(8))
    # A duplicate ("me too") follows its master ticket's status (hotline.dispatch.links); None for a master.
    # (No foreign key: SQLite adds one only by copying the table; the code sets it from a loaded ticket's id.)
    master_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Personal data: never leaves the ticket store except to staff and the resident.
    channel: Mapped[str | None] = mapped_column(String(32))
    channel_user_id: Mapped[str | None] = mapped_column(String(128))
    # Who filed it, as a digest (channel user, or API key + client address): urgent floods merge by it.
    source_key: Mapped[str | None] = mapped_column(String(64), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    device_id: Mapped[str | None] = mapped_column(String(128))
    account_id: Mapped[str | None] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    updates: Mapped[list["TicketUpdate"]] = relationship(
        back_populates="ticket", order_by="TicketUpdate.id", cascade="all, delete-orphan"
    )
    satisfaction: Mapped[list["Satisfaction"]] = relationship(
        back_populates="ticket", order_by="Satisfaction.id", cascade="all, delete-orphan"
    )
    assignments: Mapped[list["TicketAssignment"]] = relationship(
        back_populates="ticket", order_by="TicketAssignment.id"
    )

    __table_args__ = (Index("ix_tickets_resident", "channel", "channel_user_id"),
                      # Unit queues read a unit's tickets urgent first, newest first (hotline.dispatch.queues).
                      Index("ix_tickets_queue_order", "priority", "requested_at"))


class TicketUpdate(Base):
    """One row per status change or note: the ticket's timeline."""

    __tablename__ = "ticket_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    note_language: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # What Open311's servicerequestupdates shows when it says more than the status (FixMyStreet's states):
    # INTERNAL_REFERRAL (re-dispatched), ACTION_SCHEDULED, DUPLICATE, NOT_RESPONSIBLE. None: from the status.
    public_state: Mapped[str | None] = mapped_column(String(24))

    ticket: Mapped[Ticket] = relationship(back_populates="updates")


class TicketAssignment(Base):
    """One handling unit's part in a ticket: the lead, or an assisting unit (co-handling)."""

    __tablename__ = "ticket_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16))
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dispatched_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # accepted, returned or withdrawn
    decided_by: Mapped[str | None] = mapped_column(String(100))
    return_reason: Mapped[str | None] = mapped_column(String(32))

    ticket: Mapped[Ticket] = relationship(back_populates="assignments")

    __table_args__ = (Index("ix_ticket_assignments_unit_state", "unit", "state"),)


class TicketEscalation(Base):
    """A deadline step reached: due soon or overdue, for the response or the resolution deadline. Once each."""

    __tablename__ = "ticket_escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # response or resolution
    level: Mapped[str] = mapped_column(String(16))  # due_soon or overdue
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    unit: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("ticket_id", "kind", "level", "due_at", name="uq_ticket_escalation_step"),)


class ExtensionRequest(Base):
    """A unit asks for more time on a deadline; a supervisor approves or refuses it."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # response or resolution
    amount: Mapped[int] = mapped_column(Integer)
    unit_of_time: Mapped[str] = mapped_column(String(16))  # hours, calendar_days or working_days
    reason: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(64))  # the handling unit that asks
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending, approved or refused
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)


class TicketHistory(Base):
    """The audit trail of a ticket: who did what, when and why. Rows are only ever added."""

    __tablename__ = "ticket_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what changed: before/after, unit, ...


class Satisfaction(Base):
    """A resident's rating of how their appeal was handled."""

    __tablename__ = "satisfaction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    resolved: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket] = relationship(back_populates="satisfaction")


class OutboxEvent(Base):
    """An event written in the same transaction as the change it reports; relayed to Redis."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class StaffMember(Base):
    """An operator, analyst or admin. Only the SHA-256 of their token is stored."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(64))  # handlers only: hotline.dispatch.units
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(100))  # None: created before 0004 recorded it
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(100))


class ConsoleSession(Base):
    """A signed-in console session. The cookie holds a random id; only its SHA-256 is stored."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    staff_name: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(16))
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who did what to whom: staff tokens created and revoked, console sign-ins. Never token text."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LoginFailure(Base):
    """A failed sign-in, kept for the throttling window only (shared by every backend machine)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))  # the client address (an IPv6 client's /64)
    account: Mapped[str] = mapped_column(String(16))  # a prefix of the attempted token's SHA-256, never the token
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    __table_args__ = (Index("ix_login_failures_address_at", "address", "at"),)


class TranslationCacheEntry(Base):
    """One machine-translated text, keyed by the model, the language pair and the source text."""

    __tablename__ = "translation_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of model, pair and text
    source_language: Mapped[str] = mapped_column(String(8))
    target_language: Mapped[str] = mapped_column(String(8))
    translation: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
