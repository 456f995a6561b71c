"""The console's staff page, for admins: every staff token's owner, who made it, and a revoke button."""

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from hotline.console.pages import csrf_ok, current_staff, page, refuse, to_login
from hotline.deps import BackendDep
from hotline.domain.errors import NotFound
from hotline.domain.models import Role
from hotline.domain.staff import list_staff, revoke_staff
from hotline.open311.views import w3c

router = APIRouter()
HERE = "/console/staff"


@router.get("/staff")
def staff_page(request: Request, backend: BackendDep) -> Response:
    staff = current_staff(request, backend)
    if staff is None:
        return to_login()
    if staff[1].role != Role.ADMIN.value:
        return refuse(request, "err_admin_only", 403, HERE, staff)
    members = [{"name": m.name, "role": m.role, "active": m.active, "created_at": w3c(m.created_at),
                "created_by": m.created_by, "revoked_at": w3c(m.revoked_at), "revoked_by": m.revoked_by,
                "revoke_action": f"{HERE}/{quote(m.name, safe='')}/revoke"} for m in list_staff(backend.db)]
    return page(request, "staff.html", {"members": members, "revoked": request.query_params.get("revoked") == "1"},
                here=HERE, staff=staff)


@router.post("/staff/{name}/revoke")
async def revoke(request: Request, backend: BackendDep, name: str) -> Response:
    staff = await run_in_threadpool(current_staff, request, backend)
    if staff is None:
        return to_login()
    if not csrf_ok((await request.form()).get("csrf"), staff[0]):
        return refuse(request, "err_csrf", 403, HERE, staff)
    if staff[1].role != Role.ADMIN.value:
        return refuse(request, "err_admin_only", 403, HERE, staff)
    try:
        await run_in_threadpool(revoke_staff, backend.db, name=name, revoked_by=staff[1].name)
    except NotFound:
        return refuse(request, "err_no_staff", 404, HERE, staff)
    return RedirectResponse(f"{HERE}?revoked=1", status_code=303)
