"""A survey's frame of completed dossiers as arrays for :mod:`sampling`.

Only the columns a design needs are selected, streamed in chunks, and rows come in dossier
code order (byte order on every backend), so a seed reproduces the same sample however
the frame was imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    String,
    cast,
    false,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import InstrumentedAttribute
from tqdm import tqdm

from sampling import FrameColumns, SampleDesign
from survey_service.db.models import Dossier, DossierContact, SampleMember, Unit
from survey_service.db.models import SampleDesign as DesignModel
from survey_service.features.samples.designs import SurveyRef, survey_units

__all__ = ["LoadedFrame", "load_frame", "person_key"]

CHUNK_ROWS = 50_000
_NOT_SURVEYED = np.datetime64("NaT", "D")
_UNIX_JULIAN_DAY = 2440587.5  # julianday('1970-01-01') in SQLite


class LoadedFrame(msgspec.Struct, frozen=True, kw_only=True):
    """Frame rows of a survey: what :mod:`sampling` needs, plus ids to store a sample.

    Attributes
    ----------
    dossier_id, unit_id
        Database ids of each row's dossier and unit.
    columns
        The columns :func:`sampling.eligible_dossiers` reads (units as codes).
    procedure
        Procedure code of each row (a sort key of systematic selection).
    received_date
        Date each dossier was received.
    """

    dossier_id: NDArray[np.int64]
    unit_id: NDArray[np.int64]
    columns: FrameColumns
    procedure: NDArray[np.str_]
    received_date: NDArray[np.datetime64]

    @property
    def size(self) -> int:
        """Number of frame rows."""
        return int(self.dossier_id.size)


def person_key(applicant_key: str | None, dossier_id: int) -> int:
    """Return an integer standing for the applicant (one-per-person, recently surveyed).

    Keys are hex keyed hashes: their first 60 bits identify a person among tens of millions
    with a negligible chance of collision. A dossier without a key is a person of its own.
    """
    if applicant_key is None:
        return -dossier_id
    try:
        return int(applicant_key[:15], 16)
    except ValueError:
        digest = hashlib.blake2b(applicant_key.encode("utf-8"), digest_size=7).digest()
        return int.from_bytes(digest, "big")


def _period(survey: SurveyRef, spec: SampleDesign | None) -> tuple[dt.date, dt.date]:
    population = spec.population if spec is not None else None
    start = population.period_start if population is not None else None
    end = population.period_end if population is not None else None
    return start or survey.period_start, end or survey.period_end


def _unit_codes(conn: Connection, survey: SurveyRef, spec: SampleDesign | None) -> dict[int, str]:
    """Units whose dossiers are loaded: the survey's (all when it lists none) ∩ the design's."""
    units = survey_units(conn, survey.id)
    if not units:
        units = {int(i): str(c) for i, c in conn.execute(select(Unit.id, Unit.code))}
    wanted = spec.population.units if spec is not None else None
    if wanted is not None:
        units = {i: c for i, c in units.items() if c in set(wanted)}
    return units


def _order(conn: Connection) -> ColumnElement[str] | InstrumentedAttribute[str]:
    # PostgreSQL sorts by the locale unless told otherwise; SQLite compares bytes already.
    return Dossier.code.collate("C") if conn.dialect.name == "postgresql" else Dossier.code


def _days(conn: Connection, column: InstrumentedAttribute[dt.date]) -> ColumnElement[int]:
    """Days since 1970-01-01 computed by the database: integers load far faster than dates."""
    if conn.dialect.name == "postgresql":
        return type_coerce(column - literal_column("DATE '1970-01-01'"), Integer)
    return cast(func.julianday(column) - _UNIX_JULIAN_DAY, Integer)


def _query(
    conn: Connection, survey: SurveyRef, spec: SampleDesign | None, units: Iterable[int]
) -> Select[*tuple[Any, ...]]:
    start, end = _period(survey, spec)
    contact = func.coalesce(DossierContact.phone, DossierContact.email).is_not(None)
    return (
        select(
            Dossier.id,
            Dossier.unit_id,
            type_coerce(Dossier.channel, String),
            Dossier.field_code,
            type_coerce(Dossier.applicant_kind, String),
            Dossier.applicant_key,
            Dossier.procedure_code,
            _days(conn, Dossier.received_on),
            _days(conn, Dossier.result_on),
            contact.label("has_contact"),
            func.coalesce(DossierContact.opted_out, false()).label("opted_out"),
        )
        .outerjoin(DossierContact, DossierContact.dossier_id == Dossier.id)
        .where(Dossier.result_on.between(start, end), Dossier.unit_id.in_(units))
        .order_by(_order(conn))
    )


def _chunks(
    conn: Connection, query: Select[*tuple[Any, ...]], progress: bool
) -> Iterator[Sequence[Row[*tuple[Any, ...]]]]:
    total = None
    if progress:
        total = conn.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    with tqdm(total=total, unit=" dossiers", desc="frame", disable=not progress) as bar:
        # Per statement: Connection.execution_options would stream every later query too.
        options = {"stream_results": True, "yield_per": CHUNK_ROWS}
        result = conn.execute(query, execution_options=options)
        for part in result.partitions():
            bar.update(len(part))
            yield part


def _chunk_arrays(part: Sequence[Row[*tuple[Any, ...]]]) -> dict[str, NDArray[Any]]:
    ids, units, channels, fields, kinds, keys, procs, received, result, contact, opted = zip(
        *part, strict=True
    )
    return {
        "dossier_id": np.array(ids, dtype=np.int64),
        "unit_id": np.array(units, dtype=np.int64),
        "channel": np.array(channels, dtype=np.str_),
        "field": np.array(fields, dtype=np.str_),
        "applicant_kind": np.array(kinds, dtype=np.str_),
        "applicant": np.array(
            [person_key(k, i) for k, i in zip(keys, ids, strict=True)], dtype=np.int64
        ),
        "procedure": np.array(procs, dtype=np.str_),
        "received_date": np.array(received, dtype=np.int64).astype("datetime64[D]"),
        "result_date": np.array(result, dtype=np.int64).astype("datetime64[D]"),
        "has_contact": np.array(contact, dtype=np.bool_),
        "opted_out": np.array(opted, dtype=np.bool_),
    }


_EMPTY: dict[str, Any] = {
    "dossier_id": np.int64,
    "unit_id": np.int64,
    "channel": np.str_,
    "field": np.str_,
    "applicant_kind": np.str_,
    "applicant": np.int64,
    "procedure": np.str_,
    "received_date": "datetime64[D]",
    "result_date": "datetime64[D]",
    "has_contact": np.bool_,
    "opted_out": np.bool_,
}


def _last_surveyed(
    conn: Connection, applicant: NDArray[np.int64], design_id: int | None, since: dt.date
) -> NDArray[np.datetime64]:
    """Date each row's applicant was last in a fielded sample of another design since ``since``."""
    query = (
        select(Dossier.applicant_key, Dossier.id, DesignModel.drawn_at)
        .join(SampleMember, SampleMember.dossier_id == Dossier.id)
        .join(DesignModel, DesignModel.id == SampleMember.design_id)
        .where(
            DesignModel.drawn_at >= dt.datetime.combine(since, dt.time(), dt.UTC),
            DesignModel.id != (design_id or -1),
            # An unreleased reserve member was never contacted.
            or_(SampleMember.is_reserve.is_(False), SampleMember.token_hash.is_not(None)),
        )
    )
    rows = [(k, i, d) for k, i, d in conn.execute(query) if d is not None]
    last = np.full(applicant.size, _NOT_SURVEYED)
    if not rows:
        return last
    person = np.array([person_key(k, i) for k, i, _ in rows], dtype=np.int64)
    day = np.array([d.date() for _, _, d in rows], dtype="datetime64[D]")
    order = np.lexsort((day, person))
    person, day = person[order], day[order]
    final = np.r_[person[1:] != person[:-1], True]  # the latest date of each person
    person, day = person[final], day[final]
    where = np.clip(np.searchsorted(person, applicant), 0, person.size - 1)
    hit = person[where] == applicant
    last[hit] = day[where[hit]]
    return last


def _columns(
    conn: Connection, query: Select[*tuple[Any, ...]], progress: bool
) -> dict[str, NDArray[Any]]:
    """Every selected column as one array, chunk by chunk."""
    chunks = [_chunk_arrays(part) for part in _chunks(conn, query, progress)]
    return {
        name: np.concatenate([c[name] for c in chunks]) if chunks else np.array([], dtype=kind)
        for name, kind in _EMPTY.items()
    }


def load_frame(
    conn: Connection,
    survey: SurveyRef,
    spec: SampleDesign | None,
    *,
    design_id: int | None = None,
    reference_date: dt.date | None = None,
    progress: bool = False,
) -> LoadedFrame:
    """Load the survey's dossiers of the design's period and units, in dossier code order.

    ``last_surveyed`` comes from other designs' fielded members, when the design excludes
    applicants surveyed within N days of ``reference_date``.
    """
    units = _unit_codes(conn, survey, spec)
    data = _columns(conn, _query(conn, survey, spec, units), progress)
    lookup = np.array([""] + [units.get(i, "") for i in range(1, max(units, default=0) + 1)])
    unit_code = lookup[data["unit_id"]] if data["unit_id"].size else np.array([], dtype=np.str_)
    days = spec.exclusions.surveyed_within_days if spec is not None else None
    last: NDArray[np.datetime64] = np.full(data["applicant"].size, _NOT_SURVEYED)
    if days is not None and reference_date is not None:
        since = reference_date - dt.timedelta(days=days)
        last = _last_surveyed(conn, data["applicant"], design_id, since)
    columns = FrameColumns(
        unit=unit_code,
        channel=data["channel"],
        field=data["field"],
        applicant_kind=data["applicant_kind"],
        result_date=data["result_date"],
        applicant=data["applicant"],
        has_contact=data["has_contact"],
        opted_out=data["opted_out"],
        last_surveyed=last,
    )
    return LoadedFrame(
        dossier_id=data["dossier_id"],
        unit_id=data["unit_id"],
        columns=columns,
        procedure=data["procedure"],
        received_date=data["received_date"],
    )
