"""The three figures Beijing ranks sub-districts on, for any set of tickets, computed in SQL.

For the tickets a ``TicketFilter`` selects (filed between ``start`` and ``end``, in a district ...),
grouped by sub-district, department or month (Beijing time, UTC+8):

- **response rate** (响应率) = tickets first taken up in time / tickets whose response is due or done.
  "Taken up" is the first status change away from ``open`` (accepted, in progress, resolved...);
  "in time" is at or before ``response_due``. Tickets still open before their deadline are not
  counted either way yet; still open after it, they count as late.
- **resolution rate** (解决率) = rated tickets the resident called resolved / rated tickets, by each
  ticket's latest rating (a ticket rated "not resolved", reopened and fixed counts by its last verdict).
- **satisfaction rate** (满意率) = latest ratings of 4 or 5 ("satisfied", "very satisfied") / latest
  ratings that carry a score (1-5).

A rate is ``None`` when nothing is in its denominator. The counts come along so that rates can be
added up across groups (the ``total``) and checked.
"""

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select

from hotline.db import Database
from hotline.domain.models import Satisfaction, Status, TicketUpdate
from hotline.domain.queries import TicketFilter, filtered


class GroupBy(str, Enum):
    SUBDISTRICT = "subdistrict"
    DEPARTMENT = "department"
    MONTH = "month"


@dataclass(frozen=True)
class Counts:
    tickets: int = 0
    response_due: int = 0
    responded_in_time: int = 0
    rated: int = 0
    rated_resolved: int = 0
    scored: int = 0
    satisfied: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(asdict(self).values(), asdict(other).values(), strict=False)))

    def rates(self) -> dict[str, float | None]:
        return {"response_rate": _share(self.responded_in_time, self.response_due),
                "resolution_rate": _share(self.rated_resolved, self.rated),
                "satisfaction_rate": _share(self.satisfied, self.scored)}


def ticket_rates(db: Database, f: TicketFilter, group_by: GroupBy, *, as_of: datetime) -> dict[str | None, Counts]:
    """Counts per group, in group order (``None``: tickets without a sub-district)."""
    tickets = filtered(f).subquery()
    taken_up = (select(TicketUpdate.ticket_id, func.min(TicketUpdate.created_at).label("at"))
                .where(TicketUpdate.status != Status.OPEN.value).group_by(TicketUpdate.ticket_id).subquery())
    last_id = select(func.max(Satisfaction.id)).group_by(Satisfaction.ticket_id)
    latest = select(Satisfaction).where(Satisfaction.id.in_(last_id)).subquery()
    key = _group_key(db, tickets.c, group_by).label("key")
    query = (
        select(key, func.count(tickets.c.id),
               one(or_(taken_up.c.at.is_not(None), tickets.c.response_due <= as_of)),
               one(taken_up.c.at <= tickets.c.response_due),
               func.count(latest.c.id), one(latest.c.resolved.is_(True)),
               func.count(latest.c.rating), one(latest.c.rating >= 4))
        .select_from(tickets)
        .outerjoin(taken_up, taken_up.c.ticket_id == tickets.c.id)
        .outerjoin(latest, latest.c.ticket_id == tickets.c.id)
        .group_by(key).order_by(key)
    )
    with db.read() as session:
        return {row[0]: Counts(*(int(n) for n in row[1:])) for row in session.execute(query)}


def one(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group meet ``condition``."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _group_key(db: Database, columns: Any, group_by: GroupBy) -> ColumnElement[Any]:
    if group_by is GroupBy.SUBDISTRICT:
        return columns.subdistrict_code  # type: ignore[no-any-return]
    if group_by is GroupBy.DEPARTMENT:
        return columns.department  # type: ignore[no-any-return]
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", columns.requested_at), "YYYY-MM")
    return func.strftime("%Y-%m", columns.requested_at, "+8 hours")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
