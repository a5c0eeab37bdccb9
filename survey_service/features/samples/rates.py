"""AAPOR outcome rates of a survey's drawn sample, per stratum or per unit."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, select

from sampling import AaporRates, DispositionCounts, aapor_rates, count_dispositions
from survey_service.db.models import Stratum, Unit
from survey_service.features.samples.designs import find_design, find_survey
from survey_service.features.samples.outcomes import MemberOutcomes, member_outcomes
from survey_service.features.samples.schemas import GroupRates, RatesOut

__all__ = ["FORMULAS", "survey_rates"]

#: The AAPOR Standard Definitions (10th ed., 2023) formulas reported, with
#: E = I + P + R + NC + O (O, other eligible non-interviews, and UH are 0 here).
FORMULAS = {
    "RR1": "I / (I + P + R + NC + O + UH + UO)",
    "RR3": "I / (I + P + R + NC + O + e·(UH + UO)), e = E / (E + NE)",
    "COOP1": "I / (I + P + R + O)",
    "REF1": "R / (I + P + R + NC + O + UH + UO)",
    "CON1": "(I + P + R + O) / (I + P + R + NC + O + UH + UO)",
    "codes": (
        "I responded, P partial, R refused, NC non_contact, UO invited (no answer yet), "
        "NE ineligible — AAPOR Standard Definitions, 10th edition (2023)"
    ),
}


def _value(array: NDArray[np.float64], g: int) -> float | None:
    value = float(array[g])
    return value if np.isfinite(value) else None


def _group(
    name: str, counts: DispositionCounts, rates: AaporRates, g: int, fielded: int
) -> GroupRates:
    return GroupRates(
        group=name,
        fielded=fielded,
        I=int(counts.I[g]),
        P=int(counts.P[g]),
        R=int(counts.R[g]),
        NC=int(counts.NC[g]),
        UO=int(counts.UO[g]),
        NE=int(counts.NE[g]),
        e=_value(rates.e, g),
        RR1=_value(rates.RR1, g),
        RR3=_value(rates.RR3, g),
        COOP1=_value(rates.COOP1, g),
        REF1=_value(rates.REF1, g),
        CON1=_value(rates.CON1, g),
    )


def _group_names(
    conn: Connection, design_id: int, by: str, members: MemberOutcomes
) -> tuple[dict[int, str], NDArray[np.int64]]:
    """Id → name of each group (stratum key or unit code) and each member's group id."""
    if by == "stratum":
        query = select(Stratum.id, Stratum.key).where(Stratum.design_id == design_id)
        names = {int(i): str(k) for i, k in conn.execute(query.order_by(Stratum.key))}
        return names, members.stratum_id
    ids = sorted(set(members.unit_id.tolist()))
    query = select(Unit.id, Unit.code).where(Unit.id.in_(ids)).order_by(Unit.code)
    return {int(i): str(c) for i, c in conn.execute(query)}, members.unit_id


def survey_rates(
    engine: Engine,
    survey_code: str,
    *,
    by: Literal["stratum", "unit"] = "stratum",
    design_name: str | None = None,
) -> RatesOut:
    """Return AAPOR RR1, RR3, COOP1, REF1 and CON1 per group and for the whole sample.

    Every fielded member counts (the main sample and any released reserve); a member not
    reported on yet counts as invited without an answer (UO).
    """
    with engine.connect() as conn:
        survey = find_survey(conn, survey_code)
        design = find_design(conn, survey, design_name, drawn=True)
        members = member_outcomes(conn, design.id)
        names, keys = _group_names(conn, design.id, by, members)
    order = list(names)
    code_of = {key: g for g, key in enumerate(order)}
    groups = np.array([code_of[int(k)] for k in keys.tolist()], dtype=np.int64)
    counts = count_dispositions(members.outcome, groups)
    rates = aapor_rates(counts)
    fielded = np.bincount(groups, minlength=len(order))
    total_counts = count_dispositions(members.outcome)
    return RatesOut(
        survey_code=survey.code,
        design=design.name,
        version=design.version,
        by=by,
        groups=[
            _group(names[key], counts, rates, g, int(fielded[g]))
            for g, key in enumerate(order)
            if fielded[g] > 0
        ],
        total=_group("total", total_counts, aapor_rates(total_counts), 0, int(groups.size)),
        formulas=FORMULAS,
    )
