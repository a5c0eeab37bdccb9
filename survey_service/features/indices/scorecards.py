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

__all__ = [
    "city_comparisons",
    "find_unit",
    "kind_comparisons",
    "kind_small_areas",
    "make_scorecard",
    "make_scorecards",
    "record_rows",
    "small_areas",
]

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


def kind_comparisons(
    estimates: SurveyEstimates, kind: str
) -> dict[str, dict[str, CityComparisonOut]]:
    """Every unit of ``kind`` against the whole city: unit code -> index -> comparison.

    One pass over the PSU records compares all the units of the kind at once (they are
    the domains of one comparison, adjusted together).
    """
    data, units = estimates.data, estimates.data.units
    codes, items, design = record_rows(data)
    comparisons = compare_indices_with_population(
        codes,
        items,
        data.survey.tree,
        design,
        domain=_peer_labels(data, kind),
        missing=(-1,),
        options=estimates.options,
    )
    adjusted = _readjusted(comparisons)
    position = {code: p for p, code in enumerate(units.codes)}
    out: dict[str, dict[str, CityComparisonOut]] = {}
    for c in comparisons:
        if c.domain == NO_UNIT or c.domain is None:
            continue
        city = units.codes[units.chain(position[c.domain])[-1]]
        out.setdefault(c.domain, {})[c.variable] = CityComparisonOut(
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
    return out


def city_comparisons(estimates: SurveyEstimates, position: int) -> dict[str, CityComparisonOut]:
    """The unit at ``position`` against the whole city, for every index (empty for the city)."""
    units = estimates.data.units
    if units.parent[position] < 0:
        return {}
    return kind_comparisons(estimates, units.kinds[position]).get(units.codes[position], {})


def kind_small_areas(estimates: SurveyEstimates, kind: str) -> dict[str, dict[str, SmallAreaOut]]:
    """Fay-Herriot estimates of every unit of ``kind``: unit code -> index -> estimate."""
    units, domains = estimates.data.units, estimates.domains
    peers = {units.codes[u] for u in domains.units.tolist() if units.kinds[u] == kind}
    by_variable: dict[str, list[Estimate]] = {}
    for e in estimates.estimates:
        if e.domain in peers:
            by_variable.setdefault(e.variable, []).append(e)
    out: dict[str, dict[str, SmallAreaOut]] = {}
    for variable, group in by_variable.items():
        if len(group) < 3:
            continue
        try:
            fitted = small_area_estimates(group, transform="arcsine")
        except AnalysisError:  # a model that cannot be fitted leaves the direct estimate
            continue
        for s in fitted:
            out.setdefault(str(s.domain), {})[variable] = SmallAreaOut(
                estimate=s.eblup,
                rmse=s.rmse,
                shrinkage=s.shrinkage,
                model_variance=s.model_variance,
                transform=s.transform,
                areas=len(group),
            )
    return out


def small_areas(estimates: SurveyEstimates, position: int) -> dict[str, SmallAreaOut]:
    """Fay-Herriot estimates of the unit's indices over the units of its kind."""
    units = estimates.data.units
    return kind_small_areas(estimates, units.kinds[position]).get(units.codes[position], {})


def _scorecard(
    estimates: SurveyEstimates,
    position: int,
    comparisons: dict[str, CityComparisonOut],
    small: dict[str, SmallAreaOut],
) -> ScorecardOut:
    data = estimates.data
    labels = labels_of(data.survey.instrument)
    rows: list[EstimateOut] = [
        msgspec.structs.replace(
            estimate_out(e, labels.get(e.variable, {})),
            city=comparisons.get(e.variable),
            small_area=small.get(e.variable),
        )
        for e in estimates.of_domain(data.units.codes[position])
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


def make_scorecards(
    estimates: SurveyEstimates, unit_codes: Sequence[str]
) -> dict[str, ScorecardOut]:
    """The scorecards of ``unit_codes``, the comparisons and small-area models of each
    kind of unit computed once for all of its units."""
    units = estimates.data.units
    positions = {code: find_unit(units, code) for code in unit_codes}
    with_data = {e.domain for e in estimates.estimates}
    kinds = {
        units.kinds[p]
        for code, p in positions.items()
        if code in with_data and units.parent[p] >= 0
    }
    comparisons = {kind: kind_comparisons(estimates, kind) for kind in kinds}
    small = {kind: kind_small_areas(estimates, kind) for kind in kinds}
    out = {}
    for code, p in positions.items():
        kind = units.kinds[p] if units.parent[p] >= 0 else ""  # the city: no comparison
        out[code] = _scorecard(
            estimates,
            p,
            comparisons.get(kind, {}).get(code, {}),
            small.get(kind, {}).get(code, {}),
        )
    return out


def make_scorecard(estimates: SurveyEstimates, unit_code: str) -> ScorecardOut:
    """The scorecard of ``unit_code`` (empty lists when the unit has no respondent)."""
    return make_scorecards(estimates, [unit_code])[unit_code]
