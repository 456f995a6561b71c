"""Request bodies of the /api/ endpoints (pydantic), with the same text hygiene as Open311."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.lang import Lang
from bot.text import clean_text
from hotline.dispatch.workflow import ReturnReason
from hotline.domain.models import AssignmentRole, Role, StaffMember, Status
from hotline.open311.views import w3c


def _note(value: str) -> str:
    return clean_text(value, field="note", max_chars=4000, required=False)


def _comment(value: str) -> str:
    return clean_text(value, field="comment", max_chars=2000, required=False)


def _query(value: str) -> str:
    return clean_text(value, field="text", max_chars=2000)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=8000)


class UpdateIn(StrictModel):
    status: Status | None = None
    note: Annotated[str, AfterValidator(_note)] = ""
    note_language: Lang = Lang.ZH
    # What Open311's servicerequestupdates shows for this update, when the status alone says too little.
    public_state: Literal["ACTION_SCHEDULED", "DUPLICATE", "NOT_RESPONSIBLE"] | None = None


class ResidentIn(StrictModel):
    """The conversation the assistant acts for: the backend checks the ticket is theirs."""

    channel: Annotated[str, Field(min_length=1, max_length=32)]
    channel_user_id: Annotated[str, Field(min_length=1, max_length=128)]


class SatisfactionIn(StrictModel):
    resident: ResidentIn | None = None  # required when the assistant (role "service") rates
    resolved: bool
    rating: Annotated[int | None, Field(ge=1, le=5)] = None
    comment: Annotated[str, AfterValidator(_comment)] = ""
    language: Lang = Lang.ZH


class SuggestIn(StrictModel):
    text: Annotated[str, AfterValidator(_query)]
    language: Lang = Lang.ZH
    limit: Annotated[int, Field(ge=1, le=10)] = 3


class StaffIn(StrictModel):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+$")]
    role: Role
    unit: Annotated[str | None, Field(max_length=64)] = None  # handlers only: a unit id (GET /api/units)


class StaffOut(BaseModel):
    """A staff member as ``GET /api/staff`` shows them: never the token, nor its digest."""

    name: str
    role: str
    unit: str | None
    active: bool
    created_at: str | None
    created_by: str | None
    revoked_at: str | None
    revoked_by: str | None

    @classmethod
    def of(cls, member: StaffMember) -> "StaffOut":
        return cls(name=member.name, role=member.role, unit=member.unit, active=member.active,
                   created_at=w3c(member.created_at), created_by=member.created_by,
                   revoked_at=w3c(member.revoked_at), revoked_by=member.revoked_by)


def _reason(value: str) -> str:
    return clean_text(value, field="reason", max_chars=2000)


UnitId = Annotated[str, Field(min_length=1, max_length=64)]


class DispatchIn(StrictModel):
    unit: UnitId
    role: AssignmentRole = AssignmentRole.LEAD
    reason: Annotated[str, AfterValidator(_reason)]


class UnitDecisionIn(StrictModel):
    unit: UnitId | None = None  # a handler acts for their own unit; a supervisor or admin names it


class ReturnIn(UnitDecisionIn):
    reason: ReturnReason
    note: Annotated[str, AfterValidator(_reason)]


class RedispatchIn(StrictModel):
    service_code: Annotated[str | None, Field(max_length=64)] = None
    subdistrict_code: Annotated[str | None, Field(max_length=12)] = None
    unit: UnitId | None = None
    reason: Annotated[str, AfterValidator(_reason)]


class ReasonIn(StrictModel):
    reason: Annotated[str, AfterValidator(_reason)]


class ExtensionIn(StrictModel):
    unit: UnitId | None = None  # a handler asks for their own unit; a supervisor or admin names it
    deadline: Literal["response", "resolution"]
    amount: Annotated[int, Field(ge=1, le=720)]
    unit_of_time: Literal["hours", "calendar_days", "working_days"]
    reason: Annotated[str, AfterValidator(_reason)]


class DecisionIn(StrictModel):
    approve: bool
    note: Annotated[str, AfterValidator(_note)] = ""


class LinkIn(StrictModel):
    master: Annotated[str, Field(min_length=1, max_length=32)]  # the ticket this one duplicates
    reason: Annotated[str, AfterValidator(_reason)]
