"""Anonymised microdata of a survey: one row per respondent, with the design and weights.

The rows are the respondents the published estimates use (finished responses of the
probability sample to the survey's instrument version, with the weights the estimates
use: the newest weight set, else the base weights), so ``survey-service estimate`` on
the file gives the dashboard's numbers. Each row holds a fresh respondent id (1, 2, ...,
linking to nothing), the unit code, the stratum, the PSU, the stratum's population size,
the final weight, how the form was reached and its language, and every answer as its
code. Rows are grouped by unit and in random order within a unit, so neither the id nor
the position of a row follows the order in which people answered. Contact data never
leaves its table: the queries read no dossier, contact, token, applicant key, submission
key or client address; free-text comments (which people fill with names and phone
numbers) are left out unless asked for.

Only the response ids (and units) of the survey are held in memory; the design columns
and the answers are read a chunk of respondents at a time, so a national survey streams
to the file with bounded memory.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Final

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Select, select

from survey_service.db.models import Answer, Response, ResponseWeight, SampleMember, Stratum, Unit
from survey_service.features.exports.codebook import (
    Codebook,
    Variable,
    codebook_markdown,
    make_codebook,
    make_variables,
)
from survey_service.features.exports.estimates import nfc
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.records import (
    SurveyInfo,
    WeightsUsed,
    choose_weights,
    find_survey,
)
from survey_service.features.indices.service import (
    DEFAULT_OPTIONS,
    options_out,
    survey_out,
    weights_out,
)

__all__ = [
    "CHUNK",
    "FILES",
    "MicrodataSummary",
    "Respondents",
    "export_microdata",
    "find_respondents",
    "microdata_zip",
    "write_microdata",
]

CHUNK: Final = 2000
"""Respondents read per round trip."""

FILES: Final = ("microdata.csv", "codebook.json", "codebook.md")

IntArray = NDArray[np.int64]

Given = dict[str, list[tuple[Any, Any]]]
"""A respondent's answers: item code to its (value, text) rows."""

Progress = Callable[[int], None]
"""Called with the number of respondents written since the last call."""


class Respondents(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Whom a microdata file holds: the response ids in the order of its rows."""

    survey: SurveyInfo
    weights: WeightsUsed
    order: IntArray


class MicrodataSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What an export wrote."""

    survey: str
    rows: int
    columns: int
    weights: str
    files: list[str]


def _weights(conn: Connection, survey: SurveyInfo, weight_set: int | None) -> WeightsUsed:
    weights = choose_weights(conn, survey, "probability", weight_set)
    if weights.sample != "probability":
        raise IndicesError(
            f"weight set {weight_set} weights the open links; microdata covers the "
            "probability sample only"
        )
    return weights


def _respondents(survey: SurveyInfo, weights: WeightsUsed) -> Select[*tuple[Any, ...]]:
    weight = SampleMember.base_weight if weights.source == "base_weights" else ResponseWeight.weight
    query: Select[*tuple[Any, ...]] = (
        select(
            Response.id,
            Unit.code,
            Stratum.key,
            Stratum.population_size,
            weight,
            Response.mode,
            Response.language,
        )
        .join(SampleMember, SampleMember.id == Response.sample_member_id)
        .join(Stratum, Stratum.id == SampleMember.stratum_id)
        .join(Unit, Unit.id == Response.unit_id)
    )
    if weights.weight_set_id is not None:
        query = query.join(
            ResponseWeight,
            (ResponseWeight.response_id == Response.id)
            & (ResponseWeight.weight_set_id == weights.weight_set_id),
        )
    # The same respondents as the estimates (indices.records): finished responses of
    # the probability sample to the survey's instrument version, with a weight.
    return query.where(
        Response.survey_id == survey.id,
        Response.finished.is_(True),
        Response.instrument_version_id == survey.version_id,
    )


def _answers(conn: Connection, ids: list[int]) -> dict[int, Given]:
    rows = conn.execute(
        select(Answer.response_id, Answer.item_code, Answer.value, Answer.text).where(
            Answer.response_id.in_(ids)
        )
    ).all()
    out: dict[int, Given] = {}
    for response_id, code, value, text in rows:
        out.setdefault(response_id, {}).setdefault(code, []).append((value, text))
    return out


def _shuffled(
    conn: Connection, query: Select[*tuple[Any, ...]], rng: np.random.Generator
) -> IntArray:
    """Response ids grouped by unit, in random order within each unit."""
    rows = conn.execute(query.with_only_columns(Response.id, Response.unit_id)).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    units = np.array([r[1] for r in rows], dtype=np.int64)
    order: IntArray = ids[np.lexsort((rng.random(ids.size), units))]
    return order


def _row_maker(
    variables: Sequence[Variable],
) -> Callable[[int, Sequence[Any], Given], list[Any]]:
    """A function that lays out one respondent's cells in the order of ``variables``."""
    answers = [v for v in variables if v.role not in ("id", "design")]
    text = {v.name for v in answers if v.type == "string"}
    options = {
        v.name: (v.question, v.option)
        for v in answers
        if v.question is not None and v.option is not None
    }

    def cell(name: str, given: Given) -> Any:
        if name in options:
            question, value = options[name]
            chosen = given.get(question)
            return "" if chosen is None else int(any(v == value for v, _ in chosen))
        found = given.get(name)
        if not found:
            return ""
        value, note = found[0]
        if name in text:
            return "" if note is None else nfc(note)
        return "" if value is None else value

    def row(number: int, design: Sequence[Any], given: Given) -> list[Any]:
        _, unit, stratum, population, weight, mode, language = design
        head = [number, unit, stratum, number, population, float(weight), str(mode), language]
        return head + [cell(v.name, given) for v in answers]

    return row


def write_microdata(
    conn: Connection,
    respondents: Respondents,
    variables: Sequence[Variable],
    target: IO[str],
    progress: Progress | None = None,
) -> int:
    """Write the CSV (header and one row per respondent) to ``target``; return the rows.

    The PSU is the respondent: every sampled dossier is its own primary sampling unit
    (one response per sample member), as in the estimates.
    """
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow([v.name for v in variables])
    query = _respondents(respondents.survey, respondents.weights)
    make_row, written = _row_maker(variables), 0
    for start in range(0, respondents.order.size, CHUNK):
        ids = respondents.order[start : start + CHUNK].tolist()
        design = {int(r[0]): r for r in conn.execute(query.where(Response.id.in_(ids))).all()}
        given = _answers(conn, ids)
        for response_id in ids:
            written += 1
            writer.writerow(make_row(written, design[response_id], given.get(response_id, {})))
        if progress is not None:
            progress(len(ids))
    return written


def find_respondents(
    conn: Connection,
    survey_code: str,
    weight_set: int | None = None,
    rng: np.random.Generator | None = None,
) -> Respondents:
    """The survey, its weights and its respondents in the order of the file.

    Without ``rng`` the order comes from fresh operating-system entropy: on purpose, two
    exports do not share an order that could link their rows.
    """
    survey = find_survey(conn, survey_code)
    weights = _weights(conn, survey, weight_set)
    order = _shuffled(conn, _respondents(survey, weights), rng or np.random.default_rng())
    if order.size == 0:
        raise IndicesError(
            f"survey {survey.code} has no finished responses with weights ({weights.description})"
        )
    return Respondents(survey=survey, weights=weights, order=order)


def _codebook(survey: SurveyInfo, weights: WeightsUsed, rows: int, comments: bool) -> Codebook:
    return make_codebook(
        survey,
        survey_out(survey),
        weights_out(weights),
        options_out(DEFAULT_OPTIONS),
        rows=rows,
        comments=comments,
    )


def export_microdata(
    conn: Connection,
    survey_code: str,
    directory: Path,
    *,
    comments: bool = False,
    weight_set: int | None = None,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
    rng: np.random.Generator | None = None,
) -> MicrodataSummary:
    """Write ``microdata.csv``, ``codebook.json`` and ``codebook.md`` into ``directory``.

    Raises
    ------
    NotFoundError
        No such survey (or weight set).
    IndicesError
        No respondents with weights, or a weight set of the open links.
    """
    respondents = find_respondents(conn, survey_code, weight_set, rng)
    survey, weights = respondents.survey, respondents.weights
    if on_total is not None:
        on_total(respondents.order.size)
    variables = make_variables(survey.instrument, comments=comments)
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / FILES[0]).open("w", encoding="utf-8", newline="") as handle:
        rows = write_microdata(conn, respondents, variables, handle, progress)
    book = _codebook(survey, weights, rows, comments)
    (directory / FILES[1]).write_bytes(msgspec.json.format(msgspec.json.encode(book)) + b"\n")
    (directory / FILES[2]).write_text(codebook_markdown(book), encoding="utf-8")
    return MicrodataSummary(
        survey=survey.code,
        rows=rows,
        columns=len(variables),
        weights=weights.description,
        files=[str(directory / name) for name in FILES],
    )


def microdata_zip(
    conn: Connection,
    survey_code: str,
    target: IO[bytes],
    *,
    comments: bool = False,
    weight_set: int | None = None,
    rng: np.random.Generator | None = None,
) -> MicrodataSummary:
    """Write the three files into a ZIP archive, under a folder named after the survey."""
    respondents = find_respondents(conn, survey_code, weight_set, rng)
    survey, weights = respondents.survey, respondents.weights
    variables = make_variables(survey.instrument, comments=comments)
    folder = f"{survey.code}-microdata"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with (
            archive.open(f"{folder}/{FILES[0]}", "w", force_zip64=True) as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle,
        ):
            rows = write_microdata(conn, respondents, variables, handle)
        book = _codebook(survey, weights, rows, comments)
        archive.writestr(f"{folder}/{FILES[1]}", msgspec.json.format(msgspec.json.encode(book)))
        archive.writestr(f"{folder}/{FILES[2]}", codebook_markdown(book))
    return MicrodataSummary(
        survey=survey.code,
        rows=rows,
        columns=len(variables),
        weights=weights.description,
        files=[f"{folder}/{name}" for name in FILES],
    )
