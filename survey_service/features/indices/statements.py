"""The two SQL statements behind a survey's PSU records, and how their rows are read.

* :func:`design_statement`: one row per finished response of the sample (its id, stratum,
  unit and weight): three joins of tables with one row per response.
* :func:`sums_statement`: one ``GROUP BY`` over the answers, per response the satisfied
  and usable counts of every scored item, packed as bits (item ``j`` is bit ``j mod 30`` of
  word ``j // 30``; each count is 0 or 1) and the number of scored answers.

They run apart and :func:`align_sums` matches them on the response id in numpy: joining
the million aggregated rows to the design in SQL cost PostgreSQL about 1 s of CPU more
than the two statements alone (one backend, 1,000,000 responses). On PostgreSQL the
columns arrive as arrays through ``COPY ... TO STDOUT (FORMAT BINARY)`` and are read with
``numpy.frombuffer``; elsewhere through the cursor.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

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

from survey_service.db.models import Answer, Response, ResponseWeight, SampleMember

if TYPE_CHECKING:
    from analysis import ItemScoring
    from survey_service.features.indices.records import SurveyInfo, WeightsUsed

__all__ = ["WORD_BITS", "align_sums", "design_statement", "fetch", "sums_statement"]

WORD_BITS = 30  # SUM of int4 bits stays exact on every backend
IntArray = NDArray[np.int64]
Query = Select[*tuple[Any, ...]]


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


def sums_statement(
    items: tuple[ItemScoring, ...], words: int, ids: tuple[int, int], postgres: bool
) -> Query:
    """Response id, ``words`` satisfied words, ``words`` usable words, scored answers.

    Only answers of responses with ids in ``ids`` (the survey's range: the scan skips
    other surveys' answers cheaply; :func:`align_sums` keeps exactly the survey's).
    """
    bits = _item_bits(items, words)
    # Off the (item_code, response_id) index: 22 index scans that each walk the heap cost
    # PostgreSQL 3x a sequential scan. PostgreSQL has index scans off for this statement
    # (records._planner_off; ``|| ''`` there costs a new string per answer row, 10 %).
    code = Answer.item_code if postgres else Answer.item_code.concat("")
    satisfied = Answer.satisfied.is_(True)
    sat = [func.sum(case((satisfied, bits.c[f"bit{w}"]), else_=0)) for w in range(words)]
    use = [func.sum(bits.c[f"bit{w}"]) for w in range(words)]
    return (
        select(
            cast(Answer.response_id, BigInteger).label("response_id"),
            *[cast(c, BigInteger).label(f"sat{w}") for w, c in enumerate(sat)],
            *[cast(c, BigInteger).label(f"use{w}") for w, c in enumerate(use)],
            cast(func.count(), BigInteger).label("answers"),
        )
        .join(bits, bits.c.item_code == code)
        .where(Answer.satisfied.is_not(None), Answer.response_id.between(*ids))
        .group_by(Answer.response_id)
    )


def design_statement(survey: SurveyInfo, weights: WeightsUsed) -> Query:
    """Response id, stratum (the unit for open links), unit and weight of each PSU."""
    probability = weights.sample == "probability"
    stratum = SampleMember.stratum_id if probability else Response.unit_id
    weight = SampleMember.base_weight if weights.source == "base_weights" else ResponseWeight.weight
    query: Query = select(
        cast(Response.id, BigInteger),
        cast(stratum, BigInteger),
        cast(Response.unit_id, BigInteger),
        cast(weight, Float(53)),
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
    return query.where(
        Response.survey_id == survey.id,
        Response.finished.is_(True),
        Response.instrument_version_id == survey.version_id,
    )


def _copy_binary(
    conn: Connection, query: Query, floats: tuple[bool, ...]
) -> list[NDArray[Any]] | None:
    """Columns of ``query`` through PostgreSQL's binary COPY, or None when not possible.

    The rows come as one row of arrays (``array_agg`` of each column, which see the rows
    in the same order): a million rows copied one by one cost the client about 0.7 s of
    CPU in psycopg's per-message loop, as arrays 0.1 s, and the server the same.
    """
    raw = conn.connection.dbapi_connection
    if not isinstance(raw, psycopg.Connection):  # SQLite, or psycopg's async adapter
        return None
    rows = query.subquery("q")
    arrays = select(*[func.array_agg(column) for column in rows.c])
    sql = str(arrays.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
        data = b"".join(bytes(block) for block in copy)
    # 19-byte header and the row's field count; per field its length (-1: NULL, no rows)
    # and the array: dimensions, null flag, element type, (size, lower bound) per
    # dimension, then (length, value) per element.
    position, columns = 19 + 2, list[NDArray[Any]]()
    for real in floats:
        (length,) = struct.unpack_from(">i", data, position)
        if length < 0:
            columns.append(np.empty(0, dtype=np.float64 if real else np.int64))
            position += 4
            continue
        dims, nulls = struct.unpack_from(">ii", data, position + 4)
        if dims != 1 or nulls:
            return None  # a NULL: let the cursor read it
        size = struct.unpack_from(">i", data, position + 16)[0]
        kind = [("len", ">i4"), ("v", ">f8" if real else ">i8")]
        cells = np.frombuffer(data, dtype=np.dtype(kind), count=size, offset=position + 24)
        if np.any(cells["len"] != 8):
            return None  # an odd width
        columns.append(cells["v"].astype(np.float64 if real else np.int64))
        position += 4 + length
    return columns


def fetch(conn: Connection, query: Query, floats: tuple[bool, ...]) -> list[NDArray[Any]]:
    """The columns of ``query`` (float64 where ``floats`` says so, else int64)."""
    columns = _copy_binary(conn, query, floats)
    if columns is not None:
        return columns
    kinds = [np.float64 if real else np.int64 for real in floats]
    rows = conn.execute(query).all()
    array = np.array(rows, dtype=np.float64).reshape(len(rows), len(floats))
    return [array[:, k].astype(kind) for k, kind in enumerate(kinds)]


def align_sums(ids: IntArray, sums: list[IntArray]) -> IntArray:
    """The sums (after their id column) of each response of ``ids``, shape ``(k, n)``.

    A response without a sums row (no usable answer) gets zeros; sums rows of responses
    not in ``ids`` (unfinished, another survey's in the id range) are dropped.
    """
    out = np.zeros((len(sums) - 1, ids.size), dtype=np.int64)
    if ids.size == 0 or sums[0].size == 0:
        return out
    order = np.argsort(ids, kind="stable")
    at = np.minimum(np.searchsorted(ids[order], sums[0]), ids.size - 1)
    found = ids[order][at] == sums[0]
    out[:, order[at[found]]] = np.array(sums[1:])[:, found]
    return out
