"""The supervisor's escalation page: open tickets past a deadline, urgent first, oldest deadline first.

Supervisors and admins only (others 403). Each line says which deadline is overdue (response, resolution) and
by how long; ``?unit=`` keeps one lead unit's (an unknown unit is dropped, not an error). Lines are
de-identified, as in every queue (``rows``).
"""

from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import URL

from hotline.console.access import SUPERVISORS
from hotline.console.choices import unit_groups, unit_name
from hotline.console.i18n import Translator, translator
from hotline.console.pages import admitted, lang_of, page, page_number
from hotline.console.rows import OVERDUE, queue_row
from hotline.deps import BackendDep
from hotline.dispatch.escalation import RESOLUTION, RESPONSE
from hotline.dispatch.queues import escalated
from hotline.domain.models import Ticket

router = APIRouter()
PAGE_SIZE = 50
ESCALATIONS = "/console/escalations"


def late_for(late: timedelta, t: Translator) -> str:
    """How long past a deadline, in days and hours (or hours and minutes under a day)."""
    minutes = int(late.total_seconds() // 60)
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    return t("late_days", d=days, h=hour) if days else t("late_hours", h=hours, m=minute)


def overdue_lines(ticket: Ticket, marks: dict[str, str], now: datetime, t: Translator) -> list[str]:
    """``Response deadline overdue by 2 d 3 h`` for each running deadline that has passed."""
    dues = {RESPONSE: ticket.response_due, RESOLUTION: ticket.resolution_due}
    return [t("late_by", deadline=t(f"deadline_{kind}"), amount=late_for(now - dues[kind], t))
            for kind in (RESPONSE, RESOLUTION) if marks[kind] == OVERDUE]


@router.get("/escalations")
def escalations(request: Request, backend: BackendDep) -> Response:
    """Overdue open tickets of every unit, or of one lead unit (``?unit=``), paged."""
    staff = admitted(request, backend, SUPERVISORS, "err_escalations_role", ESCALATIONS)
    if isinstance(staff, Response):
        return staff
    lang, page_no, now = lang_of(request), page_number(request), datetime.now(timezone.utc)
    t = translator(lang)
    unit = request.query_params.get("unit", "")
    unit = unit if unit in backend.units else ""
    total, rows = escalated(backend.db, unit=unit or None, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    lines: list[dict[str, Any]] = []
    for r in rows:
        line = queue_row(r.ticket, backend, lang, now)
        line["unit"] = unit_name(backend.units, r.ticket.lead_unit, lang) if r.ticket.lead_unit else t("none")
        line["late"] = overdue_lines(r.ticket, line["marks"], now, t)
        lines.append(line)
    here = URL(ESCALATIONS).include_query_params(**({"unit": unit} if unit else {}))
    return page(request, "escalations.html", {
        "rows": lines, "total": total, "unit": unit,
        "unit_choices": unit_groups(backend.units, backend.gazetteer, lang, t), "page_no": page_no,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "links": {n: str(here.include_query_params(page=n)) for n in (page_no - 1, page_no + 1)}}, staff=staff)
