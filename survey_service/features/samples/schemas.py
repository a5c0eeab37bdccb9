"""Shapes of the samples feature: API input (strict) and results shared by the CLI and API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = [
    "CalibrationOut",
    "DesignOut",
    "DrawIn",
    "DrawOut",
    "ExportOut",
    "FieldworkImportOut",
    "GroupRates",
    "OutcomeIn",
    "PreviewOut",
    "RatesOut",
    "RecalibrationOut",
    "ReleaseIn",
    "ReserveOut",
    "ReserveStratumOut",
    "RowProblem",
    "StratumPlanOut",
    "TrimOut",
    "UnitPlanOut",
    "UnitWeightSummary",
    "WeightDiagnosticsOut",
    "WeightParameters",
    "WeightSetOut",
    "WeightSummary",
    "WeightsIn",
    "WeightsOut",
]

Seed = Annotated[int, Meta(ge=0, le=2**63 - 1, description="Seed of numpy.random.default_rng.")]
DesignName = Annotated[str, Meta(min_length=1, max_length=200)]
CalibrationVariable = Literal["unit", "channel", "field"]
CalibrationMethod = Literal["raking", "linear", "truncated", "logit"]
LowerBound = Annotated[float, Meta(ge=0.0, lt=1.0)]
UpperBound = Annotated[float, Meta(gt=1.0)]


class _In(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Input bodies: keyword-only, unknown fields rejected."""


class _Out(msgspec.Struct, kw_only=True, frozen=True):
    """Results."""


class DesignOut(_Out, frozen=True):
    """A stored design version."""

    survey_code: str
    name: str
    version: int
    created_at: dt.datetime
    seed: int | None = None
    drawn_at: dt.datetime | None = None


class StratumPlanOut(_Out, frozen=True):
    """One stratum of a preview: N, n, reserve, expected respondents and margin."""

    key: str
    unit: str | None
    channel: str | None
    field: str | None
    population: int
    sample_size: int
    reserve_size: int
    expected_respondents: float
    margin: float | None


class UnitPlanOut(_Out, frozen=True):
    """One unit of a preview: its strata summed, and the expected margin of its estimate."""

    unit: str
    population: int
    sample_size: int
    expected_respondents: float
    margin: float | None


class PreviewOut(_Out, frozen=True):
    """What a draw would take, before anything is drawn."""

    survey_code: str
    design: str
    version: int
    seed: int
    reference_date: dt.date
    frame_rows: int
    eligible: int
    sample_size: int
    reserve_size: int
    expected_respondents: float
    overall_margin: float | None
    strata: list[StratumPlanOut]
    units: list[UnitPlanOut]


class DrawIn(_In, frozen=True):
    """Draw the newest version of a design (default: the survey's newest design)."""

    seed: Seed
    design: DesignName | None = None


class DrawOut(_Out, frozen=True):
    """A stored draw."""

    survey_code: str
    design: str
    version: int
    seed: int
    library_version: str
    drawn_at: dt.datetime
    strata: int
    population: int
    sample_size: int
    reserve_size: int


class ExportOut(_Out, frozen=True):
    """Links issued by an invitation export or a batch of letters."""

    survey_code: str
    design: str
    version: int
    issued: int
    replaced: int
    without_contact: int
    expires_at: dt.datetime


class OutcomeIn(_In, frozen=True):
    """One fieldwork outcome; checked row by row so every bad row is reported at once."""

    dossier_code: Annotated[str, Meta(max_length=64)]
    outcome: Annotated[
        str,
        Meta(
            max_length=32,
            description="invited, responded, partial, refused, non_contact or ineligible",
        ),
    ]
    recorded_at: Annotated[
        str,
        Meta(
            max_length=40,
            description="ISO 8601 date or date-time; without an offset it is Vietnam time",
        ),
    ]
    note: Annotated[str, Meta(max_length=1000)] | None = None


class RowProblem(_Out, frozen=True):
    """A rejected fieldwork row: its CSV line (or 1-based position in a JSON list)."""

    line: int
    dossier_code: str
    reason: str


class FieldworkImportOut(_Out, frozen=True):
    """What a fieldwork import did."""

    received: int
    imported: int
    duplicates: int
    rejected: int
    committed: bool
    errors: list[RowProblem]


class GroupRates(_Out, frozen=True):
    """AAPOR dispositions and rates of one group (null where a denominator is 0)."""

    group: str
    fielded: int
    I: int  # noqa: E741  (AAPOR's own name)
    P: int
    R: int
    NC: int
    UO: int
    NE: int
    e: float | None
    RR1: float | None
    RR3: float | None
    COOP1: float | None
    REF1: float | None
    CON1: float | None


class RatesOut(_Out, frozen=True):
    """AAPOR rates per stratum or unit, the whole sample, and the formulas used."""

    survey_code: str
    design: str
    version: int
    by: Literal["stratum", "unit"]
    groups: list[GroupRates]
    total: GroupRates
    formulas: dict[str, str]


class WeightsIn(_In, frozen=True):
    """Compute weights for the survey's drawn sample (and its open-link responses)."""

    calibrate: list[CalibrationVariable] = msgspec.field(
        default_factory=lambda: ["unit", "channel"]
    )
    classes: Literal["stratum", "unit"] = "stratum"
    trim_cap: Annotated[float, Meta(ge=1.0, description="Cap at X × the unit's median.")] | None = (
        None
    )
    design: DesignName | None = None
    method: Annotated[
        CalibrationMethod,
        Meta(
            description="raking (post-stratification on one variable), linear (GREG), "
            "truncated (linear with g-weights clipped to the bounds) or logit (bounded)"
        ),
    ] = "raking"
    bounds: (
        Annotated[
            tuple[LowerBound, UpperBound],
            Meta(description="[L, U], L < 1 < U: bounds on g = calibrated / input weight."),
        ]
        | None
    ) = None
    recalibrate: Annotated[
        bool, Meta(description="After trimming, calibrate again (cycles) so margins hold.")
    ] = False


class WeightSummary(_Out, frozen=True):
    """Summary of positive weights (null when there are none)."""

    n: int
    total: float
    minimum: float | None
    maximum: float | None
    mean: float | None
    cv: float | None
    deff: float | None
    n_effective: float | None


class UnitWeightSummary(WeightSummary, frozen=True):
    """Summary of one unit's weights."""

    unit: str


class CalibrationOut(_Out, frozen=True):
    """The calibration step and its convergence report."""

    method: str
    variables: list[str]
    converged: bool
    iterations: int
    max_relative_error: float
    history: list[float]
    bounds: list[float] | None = None
    g_min: float | None = None
    g_max: float | None = None


class RecalibrationOut(_Out, frozen=True):
    """Trim-and-calibrate cycles after trimming: margins hold, caps held or not.

    ``history`` is the largest weight / cap ratio after each cycle's calibration;
    ``converged`` means it ended within 1 + ``cap_tolerance``.
    """

    cycles: int
    converged: bool
    cap_tolerance: float
    above_cap: int
    max_cap_ratio: float
    history: list[float]
    calibration: CalibrationOut


class TrimOut(_Out, frozen=True):
    """The trimming step."""

    cap: float
    iterations: int
    trimmed: int


class WeightDiagnosticsOut(_Out, frozen=True):
    """Diagnostics stored with a weight set."""

    respondents: int
    fielded: int
    ineligible: int
    not_weighted: int
    nonresponse_factor_min: float | None
    nonresponse_factor_max: float | None
    calibration: CalibrationOut
    margin_errors: dict[str, float]
    trimming: TrimOut | None
    overall: WeightSummary
    units: list[UnitWeightSummary]
    recalibration: RecalibrationOut | None = None


class WeightParameters(_Out, frozen=True):
    """How a weight set was computed."""

    design_id: int | None
    steps: list[str]
    calibrate: list[str]
    classes: str | None
    trim_cap: float | None
    totals: str
    method: str = "raking"
    bounds: list[float] | None = None
    recalibrate: bool = False


class WeightSetOut(_Out, frozen=True):
    """A stored weight set with its parameters and diagnostics."""

    id: int
    survey_code: str
    method: str
    nonprobability: bool
    created_at: dt.datetime
    parameters: WeightParameters
    diagnostics: WeightDiagnosticsOut


class WeightsOut(_Out, frozen=True):
    """The weight sets one computation stored."""

    probability: WeightSetOut
    open_link: WeightSetOut | None


class ReleaseIn(_In, frozen=True):
    """Release the next reserve members of some strata (in their drawn order), all or none."""

    strata: Annotated[
        dict[Annotated[str, Meta(max_length=500)], Annotated[int, Meta(ge=1, le=1_000_000)]],
        Meta(min_length=1, description="Stratum key → how many reserve members to release."),
    ]
    design: DesignName | None = None


class ReserveStratumOut(_Out, frozen=True):
    """The reserve of one stratum."""

    key: str
    sample_size: int
    reserve_size: int
    released: int
    remaining: int


class ReserveOut(_Out, frozen=True):
    """The reserve per stratum of a drawn design (after a release: ``released`` now)."""

    survey_code: str
    design: str
    version: int
    released: int
    strata: list[ReserveStratumOut]
