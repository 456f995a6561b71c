"""Request bodies of the /api/ endpoints (pydantic), with the same text hygiene as Open311."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.lang import Lang
from bot.text import clean_text
from hotline.domain.models import Role, Status


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


class SatisfactionIn(StrictModel):
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
