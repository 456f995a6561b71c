"""The ticket page's "Same case: link" form: this ticket becomes a duplicate of the one chosen (its master).

Checked like the dispatch forms (session, CSRF, role, fields: the master must be a ticket, the reason is
required); the linker decides under both tickets' row locks, and what it refuses (linked already, a ticket
closed meanwhile, a ticket with duplicates of its own, a loop) comes back as the ticket page with a message.
"""

from typing import Any

from fastapi import APIRouter, Request, Response

from hotline.console.access import CALL_CENTRE
from hotline.console.dispatch_forms import Values, actor_of, reason_field, submit
from hotline.console.duplicate_panel import master_id
from hotline.console.i18n import Translator
from hotline.console.pages import Staff
from hotline.deps import Backend, BackendDep
from hotline.domain.errors import BackendError, BadRequest, NotFound
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.tickets import load_ticket

router = APIRouter()
MAX_ID_CHARS = 64


def _link_fields(values: Values, backend: Backend, t: Translator) -> str | None:
    """The master must be a ticket; the reason is required."""
    master = values["master"]
    if not master or len(master) > MAX_ID_CHARS:
        return t("err_master")
    try:
        with backend.db.read() as session:
            load_ticket(session, master)
    except NotFound:
        return t("err_master")
    return reason_field(values, t)


def explain_link(backend: Backend, service_request_id: str, exc: BackendError, action: str, staff: Staff,
                 values: Values, t: Translator, lang: str) -> str:
    """Why the linker refused, from both tickets as they are now."""
    with backend.db.read() as session:
        ticket = load_ticket(session, service_request_id)
        master = load_ticket(session, values["master"])
    if (linked := master_id(backend, ticket)) is not None:
        return t("err_linked_already", master=linked)
    for each in (ticket, master):
        if each.status in OPEN311_CLOSED:
            return t("err_link_closed", id=each.service_request_id, status=t(f"status_{each.status}"))
    if isinstance(exc, BadRequest):
        return t("err_link_self")
    return t("err_has_duplicates")


@router.post("/tickets/{service_request_id}/link")
async def link(request: Request, backend: BackendDep, service_request_id: str) -> Response:
    """The call centre links this ticket to the same case filed before (its master), with a reason."""
    def step(staff: Staff, values: Values) -> Any:
        return backend.linker.link(service_request_id, master=values["master"], actor=actor_of(staff),
                                   reason=values["reason"])

    return await submit(request, backend, service_request_id, action="link", roles=CALL_CENTRE,
                        refusal="err_link_role", check=_link_fields, step=step, done=lambda _: "linked",
                        why=explain_link)
