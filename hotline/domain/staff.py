"""Who is calling: staff tokens (operator, analyst, admin) and the assistant's service key."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from hotline.config import Settings
from hotline.db import Database
from hotline.domain.errors import Conflict
from hotline.domain.models import Role, StaffMember

SERVICE = "service"
STAFF_ROLES = frozenset(r.value for r in Role)


@dataclass(frozen=True)
class Principal:
    name: str
    role: str  # operator, analyst, admin, or service (the assistant)

    @property
    def sees_personal_data(self) -> bool:
        return self.role in (Role.OPERATOR.value, Role.ADMIN.value)


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
    return Principal(name=member.name, role=member.role) if member else None


def add_staff(db: Database, *, name: str, role: Role) -> str:
    """Create a staff member and return their token (shown once, stored only as a digest).

    Raises:
        Conflict: the name is taken.
    """
    token = secrets.token_urlsafe(24)
    with db.write() as session, session.begin():
        if session.scalars(select(StaffMember).where(StaffMember.name == name)).first():
            raise Conflict(f"staff member {name!r} exists")
        session.add(StaffMember(name=name, role=role.value, token_sha256=token_digest(token), active=True,
                                created_at=datetime.now(timezone.utc)))
    return token
