"""Sign-in throttling per client address, kept in the database so that it holds across backend machines.

After ``max_failures`` failed sign-ins from one address within ``window``, that address is refused (429)
until the oldest of those failures leaves the window, without its token even being checked. A successful
sign-in clears the address's failures. Who the address is (proxies, IPv6 /64s) is the caller's business:
the console counts clients as the Open311 rate limits do (``hotline.rate_limits``).
"""

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.domain.models import LoginFailure

ACCOUNT_CHARS = 12  # hex characters of the attempted token's SHA-256 that are kept


def admit(session: Session, address: str, account: str, *, max_failures: int, window: timedelta,
          now: datetime) -> int | None:
    """Let one sign-in attempt through, or say how many seconds ``address`` must wait.

    An attempt let through is counted as a failure at once, in the caller's transaction, and
    ``clear_failures`` takes it back if the token was good: attempts sent in parallel cannot all pass
    a check made before any of them failed. ``account`` is a digest prefix, never the token. Rows past
    the window are deleted here, which keeps the table at one window's worth.
    """
    recent = session.scalars(
        select(LoginFailure.at).where(LoginFailure.address == address, LoginFailure.at > now - window)
        .order_by(LoginFailure.at.desc()).limit(max_failures)
    ).all()
    if len(recent) >= max_failures:
        return max(1, math.ceil((recent[-1] + window - now).total_seconds()))
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - window))
    session.add(LoginFailure(address=address, account=account[:ACCOUNT_CHARS], at=now))
    return None


def clear_failures(session: Session, address: str) -> None:
    """Forget ``address``'s failures (after a successful sign-in)."""
    session.execute(delete(LoginFailure).where(LoginFailure.address == address))
