"""The audit log: who created or revoked a staff token, who signed in or out of the console, and who failed to.

Entries are written in the same transaction as the change they record. They never hold token text: a failed
sign-in keeps only a short prefix of the attempted token's SHA-256, enough to tell repeats of one token apart.
The log is bounded by a retention period; ``prune_audit`` deletes what is older (the console calls it at
every sign-in, one indexed DELETE).
"""

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.domain.models import AuditEntry

SYSTEM = "system"  # the actor of changes made outside any request (scripts, tests)


class Action(str, Enum):
    STAFF_CREATED = "staff.created"
    STAFF_REVOKED = "staff.revoked"
    SIGN_IN = "console.sign_in"
    SIGN_IN_FAILED = "console.sign_in_failed"
    SIGN_OUT = "console.sign_out"


def record(session: Session, *, actor: str, action: Action, now: datetime, subject: str = "",
           detail: dict[str, Any] | None = None) -> None:
    """Add an entry to ``session``'s transaction (the caller commits it with the change it records)."""
    session.add(AuditEntry(at=now, actor=actor[:100], action=action.value, subject=subject[:100], detail=detail or {}))


def prune_audit(session: Session, *, now: datetime, retention: timedelta) -> None:
    """Delete the entries older than ``retention``."""
    session.execute(delete(AuditEntry).where(AuditEntry.at < now - retention))


def audit_entries(db: Database, *, limit: int, offset: int) -> tuple[int, list[AuditEntry]]:
    """The number of entries and one page of them, newest first."""
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        page = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    return total, list(page)
