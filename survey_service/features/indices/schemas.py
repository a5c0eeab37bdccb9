"""Response bodies of the indices API (msgspec Structs)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

from analysis import CiMethod, Flag, LonelyPsuRule, Statistic, VarianceMethod

__all__ = [
    "CityComparisonOut",
    "EstimateOut",
    "LeagueOut",
    "LeagueRowOut",
    "OptionsOut",
    "ScorecardOut",
    "SmallAreaOut",
    "SurveyOut",
    "UnitOut",
    "WeightsOut",
]


class SurveyOut(msgspec.Struct, frozen=True, kw_only=True):
    """The survey (one period) the figures come from."""

    code: str
    title: str
    period_start: dt.date
    period_end: dt.date
    instrument: str
    instrument_version: int


class UnitOut(msgspec.Struct, frozen=True, kw_only=True):
    """A unit of the administration."""

    code: str
    name: str
    kind: str
    parent_code: str | None


class WeightsOut(msgspec.Struct, frozen=True, kw_only=True):
    """Which weights the estimates use."""

    source: Literal["weight_set", "base_weights"]
    sample: Literal["probability", "open-link"]
    weight_set_id: int | None
    method: str | None
    created_at: dt.datetime | None
    description: str


class OptionsOut(msgspec.Struct, frozen=True, kw_only=True):
    """How the intervals and standard errors were computed."""

    level: float
    variance: VarianceMethod
    lonely_psu: LonelyPsuRule
    domains: str = "units, rolled up the unit tree to the whole city"


class CityComparisonOut(msgspec.Struct, frozen=True, kw_only=True):
    """The unit against the whole city (their covariance accounted for).

    ``p_adjusted`` is adjusted (Holm) across the units of the same kind.
    """

    city: str
    city_estimate: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    df: float
    p_value: float
    p_adjusted: float
    adjustment: str
    significant: bool


class SmallAreaOut(msgspec.Struct, frozen=True, kw_only=True):
    """Fay-Herriot (EBLUP) estimate beside the direct one, over units of the same kind."""

    estimate: float
    rmse: float
    shrinkage: float
    model_variance: float
    transform: str
    areas: int


class EstimateOut(msgspec.Struct, frozen=True, kw_only=True):
    """One index (item share, element index or overall index) of a unit."""

    variable: str
    statistic: Statistic
    label: dict[str, str]
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    method: CiMethod
    df: int
    n: int
    n_eff: float
    deff: float
    flag: Flag
    reasons: list[str]
    city: CityComparisonOut | None = None
    small_area: SmallAreaOut | None = None


class ScorecardOut(msgspec.Struct, frozen=True, kw_only=True):
    """A unit's scorecard: overall index, element indices and item shares."""

    survey: SurveyOut
    unit: UnitOut
    weights: WeightsOut
    options: OptionsOut
    overall: EstimateOut | None
    elements: list[EstimateOut]
    items: list[EstimateOut]


class LeagueRowOut(msgspec.Struct, frozen=True, kw_only=True):
    """One unit's place, with its interval and the interval of its rank."""

    rank: int
    rank_low: int
    rank_high: int
    unit: UnitOut
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_eff: float
    flag: Flag


class LeagueOut(msgspec.Struct, frozen=True, kw_only=True):
    """Units of one kind ranked on one index, with rank intervals."""

    survey: SurveyOut
    kind: str
    variable: str
    label: dict[str, str]
    weights: WeightsOut
    options: OptionsOut
    rank_level: float
    draws: int
    seed: int
    rows: list[LeagueRowOut]
