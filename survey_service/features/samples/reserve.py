"""The reserve sample: what is left per stratum, and releasing replacements stratum by stratum.

Reserve members are released in the order they were drawn (ascending ids within a stratum:
the random order of replacements), so the fielded part of a stratum stays an equal-probability
sample and its members are weighted N_h / f_h.

A reserve member joins the fielded sample when it holds a link, an outcome or a response
(:func:`~survey_service.features.samples.outcomes.member_outcomes`). Releasing gives it a
placeholder link: a hash of a token that is thrown away at once and already expired, so
nobody can answer with it; the next invitation export lists every released member and
issues its real link.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, Engine, bindparam, select, update

from survey_service.db.base import utcnow
from survey_service.db.models import Response, SampleMember, Stratum
from survey_service.features.samples.designs import DesignRow, find_design, find_survey
from survey_service.features.samples.errors import SampleServiceError
from survey_service.features.samples.outcomes import latest_event
from survey_service.features.samples.schemas import ReserveOut, ReserveStratumOut
from survey_service.security import hash_token, new_token

__all__ = ["release_reserve", "reserve_status"]


class _Strata:
    """Per stratum key: main sample size, released reserve, unreleased reserve ids in order."""

    def __init__(self) -> None:
        self.main: dict[str, int] = {}
        self.released: dict[str, int] = {}
        self.waiting: dict[str, list[int]] = {}

    def out(self, key: str) -> ReserveStratumOut:
        waiting = len(self.waiting[key])
        return ReserveStratumOut(
            key=key,
            sample_size=self.main[key],
            reserve_size=self.released[key] + waiting,
            released=self.released[key],
            remaining=waiting,
        )


def _strata(conn: Connection, design_id: int) -> _Strata:
    strata = _Strata()
    for (key,) in conn.execute(
        select(Stratum.key).where(Stratum.design_id == design_id).order_by(Stratum.id)
    ):
        strata.main[key], strata.released[key], strata.waiting[key] = 0, 0, []
    rows = conn.execute(
        select(
            SampleMember.id,
            Stratum.key,
            SampleMember.is_reserve,
            SampleMember.token_hash.is_not(None),
            latest_event().is_not(None),
            Response.id.is_not(None),
        )
        .join(Stratum, Stratum.id == SampleMember.stratum_id)
        .outerjoin(Response, Response.sample_member_id == SampleMember.id)
        .where(SampleMember.design_id == design_id)
        .order_by(SampleMember.id)
    )
    for member_id, key, reserve, linked, outcome, answered in rows:
        if not reserve:
            strata.main[key] += 1
        elif linked or outcome or answered:
            strata.released[key] += 1
        else:
            strata.waiting[key].append(int(member_id))
    return strata


def _out(survey_code: str, design: DesignRow, strata: _Strata, released: int) -> ReserveOut:
    return ReserveOut(
        survey_code=survey_code,
        design=design.name,
        version=design.version,
        released=released,
        strata=[strata.out(key) for key in strata.main],
    )


def reserve_status(engine: Engine, survey_code: str, design_name: str | None = None) -> ReserveOut:
    """Per stratum of the drawn design: main sample, reserve released and still waiting."""
    with engine.connect() as conn:
        survey = find_survey(conn, survey_code)
        design = find_design(conn, survey, design_name, drawn=True)
        return _out(survey.code, design, _strata(conn, design.id), 0)


def _check(strata: _Strata, counts: Mapping[str, int]) -> None:
    unknown = sorted(set(counts) - set(strata.main))
    if unknown:
        raise SampleServiceError(f"the drawn design has no stratum {', '.join(unknown)}")
    short = [
        f"{key} ({len(strata.waiting[key])} left)"
        for key, n in counts.items()
        if n > len(strata.waiting[key])
    ]
    if short:
        raise SampleServiceError(f"not enough reserve left in stratum {', '.join(short)}")
    if any(n < 1 for n in counts.values()):
        raise SampleServiceError("release at least one member per stratum named")


def release_reserve(
    engine: Engine, survey_code: str, counts: Mapping[str, int], design_name: str | None = None
) -> ReserveOut:
    """Release the next ``counts[key]`` reserve members of each named stratum, all or none."""
    if not counts:
        raise SampleServiceError("name at least one stratum and how many members to release")
    with engine.begin() as conn:
        survey = find_survey(conn, survey_code)
        design = find_design(conn, survey, design_name, drawn=True)
        strata = _strata(conn, design.id)
        _check(strata, counts)
        chosen = [m for key, n in counts.items() for m in strata.waiting[key][:n]]
        now = utcnow()
        conn.execute(
            update(SampleMember)
            .where(SampleMember.id == bindparam("b_id"))
            .values(token_hash=bindparam("b_hash"), token_expires_at=now),
            [{"b_id": m, "b_hash": hash_token(new_token())} for m in chosen],
        )
        for key, n in counts.items():
            strata.released[key] += n
            strata.waiting[key] = strata.waiting[key][n:]
    return _out(survey.code, design, strata, len(chosen))
