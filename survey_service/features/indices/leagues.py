"""League tables: the units of one kind ranked on one index, with rank intervals.

Ranks come from :func:`analysis.league_table`: the estimate's own rank and the central
range of ranks over simulated draws from each unit's estimate and standard error, so two
units whose intervals overlap show overlapping rank intervals instead of a bare order.
The draws use a generator seeded by the request, so a table can be reproduced.

A unit where every respondent is satisfied has a standard error of 0 but an interval
that reaches well below 1 (Korn-Graubard); drawn with a standard error of 0 it would
keep one fixed place among the other such units, and a rank interval that can even
exclude its own rank. Its draws use the standard error its interval implies instead,
:math:`(u - l) / (2 t_{df})`. Draws are kept in [0, 1] (a draw above 1 is 1), so units
tied at 100 % stay tied in a draw and share its best rank: a precise unit at 100 % is
not pushed below rank 1 by less precise ones drawn above 100 %.
"""

from __future__ import annotations

from collections import Counter

import msgspec
import numpy as np

from analysis import AnalysisError, Estimate, league_table
from analysis.intervals import t_quantile
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.schemas import LeagueOut, LeagueRowOut
from survey_service.features.indices.service import (
    SurveyEstimates,
    labels_of,
    options_out,
    survey_out,
    unit_out,
    weights_out,
)

__all__ = ["DRAWS", "RANK_LEVEL", "SEED", "default_kind", "make_league"]

RANK_LEVEL = 0.9
DRAWS = 4000
SEED = 20250701


def default_kind(estimates: SurveyEstimates) -> str:
    """The most common kind among the units with estimates, the city left aside."""
    units = estimates.data.units
    kinds = Counter(
        units.kinds[u] for u in estimates.domains.units.tolist() if units.parent[u] >= 0
    )
    if not kinds:
        raise IndicesError("no unit below the city has respondents: nothing to rank")
    kind: str = kinds.most_common(1)[0][0]
    return kind


def _drawable(estimate: Estimate) -> Estimate:
    """The estimate, with the interval's standard error when its own is 0."""
    if estimate.se > 0:
        return estimate
    t = float(t_quantile(estimate.level, np.array([float(estimate.df)]))[0])
    return msgspec.structs.replace(estimate, se=(estimate.ci_high - estimate.ci_low) / (2 * t))


def make_league(
    estimates: SurveyEstimates,
    *,
    kind: str | None = None,
    variable: str | None = None,
    level: float = RANK_LEVEL,
    seed: int = SEED,
) -> LeagueOut:
    """Rank the units of ``kind`` on ``variable`` (default: the overall index)."""
    survey = estimates.data.survey
    variable = variable or survey.tree.root
    labels = labels_of(survey.instrument)
    if variable not in labels and variable not in {i.code for i in survey.items}:
        raise IndicesError(f"{variable!r} is not an item or an index of {survey.instrument.slug}")
    kind = kind or default_kind(estimates)
    units = estimates.data.units
    position = {units.codes[u]: u for u in estimates.domains.units.tolist()}
    chosen = [
        e
        for e in estimates.estimates
        if e.variable == variable
        and e.domain in position
        and units.kinds[position[e.domain]] == kind
    ]
    try:
        drawn = [_drawable(e) for e in chosen]
        ranked = league_table(
            drawn, np.random.default_rng(seed), level=level, draws=DRAWS, bounds=(0.0, 1.0)
        )
    except AnalysisError as exc:
        raise IndicesError(str(exc)) from exc
    by_unit = {e.domain: e for e in chosen}
    rows = [
        LeagueRowOut(
            rank=r.rank,
            rank_low=r.rank_low,
            rank_high=r.rank_high,
            unit=unit_out(units, position[str(r.domain)]),
            estimate=r.estimate,
            se=by_unit[r.domain].se,
            ci_low=by_unit[r.domain].ci_low,
            ci_high=by_unit[r.domain].ci_high,
            n=r.n,
            n_eff=r.n_eff,
            flag=r.flag,
        )
        for r in ranked
    ]
    return LeagueOut(
        survey=survey_out(survey),
        kind=kind,
        variable=variable,
        label=labels.get(variable, {}),
        weights=weights_out(estimates.data.weights),
        options=options_out(estimates.options),
        rank_level=level,
        draws=DRAWS,
        seed=seed,
        rows=rows,
    )
