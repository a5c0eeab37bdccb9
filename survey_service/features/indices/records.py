"""PSU records of a survey, summed from its answers by the database.

A PSU is a sample member (probability sample) or a response (open links); each holds one
response, because ``responses.sample_member_id`` is unique. One ``GROUP BY`` over the
answers gives, per response, the satisfied and usable counts of every scored item; as
each count is 0 or 1 they travel packed as bits of a few integers (item ``j`` is bit
``j mod 30`` of word ``j // 30``), so a survey of a million responses to 22 items comes
back as a million rows of five numbers and Python never sees an answer row
(:mod:`.statements`). Not-applicable and unscored answers have ``satisfied`` null and are
left out; a response without usable answers still counts as a PSU of its stratum. Which
weights apply is decided here too: the newest weight set of the survey's sample, else the
sample members' base weights.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final, Literal

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, func, select

from analysis import IndexTree, ItemScoring, Strata, make_strata, tree_from_instrument
from instruments import Instrument
from survey_service.db.models import (
    InstrumentVersion,
    Response,
    SampleDesign,
    Stratum,
    Survey,
    WeightSet,
)
from survey_service.errors import NotFoundError
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.statements import (
    WORD_BITS,
    align_sums,
    design_statement,
    fetch,
    sums_statement,
)

__all__ = [
    "WORD_BITS",
    "PsuRecords",
    "Sample",
    "SurveyInfo",
    "WeightsUsed",
    "choose_weights",
    "find_survey",
    "load_records",
    "unpack",
]

WORK_MEM = "128MB"  # PostgreSQL's hash tables may use twice this (hash_mem_multiplier)
INDEX_SCANS = ("enable_indexscan", "enable_bitmapscan")
PROBABILITY: Final = "probability"  # the method of the sample's weight sets (samples.weight_sets)
Sample = Literal["probability", "open-link"]
"""Whose responses: the probability sample's, or the open links' (non-probability)."""

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class SurveyInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A survey, its instrument version and how that instrument's indices are formed."""

    id: int
    code: str
    title: str
    period_start: dt.date
    period_end: dt.date
    version_id: int
    instrument: Instrument
    items: tuple[ItemScoring, ...]
    tree: IndexTree


class WeightsUsed(msgspec.Struct, frozen=True, kw_only=True):
    """Which weights the estimates use; said with every result.

    Attributes
    ----------
    source
        ``weight_set`` (final weights computed by ``weights compute``) or
        ``base_weights`` (the sample members' design weights, when no set exists).
    sample
        ``probability`` or ``open-link`` (non-probability, calibrated to unit counts).
    weight_set_id, method, created_at
        The weight set, when one is used.
    description
        One sentence for people.
    """

    source: Literal["weight_set", "base_weights"]
    sample: Sample
    weight_set_id: int | None
    method: str | None
    created_at: dt.datetime | None
    description: str


class PsuRecords(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """One record per PSU of a survey's responses.

    Attributes
    ----------
    strata
        Per stratum: label (the stratum key), PSU count and finite-population correction.
    stratum
        Stratum code of each PSU (into ``strata.labels``).
    unit
        Unit id of each PSU's response.
    weight
        Weight of each PSU.
    satisfied, usable
        Indicators per scored item and PSU, shape ``(J, n)``.
    response
        Response id of each PSU (empty when the records were made without them).
    """

    strata: Strata
    stratum: IntArray
    unit: IntArray
    weight: FloatArray
    satisfied: BoolArray
    usable: BoolArray
    response: IntArray = msgspec.field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @property
    def n(self) -> int:
        """Number of PSUs."""
        return int(self.weight.shape[0])


def find_survey(conn: Connection, code: str) -> SurveyInfo:
    """Return the survey with ``code`` and its index tree, or raise NotFoundError."""
    row = conn.execute(
        select(
            Survey.id,
            Survey.code,
            Survey.title,
            Survey.period_start,
            Survey.period_end,
            Survey.instrument_version_id,
            InstrumentVersion.definition,
        )
        .join(InstrumentVersion, InstrumentVersion.id == Survey.instrument_version_id)
        .where(Survey.code == code)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"no survey with code {code!r}")
    instrument = msgspec.convert(row.definition, Instrument)
    tree, items = tree_from_instrument(instrument)
    return SurveyInfo(
        id=row.id,
        code=row.code,
        title=row.title,
        period_start=row.period_start,
        period_end=row.period_end,
        version_id=row.instrument_version_id,
        instrument=instrument,
        items=items,
        tree=tree,
    )


def choose_weights(
    conn: Connection, survey: SurveyInfo, sample: Sample = "probability", set_id: int | None = None
) -> WeightsUsed:
    """The weight set ``set_id``, else the newest of ``sample``, else base weights."""
    query = select(WeightSet.id, WeightSet.method, WeightSet.created_at).where(
        WeightSet.survey_id == survey.id
    )
    if set_id is not None:
        query = query.where(WeightSet.id == set_id)
    elif sample == PROBABILITY:
        query = query.where(WeightSet.method == PROBABILITY)
    else:
        query = query.where(WeightSet.method != PROBABILITY)
    row = conn.execute(query.order_by(WeightSet.id.desc()).limit(1)).one_or_none()
    if row is None and (set_id is not None or sample != PROBABILITY):
        which = f"weight set {set_id}" if set_id is not None else "open-link weights"
        raise NotFoundError(f"survey {survey.code} has no {which}: run 'weights compute'")
    if row is None:
        return WeightsUsed(
            source="base_weights",
            sample=sample,
            weight_set_id=None,
            method=None,
            created_at=None,
            description="base weights of the sample members (no weight set computed yet)",
        )
    kind: Sample = "probability" if row.method == PROBABILITY else "open-link"
    return WeightsUsed(
        source="weight_set",
        sample=kind,
        weight_set_id=row.id,
        method=row.method,
        created_at=row.created_at,
        description=f"weight set {row.id} ({row.method}) of {row.created_at:%Y-%m-%d %H:%M}",
    )


def unpack(words: list[IntArray], n_items: int) -> BoolArray:
    """Indicators ``(J, n)`` from packed words: item ``j`` is bit ``j % 30`` of word ``j // 30``."""
    n = words[0].shape[0] if words else 0
    out = np.empty((n_items, n), dtype=bool)
    for j in range(n_items):
        out[j] = (words[j // WORD_BITS] >> (j % WORD_BITS)) & 1
    return out


def _strata(
    conn: Connection, survey: SurveyInfo, stratum: IntArray, sample: Sample
) -> tuple[Strata, IntArray]:
    ids, codes = np.unique(stratum, return_inverse=True)
    n_psu = np.bincount(codes, minlength=ids.size)
    if sample != PROBABILITY:  # open links: one stratum per unit, no population size
        labels = tuple(f"open-link unit {i}" for i in ids.tolist())
        return make_strata(labels, n_psu), codes.astype(np.int64)
    rows = conn.execute(
        select(Stratum.id, Stratum.key, Stratum.population_size)
        .join(SampleDesign, SampleDesign.id == Stratum.design_id)
        .where(SampleDesign.survey_id == survey.id)
    ).all()
    found = {r.id: (r.key, r.population_size) for r in rows}
    labels = tuple(found[i][0] for i in ids.tolist())
    population = np.array([found[i][1] for i in ids.tolist()], dtype=np.float64)
    return make_strata(labels, n_psu, population), codes.astype(np.int64)


def _tune(conn: Connection) -> None:
    """PostgreSQL settings for this transaction only: the aggregate of a million
    responses needs about 200 MB of hash table (not 4 MB batches spilled to disk), and
    compiling it with JIT costs seconds and saves nothing."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
        conn.exec_driver_sql("SET LOCAL jit = off")


@contextmanager
def _planner_off(conn: Connection) -> Iterator[None]:
    """Index scans off on PostgreSQL for the statement inside, then put back as they were
    (the rest of the transaction may need its indexes; after an error the rollback undoes
    the ``SET LOCAL``)."""
    if conn.dialect.name != "postgresql":
        yield
        return
    show = "SELECT current_setting('{}')"
    saved = {name: conn.exec_driver_sql(show.format(name)).scalar_one() for name in INDEX_SCANS}
    for name in INDEX_SCANS:
        conn.exec_driver_sql(f"SET LOCAL {name} = off")
    yield
    for name, value in saved.items():
        conn.execute(select(func.set_config(name, value, True)))


def load_records(conn: Connection, survey: SurveyInfo, weights: WeightsUsed) -> PsuRecords:
    """Sum the survey's answers per PSU in the database and read the records."""
    _tune(conn)
    lo, hi = conn.execute(
        select(func.min(Response.id), func.max(Response.id)).where(Response.survey_id == survey.id)
    ).one()
    ids, stratum, unit, weight = fetch(
        conn, design_statement(survey, weights), (False, False, False, True)
    )
    if ids.size == 0:
        raise IndicesError(
            f"survey {survey.code} has no finished responses with weights ({weights.description})"
        )
    words = max(1, -(-len(survey.items) // WORD_BITS))
    statement = sums_statement(
        survey.items, words, (lo or 0, hi or 0), conn.dialect.name == "postgresql"
    )
    with _planner_off(conn):
        sums = align_sums(ids, fetch(conn, statement, (False,) * (2 * words + 2)))
    satisfied = unpack(list(sums[:words]), len(survey.items))
    usable = unpack(list(sums[words : 2 * words]), len(survey.items))
    if np.any(usable.sum(axis=0) != sums[-1]) or np.any(satisfied & ~usable):
        raise IndicesError(f"survey {survey.code}: a response answers one scored item twice")
    strata, codes = _strata(conn, survey, stratum, weights.sample)
    return PsuRecords(
        strata=strata, stratum=codes, unit=unit, weight=weight,
        satisfied=satisfied, usable=usable, response=ids,
    )  # fmt: skip
