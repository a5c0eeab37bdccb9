"""Respondent-level answers of a survey, for what sums cannot give.

The indices come from per-PSU sums (:mod:`survey_service.features.indices.records`); the
driver model of overall satisfaction and the distribution of answers per criterion need
each respondent's answer codes instead. They are read here for the same responses the
indices use (finished, the survey's instrument version, the same sample and weights), at
publication time only. Strata and their finite-population corrections are the ones of the
indices' PSU records, so both agree on the design.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, and_, select

from analysis import Design
from survey_service.db.models import Answer, Response, ResponseWeight, SampleMember
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.records import PROBABILITY
from survey_service.features.indices.service import SurveyData

__all__ = ["MISSING", "Respondents", "TextAnswer", "load_respondents", "load_text_answers"]

MISSING = -1  # code of "no answer" in the answer matrix

IntArray = NDArray[np.int64]


class Respondents(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Answer codes of every respondent: ``codes[k, j]`` for column ``columns[j]``.

    ``unit`` is the position of each respondent's unit in the unit tree; ``design`` has
    one PSU per respondent, as the indices do.
    """

    columns: tuple[str, ...]
    codes: IntArray
    unit: IntArray
    design: Design


class TextAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """A free-text answer as stored (not yet redacted)."""

    unit: int
    submitted_at: dt.datetime
    language: str
    text: str


def _responses(conn: Connection, data: SurveyData) -> list[tuple[int, int, int, float]]:
    weights = data.weights
    probability = weights.sample == PROBABILITY
    weight = SampleMember.base_weight if weights.source == "base_weights" else ResponseWeight.weight
    key = SampleMember.stratum_id if probability else Response.unit_id
    query = select(Response.id, Response.unit_id, key, weight).where(
        Response.survey_id == data.survey.id,
        Response.finished.is_(True),
        Response.instrument_version_id == data.survey.version_id,
    )
    if probability:
        query = query.join(SampleMember, SampleMember.id == Response.sample_member_id)
    else:
        query = query.where(Response.sample_member_id.is_(None))
    if weights.weight_set_id is not None:
        query = query.join(
            ResponseWeight,
            and_(
                ResponseWeight.response_id == Response.id,
                ResponseWeight.weight_set_id == weights.weight_set_id,
            ),
        )
    rows = conn.execute(query.order_by(Response.id)).all()
    return [(r[0], r[1], r[2], float(r[3])) for r in rows]


def load_respondents(conn: Connection, data: SurveyData, columns: tuple[str, ...]) -> Respondents:
    """Read the answer codes of ``columns`` (item or question codes) of every respondent."""
    rows = _responses(conn, data)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    codes = np.full((ids.size, len(columns)), MISSING, dtype=np.int64)
    column = {c: j for j, c in enumerate(columns)}
    answers = conn.execute(
        select(Answer.response_id, Answer.item_code, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.survey_id == data.survey.id,
            Answer.item_code.in_(columns),
            Answer.value.is_not(None),
        )
    ).all()
    if answers:
        rid = np.array([a[0] for a in answers], dtype=np.int64)
        where = np.searchsorted(ids, rid)
        known = (where < ids.size) & (ids[np.minimum(where, ids.size - 1)] == rid)
        col = np.array([column[a[1]] for a in answers], dtype=np.int64)
        value = np.array([a[2] for a in answers], dtype=np.int64)
        codes[where[known], col[known]] = value[known]
    # Coded as the PSU records code them: the sorted distinct stratum ids (open links:
    # unit ids) of the same responses.
    strata = data.records.strata
    _, stratum = np.unique(np.array([r[2] for r in rows], dtype=np.int64), return_inverse=True)
    stratum = stratum.astype(np.int64)
    if int(stratum.max(initial=-1)) + 1 != len(strata.labels):
        raise IndicesError(f"survey {data.survey.code}: responses changed while publishing")
    design = Design(
        weights=np.array([r[3] for r in rows], dtype=np.float64),
        stratum=stratum,
        psu=np.arange(ids.size, dtype=np.int64),
        psu_stratum=stratum,
        strata=strata,
    )
    units = data.units.positions(np.array([r[1] for r in rows], dtype=np.int64))
    return Respondents(columns=columns, codes=codes, unit=units, design=design)


def load_text_answers(
    conn: Connection, data: SurveyData, questions: tuple[str, ...]
) -> list[TextAnswer]:
    """Every free-text answer to ``questions`` in the survey, newest first (all samples)."""
    rows = conn.execute(
        select(Response.unit_id, Response.submitted_at, Response.language, Answer.text)
        .join(Answer, Answer.response_id == Response.id)
        .where(
            Response.survey_id == data.survey.id,
            Response.finished.is_(True),
            Answer.item_code.in_(questions),
            Answer.text.is_not(None),
        )
        .order_by(Response.submitted_at.desc(), Response.id.desc())
    ).all()
    positions = data.units.positions(np.array([r[0] for r in rows], dtype=np.int64))
    return [
        TextAnswer(unit=int(p), submitted_at=r[1], language=r[2], text=r[3] or "")
        for p, r in zip(positions.tolist(), rows, strict=True)
        if (r[3] or "").strip()
    ]
