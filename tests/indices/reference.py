"""The in-memory path, written independently of the code under test.

Every answer row of a survey is loaded, scored with the instrument's own scale (answer
values, not the stored ``satisfied`` flag), and :func:`analysis.estimate_indices` runs on
the rows with the design of the strata and sample members, once per unit domain (the
domain is "in the unit or below it" against "elsewhere").
"""

from __future__ import annotations

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from analysis import (
    Estimate,
    EstimationOptions,
    estimate_indices,
    make_design,
    tree_from_instrument,
)
from instruments import Instrument
from survey_service.db.models import (
    Answer,
    InstrumentVersion,
    Response,
    ResponseWeight,
    SampleMember,
    Stratum,
    Survey,
    Unit,
)


class Rows(msgspec.Struct, frozen=True, eq=False):
    """Row-level data of a survey's probability sample."""

    codes: NDArray[np.float64]
    weights: NDArray[np.float64]
    strata: NDArray[np.str_]
    population: NDArray[np.float64]
    units: list[int]


def instrument_of(conn: Connection, code: str) -> Instrument:
    definition = conn.scalar(
        select(InstrumentVersion.definition)
        .join(Survey, Survey.instrument_version_id == InstrumentVersion.id)
        .where(Survey.code == code)
    )
    return msgspec.convert(definition, Instrument)


def load_rows(conn: Connection, code: str, weight_set: int | None = None) -> Rows:
    """Every finished response of the sample, with its answers as a code matrix."""
    survey_id = conn.scalar(select(Survey.id).where(Survey.code == code))
    weight = SampleMember.base_weight if weight_set is None else ResponseWeight.weight
    query = (
        select(Response.id, Response.unit_id, weight, Stratum.key, Stratum.population_size)
        .join(SampleMember, SampleMember.id == Response.sample_member_id)
        .join(Stratum, Stratum.id == SampleMember.stratum_id)
        .where(Response.survey_id == survey_id, Response.finished.is_(True))
        .order_by(Response.id)
    )
    if weight_set is not None:
        query = query.join(ResponseWeight, ResponseWeight.response_id == Response.id).where(
            ResponseWeight.weight_set_id == weight_set
        )
    rows = conn.execute(query).all()
    position = {r[0]: k for k, r in enumerate(rows)}
    instrument = instrument_of(conn, code)
    column = {item.code: j for j, item in enumerate(instrument.items())}
    codes = np.full((len(rows), len(column)), np.nan)
    answers = select(Answer.response_id, Answer.item_code, Answer.value).join(Response)
    for response_id, item, value in conn.execute(answers.where(Response.survey_id == survey_id)):
        if item in column and response_id in position and value is not None:
            codes[position[response_id], column[item]] = value
    return Rows(
        codes=codes,
        weights=np.array([r[2] for r in rows], dtype=np.float64),
        strata=np.array([r[3] for r in rows], dtype=np.str_),
        population=np.array([r[4] for r in rows], dtype=np.float64),
        units=[r[1] for r in rows],
    )


def ancestors(conn: Connection) -> dict[int, tuple[str, ...]]:
    """Each unit id's code and the codes of the units above it."""
    parent = {
        r.id: (r.code, r.parent_id)
        for r in conn.execute(select(Unit.id, Unit.code, Unit.parent_id))
    }
    out = {}
    for unit in parent:
        chain, current = [], unit
        while current is not None:
            chain.append(parent[current][0])
            current = parent[current][1]
        out[unit] = tuple(chain)
    return out


def in_memory(
    conn: Connection, code: str, options: EstimationOptions, weight_set: int | None = None
) -> dict[tuple[str, str], Estimate]:
    """Every index of every unit domain, keyed by (variable, unit code)."""
    rows = load_rows(conn, code, weight_set)
    tree, items = tree_from_instrument(instrument_of(conn, code))
    design = make_design(rows.weights, strata=rows.strata, fpc=rows.population)
    chains = ancestors(conn)
    member = [chains[u] for u in rows.units]
    out = {}
    for domain in sorted({c for chain in member for c in chain}):
        inside = np.array(["in" if domain in chain else "out" for chain in member])
        for e in estimate_indices(rows.codes, items, tree, design, domain=inside, options=options):
            if e.domain == "in":
                out[e.variable, domain] = e
    return out
