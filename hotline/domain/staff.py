"""Who is calling: staff tokens (operator, analyst, admin) and the assistant's service key; tokens made and revoked."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from hotline.config import Settings
from hotline.db import Database
from hotline.domain.audit import SYSTEM, Action, record
from hotline.domain.errors import BadRequest, Conflict, NotFound
from hotline.domain.models import Role, StaffMember
from hotline.domain.sessions import end_member_sessions

SERVICE = "service"
STAFF_ROLES = frozenset(r.value for r in Role)
# The console's pages show the call centre's whole queue: handlers (one unit's staff) use /api/units/<unit>/queue.
CONSOLE_ROLES = STAFF_ROLES - {Role.HANDLER.value}
RESERVED_NAMES = frozenset({"admin", "assistant", SYSTEM})  # the settings' principals and the audit's own actor


@dataclass(frozen=True)
class Principal:
    name: str
    role: str  # operator, supervisor, handler, analyst, admin, or service (the assistant)
    unit: str | None = None  # a handler's unit (hotline.dispatch.units)

    @property
    def sees_personal_data(self) -> bool:
        """Handlers see it only on tickets their unit has a part in (the API checks which)."""
        return self.role in (Role.OPERATOR.value, Role.SUPERVISOR.value, Role.HANDLER.value, Role.ADMIN.value)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def identify(token: str, settings: Settings, db: Database) -> Principal | None:
    """The principal a bearer token belongs to, or None. Secrets compare in constant time."""
    if hmac.compare_digest(token.encode(), settings.operator_token.encode()):
        return Principal(name="admin", role=Role.ADMIN.value)
    if hmac.compare_digest(token.encode(), settings.service_key.encode()):
        return Principal(name="assistant", role=SERVICE)
    # Stored tokens are looked up by their SHA-256; the digest leaks nothing about the token.
    with db.read() as session:
        member = session.scalars(
            select(StaffMember).where(StaffMember.token_sha256 == token_digest(token), StaffMember.active.is_(True))
        ).first()
    return Principal(name=member.name, role=member.role, unit=member.unit) if member else None


def add_staff(db: Database, *, name: str, role: Role, created_by: str = SYSTEM, unit: str | None = None) -> str:
    """Create a staff member and return their token (shown once, stored only as a digest).

    A handler belongs to exactly one unit; nobody else has one. The caller checks that the unit exists.

    Raises:
        BadRequest: a handler without a unit, or a unit for another role.
        Conflict: the name is taken (also by a revoked member: names stay unique in the audit log) or reserved.
    """
    if (role is Role.HANDLER) != (unit is not None):
        raise BadRequest("a handler needs a unit, and only handlers have one")
    token = secrets.token_urlsafe(24)
    now = datetime.now(timezone.utc)
    with db.write() as session, session.begin():
        taken = session.scalars(select(StaffMember).where(StaffMember.name == name)).first()
        if taken is not None or name.lower() in RESERVED_NAMES:
            raise Conflict(f"staff member {name!r} exists")
        session.add(StaffMember(name=name, role=role.value, unit=unit, token_sha256=token_digest(token), active=True,
                                created_at=now, created_by=created_by))
        record(session, actor=created_by, action=Action.STAFF_CREATED, subject=name,
               detail={"role": role.value, **({"unit": unit} if unit else {})}, now=now)
    return token


def list_staff(db: Database) -> list[StaffMember]:
    """Every staff member, active or revoked, in the order they were created."""
    with db.read() as session:
        return list(session.scalars(select(StaffMember).order_by(StaffMember.id)).all())


def revoke_staff(db: Database, *, name: str, revoked_by: str) -> StaffMember:
    """Deactivate a member's token and end their console sessions, in one transaction; again is a no-op.

    Raises:
        NotFound: no member has that name.
    """
    now = datetime.now(timezone.utc)
    with db.write() as session, session.begin():
        member = session.scalars(select(StaffMember).where(StaffMember.name == name).with_for_update()).first()
        if member is None:
            raise NotFound(f"no staff member {name!r}")
        if member.active:
            member.active, member.revoked_at, member.revoked_by = False, now, revoked_by
            ended = end_member_sessions(session, name=name, now=now)
            record(session, actor=revoked_by, action=Action.STAFF_REVOKED, subject=name,
                   detail={"sessions_ended": ended}, now=now)
    return member
