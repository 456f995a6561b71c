"""The supervisors' list of extension requests waiting for a decision, oldest first (hotline.dispatch.clock).

Supervisors and admins only (others 403), as /api/extensions. Each line names the ticket (de-identified, as in
every queue: ``rows``), the unit asking, which deadline and its due date now, how much more and why, and carries
the decision form. The form posts to the ticket's own decision endpoint (``clock_forms``), which lands on the
ticket page: the moved deadline and the decision in its trail.
"""

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request, Response

from hotline.console.access import SUPERVISORS
from hotline.console.clock_panel import count_waiting, request_row
from hotline.console.i18n import translator
from hotline.console.pages import admitted, lang_of, page, page_number
from hotline.console.rows import queue_row
from hotline.console.unit_pages import PAGE_SIZE, pager
from hotline.deps import BackendDep
from hotline.dispatch.escalation import RESPONSE

router = APIRouter()
EXTENSIONS = "/console/extensions"


@router.get("/extensions")
def extensions(request: Request, backend: BackendDep) -> Response:
    """The requests waiting for a supervisor, oldest first, paged."""
    staff = admitted(request, backend, SUPERVISORS, "err_decide_role", EXTENSIONS)
    if isinstance(staff, Response):
        return staff
    lang, page_no, now = lang_of(request), page_number(request), datetime.now(timezone.utc)
    t = translator(lang)
    total = count_waiting(backend.db)
    lines: list[dict[str, Any]] = []
    for asked, ticket in backend.deadline_clock.waiting_requests(limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE):
        line = queue_row(ticket, backend, lang, now)
        line["request"] = request_row(asked, backend, t, lang)
        line["due_now"], line["mark"] = ((line["response_due"], line["marks"]["response"]) if asked.kind == RESPONSE
                                         else (line["resolution_due"], line["marks"]["resolution"]))
        lines.append(line)
    return page(request, "extensions.html", {"rows": lines, "total": total, **pager(EXTENSIONS, page_no, total)},
                staff=staff)
