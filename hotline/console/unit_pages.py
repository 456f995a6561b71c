"""The desks of the dispatch loop: a unit's queue, the list of units with work, the call centre's "to dispatch".

Who sees what, as on /api/: a handler only their own unit's queue (another unit's is 403, an unknown one 404);
operators, supervisors and admins every unit's, with a unit picker, and the "to dispatch" queue; analysts
neither. Queue lines are de-identified (``rows``).
"""

from datetime import datetime, timezone

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import URL

from hotline.console.access import CALL_CENTRE, UNIT_READERS
from hotline.console.choices import unit_groups, unit_name
from hotline.console.i18n import label, translator
from hotline.console.pages import current_staff, lang_of, page, page_number, refuse, to_login, unit_path
from hotline.console.rows import latest_returns, queue_row, unit_loads
from hotline.deps import BackendDep
from hotline.dispatch.queues import to_dispatch, unit_due_soon, unit_queue
from hotline.domain.models import DispatchState, Role

router = APIRouter()
PAGE_SIZE = 50
UNITS, DISPATCH = "/console/units", "/console/dispatch"
DUE_SOON_VIEW = "due_soon"


def pager(path: str, page_no: int, total: int) -> dict[str, object]:
    pages = max(1, -(-total // PAGE_SIZE))
    return {"page_no": page_no, "pages": pages,
            "links": {n: str(URL(path).include_query_params(page=n)) for n in (page_no - 1, page_no + 1)}}


@router.get("/units")
def units_index(request: Request, backend: BackendDep) -> Response:
    """The unit picker and the units that have open tickets; ``?unit=`` opens that unit's queue."""
    staff = current_staff(request, backend)
    if staff is None:
        return to_login()
    principal = staff[1]
    if principal.role == Role.HANDLER.value and principal.unit:
        return RedirectResponse(unit_path(principal.unit), status_code=303)
    if principal.role not in UNIT_READERS:
        return refuse(request, "err_units_role", 403, UNITS, staff)
    chosen = request.query_params.get("unit", "")
    if chosen:
        if chosen not in backend.units:
            return refuse(request, "err_no_unit", 404, UNITS, staff)
        return RedirectResponse(unit_path(chosen), status_code=303)
    lang = lang_of(request)
    loads = [{"unit": load.unit, "name": unit_name(backend.units, load.unit, lang), "href": unit_path(load.unit),
              "waiting": load.waiting, "accepted": load.accepted} for load in unit_loads(backend.db)]
    return page(request, "units.html", {
        "loads": loads, "unit_choices": unit_groups(backend.units, backend.gazetteer, lang, translator(lang)),
        "unit": None}, staff=staff)


@router.get("/units/{unit}")
def unit_page(request: Request, backend: BackendDep, unit: str) -> Response:
    """A unit's open tickets, waiting and accepted: urgent first, then newest first. ``?view=due_soon``: those
    due soon or overdue, most escalated first, then by deadline."""
    staff = current_staff(request, backend)
    if staff is None:
        return to_login()
    principal, here = staff[1], unit_path(unit)
    if principal.role not in UNIT_READERS:
        return refuse(request, "err_units_role", 403, here, staff)
    if unit not in backend.units:
        return refuse(request, "err_no_unit", 404, here, staff)
    if principal.role == Role.HANDLER.value and principal.unit != unit:
        return refuse(request, "err_own_unit_only", 403, here, staff)
    lang, page_no, now = lang_of(request), page_number(request), datetime.now(timezone.utc)
    due_soon = request.query_params.get("view") == DUE_SOON_VIEW
    listing = unit_due_soon if due_soon else unit_queue
    total, rows = listing(backend.db, unit, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    paged = str(URL(here).include_query_params(view=DUE_SOON_VIEW)) if due_soon else here
    return page(request, "unit_queue.html", {
        "unit": unit, "unit_name": unit_name(backend.units, unit, lang), "total": total, "due_soon": due_soon,
        "tabs": {"all": here, DUE_SOON_VIEW: str(URL(here).include_query_params(view=DUE_SOON_VIEW))},
        "rows": [queue_row(r.ticket, backend, lang, now, part=r.role, part_state=r.state) for r in rows],
        "unit_choices": [] if principal.role == Role.HANDLER.value
        else unit_groups(backend.units, backend.gazetteer, lang, translator(lang)),
        **pager(paged, page_no, total)}, staff=staff)


@router.get("/dispatch")
def dispatch_queue(request: Request, backend: BackendDep) -> Response:
    """The call centre's open tickets without an active lead: never placed, or returned (by whom, why)."""
    staff = current_staff(request, backend)
    if staff is None:
        return to_login()
    if staff[1].role not in CALL_CENTRE:
        return refuse(request, "err_dispatch_role", 403, DISPATCH, staff)
    lang, page_no, now = lang_of(request), page_number(request), datetime.now(timezone.utc)
    t = translator(lang)
    total, rows = to_dispatch(backend.db, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    returns = latest_returns(backend.db, [r.ticket.id for r in rows
                                          if r.ticket.dispatch_state == DispatchState.RETURNED.value])
    lines = []
    for r in rows:
        line = queue_row(r.ticket, backend, lang, now)
        back = returns.get(r.ticket.id) if r.ticket.dispatch_state == DispatchState.RETURNED.value else None
        if back is not None:
            line["returned"] = {"unit": unit_name(backend.units, back.unit, lang),
                                "reason": label(t, "rr_", back.reason), "note": back.note, "at": back.at}
        lines.append(line)
    return page(request, "dispatch_queue.html", {"rows": lines, "total": total, **pager(DISPATCH, page_no, total)},
                staff=staff)
