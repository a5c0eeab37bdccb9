"""Each sample member's current fieldwork outcome, as the database records it.

The outcome of a member is ``responded`` when a response is stored for it (the
questionnaire also records a ``responded`` event, but a response outranks whatever a
gateway reports afterwards), else its latest fieldwork event (by time, then by entry
order), else ``invited`` for a fielded member nobody has reported on yet.
"""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, ScalarSelect, Select, String, select, type_coerce

from survey_service.db.enums import FieldworkOutcome
from survey_service.db.models import Dossier, FieldworkEvent, Response, SampleMember

__all__ = ["MemberOutcomes", "latest_event", "member_outcomes"]


def latest_event() -> ScalarSelect[Any]:
    """Correlated subquery: the outcome of a member's latest fieldwork event."""
    return (
        select(type_coerce(FieldworkEvent.outcome, String))
        .where(FieldworkEvent.sample_member_id == SampleMember.id)
        .order_by(FieldworkEvent.recorded_at.desc(), FieldworkEvent.id.desc())
        .limit(1)
        .correlate(SampleMember)
        .scalar_subquery()
    )


class MemberOutcomes(msgspec.Struct, frozen=True, kw_only=True):
    """Fielded members of a design (main sample and released reserve), one entry each.

    Attributes
    ----------
    member_id, stratum_id, unit_id, dossier_id
        Database ids.
    base_weight
        Base weight stored at the draw.
    channel, field
        The dossier's channel and field.
    outcome
        Current outcome (a :class:`FieldworkOutcome` value).
    response_id
        The member's response, -1 when there is none.
    """

    member_id: NDArray[np.int64]
    stratum_id: NDArray[np.int64]
    unit_id: NDArray[np.int64]
    dossier_id: NDArray[np.int64]
    base_weight: NDArray[np.float64]
    channel: NDArray[np.str_]
    field: NDArray[np.str_]
    outcome: NDArray[np.str_]
    response_id: NDArray[np.int64]


def _query(design_id: int) -> Select[*tuple[Any, ...]]:
    event = latest_event().label("event")
    return (
        select(
            SampleMember.id,
            SampleMember.stratum_id,
            SampleMember.unit_id,
            SampleMember.dossier_id,
            SampleMember.base_weight,
            type_coerce(Dossier.channel, String),
            Dossier.field_code,
            SampleMember.is_reserve,
            SampleMember.token_hash,
            event,
            Response.id,
        )
        .join(Dossier, Dossier.id == SampleMember.dossier_id)
        .outerjoin(Response, Response.sample_member_id == SampleMember.id)
        .where(SampleMember.design_id == design_id)
        .order_by(SampleMember.id)
    )


def member_outcomes(conn: Connection, design_id: int) -> MemberOutcomes:
    """Return the fielded members of a design with their current outcome.

    A reserve member counts as fielded once it was given a link, an outcome or a response.
    """
    rows = [
        r
        for r in conn.execute(_query(design_id))
        if not r[7] or r[8] is not None or r[9] is not None or r[10] is not None
    ]
    outcome = [
        FieldworkOutcome.RESPONDED.value if r[10] is not None else (r[9] or "invited") for r in rows
    ]
    return MemberOutcomes(
        member_id=np.array([r[0] for r in rows], dtype=np.int64),
        stratum_id=np.array([r[1] for r in rows], dtype=np.int64),
        unit_id=np.array([r[2] for r in rows], dtype=np.int64),
        dossier_id=np.array([r[3] for r in rows], dtype=np.int64),
        base_weight=np.array([r[4] for r in rows], dtype=np.float64),
        channel=np.array([r[5] for r in rows], dtype=np.str_),
        field=np.array([r[6] for r in rows], dtype=np.str_),
        outcome=np.array(outcome, dtype=np.str_),
        response_id=np.array([-1 if r[10] is None else r[10] for r in rows], dtype=np.int64),
    )
