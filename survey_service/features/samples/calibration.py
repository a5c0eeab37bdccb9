"""The calibration step of the weighting chain: the method asked for, trimming, re-calibration.

Raking (post-stratification when there is one variable) is the default. Linear (GREG),
truncated linear and logit calibration go through :func:`sampling.calibrate_margins`; the
bounded ones keep every g-weight (calibrated / input weight) within [L, U]. Trimming caps
each weight at a multiple of its unit's median; re-calibration then alternates calibration
and trimming so that the margins hold again, ending on a calibration.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
from numpy.typing import NDArray

from sampling import (
    CalibrationError,
    CalibrationResult,
    ConvergenceReport,
    calibrate_margins,
    group_medians,
    poststratify,
    rake,
    trim_weights,
)
from survey_service.features.samples.errors import SampleServiceError
from survey_service.features.samples.schemas import (
    CalibrationMethod,
    CalibrationOut,
    RecalibrationOut,
    TrimOut,
)

__all__ = [
    "CAP_TOLERANCE",
    "MAX_CYCLES",
    "Calibration",
    "Margins",
    "calibrate_weights",
    "calibration_out",
    "calibration_step",
    "check_calibration",
    "trim_and_recalibrate",
]

HISTORY_KEPT = 50
MAX_CYCLES = 50
CAP_TOLERANCE = 1e-6


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


class Calibration(msgspec.Struct, frozen=True, kw_only=True):
    """The calibration asked for: distance function, g-weight bounds, re-calibration."""

    method: CalibrationMethod = "raking"
    bounds: tuple[float, float] | None = None
    recalibrate: bool = False


def check_calibration(
    calibration: Calibration, variables: Sequence[str], trim_cap: float | None
) -> None:
    """Refuse contradictory requests before any data is read."""
    bounded = calibration.method in ("truncated", "logit")
    if bounded and calibration.bounds is None:
        raise SampleServiceError(
            f"{calibration.method} calibration needs bounds [L, U] with 0 <= L < 1 < U"
        )
    if not bounded and calibration.bounds is not None:
        raise SampleServiceError(
            f"{calibration.method} calibration takes no bounds: use truncated or logit"
        )
    if calibration.bounds is not None and not (
        0.0 <= calibration.bounds[0] < 1.0 < calibration.bounds[1]
    ):
        raise SampleServiceError(f"bounds must satisfy 0 <= L < 1 < U, got {calibration.bounds}")
    if calibration.recalibrate and (trim_cap is None or not variables):
        raise SampleServiceError(
            "re-calibration follows trimming: give a trim cap and calibration variables"
        )


def _negative(w: NDArray[np.float64], codes: list[NDArray[np.int64]], margins: Margins) -> None:
    """Linear calibration may give negative weights; name the cells where it did."""
    bad = np.flatnonzero(w < 0)
    if not bad.size:
        return
    cells = sorted(
        {
            "/".join(
                f"{name}={margins.labels[k][codes[k][i]]}" for k, name in enumerate(margins.names)
            )
            for i in bad.tolist()
        }
    )
    raise CalibrationError(
        f"linear calibration gave {bad.size} negative weight(s): use truncated or logit "
        "calibration with bounds",
        cells,
    )


def calibrate_weights(
    w: NDArray[np.float64],
    codes: list[NDArray[np.int64]],
    margins: Margins,
    calibration: Calibration,
) -> CalibrationResult:
    """Calibrate ``w`` to the margins with the method asked for."""
    labels = [m.tolist() for m in margins.labels]
    if calibration.method == "raking":
        if len(codes) == 1:
            return poststratify(w, codes[0], margins.totals[0], labels=labels[0])
        return rake(w, codes, list(margins.totals), labels=labels, margin_names=margins.names)
    result = calibrate_margins(
        w,
        codes,
        list(margins.totals),
        method=calibration.method,
        bounds=calibration.bounds,
        labels=labels,
        margin_names=margins.names,
    )
    _negative(result.weights, codes, margins)
    return result


def calibration_out(
    result: CalibrationResult | None,
    names: Sequence[str],
    start: NDArray[np.float64] | None = None,
    bounds: tuple[float, float] | None = None,
) -> CalibrationOut:
    """The stored report of one calibration; g-weights relative to ``start``."""
    report = result.report if result else ConvergenceReport(True, 0, 0.0, ())
    g_min = g_max = None
    if result is not None and start is not None and np.any(start > 0):
        g = result.weights[start > 0] / start[start > 0]
        g_min, g_max = float(g.min()), float(g.max())
    return CalibrationOut(
        method=result.method if result else "none",
        variables=list(names),
        converged=report.converged,
        iterations=report.iterations,
        max_relative_error=report.max_relative_error,
        history=list(report.history[-HISTORY_KEPT:]),
        bounds=list(bounds) if bounds is not None else None,
        g_min=g_min,
        g_max=g_max,
    )


def _caps(w: NDArray[np.float64], units: NDArray[np.int64], cap: float) -> NDArray[np.float64]:
    """``cap`` × the median weight of each respondent's unit."""
    return cap * group_medians(w, units)[units]


def trim_and_recalibrate(
    w: NDArray[np.float64],
    units: NDArray[np.int64],
    cap: float,
    codes: list[NDArray[np.int64]],
    margins: Margins,
    calibration: Calibration,
    unit_names: Sequence[str] | None = None,
) -> tuple[NDArray[np.float64], TrimOut, RecalibrationOut | None]:
    """Trim at ``cap`` × the unit's median (each unit's total kept), then re-calibrate.

    The caps are fixed from the calibrated weights. Each cycle calibrates the trimmed
    weights (bounded methods bound g relative to them) and trims again while a weight
    exceeds its cap by more than :data:`CAP_TOLERANCE`; the last step is always a
    calibration, so the margins hold whether or not the caps do.
    """
    caps = _caps(w, units, cap)
    first = trim_weights(w, caps, groups=units, labels=unit_names)
    trimming = TrimOut(cap=cap, iterations=first.iterations, trimmed=first.trimmed)
    if not calibration.recalibrate:
        return first.weights, trimming, None
    current = first.weights
    ratios: list[float] = []
    for cycle in range(MAX_CYCLES):
        start = current
        result = calibrate_weights(start, codes, margins, calibration)
        current = result.weights
        ratios.append(float((current / caps).max(initial=0.0)))
        if ratios[-1] <= 1.0 + CAP_TOLERANCE or cycle == MAX_CYCLES - 1:
            break
        current = trim_weights(current, caps, groups=units, labels=unit_names).weights
    recalibration = RecalibrationOut(
        cycles=len(ratios),
        converged=ratios[-1] <= 1.0 + CAP_TOLERANCE,
        cap_tolerance=CAP_TOLERANCE,
        above_cap=int(np.count_nonzero(current > caps * (1.0 + CAP_TOLERANCE))),
        max_cap_ratio=ratios[-1],
        history=ratios[-HISTORY_KEPT:],
        calibration=calibration_out(result, margins.names, start, calibration.bounds),
    )
    return current, trimming, recalibration


def calibration_step(calibration: Calibration, names: Sequence[str]) -> str:
    """The calibration step in words, for the stored list of steps."""
    by = ", ".join(names)
    if calibration.method == "raking":
        how = "post-stratification" if len(names) == 1 else "raking"
        return f"{how} to frame counts by {by}"
    if calibration.method == "linear":
        return f"linear calibration (GREG, chi-square distance) to frame counts by {by}"
    low, high = calibration.bounds or (0.0, np.inf)
    return f"{calibration.method} calibration to frame counts by {by}, g in [{low:g}, {high:g}]"
