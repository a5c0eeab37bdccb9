"""Published results: a period's scorecards and league tables, frozen for the dashboards.

:func:`publish_results` estimates every unit of a survey once (the indices service), adds
what the pages show beside the indices (rank, importance-performance, distributions,
redacted comments) and stores each unit's :class:`UnitResults` and each league table as
JSON text in ``published_parts``, under one ``published_results`` row that records who
published, when and how. Publishing again adds a new snapshot; the dashboards show the
newest one of each survey, so a published figure never changes under a reader's eyes
and a page draws in milliseconds (one small JSON document per unit), whatever the size
of the survey.

Computing a snapshot reads every respondent's answer codes once (for the driver model
and the distributions): fine for a city's survey; at national scale it would want the
per-unit counts pushed into SQL like the indices' sums.

Each unit's indices by channel and by field (domain estimates, :mod:`.filters`) are
published too, one small document per (unit, channel) and (unit, field) that has
respondents (part ``filtered``, key ``unit/kind/value``): they cost tens of milliseconds
to compute for the demo city, and the page reads one of them when a filter is chosen.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, insert

from analysis import DriverAnalysis, EstimationOptions
from survey_service.db.base import utcnow
from survey_service.db.models import PublishedPart, PublishedResult
from survey_service.features.dashboards.filters import (
    Attributes,
    FilterKind,
    filter_values,
    filtered_scorecards,
    read_attributes,
)
from survey_service.features.dashboards.improvement import (
    MIN_UNIT_RESPONDENTS,
    answer_columns,
    distributions,
    fit_drivers,
    improvement,
    subtree_masks,
)
from survey_service.features.dashboards.redaction import redact_comment
from survey_service.features.dashboards.respondents import (
    Respondents,
    TextAnswer,
    load_respondents,
    load_text_answers,
)
from survey_service.features.dashboards.schemas import (
    CommentOut,
    PublishedSummary,
    RankOut,
    UnitResults,
)
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.leagues import DRAWS, RANK_LEVEL, SEED, make_league
from survey_service.features.indices.schemas import LeagueOut, ScorecardOut
from survey_service.features.indices.scorecards import make_scorecard, make_scorecards
from survey_service.features.indices.service import (
    DEFAULT_OPTIONS,
    SurveyData,
    SurveyEstimates,
    estimate_survey,
    labels_of,
    load_survey_data,
    options_out,
    weights_out,
)

__all__ = [
    "COMMENTS_SHOWN",
    "FILTERED",
    "LEAGUE",
    "UNIT",
    "Publication",
    "SurveyReads",
    "SurveySources",
    "compute_sources",
    "filtered_key",
    "league_key",
    "load_sources",
    "publish_results",
    "read_sources",
    "unit_results",
]

UNIT = "unit"
LEAGUE = "league"
FILTERED = "filtered"
COMMENTS_SHOWN = 8

_encoder = msgspec.json.Encoder()

BoolArray = NDArray[np.bool_]


class Publication(msgspec.Struct, frozen=True, kw_only=True):
    """What :func:`publish_results` stored."""

    id: int
    survey_code: str
    published_at: dt.datetime
    units: int
    leagues: int
    filtered: int = 0


class SurveySources(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Estimates and respondent-level data of a survey: what a unit's results need."""

    estimates: SurveyEstimates
    respondents: Respondents
    masks: dict[int, BoolArray]
    city_drivers: DriverAnalysis | None
    comments: list[TextAnswer]


def league_key(kind: str, variable: str) -> str:
    """Key of a league table in ``published_parts``."""
    return f"{kind}/{variable}"


def filtered_key(unit_code: str, kind: FilterKind, value: str) -> str:
    """Key of a unit's indices in one channel or field in ``published_parts``."""
    return f"{unit_code}/{kind}/{value}"


class SurveyReads(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """What a snapshot needs from the database (read first; the work comes after)."""

    data: SurveyData
    respondents: Respondents
    comments: list[TextAnswer]
    attributes: Attributes | None = None


def read_sources(conn: Connection, survey_code: str) -> SurveyReads:
    """Read the survey's PSU sums, respondents' answer codes and comments (I/O only)."""
    data = load_survey_data(conn, survey_code)
    texts = tuple(q.code for q in data.survey.instrument.questions if q.kind == "text")
    return SurveyReads(
        data=data,
        respondents=load_respondents(conn, data, answer_columns(data.survey)),
        comments=load_text_answers(conn, data, texts) if texts else [],
        attributes=read_attributes(conn, data),
    )


def compute_sources(
    reads: SurveyReads, options: EstimationOptions = DEFAULT_OPTIONS
) -> SurveySources:
    """Estimate the survey and fit the city's driver model (CPU only: run it in a thread)."""
    respondents = reads.respondents
    return SurveySources(
        estimates=estimate_survey(reads.data, options),
        respondents=respondents,
        masks=subtree_masks(reads.data.units, respondents.unit),
        city_drivers=fit_drivers(respondents, reads.data.survey, options),
        comments=reads.comments,
    )


def load_sources(
    conn: Connection, survey_code: str, options: EstimationOptions = DEFAULT_OPTIONS
) -> SurveySources:
    """Read and estimate the survey: what every unit's results need."""
    return compute_sources(read_sources(conn, survey_code), options)


def _rank(league: LeagueOut | None, code: str) -> RankOut | None:
    if league is None:
        return None
    row = next((r for r in league.rows if r.unit.code == code), None)
    if row is None:
        return None
    return RankOut(
        kind=league.kind,
        rank=row.rank,
        rank_low=row.rank_low,
        rank_high=row.rank_high,
        of=len(league.rows),
        rank_level=league.rank_level,
    )


def _comments(sources: SurveySources, position: int) -> tuple[list[CommentOut], int]:
    units = sources.estimates.data.units
    mine = [c for c in sources.comments if position in units.chain(c.unit)]
    shown = [
        CommentOut(
            submitted_on=c.submitted_at.date(), language=c.language, text=redact_comment(c.text)
        )
        for c in mine[:COMMENTS_SHOWN]
    ]
    return shown, len(mine)


def unit_results(
    sources: SurveySources,
    code: str,
    overall_league: LeagueOut | None,
    scorecard: ScorecardOut | None = None,
) -> UnitResults:
    """Everything the scorecard page of unit ``code`` shows (``overall_league``: its kind's
    league table on the overall index, for the rank)."""
    estimates = sources.estimates
    data = estimates.data
    respondents = sources.respondents
    position = data.units.codes.index(code)
    mask = sources.masks.get(position)
    labels = labels_of(data.survey.instrument)
    performance = [e for e in estimates.of_domain(code) if e.statistic == "element"]
    drivers, basis = sources.city_drivers, "city"
    if data.units.parent[position] < 0:
        basis = "unit"  # the city's own model is the model of every respondent
    elif mask is not None and int(mask.sum()) >= MIN_UNIT_RESPONDENTS:
        own = fit_drivers(respondents, data.survey, estimates.options, mask)
        if own is not None and own.n >= MIN_UNIT_RESPONDENTS:
            drivers, basis = own, "unit"
    comments, count = _comments(sources, position)
    return UnitResults(
        scorecard=scorecard or make_scorecard(estimates, code),
        rank=_rank(overall_league, code),
        improvement=improvement(drivers, basis, performance, labels, data.survey.instrument)
        if performance
        else None,
        distributions=[] if mask is None else distributions(respondents, data.survey, mask, labels),
        comments=comments,
        comment_count=count,
        members={node.code: list(node.children) for node in data.survey.tree.nodes},
    )


def _leagues(estimates: SurveyEstimates) -> dict[tuple[str, str], LeagueOut]:
    units, survey = estimates.data.units, estimates.data.survey
    kinds = Counter(
        units.kinds[u] for u in estimates.domains.units.tolist() if units.parent[u] >= 0
    )
    root = next(node for node in survey.tree.nodes if node.code == survey.tree.root)
    variables = [survey.tree.root, *root.children]
    out = {}
    for kind, count in sorted(kinds.items()):
        if count < 2:
            continue
        for variable in variables:
            try:
                out[kind, variable] = make_league(estimates, kind=kind, variable=variable)
            except IndicesError:  # nothing to rank on this index for this kind
                continue
    return out


def _summary(
    estimates: SurveyEstimates,
    leagues: dict[tuple[str, str], LeagueOut],
    attributes: Attributes | None,
) -> PublishedSummary:
    survey = estimates.data.survey
    labels = labels_of(survey.instrument)
    units = estimates.data.units
    return PublishedSummary(
        survey_code=survey.code,
        survey_title=survey.title,
        period_start=survey.period_start,
        period_end=survey.period_end,
        instrument=survey.instrument.slug,
        instrument_version=survey.instrument.version,
        units=[units.codes[u] for u in estimates.domains.units.tolist()],
        leagues=sorted(leagues),
        variables=list(dict.fromkeys(v for _, v in sorted(leagues))),
        labels={v: labels.get(v, {}) for _, v in leagues},
        filters={} if attributes is None else filter_values(attributes),
    )


def _settings(estimates: SurveyEstimates) -> dict[str, object]:
    return {
        "estimation": msgspec.to_builtins(options_out(estimates.options)),
        "weights": msgspec.to_builtins(weights_out(estimates.data.weights)),
        "rank_level": RANK_LEVEL,
        "draws": DRAWS,
        "seed": SEED,
    }


def _part(result_id: int, part: str, key: str, document: msgspec.Struct) -> dict[str, object]:
    return {
        "result_id": result_id,
        "part": part,
        "key": key,
        "document": _encoder.encode(document).decode(),
    }


def publish_results(
    conn: Connection,
    survey_code: str,
    *,
    by_user_id: int | None,
    options: EstimationOptions = DEFAULT_OPTIONS,
) -> Publication:
    """Compute and store a snapshot of ``survey_code``'s results (in the caller's transaction).

    Raises
    ------
    NotFoundError
        For an unknown survey.
    IndicesError
        When the survey has no responses to estimate from, or the design does not allow
        the estimates.
    """
    reads = read_sources(conn, survey_code)
    sources = compute_sources(reads, options)
    estimates = sources.estimates
    units, root = estimates.data.units, estimates.data.survey.tree.root
    leagues = _leagues(estimates)
    summary = _summary(estimates, leagues, reads.attributes)
    published_at = utcnow()
    result_id: int = conn.execute(
        insert(PublishedResult)
        .values(survey_id=estimates.data.survey.id, published_at=published_at)
        .values(published_by=by_user_id, options=_settings(estimates))
        .values(summary=msgspec.to_builtins(summary))
        .returning(PublishedResult.id)
    ).scalar_one()
    cards = make_scorecards(estimates, summary.units)
    parts = [
        _part(
            result_id,
            UNIT,
            code,
            unit_results(
                sources, code, leagues.get((units.kinds[units.codes.index(code)], root)), card
            ),
        )
        for code, card in cards.items()
    ]
    parts += [_part(result_id, LEAGUE, league_key(*key), t) for key, t in leagues.items()]
    filtered = (
        {}
        if reads.attributes is None
        else filtered_scorecards(estimates.data, reads.attributes, options)
    )
    parts += [_part(result_id, FILTERED, filtered_key(*key), f) for key, f in filtered.items()]
    conn.execute(insert(PublishedPart), parts)
    return Publication(
        id=result_id,
        survey_code=summary.survey_code,
        published_at=published_at,
        units=len(summary.units),
        leagues=len(leagues),
        filtered=len(filtered),
    )
