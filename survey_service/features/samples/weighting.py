"""The weighting chain on arrays, with the database left out.

Probability sample: base weight → nonresponse adjustment within classes (strata or units)
→ post-stratification (one variable) or raking (several) to frame counts → optional
trimming at a multiple of the unit's median. Open-link responses: post-stratification of
equal weights to the counts of the units they came from, flagged non-probability. Every
statistical step is a :mod:`sampling` function; this module only arranges the arrays and
the diagnostics.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
from numpy.typing import NDArray

from sampling import (
    CalibrationResult,
    ConvergenceReport,
    WeightDiagnostics,
    adjust_nonresponse,
    poststratify,
    rake,
    release_base_weights,
    trim_weights,
    weight_diagnostics,
    weight_open_link,
)
from survey_service.features.samples.errors import SampleServiceError
from survey_service.features.samples.schemas import (
    CalibrationOut,
    TrimOut,
    UnitWeightSummary,
    WeightDiagnosticsOut,
    WeightSummary,
)

__all__ = ["Margins", "SampleData", "Weighted", "weight_open_link_responses", "weight_sample"]

HISTORY_KEPT = 50


class Margins(msgspec.Struct, frozen=True):
    """Frame counts per category of each calibration variable (labels sorted)."""

    names: tuple[str, ...]
    labels: tuple[NDArray[np.str_], ...]
    totals: tuple[NDArray[np.float64], ...]

    def subset(self, names: Sequence[str]) -> Margins:
        """The margins of ``names``, in that order."""
        ks = [self.names.index(name) for name in names]
        return Margins(
            tuple(names), tuple(self.labels[k] for k in ks), tuple(self.totals[k] for k in ks)
        )

    def encode(self, k: int, values: NDArray[np.str_]) -> NDArray[np.int64]:
        """Category codes of ``values`` in margin ``k``; unknown categories are an error."""
        labels = self.labels[k]
        where = np.clip(np.searchsorted(labels, values), 0, max(labels.size - 1, 0))
        known = labels[where] == values if labels.size else np.zeros(values.size, np.bool_)
        if not known.all():
            missing = sorted(set(values[~known].tolist()))[:10]
            raise SampleServiceError(
                f"respondents' {self.names[k]} {missing} have no frame count: the frame "
                "changed since the draw, or the population filter leaves them out"
            )
        return where.astype(np.int64)


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


def _calibration_out(result: CalibrationResult | None, names: Sequence[str]) -> CalibrationOut:
    report = result.report if result else ConvergenceReport(True, 0, 0.0, ())
    return CalibrationOut(
        method=result.method if result else "none",
        variables=list(names),
        converged=report.converged,
        iterations=report.iterations,
        max_relative_error=report.max_relative_error,
        history=list(report.history[-HISTORY_KEPT:]),
    )


def _codes(values: NDArray[np.str_]) -> tuple[NDArray[np.str_], NDArray[np.int64]]:
    labels, inverse = np.unique(values, return_inverse=True)
    return labels, inverse.astype(np.int64)


def _calibrate(
    w: NDArray[np.float64], codes: list[NDArray[np.int64]], margins: Margins, nonprobability: bool
) -> CalibrationResult | None:
    labels = [m.tolist() for m in margins.labels]
    if not codes:
        return None
    if nonprobability:
        return weight_open_link(codes, list(margins.totals), labels=labels)
    if len(codes) == 1:
        return poststratify(w, codes[0], margins.totals[0], labels=labels[0])
    return rake(w, codes, list(margins.totals), labels=labels)


def _trim(
    w: NDArray[np.float64], units: NDArray[np.int64], cap: float
) -> tuple[NDArray[np.float64], TrimOut]:
    """Cap each weight at ``cap`` × its unit's median, keeping each unit's total."""
    medians = np.zeros(int(units.max(initial=-1)) + 1)
    for u in np.unique(units):
        medians[u] = np.median(w[units == u])
    result = trim_weights(w, cap * medians[units], groups=units)
    return result.weights, TrimOut(cap=cap, iterations=result.iterations, trimmed=result.trimmed)


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


def _finish(
    w: NDArray[np.float64],
    variables: dict[str, NDArray[np.str_]],
    margins: Margins,
    trim_cap: float | None,
    extra: _Finish,
) -> tuple[NDArray[np.float64], WeightDiagnosticsOut]:
    """Calibrate, trim and summarise the respondents' weights."""
    codes = [margins.encode(k, variables[name]) for k, name in enumerate(margins.names)]
    calibrated = _calibrate(w, codes, margins, extra.nonprobability)
    final = calibrated.weights if calibrated is not None else w
    unit_labels, unit_codes = _codes(variables["unit"])
    trimming = None
    if trim_cap is not None:
        final, trimming = _trim(final, unit_codes, trim_cap)
    per_unit = weight_diagnostics(final, unit_codes)
    overall = weight_diagnostics(final)
    diagnostics = WeightDiagnosticsOut(
        respondents=int(final.size),
        fielded=extra.counts["fielded"],
        ineligible=extra.counts["ineligible"],
        not_weighted=extra.counts["not_weighted"],
        nonresponse_factor_min=extra.factors[0],
        nonresponse_factor_max=extra.factors[1],
        calibration=_calibration_out(calibrated, margins.names),
        margin_errors=_margin_errors(final, codes, margins),
        trimming=trimming,
        overall=msgspec.convert(_summary(overall, 0), WeightSummary),
        units=[
            msgspec.convert({"unit": str(label), **_summary(per_unit, u)}, UnitWeightSummary)
            for u, label in enumerate(unit_labels.tolist())
        ],
    )
    return final, diagnostics


def _steps(data: SampleData, classes: str, margins: Margins, trim_cap: float | None) -> list[str]:
    steps = [
        "base weight N_h / f_h (f_h fielded members of stratum h)"
        if data.equal_probability
        else "base weight 1 / inclusion probability",
        f"nonresponse adjustment within {'strata' if classes == 'stratum' else 'units'}",
    ]
    if margins.names:
        how = "post-stratification" if len(margins.names) == 1 else "raking"
        steps.append(f"{how} to frame counts by {', '.join(margins.names)}")
    if trim_cap is not None:
        steps.append(f"trimming at {trim_cap:g} × the unit's median weight")
    return steps


def weight_sample(
    data: SampleData, margins: Margins, *, classes: str = "stratum", trim_cap: float | None = None
) -> Weighted:
    """Weight the respondents of a probability sample.

    Ineligible members leave the sample; the other nonrespondents' weight goes to the
    respondents of their class (stratum or unit), then the weights are calibrated.
    """
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
    )
    variables = {name: values[respondents] for name, values in data.variables.items()}
    final, diagnostics = _finish(adjusted[answered], variables, margins, trim_cap, extra)
    steps = _steps(data, classes, margins, trim_cap)
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
