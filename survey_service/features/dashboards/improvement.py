"""What to improve first, and how people answered each criterion.

* **Drivers.** Overall satisfaction (the instrument's overall rating, 1-5) is regressed
  on each respondent's element scores (share of satisfied answers among the element's
  usable criteria) by :func:`analysis.driver_analysis`: survey-weighted least squares
  with design-based standard errors. A unit's own respondents fit the model when at
  least :data:`MIN_UNIT_RESPONDENTS` of them answered everything; otherwise the model of
  every respondent of the survey is used (a small unit's own model is mostly noise), and
  the page says which. Importance is the standardised coefficient, performance the
  unit's element index; the quadrants are those of :func:`analysis.importance_performance`.
* **Distributions.** Answers to each criterion are counted per scale point among the
  unit's respondents (its whole subtree), not weighted; "does not apply" answers are
  counted apart and left out of the shares.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from analysis import (
    AnalysisError,
    DriverAnalysis,
    Estimate,
    EstimationOptions,
    driver_analysis,
    element_scores,
    importance_performance,
)
from instruments import Instrument, Question
from survey_service.features.dashboards.respondents import MISSING, Respondents
from survey_service.features.dashboards.schemas import (
    AnswerShare,
    Distribution,
    DriverRow,
    Improvement,
)
from survey_service.features.indices.records import SurveyInfo
from survey_service.features.indices.sums import UnitTree

__all__ = [
    "MIN_UNIT_RESPONDENTS",
    "answer_columns",
    "distributions",
    "fit_drivers",
    "improvement",
    "outcome_question",
    "subtree_masks",
]

MIN_UNIT_RESPONDENTS = 100

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


def outcome_question(instrument: Instrument) -> Question | None:
    """The overall-satisfaction rating: the instrument's first scale question."""
    return next((q for q in instrument.questions if q.kind == "scale" and q.scale), None)


def answer_columns(survey: SurveyInfo) -> tuple[str, ...]:
    """Scored items in index order, then the overall rating when there is one."""
    outcome = outcome_question(survey.instrument)
    items = tuple(item.code for item in survey.items)
    return items if outcome is None else (*items, outcome.code)


def subtree_masks(units: UnitTree, respondent_unit: NDArray[np.int64]) -> dict[int, BoolArray]:
    """For every unit position with respondents below it, which respondents those are."""
    present, inverse = np.unique(respondent_unit, return_inverse=True)
    by_unit: dict[int, BoolArray] = {}
    for k, u in enumerate(present.tolist()):
        for a in units.chain(int(u)):
            by_unit.setdefault(a, np.zeros(present.size, dtype=bool))[k] = True
    return {a: mask[inverse] for a, mask in by_unit.items()}


def _elements(survey: SurveyInfo) -> list[str]:
    root = next(node for node in survey.tree.nodes if node.code == survey.tree.root)
    return list(root.children)


def _outcome(respondents: Respondents, instrument: Instrument, question: Question) -> FloatArray:
    scale = instrument.scale(question.scale or "")
    values = respondents.codes[:, respondents.columns.index(question.code)].astype(np.float64)
    skip = [MISSING] + ([scale.not_applicable.value] if scale.not_applicable else [])
    values[np.isin(values, skip)] = np.nan
    return values


def fit_drivers(
    respondents: Respondents,
    survey: SurveyInfo,
    options: EstimationOptions,
    mask: BoolArray | None = None,
) -> DriverAnalysis | None:
    """The driver model of overall satisfaction on element scores (None if it cannot fit).

    Respondents outside ``mask`` keep their PSU (a domain, not a subset).
    """
    question = outcome_question(survey.instrument)
    if question is None:
        return None
    outcome = _outcome(respondents, survey.instrument, question)
    if mask is not None:
        outcome[~mask] = np.nan
    items = respondents.codes[:, : len(survey.items)]
    scores = element_scores(items, survey.items, survey.tree, missing=(MISSING,))
    predictors = {e: scores[e] for e in _elements(survey)}
    try:
        return driver_analysis(
            outcome,
            predictors,
            respondents.design,
            name=question.code,
            lonely_psu=options.lonely_psu,
            level=options.level,
        )
    except AnalysisError:
        return None


def improvement(
    drivers: DriverAnalysis | None,
    basis: str,
    performance: list[Estimate],
    labels: dict[str, dict[str, str]],
    instrument: Instrument,
) -> Improvement | None:
    """The importance-performance rows of a fitted model and the unit's element indices."""
    if drivers is None:
        return None
    coefficients = {c.term: c for c in drivers.coefficients}
    rows = [
        DriverRow(
            term=r.term,
            label=labels.get(r.term, {}),
            importance=r.importance,
            coefficient=coefficients[r.term].coefficient,
            ci_low=coefficients[r.term].ci_low,
            ci_high=coefficients[r.term].ci_high,
            p_value=coefficients[r.term].p_value,
            performance=r.performance,
            quadrant=r.quadrant,
        )
        for r in importance_performance(drivers, performance)
    ]
    question = outcome_question(instrument)
    return Improvement(
        basis=basis,
        outcome=drivers.outcome,
        outcome_label=dict(question.text) if question else {},
        n=drivers.n,
        df=drivers.df,
        r_squared=drivers.r_squared,
        rows=rows,
    )


def distributions(
    respondents: Respondents,
    survey: SurveyInfo,
    mask: BoolArray,
    labels: dict[str, dict[str, str]],
) -> list[Distribution]:
    """Counts of every scale point of every criterion among the respondents in ``mask``."""
    scales = {item.code: item.scale for item in survey.instrument.items()}
    out = []
    for j, item in enumerate(survey.items):
        scale = survey.instrument.scale(scales[item.code])
        answers = respondents.codes[mask, j]
        na = scale.not_applicable.value if scale.not_applicable else None
        counts = {p.value: int(np.count_nonzero(answers == p.value)) for p in scale.points}
        n = sum(counts.values())
        shares = [
            AnswerShare(
                value=p.value,
                label=dict(p.label),
                count=counts[p.value],
                share=counts[p.value] / n if n else 0.0,
                satisfied=p.value in scale.satisfied,
            )
            for p in scale.points
        ]
        out.append(
            Distribution(
                item=item.code,
                label=labels.get(item.code, {}),
                n=n,
                not_applicable=0 if na is None else int(np.count_nonzero(answers == na)),
                shares=shares,
            )
        )
    return out
