"""Console sessions kept on the server: the cookie holds a random id, the database only its SHA-256.

A session ends at the first of: sign-out, the member's token being revoked, ``idle`` without a request
(sliding), or ``lifetime`` after sign-in. ``last_seen_at`` is written at most once a minute, not on every
request. Storage stays bounded: every sign-in deletes the sessions that have ended and keeps at most
``KEEP_PER_MEMBER`` for the member signing in.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.db import Database
from hotline.domain.models import ConsoleSession

ID_BYTES = 32
TOUCH_EVERY = timedelta(minutes=1)
KEEP_PER_MEMBER = 10
USER_AGENT_CHARS = 200


@dataclass(frozen=True)
class SessionTimes:
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def of(cls, settings: Settings) -> "SessionTimes":
        return cls(idle=timedelta(minutes=settings.console_idle_minutes),
                   lifetime=timedelta(hours=settings.console_session_hours))


def session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def open_session(session: Session, *, name: str, role: str, user_agent: str, times: SessionTimes,
                 now: datetime) -> str:
    """Start a session for ``name`` in the caller's transaction and return its id (for the cookie only)."""
    session_id = secrets.token_urlsafe(ID_BYTES)
    _prune(session, name=name, times=times, now=now)
    session.add(ConsoleSession(id_sha256=session_digest(session_id), staff_name=name, role=role,
                               user_agent=user_agent[:USER_AGENT_CHARS], created_at=now, last_seen_at=now,
                               expires_at=now + times.lifetime))
    return session_id


def live_session(db: Database, session_id: str, *, times: SessionTimes, now: datetime) -> ConsoleSession | None:
    """The session ``session_id`` names if it has not ended; marks it seen (at most once a minute)."""
    with db.read() as session:
        row = session.scalars(select(ConsoleSession).where(ConsoleSession.id_sha256 == session_digest(session_id),
                                                           ConsoleSession.revoked_at.is_(None))).first()
    if row is None or now >= row.expires_at or now - row.last_seen_at >= times.idle:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        with db.write() as session, session.begin():
            session.execute(update(ConsoleSession).where(ConsoleSession.id == row.id).values(last_seen_at=now))
    return row


def end_session(session: Session, session_id: str, *, now: datetime) -> None:
    """Revoke one session (sign-out) in the caller's transaction: its cookie no longer works anywhere."""
    session.execute(update(ConsoleSession).where(ConsoleSession.id_sha256 == session_digest(session_id),
                                                 ConsoleSession.revoked_at.is_(None)).values(revoked_at=now))


def end_member_sessions(session: Session, *, name: str, now: datetime) -> int:
    """Revoke every live session of ``name`` in the caller's transaction; how many there were."""
    result = session.execute(update(ConsoleSession).where(ConsoleSession.staff_name == name,
                                                          ConsoleSession.revoked_at.is_(None),
                                                          ConsoleSession.expires_at > now).values(revoked_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _prune(session: Session, *, name: str, times: SessionTimes, now: datetime) -> None:
    """Delete ended sessions (everyone's), then ``name``'s oldest beyond ``KEEP_PER_MEMBER - 1``."""
    session.execute(delete(ConsoleSession).where(or_(ConsoleSession.expires_at <= now,
                                                     ConsoleSession.last_seen_at <= now - times.idle,
                                                     ConsoleSession.revoked_at.is_not(None))))
    older = session.scalars(select(ConsoleSession.id).where(ConsoleSession.staff_name == name)
                            .order_by(ConsoleSession.created_at.desc(), ConsoleSession.id.desc())
                            .offset(KEEP_PER_MEMBER - 1)).all()
    if older:
        session.execute(delete(ConsoleSession).where(ConsoleSession.id.in_(older)))
