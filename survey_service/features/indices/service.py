"""Every unit's indices of a survey, estimated from sums the database computes.

:func:`load_survey_data` reads what the estimates need (the survey and its index tree,
the weights to use, one record per PSU summed by the database, the unit tree);
:func:`estimate_survey` forms the sufficient statistics of every unit domain, rolled up
the unit tree, and calls :func:`analysis.estimate_indices_from_sums`. Loading is I/O,
estimating is CPU: the web layer runs the first on its session and the second in a
worker thread.

Strata of these samples are units (or unit x channel), so many hold a single responding
PSU; the service's default lonely-PSU rule is ``adjust`` (centre such a stratum at the
grand mean, R's ``survey.lonely.psu = "adjust"``), which keeps a one-respondent unit's
standard error positive instead of failing or claiming certainty.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import Connection

from analysis import (
    AnalysisError,
    Estimate,
    EstimationOptions,
    estimate_indices_from_sums,
)
from instruments import Instrument
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.records import (
    PsuRecords,
    Sample,
    SurveyInfo,
    WeightsUsed,
    choose_weights,
    find_survey,
    load_records,
)
from survey_service.features.indices.schemas import (
    EstimateOut,
    OptionsOut,
    SurveyOut,
    UnitOut,
    WeightsOut,
)
from survey_service.features.indices.sums import (
    Domains,
    UnitTree,
    load_units,
    sufficient_statistics,
)

__all__ = [
    "DEFAULT_OPTIONS",
    "SurveyData",
    "SurveyEstimates",
    "estimate_out",
    "estimate_survey",
    "labels_of",
    "load_survey_data",
    "options_out",
    "survey_out",
    "unit_out",
    "weights_out",
]

DEFAULT_OPTIONS = EstimationOptions(lonely_psu="adjust")


class SurveyData(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Everything the estimates of one survey need, read from the database."""

    survey: SurveyInfo
    weights: WeightsUsed
    records: PsuRecords
    units: UnitTree


class SurveyEstimates(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Every index of every unit domain (item shares, elements, overall)."""

    data: SurveyData
    domains: Domains
    estimates: list[Estimate]
    options: EstimationOptions

    def of_domain(self, code: str) -> list[Estimate]:
        """The estimates of the unit ``code`` (empty when it has no respondent)."""
        return [e for e in self.estimates if e.domain == code]


def load_survey_data(
    conn: Connection, code: str, *, sample: Sample = "probability", weight_set: int | None = None
) -> SurveyData:
    """Read the survey, its weights, its PSU records (summed by the database) and units."""
    survey = find_survey(conn, code)
    weights = choose_weights(conn, survey, sample, weight_set)
    return SurveyData(
        survey=survey,
        weights=weights,
        records=load_records(conn, survey, weights),
        units=load_units(conn),
    )


def estimate_survey(
    data: SurveyData, options: EstimationOptions = DEFAULT_OPTIONS, *, rollup: bool = True
) -> SurveyEstimates:
    """Estimate every index of every unit (and, with ``rollup``, of every unit above).

    Raises
    ------
    IndicesError
        When the design or the options do not allow the estimates (the analysis error's
        message names the stratum or the option).
    """
    survey = data.survey
    stats, domains = sufficient_statistics(
        data.records, data.units, survey.items, survey.tree, rollup=rollup
    )
    try:
        estimates = estimate_indices_from_sums(stats, survey.items, survey.tree, options=options)
    except AnalysisError as exc:
        raise IndicesError(f"survey {survey.code}: {exc}") from exc
    return SurveyEstimates(data=data, domains=domains, estimates=estimates, options=options)


def labels_of(instrument: Instrument) -> dict[str, dict[str, str]]:
    """Text of every item and index node, per language."""
    labels = {item.code: dict(item.text) for item in instrument.items()}
    labels.update({node.code: dict(node.title) for node in instrument.index_tree().nodes})
    return labels


def survey_out(survey: SurveyInfo) -> SurveyOut:
    """The survey as shown with results."""
    return SurveyOut(
        code=survey.code,
        title=survey.title,
        period_start=survey.period_start,
        period_end=survey.period_end,
        instrument=survey.instrument.slug,
        instrument_version=survey.instrument.version,
    )


def unit_out(units: UnitTree, position: int) -> UnitOut:
    """The unit at ``position`` of the tree."""
    parent = int(units.parent[position])
    return UnitOut(
        code=units.codes[position],
        name=units.names[position],
        kind=units.kinds[position],
        parent_code=units.codes[parent] if parent >= 0 else None,
    )


def weights_out(weights: WeightsUsed) -> WeightsOut:
    """Which weights were used."""
    return msgspec.convert(weights, WeightsOut, from_attributes=True)


def options_out(options: EstimationOptions) -> OptionsOut:
    """How intervals and standard errors were computed."""
    return OptionsOut(level=options.level, variance=options.variance, lonely_psu=options.lonely_psu)


def estimate_out(estimate: Estimate, label: dict[str, str]) -> EstimateOut:
    """One estimate with its label."""
    return EstimateOut(
        variable=estimate.variable,
        statistic=estimate.statistic,
        label=label,
        estimate=estimate.estimate,
        se=estimate.se,
        ci_low=estimate.ci_low,
        ci_high=estimate.ci_high,
        level=estimate.level,
        method=estimate.method,
        df=estimate.df,
        n=estimate.n,
        n_eff=estimate.n_eff,
        deff=estimate.deff,
        flag=estimate.flag,
        reasons=list(estimate.reasons),
    )
