"""API shapes of submissions and response counts."""

from __future__ import annotations

from typing import Annotated

import msgspec

__all__ = ["FieldErrorOut", "ResponseCountOut", "SubmissionIn", "SubmissionOut"]

AnswerIn = int | str | list[int]


class SubmissionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A questionnaire submitted as JSON."""

    answers: dict[str, AnswerIn]
    language: Annotated[str, msgspec.Meta(pattern="^(vi|en)$")] = "vi"
    submission_key: Annotated[str, msgspec.Meta(pattern="^[A-Za-z0-9_-]{8,64}$")] | None = None


class SubmissionOut(msgspec.Struct, frozen=True):
    """The stored response."""

    response_id: int
    survey_code: str
    unit_code: str
    answers_stored: int
    duplicate: bool = False


class FieldErrorOut(msgspec.Struct, frozen=True):
    """One rejected field and why."""

    field: str
    code: str
    message: str


class ResponseCountOut(msgspec.Struct, frozen=True):
    """How many finished responses a unit has."""

    unit_code: str
    unit_name: str
    responses: int
