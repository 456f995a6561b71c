"""Who may use the console: sign-in (throttled per address, audited), the session behind a cookie, sign-out.

The cookie holds an opaque session id, never a staff token: the token is checked once, at sign-in, and
from then on the server-side session decides (``hotline.domain.sessions``).

Every staff role may sign in. What each may see is decided per page with the role sets below: a handler
(staff of one unit) works from their unit's queue and its tickets only, as on /api/.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from hotline.deps import Backend
from hotline.domain.audit import Action, prune_audit, record
from hotline.domain.models import Role, StaffMember
from hotline.domain.sessions import SessionTimes, end_session, live_session, open_session
from hotline.domain.staff import STAFF_ROLES, Principal, identify, token_digest
from hotline.domain.throttle import ACCOUNT_CHARS, admit, clear_failures

MAX_TOKEN_CHARS = 512
MAX_SESSION_ID_CHARS = 64  # ids are 43 characters; anything longer is not worth a database look-up
ANONYMOUS = "anonymous"

ADMITTED = STAFF_ROLES  # who may sign in to the console (hotline.domain.staff.CONSOLE_ROLES leaves out handlers)
CALL_CENTRE = frozenset({Role.OPERATOR.value, Role.SUPERVISOR.value, Role.ADMIN.value})  # dispatch, re-dispatch
TICKET_QUEUE = CALL_CENTRE | {Role.ANALYST.value}  # the whole ticket queue, /console/
UNIT_READERS = CALL_CENTRE | {Role.HANDLER.value}  # unit queues (handlers: their own unit's only), pause, resume
SUPERVISORS = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})  # escalations, extension decisions
UNIT_ACTORS = SUPERVISORS | {Role.HANDLER.value}  # ask for more time (handlers: of tickets their unit leads)


@dataclass(frozen=True)
class SignIn:
    """What came of a sign-in: a session, a refusal, or (``retry_after`` set) a throttled address."""

    session_id: str | None = None
    principal: Principal | None = None
    retry_after: int | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def sign_in(backend: Backend, token: str, *, address: str, user_agent: str) -> SignIn:
    """Check ``token`` unless ``address`` is throttled; open a session for a staff member or the admin."""
    db, settings, now = backend.db, backend.settings, _now()
    account = token_digest(token)[:ACCOUNT_CHARS]
    with db.write() as session, session.begin():
        wait = admit(session, address, account, max_failures=settings.login_max_failures,
                     window=timedelta(minutes=settings.login_window_minutes), now=now)
    if wait is not None:
        return SignIn(retry_after=wait)
    principal = identify(token, settings, db) if 0 < len(token) <= MAX_TOKEN_CHARS else None
    with db.write() as session, session.begin():
        if principal is None or principal.role not in ADMITTED:
            record(session, actor=ANONYMOUS, action=Action.SIGN_IN_FAILED, now=now,
                   detail={"address": address, "account": account})
            return SignIn()
        clear_failures(session, address)
        session_id = open_session(session, name=principal.name, role=principal.role, user_agent=user_agent,
                                  times=SessionTimes.of(settings), now=now)
        record(session, actor=principal.name, action=Action.SIGN_IN, subject=principal.name, now=now,
               detail={"role": principal.role, "address": address})
        prune_audit(session, now=now, retention=timedelta(days=settings.audit_retention_days))
    return SignIn(session_id=session_id, principal=principal)


def signed_in(backend: Backend, session_id: str) -> Principal | None:
    """The staff member a live session belongs to, or None."""
    if not 0 < len(session_id) <= MAX_SESSION_ID_CHARS:
        return None
    row = live_session(backend.db, session_id, times=SessionTimes.of(backend.settings), now=_now())
    if row is None or row.role not in ADMITTED:
        return None
    if row.role != Role.HANDLER.value:
        return Principal(name=row.staff_name, role=row.role)
    unit = unit_of(backend, row.staff_name)
    return Principal(name=row.staff_name, role=row.role, unit=unit) if unit is not None else None


def unit_of(backend: Backend, name: str) -> str | None:
    """A handler's unit, from the staff table (sessions keep only the name and the role)."""
    with backend.db.read() as session:
        return session.scalar(select(StaffMember.unit).where(StaffMember.name == name, StaffMember.active.is_(True)))


def sign_out(backend: Backend, session_id: str, principal: Principal) -> None:
    """End the session on the server (a copied cookie stops working too) and record it."""
    now = _now()
    with backend.db.write() as session, session.begin():
        end_session(session, session_id, now=now)
        record(session, actor=principal.name, action=Action.SIGN_OUT, subject=principal.name, now=now)
