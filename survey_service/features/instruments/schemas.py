"""API shapes of instruments."""

from __future__ import annotations

import datetime as dt

import msgspec

from survey_service.db.enums import InstrumentStatus

__all__ = ["InstrumentOut", "InstrumentVersionOut"]


class InstrumentVersionOut(msgspec.Struct, frozen=True):
    """One version of an instrument."""

    version: int
    content_hash: str
    status: InstrumentStatus
    published_at: dt.datetime | None
    items: int


class InstrumentOut(msgspec.Struct, frozen=True):
    """An instrument and its versions."""

    slug: str
    title: str
    title_en: str | None
    intended_use: str
    versions: list[InstrumentVersionOut]
