"""A unit's scorecard: its indices, the unit against the city, small-area estimates.

* The direct estimates come from the sufficient statistics (:mod:`.service`).
* The comparison with the city needs the covariance of the unit's and the city's
  estimates, formed PSU by PSU: every PSU record is one response, so the records are
  the rows of :func:`analysis.compare_indices_with_population`, with the satisfied and
  usable indicators as answer codes (1 satisfied, 0 not, -1 no usable answer). The units
  of the scorecard unit's kind are compared together and their p-values adjusted (Holm)
  across those units.
* The small-area estimate is the Fay-Herriot EBLUP (arcsine scale) over the units of the
  same kind that have an estimate of the same index, when there are at least three.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
from numpy.typing import NDArray

from analysis import (
    AnalysisError,
    Comparison,
    Design,
    Estimate,
    ItemScoring,
    adjust_p_values,
    compare_indices_with_population,
    small_area_estimates,
)
from survey_service.errors import NotFoundError
from survey_service.features.indices.schemas import (
    CityComparisonOut,
    EstimateOut,
    ScorecardOut,
    SmallAreaOut,
)
from survey_service.features.indices.service import (
    SurveyData,
    SurveyEstimates,
    estimate_out,
    labels_of,
    options_out,
    survey_out,
    unit_out,
    weights_out,
)
from survey_service.features.indices.sums import UnitTree

__all__ = ["city_comparisons", "find_unit", "make_scorecard", "record_rows", "small_areas"]

NO_UNIT = ""  # domain label of the PSUs outside every unit of the compared kind


def find_unit(units: UnitTree, code: str) -> int:
    """Position of the unit ``code`` in the tree, or NotFoundError."""
    try:
        return units.codes.index(code)
    except ValueError:
        raise NotFoundError(f"no unit with code {code!r}") from None


def record_rows(data: SurveyData) -> tuple[NDArray[np.int8], tuple[ItemScoring, ...], Design]:
    """The PSU records as rows: answer codes, their scoring and the design."""
    records = data.records
    codes = np.where(records.usable, records.satisfied.astype(np.int8), np.int8(-1)).T
    items = tuple(ItemScoring(code=item.code, satisfied=(1,)) for item in data.survey.items)
    design = Design(
        weights=records.weight,
        stratum=records.stratum,
        psu=np.arange(records.n, dtype=np.int64),
        psu_stratum=records.stratum,
        strata=records.strata,
    )
    return np.ascontiguousarray(codes), items, design


def _peer_labels(data: SurveyData, kind: str) -> NDArray[np.str_]:
    """Each PSU's unit of ``kind``: its own unit or the nearest such unit above it."""
    units = data.units
    present, inverse = np.unique(units.positions(data.records.unit), return_inverse=True)
    peer = [
        next((units.codes[a] for a in units.chain(int(u)) if units.kinds[a] == kind), NO_UNIT)
        for u in present.tolist()
    ]
    return np.array(peer, dtype=np.str_)[inverse]


def _readjusted(comparisons: Sequence[Comparison]) -> dict[tuple[str, str | None], float]:
    """Holm across the units of each variable, leaving out the PSUs outside them."""
    out: dict[tuple[str, str | None], float] = {}
    for variable in dict.fromkeys(c.variable for c in comparisons):
        family = [c for c in comparisons if c.variable == variable and c.domain != NO_UNIT]
        adjusted = adjust_p_values(np.array([c.p_value for c in family]), "holm")
        out.update(
            {(c.variable, c.domain): float(p) for c, p in zip(family, adjusted, strict=True)}
        )
    return out


def city_comparisons(estimates: SurveyEstimates, position: int) -> dict[str, CityComparisonOut]:
    """The unit at ``position`` against the whole city, for every index (empty for the city)."""
    data, units = estimates.data, estimates.data.units
    if units.parent[position] < 0:
        return {}
    codes, items, design = record_rows(data)
    labels = _peer_labels(data, units.kinds[position])
    comparisons = compare_indices_with_population(
        codes,
        items,
        data.survey.tree,
        design,
        domain=labels,
        missing=(-1,),
        options=estimates.options,
    )
    adjusted = _readjusted(comparisons)
    city, code = units.codes[units.chain(position)[-1]], units.codes[position]
    return {
        c.variable: CityComparisonOut(
            city=city,
            city_estimate=c.reference_estimate,
            difference=c.difference,
            se=c.se,
            ci_low=c.ci_low,
            ci_high=c.ci_high,
            df=c.df,
            p_value=c.p_value,
            p_adjusted=adjusted[c.variable, c.domain],
            adjustment="holm",
            significant=adjusted[c.variable, c.domain] < 1.0 - c.level,
        )
        for c in comparisons
        if c.domain == code
    }


def small_areas(estimates: SurveyEstimates, position: int) -> dict[str, SmallAreaOut]:
    """Fay-Herriot estimates of the unit's indices over the units of its kind."""
    units, domains = estimates.data.units, estimates.domains
    kind, code = units.kinds[position], units.codes[position]
    peers = {units.codes[u] for u in domains.units.tolist() if units.kinds[u] == kind}
    by_variable: dict[str, list[Estimate]] = {}
    for e in estimates.estimates:
        if e.domain in peers:
            by_variable.setdefault(e.variable, []).append(e)
    out: dict[str, SmallAreaOut] = {}
    for variable, group in by_variable.items():
        if len(group) < 3 or all(e.domain != code for e in group):
            continue
        try:
            fitted = small_area_estimates(group, transform="arcsine")
        except AnalysisError:  # a model that cannot be fitted leaves the direct estimate
            continue
        mine = next(s for s in fitted if s.domain == code)
        out[variable] = SmallAreaOut(
            estimate=mine.eblup,
            rmse=mine.rmse,
            shrinkage=mine.shrinkage,
            model_variance=mine.model_variance,
            transform=mine.transform,
            areas=len(group),
        )
    return out


def make_scorecard(estimates: SurveyEstimates, unit_code: str) -> ScorecardOut:
    """The scorecard of ``unit_code`` (empty lists when the unit has no respondent)."""
    data = estimates.data
    position = find_unit(data.units, unit_code)
    mine = estimates.of_domain(unit_code)
    comparisons = city_comparisons(estimates, position) if mine else {}
    small = small_areas(estimates, position) if mine else {}
    labels = labels_of(data.survey.instrument)
    rows: list[EstimateOut] = [
        msgspec.structs.replace(
            estimate_out(e, labels.get(e.variable, {})),
            city=comparisons.get(e.variable),
            small_area=small.get(e.variable),
        )
        for e in mine
    ]
    overall = [r for r in rows if r.statistic == "index"]
    return ScorecardOut(
        survey=survey_out(data.survey),
        unit=unit_out(data.units, position),
        weights=weights_out(data.weights),
        options=options_out(estimates.options),
        overall=overall[0] if overall else None,
        elements=[r for r in rows if r.statistic == "element"],
        items=[r for r in rows if r.statistic == "share"],
    )
