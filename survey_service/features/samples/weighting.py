"""The weighting chain on arrays, with the database left out.

Probability sample: base weight → nonresponse adjustment within classes (strata or units)
→ calibration to frame counts (raking, linear or bounded: see
:mod:`~survey_service.features.samples.calibration`) → optional trimming at a multiple of
the unit's median, optionally re-calibrated. Open-link responses: post-stratification of
equal weights to the counts of the units they came from, flagged non-probability. Every
statistical step is a :mod:`sampling` function; this module only arranges the arrays and
the diagnostics.
"""

from __future__ import annotations

import msgspec
import numpy as np
from numpy.typing import NDArray

from sampling import (
    CalibrationResult,
    WeightDiagnostics,
    adjust_nonresponse,
    release_base_weights,
    weight_diagnostics,
    weight_open_link,
)
from survey_service.features.samples.calibration import (
    Calibration,
    Margins,
    calibrate_weights,
    calibration_out,
    calibration_step,
    trim_and_recalibrate,
)
from survey_service.features.samples.errors import SampleServiceError
from survey_service.features.samples.schemas import (
    RecalibrationOut,
    TrimOut,
    UnitWeightSummary,
    WeightDiagnosticsOut,
    WeightSummary,
)

__all__ = [
    "Calibration",
    "Margins",
    "SampleData",
    "Weighted",
    "weight_open_link_responses",
    "weight_sample",
]


class SampleData(msgspec.Struct, frozen=True, kw_only=True):
    """The fielded members of a drawn design.

    Attributes
    ----------
    stratum
        Stratum code 0 … H-1 of each member; ``stratum_keys`` and ``population`` (N_h)
        per stratum.
    base_weight
        Base weight stored at the draw.
    equal_probability
        Whether selection gave every member of a stratum the same probability, so that
        released reserves can be weighted N_h / f_h.
    outcome, responded
        Current outcome, and whether a response is stored.
    variables
        Unit, channel and field of each member (as codes of the frame).
    """

    stratum: NDArray[np.int64]
    stratum_keys: list[str]
    population: NDArray[np.int64]
    base_weight: NDArray[np.float64]
    equal_probability: bool
    outcome: NDArray[np.str_]
    responded: NDArray[np.bool_]
    variables: dict[str, NDArray[np.str_]]


class Weighted(msgspec.Struct, frozen=True, kw_only=True):
    """Final weights of the respondents ``rows`` (indices into the input) and diagnostics."""

    rows: NDArray[np.int64]
    weights: NDArray[np.float64]
    diagnostics: WeightDiagnosticsOut
    steps: list[str]


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _summary(d: WeightDiagnostics, g: int) -> dict[str, float | int | None]:
    return {
        "n": int(d.n[g]),
        "total": float(d.total[g]),
        "minimum": _number(d.minimum[g]),
        "maximum": _number(d.maximum[g]),
        "mean": _number(d.mean[g]),
        "cv": _number(d.cv[g]),
        "deff": _number(d.deff[g]),
        "n_effective": _number(d.n_effective[g]),
    }


def _codes(values: NDArray[np.str_]) -> tuple[NDArray[np.str_], NDArray[np.int64]]:
    labels, inverse = np.unique(values, return_inverse=True)
    return labels, inverse.astype(np.int64)


def _margin_errors(
    w: NDArray[np.float64], codes: list[NDArray[np.int64]], margins: Margins
) -> dict[str, float]:
    errors = {}
    for name, ids, target in zip(margins.names, codes, margins.totals, strict=True):
        achieved = np.bincount(ids, w, target.size)
        errors[name] = float((np.abs(achieved - target) / np.maximum(target, 1.0)).max(initial=0.0))
    return errors


class _Finish(msgspec.Struct, frozen=True, kw_only=True):
    """What the last steps of both chains share."""

    counts: dict[str, int]
    factors: tuple[float | None, float | None]
    nonprobability: bool
    calibration: Calibration = Calibration()


def _calibrate(
    w: NDArray[np.float64], codes: list[NDArray[np.int64]], margins: Margins, extra: _Finish
) -> CalibrationResult | None:
    if not codes:
        return None
    if extra.nonprobability:
        labels = [m.tolist() for m in margins.labels]
        return weight_open_link(codes, list(margins.totals), labels=labels)
    return calibrate_weights(w, codes, margins, extra.calibration)


def _finish(
    w: NDArray[np.float64],
    variables: dict[str, NDArray[np.str_]],
    margins: Margins,
    trim_cap: float | None,
    extra: _Finish,
) -> tuple[NDArray[np.float64], WeightDiagnosticsOut]:
    """Calibrate, trim (and re-calibrate) and summarise the respondents' weights."""
    codes = [margins.encode(k, variables[name]) for k, name in enumerate(margins.names)]
    calibrated = _calibrate(w, codes, margins, extra)
    final = calibrated.weights if calibrated is not None else w
    unit_labels, unit_codes = _codes(variables["unit"])
    trimming: TrimOut | None = None
    recalibration: RecalibrationOut | None = None
    if trim_cap is not None:
        final, trimming, recalibration = trim_and_recalibrate(
            final, unit_codes, trim_cap, codes, margins, extra.calibration, unit_labels.tolist()
        )
    per_unit = weight_diagnostics(final, unit_codes)
    overall = weight_diagnostics(final)
    start = None if extra.nonprobability else w
    diagnostics = WeightDiagnosticsOut(
        respondents=int(final.size),
        fielded=extra.counts["fielded"],
        ineligible=extra.counts["ineligible"],
        not_weighted=extra.counts["not_weighted"],
        nonresponse_factor_min=extra.factors[0],
        nonresponse_factor_max=extra.factors[1],
        calibration=calibration_out(calibrated, margins.names, start, extra.calibration.bounds),
        margin_errors=_margin_errors(final, codes, margins),
        trimming=trimming,
        overall=msgspec.convert(_summary(overall, 0), WeightSummary),
        units=[
            msgspec.convert({"unit": str(label), **_summary(per_unit, u)}, UnitWeightSummary)
            for u, label in enumerate(unit_labels.tolist())
        ],
        recalibration=recalibration,
    )
    return final, diagnostics


def _steps(
    data: SampleData,
    classes: str,
    margins: Margins,
    trim_cap: float | None,
    calibration: Calibration,
) -> list[str]:
    steps = [
        "base weight N_h / f_h (f_h fielded members of stratum h)"
        if data.equal_probability
        else "base weight 1 / inclusion probability",
        f"nonresponse adjustment within {'strata' if classes == 'stratum' else 'units'}",
    ]
    if margins.names:
        steps.append(calibration_step(calibration, margins.names))
    if trim_cap is not None:
        steps.append(f"trimming at {trim_cap:g} × the unit's median weight")
    if trim_cap is not None and calibration.recalibrate:
        steps.append(
            "re-calibration after trimming (calibrate and trim in turn, ending calibrated)"
        )
    return steps


def weight_sample(
    data: SampleData,
    margins: Margins,
    *,
    classes: str = "stratum",
    trim_cap: float | None = None,
    calibration: Calibration | None = None,
) -> Weighted:
    """Weight the respondents of a probability sample.

    Ineligible members leave the sample; the other nonrespondents' weight goes to the
    respondents of their class (stratum or unit), then the weights are calibrated.
    """
    calibration = calibration or Calibration()
    size = data.outcome.size
    base = data.base_weight
    if data.equal_probability:
        base = release_base_weights(data.stratum, data.population, np.ones(size, np.bool_))
    rows = np.flatnonzero(data.outcome != "ineligible").astype(np.int64)
    if classes == "stratum":
        class_codes, labels = data.stratum[rows], data.stratum_keys
    else:
        unit_labels, class_codes = _codes(data.variables["unit"][rows])
        labels = [str(u) for u in unit_labels.tolist()]
    answered = data.responded[rows]
    if not answered.any():
        raise SampleServiceError("the sample has no responses yet: nothing to weight")
    adjusted = adjust_nonresponse(base[rows], answered, class_codes, labels=labels)
    respondents = rows[answered]
    factor = adjusted[answered] / base[respondents]
    counts = {"fielded": size, "ineligible": size - rows.size, "not_weighted": 0}
    extra = _Finish(
        counts=counts,
        factors=(_number(factor.min()), _number(factor.max())),
        nonprobability=False,
        calibration=calibration,
    )
    variables = {name: values[respondents] for name, values in data.variables.items()}
    final, diagnostics = _finish(adjusted[answered], variables, margins, trim_cap, extra)
    steps = _steps(data, classes, margins, trim_cap, calibration)
    return Weighted(rows=respondents, weights=final, diagnostics=diagnostics, steps=steps)


def weight_open_link_responses(
    units: NDArray[np.str_], margins: Margins, *, trim_cap: float | None, not_weighted: int
) -> Weighted:
    """Weight open-link responses to the frame counts of the units they came from.

    Their unit is all that is known about them, so the weights post-stratify equal
    starting weights to each unit's count; they are flagged non-probability because
    nothing but that model stands behind them.
    """
    k = margins.names.index("unit")
    present = np.unique(units)
    totals = margins.totals[k][margins.encode(k, present)]
    own = Margins(("unit",), (present,), (totals,))
    counts = {"fielded": 0, "ineligible": 0, "not_weighted": not_weighted}
    extra = _Finish(counts=counts, factors=(None, None), nonprobability=True)
    final, diagnostics = _finish(np.ones(units.size), {"unit": units}, own, trim_cap, extra)
    steps = ["equal starting weights", "post-stratification to the frame counts of their units"]
    if trim_cap is not None:
        steps.append(f"trimming at {trim_cap:g} × the unit's median weight")
    rows = np.arange(units.size, dtype=np.int64)
    return Weighted(rows=rows, weights=final, diagnostics=diagnostics, steps=steps)
