"""Bearer-token authentication and role checks for /api/."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header

from hotline.deps import BackendDep
from hotline.domain.errors import Forbidden, Unauthorized
from hotline.domain.staff import Principal, identify


def current_principal(backend: BackendDep, authorization: Annotated[str | None, Header()] = None) -> Principal:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send Authorization: Bearer <token>")
    principal = identify(token.strip(), backend.settings, backend.db)
    if principal is None:
        raise Unauthorized("unknown or revoked token")
    return principal


def require(*roles: str) -> Callable[..., Principal]:
    """A dependency that admits only principals with one of ``roles``."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
        return principal

    return check


StaffReader = Annotated[Principal, Depends(require("operator", "supervisor", "analyst", "admin"))]
StaffWriter = Annotated[Principal, Depends(require("operator", "supervisor", "admin"))]
# Dispatch: the call centre sends tickets; a unit's handlers (or a supervisor or admin for them) accept and return.
Dispatcher = Annotated[Principal, Depends(require("operator", "supervisor", "admin"))]
UnitActor = Annotated[Principal, Depends(require("handler", "supervisor", "admin"))]
UnitReader = Annotated[Principal, Depends(require("handler", "operator", "supervisor", "admin"))]
Supervisor = Annotated[Principal, Depends(require("supervisor", "admin"))]
Admin = Annotated[Principal, Depends(require("admin"))]
Assistant = Annotated[Principal, Depends(require("service"))]
Rater = Annotated[Principal, Depends(require("operator", "admin", "service"))]
