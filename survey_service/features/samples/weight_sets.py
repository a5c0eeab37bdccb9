"""Weight sets: load a drawn sample and the frame counts, weight, store, read back.

One computation stores up to two weight sets: the probability sample's, and the open-link
(non-probability) responses' — kept apart so that each set's weights add up to the
population on its own.

Frame counts are the completed dossiers of the survey's period and units under the
design's population filter and one-per-person rule, before the no-contact, opt-out and
recently-surveyed exclusions: those exclusions limit whom the sample can reach, not the
population the results speak for, so calibration also corrects for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, insert, select
from tqdm import tqdm

from sampling import Exclusions, SampleDesign, eligible_dossiers
from survey_service.db.base import utcnow
from survey_service.db.models import Response, ResponseWeight, Stratum, Unit, WeightSet
from survey_service.errors import NotFoundError
from survey_service.features.samples.calibration import Calibration, check_calibration
from survey_service.features.samples.designs import (
    DesignRow,
    SurveyRef,
    as_utc,
    design_spec,
    find_design,
    find_survey,
)
from survey_service.features.samples.errors import SampleServiceError
from survey_service.features.samples.frame import load_frame
from survey_service.features.samples.outcomes import MemberOutcomes, member_outcomes
from survey_service.features.samples.schemas import (
    WeightDiagnosticsOut,
    WeightParameters,
    WeightSetOut,
    WeightsIn,
    WeightsOut,
)
from survey_service.features.samples.weighting import (
    Margins,
    SampleData,
    Weighted,
    weight_open_link_responses,
    weight_sample,
)

__all__ = ["PROBABILITY", "compute_weights", "find_weight_set"]

PROBABILITY = "probability"
OPEN_LINK = "open-link calibration"
WEIGHT_BATCH = 10_000
TOTALS = (
    "frame counts: completed dossiers of the survey's period and units under the design's "
    "population filter and one-per-person rule, before the contact, opt-out and "
    "recently-surveyed exclusions"
)


def _spec(design: DesignRow) -> SampleDesign | None:
    # Designs stored by the demo describe themselves in prose; they are stratified SRS.
    try:
        return design_spec(design)
    except SampleServiceError:
        return None


def _unit_codes(conn: Connection) -> dict[int, tuple[str, int | None]]:
    return {
        int(i): (str(c), p) for i, c, p in conn.execute(select(Unit.id, Unit.code, Unit.parent_id))
    }


def _sample_data(
    conn: Connection, design: DesignRow, spec: SampleDesign | None, members: MemberOutcomes
) -> SampleData:
    strata = conn.execute(
        select(Stratum.id, Stratum.key, Stratum.population_size)
        .where(Stratum.design_id == design.id)
        .order_by(Stratum.id)
    ).all()
    index = {sid: h for h, (sid, _, _) in enumerate(strata)}
    units = _unit_codes(conn)
    return SampleData(
        stratum=np.array([index[s] for s in members.stratum_id.tolist()], dtype=np.int64),
        stratum_keys=[key for _, key, _ in strata],
        population=np.array([n for _, _, n in strata], dtype=np.int64),
        base_weight=members.base_weight,
        equal_probability=spec is None or spec.selection.method != "pps",
        outcome=members.outcome,
        responded=members.response_id >= 0,
        variables={
            "unit": np.array([units[u][0] for u in members.unit_id.tolist()], dtype=np.str_),
            "channel": members.channel,
            "field": members.field,
        },
    )


def _margins(
    conn: Connection,
    survey: SurveyRef,
    spec: SampleDesign | None,
    design: DesignRow,
    names: Sequence[str],
    progress: bool,
) -> Margins:
    frame = load_frame(conn, survey, spec, progress=progress)
    keep = np.ones(frame.size, dtype=np.bool_)
    if spec is not None and frame.size:
        rule = spec.exclusions.one_per_person
        exclusions = Exclusions(no_contact=False, opted_out=False, one_per_person=rule)
        drawn = (design.drawn_at or utcnow()).date()
        rng = np.random.default_rng(design.seed or 0)
        keep = eligible_dossiers(
            frame.columns, spec.population, exclusions, reference_date=drawn, rng=rng
        )
    columns = {"unit": frame.columns.unit, "channel": frame.columns.channel}
    columns["field"] = frame.columns.field
    labels, totals = [], []
    for name in names:
        values, counts = np.unique(columns[name][keep], return_counts=True)
        labels.append(values.astype(np.str_))
        totals.append(counts.astype(np.float64))
    return Margins(tuple(names), tuple(labels), tuple(totals))


def _open_link_units(
    conn: Connection, survey: SurveyRef, known: NDArray[np.str_]
) -> tuple[list[int], NDArray[np.str_], int]:
    """Open-link responses with the frame unit each stands for (its own, else an ancestor)."""
    units = _unit_codes(conn)
    counted = set(known.tolist())
    rows = conn.execute(
        select(Response.id, Response.unit_id)
        .where(Response.survey_id == survey.id, Response.sample_member_id.is_(None))
        .where(Response.probability_sample.is_(False))
        .order_by(Response.id)
    ).all()
    ids, codes = [], []
    for response_id, unit_id in rows:
        current: int | None = unit_id
        while current is not None and units[current][0] not in counted:
            current = units[current][1]
        if current is not None:
            ids.append(int(response_id))
            codes.append(units[current][0])
    return ids, np.array(codes, dtype=np.str_), len(rows) - len(ids)


class _Store(msgspec.Struct, frozen=True, kw_only=True):
    survey: SurveyRef
    design_id: int
    method: str
    parameters: WeightParameters


def _store(
    conn: Connection, target: _Store, weighted: Weighted, response_ids: list[int], progress: bool
) -> WeightSetOut:
    now = utcnow()
    parameters = msgspec.structs.replace(target.parameters, steps=weighted.steps)
    set_id = conn.execute(
        insert(WeightSet)
        .values(
            survey_id=target.survey.id,
            design_id=target.design_id,
            method=target.method,
            parameters=msgspec.to_builtins(parameters),
            diagnostics=msgspec.to_builtins(weighted.diagnostics),
            created_at=now,
        )
        .returning(WeightSet.id)
    ).scalar_one()
    weights = weighted.weights.tolist()
    with tqdm(total=len(weights), desc="weights", unit=" responses", disable=not progress) as bar:
        for start in range(0, len(weights), WEIGHT_BATCH):
            part = range(start, min(start + WEIGHT_BATCH, len(weights)))
            conn.execute(
                insert(ResponseWeight),
                [
                    {"weight_set_id": set_id, "response_id": response_ids[i], "weight": weights[i]}
                    for i in part
                ],
            )
            bar.update(len(part))
    return _out(set_id, target.survey.code, target.method, now, parameters, weighted.diagnostics)


def _out(
    set_id: int,
    survey_code: str,
    method: str,
    created_at: dt.datetime,
    parameters: WeightParameters,
    diagnostics: WeightDiagnosticsOut,
) -> WeightSetOut:
    return WeightSetOut(
        id=set_id,
        survey_code=survey_code,
        method=method,
        nonprobability=method != PROBABILITY,
        created_at=as_utc(created_at),
        parameters=parameters,
        diagnostics=diagnostics,
    )


def _weigh_open_link(
    conn: Connection, target: _Store, margins: Margins, trim_cap: float | None, progress: bool
) -> WeightSetOut | None:
    k = margins.names.index("unit")
    ids, units, outside = _open_link_units(conn, target.survey, margins.labels[k])
    if not ids:
        return None
    weighted = weight_open_link_responses(units, margins, trim_cap=trim_cap, not_weighted=outside)
    return _store(conn, target, weighted, ids, progress)


def compute_weights(
    engine: Engine, survey_code: str, request: WeightsIn, *, progress: bool = False
) -> WeightsOut:
    """Weight the survey's drawn sample and its open-link responses; store both sets."""
    names: list[str] = list(dict.fromkeys(request.calibrate))
    calibration = Calibration(
        method=request.method, bounds=request.bounds, recalibrate=request.recalibrate
    )
    check_calibration(calibration, names, request.trim_cap)
    with engine.begin() as conn:
        survey = find_survey(conn, survey_code)
        design = find_design(conn, survey, request.design, drawn=True)
        spec = _spec(design)
        members = member_outcomes(conn, design.id)
        data = _sample_data(conn, design, spec, members)
        wanted = list(dict.fromkeys([*names, "unit"]))  # open-link weights need unit counts
        margins = _margins(conn, survey, spec, design, wanted, progress)
        weighted = weight_sample(
            data,
            margins.subset(names),
            classes=request.classes,
            trim_cap=request.trim_cap,
            calibration=calibration,
        )
        parameters = WeightParameters(
            design_id=design.id,
            steps=[],
            calibrate=names,
            classes=request.classes,
            trim_cap=request.trim_cap,
            totals=TOTALS,
            method=request.method,
            bounds=list(request.bounds) if request.bounds is not None else None,
            recalibrate=request.recalibrate,
        )
        target = _Store(
            survey=survey, design_id=design.id, method=PROBABILITY, parameters=parameters
        )
        responses = members.response_id[weighted.rows].tolist()
        probability = _store(conn, target, weighted, responses, progress)
        open_parameters = msgspec.structs.replace(
            parameters,
            calibrate=["unit"],
            classes=None,
            method="raking",
            bounds=None,
            recalibrate=False,
        )
        target = _Store(
            survey=survey, design_id=design.id, method=OPEN_LINK, parameters=open_parameters
        )
        open_link = _weigh_open_link(conn, target, margins, request.trim_cap, progress)
    return WeightsOut(probability=probability, open_link=open_link)


def find_weight_set(engine: Engine, survey_code: str, set_id: int | None = None) -> WeightSetOut:
    """Return a stored weight set of the survey (default: its newest probability set)."""
    with engine.connect() as conn:
        survey = find_survey(conn, survey_code)
        query = select(
            WeightSet.id,
            WeightSet.method,
            WeightSet.created_at,
            WeightSet.parameters,
            WeightSet.diagnostics,
        ).where(WeightSet.survey_id == survey.id)
        if set_id is None:
            query = query.where(WeightSet.method == PROBABILITY)
        else:
            query = query.where(WeightSet.id == set_id)
        row = conn.execute(query.order_by(WeightSet.id.desc()).limit(1)).one_or_none()
    if row is None:
        which = f" {set_id}" if set_id is not None else "s"
        raise NotFoundError(f"survey {survey.code} has no weight set{which}: run 'weights compute'")
    return _decode(row, survey.code)


def _decode(row: Any, survey_code: str) -> WeightSetOut:
    try:
        parameters = msgspec.convert(row.parameters, WeightParameters)
        diagnostics = msgspec.convert(row.diagnostics, WeightDiagnosticsOut)
    except msgspec.ValidationError as exc:
        # Weight sets stored by other tools (the demo) have their own layout.
        raise SampleServiceError(
            f"weight set {row.id} was not stored by 'weights compute': {exc}"
        ) from exc
    return _out(row.id, survey_code, row.method, row.created_at, parameters, diagnostics)
