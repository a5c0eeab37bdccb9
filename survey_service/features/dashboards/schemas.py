"""What a published snapshot holds, per unit and per league table (msgspec Structs).

These documents are stored as JSON text in ``published_parts`` and decoded straight back
into these types when a dashboard page is drawn, so the pages never estimate anything
unless a statistician asks for a live preview.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from analysis import Quadrant
from survey_service.features.indices.schemas import ScorecardOut

__all__ = [
    "AnswerShare",
    "CommentOut",
    "Distribution",
    "DriverRow",
    "FilterOption",
    "Improvement",
    "PublishedSummary",
    "RankOut",
    "UnitResults",
]


class RankOut(msgspec.Struct, frozen=True, kw_only=True):
    """The unit's place among the units of its kind on the overall index."""

    kind: str
    rank: int
    rank_low: int
    rank_high: int
    of: int
    rank_level: float


class AnswerShare(msgspec.Struct, frozen=True, kw_only=True):
    """How many answers gave one point of the scale."""

    value: int
    label: dict[str, str]
    count: int
    share: float
    satisfied: bool


class Distribution(msgspec.Struct, frozen=True, kw_only=True):
    """Answers to one criterion, counted (not weighted), not-applicable answers apart."""

    item: str
    label: dict[str, str]
    n: int
    not_applicable: int
    shares: list[AnswerShare]


class DriverRow(msgspec.Struct, frozen=True, kw_only=True):
    """One element: how much it drives overall satisfaction, and how it performs here."""

    term: str
    label: dict[str, str]
    importance: float
    coefficient: float
    ci_low: float
    ci_high: float
    p_value: float
    performance: float
    quadrant: Quadrant


class Improvement(msgspec.Struct, frozen=True, kw_only=True):
    """Importance-performance view from a design-based driver model.

    ``basis`` says whose respondents fitted the model: the unit's own (``unit``) when it
    has enough complete answers, else every respondent of the survey (``city``).
    """

    basis: str
    outcome: str
    outcome_label: dict[str, str]
    n: int
    df: int
    r_squared: float
    rows: list[DriverRow]


class CommentOut(msgspec.Struct, frozen=True, kw_only=True):
    """A respondent's comment, redacted (no contact details, ID numbers or names)."""

    submitted_on: dt.date
    language: str
    text: str


class UnitResults(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a unit's scorecard page shows for one period."""

    scorecard: ScorecardOut
    rank: RankOut | None
    improvement: Improvement | None
    distributions: list[Distribution]
    comments: list[CommentOut]
    comment_count: int
    members: dict[str, list[str]] = {}
    """The criteria of each element, from the instrument's index tree."""


class FilterOption(msgspec.Struct, frozen=True, kw_only=True):
    """One value of the channel or field filter and its name per language."""

    code: str
    label: dict[str, str] = {}


class PublishedSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What a snapshot holds: its units and the league tables (kind, variable)."""

    survey_code: str
    survey_title: str
    period_start: dt.date
    period_end: dt.date
    instrument: str
    instrument_version: int
    units: list[str]
    leagues: list[tuple[str, str]]
    variables: list[str]
    labels: dict[str, dict[str, str]] = {}
    filters: dict[str, list[FilterOption]] = {}
    """Channels and fields with respondents (empty in snapshots published before filters)."""
