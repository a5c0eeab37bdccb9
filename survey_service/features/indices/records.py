"""PSU records of a survey, summed from its answers by the database.

A PSU is a sample member (probability sample) or a response (open links); each holds one
response, because ``responses.sample_member_id`` is unique. One ``GROUP BY`` over the
answers gives, per response, the satisfied and usable counts of every scored item; as
each count is 0 or 1 they travel packed as bits of a few integers (item ``j`` is bit
``j mod 30`` of word ``j // 30``), so a survey of a million responses to 22 items comes
back as a million rows of six numbers and Python never sees an answer row. Not-applicable
and unscored answers have ``satisfied`` null and are left out; a response without usable
answers still counts as a PSU of its stratum. Which weights apply is decided here too:
the newest weight set of the survey's sample, else the sample members' base weights.

On PostgreSQL the rows arrive through ``COPY ... TO STDOUT (FORMAT BINARY)`` and are read
with one ``numpy.frombuffer``; elsewhere through the cursor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, Literal

import msgspec
import numpy as np
import psycopg
from numpy.typing import NDArray
from sqlalchemy import (
    BigInteger,
    Connection,
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)

from analysis import IndexTree, ItemScoring, Strata, make_strata, tree_from_instrument
from instruments import Instrument
from survey_service.db.models import (
    Answer,
    InstrumentVersion,
    Response,
    ResponseWeight,
    SampleDesign,
    SampleMember,
    Stratum,
    Survey,
    WeightSet,
)
from survey_service.errors import NotFoundError
from survey_service.features.indices.errors import IndicesError

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

WORD_BITS = 30  # SUM of int4 bits stays exact on every backend
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
    """

    strata: Strata
    stratum: IntArray
    unit: IntArray
    weight: FloatArray
    satisfied: BoolArray
    usable: BoolArray

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


def _item_bits(items: tuple[ItemScoring, ...], words: int) -> Any:
    rows = [
        select(
            literal(item.code).label("item_code"),
            *[
                literal(1 << (j % WORD_BITS) if j // WORD_BITS == w else 0).label(f"bit{w}")
                for w in range(words)
            ],
        )
        for j, item in enumerate(items)
    ]
    return union_all(*rows).subquery("item_bits")


def _scored(survey: SurveyInfo, words: int, ids: tuple[int, int], postgres: bool) -> Any:
    bits = _item_bits(survey.items, words)
    # Off the (item_code, response_id) index: 22 index scans that each walk the heap cost
    # PostgreSQL 3x a sequential scan. PostgreSQL has index scans off for this query
    # (``_planner_off``; ``|| ''`` there costs a new string per answer row, 10 %).
    code = Answer.item_code if postgres else Answer.item_code.concat("")
    satisfied = Answer.satisfied.is_(True)
    sat = [func.sum(case((satisfied, bits.c[f"bit{w}"]), else_=0)) for w in range(words)]
    use = [func.sum(bits.c[f"bit{w}"]) for w in range(words)]
    return (
        select(
            Answer.response_id,
            *[s.label(f"sat{w}") for w, s in enumerate(sat)],
            *[u.label(f"use{w}") for w, u in enumerate(use)],
            func.count().label("answers"),
        )
        .join(bits, bits.c.item_code == code)
        # The range lets the scan skip other surveys' answers cheaply; the join below
        # keeps exactly this survey's responses.
        .where(Answer.satisfied.is_not(None), Answer.response_id.between(*ids))
        .group_by(Answer.response_id)
        .subquery("scored")
    )


def _statement(
    survey: SurveyInfo, weights: WeightsUsed, words: int, ids: tuple[int, int], postgres: bool
) -> Select[*tuple[Any, ...]]:
    scored = _scored(survey, words, ids, postgres)
    probability = weights.sample == PROBABILITY
    stratum = SampleMember.stratum_id if probability else Response.unit_id
    weight = SampleMember.base_weight if weights.source == "base_weights" else ResponseWeight.weight
    counts = [scored.c[f"sat{w}"] for w in range(words)] + [
        scored.c[f"use{w}"] for w in range(words)
    ]
    query: Select[*tuple[Any, ...]] = select(
        cast(stratum, BigInteger),
        cast(Response.unit_id, BigInteger),
        cast(weight, Float(53)),
        *[cast(func.coalesce(c, 0), BigInteger) for c in [*counts, scored.c.answers]],
    ).select_from(Response)
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
    return query.outerjoin(scored, scored.c.response_id == Response.id).where(
        Response.survey_id == survey.id,
        Response.finished.is_(True),
        Response.instrument_version_id == survey.version_id,
    )


def _copy_binary(
    conn: Connection, query: Select[*tuple[Any, ...]], columns: int
) -> NDArray[Any] | None:
    """Rows of ``query`` through PostgreSQL's binary COPY, or None when not possible."""
    raw = conn.connection.dbapi_connection
    if not isinstance(raw, psycopg.Connection):  # SQLite, or psycopg's async adapter
        return None
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
        data = b"".join(bytes(block) for block in copy)
    # 19-byte header, then per row a field count and (length, value) pairs, then -1.
    fields = [("count", ">i2")]
    for k in range(columns):
        fields += [(f"len{k}", ">i4"), (f"v{k}", ">f8" if k == 2 else ">i8")]
    table = np.frombuffer(data[19:-2], dtype=np.dtype(fields))
    if table.size and not all(np.all(table[f"len{k}"] == 8) for k in range(columns)):
        return None  # a NULL or an odd width: let the cursor read it
    return table


def _fetch(conn: Connection, query: Select[*tuple[Any, ...]], columns: int) -> list[NDArray[Any]]:
    table = _copy_binary(conn, query, columns)
    if table is not None:
        return [table[f"v{k}"].astype(np.float64 if k == 2 else np.int64) for k in range(columns)]
    rows = conn.execute(query).all()
    array = np.array(rows, dtype=np.float64).reshape(len(rows), columns)
    return [array[:, k] if k == 2 else array[:, k].astype(np.int64) for k in range(columns)]


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
    words = max(1, -(-len(survey.items) // WORD_BITS))
    columns = 3 + 2 * words + 1
    postgres = conn.dialect.name == "postgresql"
    with _planner_off(conn):
        statement = _statement(survey, weights, words, (lo or 0, hi or 0), postgres)
        values = _fetch(conn, statement, columns)
    if values[0].size == 0:
        raise IndicesError(
            f"survey {survey.code} has no finished responses with weights ({weights.description})"
        )
    satisfied = unpack(values[3 : 3 + words], len(survey.items))
    usable = unpack(values[3 + words : 3 + 2 * words], len(survey.items))
    if np.any(usable.sum(axis=0) != values[-1]) or np.any(satisfied & ~usable):
        raise IndicesError(f"survey {survey.code}: a response answers one scored item twice")
    strata, codes = _strata(conn, survey, values[0], weights.sample)
    return PsuRecords(
        strata=strata, stratum=codes, unit=values[1], weight=values[2],
        satisfied=satisfied, usable=usable,
    )  # fmt: skip
