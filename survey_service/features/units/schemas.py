"""API shapes of units."""

from __future__ import annotations

import datetime as dt

import msgspec

from survey_service.db.enums import UnitKind

__all__ = ["UnitOut"]


class UnitOut(msgspec.Struct, frozen=True):
    """A unit as the API shows it."""

    code: str
    name: str
    kind: UnitKind
    parent_code: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    name_en: str | None = None
