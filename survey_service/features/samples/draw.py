"""Previewing and drawing a survey's sample; a draw is stored in one transaction.

The randomness comes from ``numpy.random.default_rng(seed)`` alone, used first by the
one-per-person rule and then by the selection, so the same frame, spec and seed give the
same sample.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, insert, select, update
from tqdm import tqdm

from sampling import (
    Sample,
    SampleDesign,
    SamplePlan,
    Strata,
    draw_sample,
    eligible_dossiers,
    plan_sample,
    stratify,
)
from survey_service import __version__
from survey_service.db.base import utcnow
from survey_service.db.models import SampleDesign as DesignModel
from survey_service.db.models import SampleMember, Stratum, Unit
from survey_service.features.samples.designs import (
    DesignRow,
    SurveyRef,
    design_spec,
    find_design,
    find_survey,
)
from survey_service.features.samples.errors import AlreadyDrawnError, SampleServiceError
from survey_service.features.samples.frame import LoadedFrame, load_frame
from survey_service.features.samples.schemas import (
    DrawOut,
    PreviewOut,
    StratumPlanOut,
    UnitPlanOut,
)

__all__ = ["LIBRARY_VERSION", "draw_design", "preview_design"]

LIBRARY_VERSION = f"survey-service {__version__}"
MEMBER_BATCH = 10_000


class _Planned(msgspec.Struct, frozen=True, kw_only=True):
    """A design applied to the frame: eligible rows, strata and sizes."""

    frame: LoadedFrame
    rows: NDArray[np.int64]
    strata: Strata
    labels: dict[str, NDArray[Any]]
    unit_names: NDArray[np.str_]
    plan: SamplePlan


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _plan(
    conn: Connection,
    survey: SurveyRef,
    row: DesignRow,
    spec: SampleDesign,
    rng: np.random.Generator,
    reference_date: dt.date,
    progress: bool,
) -> _Planned:
    frame = load_frame(
        conn, survey, spec, design_id=row.id, reference_date=reference_date, progress=progress
    )
    # An empty frame is checked here: eligible_dossiers' one-per-person rule fails on it.
    mask = np.zeros(0, dtype=np.bool_)
    if frame.size:
        mask = eligible_dossiers(
            frame.columns, spec.population, spec.exclusions, reference_date=reference_date, rng=rng
        )
    rows = np.flatnonzero(mask).astype(np.int64)
    if rows.size == 0:
        raise SampleServiceError(
            f"no eligible dossiers for design {row.name!r} in survey {survey.code} "
            f"({frame.size} frame rows before the population filter and exclusions)"
        )
    variables = {"unit": frame.columns.unit, "channel": frame.columns.channel}
    variables["field"] = frame.columns.field
    strata = stratify(*(variables[v][rows] for v in spec.strata))
    labels = dict(zip(spec.strata, strata.labels, strict=True))
    units: NDArray[np.int64] | None = None
    names = np.array([], dtype=np.str_)
    if "unit" in labels:
        names, inverse = np.unique(labels["unit"], return_inverse=True)
        units = inverse.astype(np.int64)
    plan = plan_sample(spec, strata.population, units)
    return _Planned(
        frame=frame, rows=rows, strata=strata, labels=labels, unit_names=names, plan=plan
    )


def _key(labels: dict[str, NDArray[Any]], h: int) -> str:
    return "|".join(f"{name}={values[h]}" for name, values in labels.items())


def _label(labels: dict[str, NDArray[Any]], name: str, h: int) -> str | None:
    return str(labels[name][h]) if name in labels else None


def _strata_out(planned: _Planned) -> list[StratumPlanOut]:
    plan, labels = planned.plan, planned.labels
    return [
        StratumPlanOut(
            key=_key(labels, h),
            unit=_label(labels, "unit", h),
            channel=_label(labels, "channel", h),
            field=_label(labels, "field", h),
            population=int(plan.population[h]),
            sample_size=int(plan.sample_size[h]),
            reserve_size=int(plan.reserve_size[h]),
            expected_respondents=float(plan.expected_respondents[h]),
            margin=_finite(plan.margin[h]),
        )
        for h in range(plan.population.size)
    ]


def _preview_out(
    survey: SurveyRef, row: DesignRow, planned: _Planned, seed: int, reference: dt.date
) -> PreviewOut:
    plan = planned.plan
    units = [
        UnitPlanOut(
            unit=str(name),
            population=int(plan.unit_population[u]),
            sample_size=int(plan.unit_sample_size[u]),
            expected_respondents=float(plan.unit_expected_respondents[u]),
            margin=_finite(plan.unit_margin[u]),
        )
        for u, name in enumerate(planned.unit_names.tolist())
    ]
    return PreviewOut(
        survey_code=survey.code,
        design=row.name,
        version=row.version,
        seed=seed,
        reference_date=reference,
        frame_rows=planned.frame.size,
        eligible=int(planned.rows.size),
        sample_size=int(plan.sample_size.sum()),
        reserve_size=int(plan.reserve_size.sum()),
        expected_respondents=float(plan.expected_respondents.sum()),
        overall_margin=_finite(plan.overall_margin),
        strata=_strata_out(planned),
        units=units,
    )


def preview_design(
    engine: Engine,
    survey_code: str,
    *,
    design_name: str | None = None,
    seed: int = 0,
    progress: bool = False,
) -> PreviewOut:
    """Return per stratum and per unit N, n, reserve, expected respondents and margins.

    ``seed`` matters only for ``one_per_person = "random"``, where it picks each person's
    dossier and so may move a few people between strata.
    """
    with engine.connect() as conn:
        survey = find_survey(conn, survey_code)
        row = find_design(conn, survey, design_name)
        spec = design_spec(row)
        reference = (row.drawn_at or utcnow()).date()
        rng = np.random.default_rng(seed)
        planned = _plan(conn, survey, row, spec, rng, reference, progress)
    return _preview_out(survey, row, planned, seed, reference)


def _sort_keys(planned: _Planned, spec: SampleDesign) -> list[NDArray[Any]]:
    """Sort keys of systematic selection as integer ranks (fast and backend-independent)."""
    frame, rows = planned.frame, planned.rows
    source: dict[str, NDArray[Any]] = {
        "unit": frame.columns.unit,
        "channel": frame.columns.channel,
        "field": frame.columns.field,
        "procedure": frame.procedure,
        "received_date": frame.received_date,
        "result_date": frame.columns.result_date,
    }
    keys: list[NDArray[Any]] = []
    for name in spec.selection.sort_by:
        values = source[name][rows]
        if values.dtype.kind == "U":
            values = np.unique(values, return_inverse=True)[1].astype(np.int64)
        keys.append(values)
    return keys


def _claim(conn: Connection, row: DesignRow, seed: int, now: dt.datetime) -> None:
    """Mark the design drawn; a concurrent or earlier draw leaves no row to update."""
    claimed = conn.execute(
        update(DesignModel)
        .where(DesignModel.id == row.id, DesignModel.drawn_at.is_(None))
        .values(seed=seed, drawn_at=now, library_version=LIBRARY_VERSION)
    )
    if claimed.rowcount != 1:
        raise AlreadyDrawnError(f"design {row.name!r} v{row.version} has been drawn already")


def _store_strata(conn: Connection, design_id: int, planned: _Planned) -> NDArray[np.int64]:
    labels, plan = planned.labels, planned.plan
    codes = [str(c) for c in planned.unit_names.tolist()]
    unit_ids = dict(conn.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).all())
    rows = [
        {
            "design_id": design_id,
            "key": _key(labels, h),
            "unit_id": unit_ids.get(_label(labels, "unit", h) or ""),
            "channel": _label(labels, "channel", h),
            "field_code": _label(labels, "field", h),
            "population_size": int(plan.population[h]),
            "sample_size": int(plan.sample_size[h]),
        }
        for h in range(plan.population.size)
    ]
    ids = conn.execute(
        insert(Stratum).returning(Stratum.id, sort_by_parameter_order=True), rows
    ).scalars()
    return np.array(list(ids), dtype=np.int64)


def _store_members(
    conn: Connection,
    design_id: int,
    planned: _Planned,
    sample: Sample,
    stratum_ids: NDArray[np.int64],
    progress: bool,
) -> None:
    # Reserve members go in release order, so ascending ids give the order of replacements.
    order = np.lexsort((sample.index, sample.reserve_order, sample.reserve, sample.stratum))
    frame_rows = planned.rows[sample.index[order]]
    columns = {
        "stratum_id": stratum_ids[sample.stratum[order]].tolist(),
        "dossier_id": planned.frame.dossier_id[frame_rows].tolist(),
        "unit_id": planned.frame.unit_id[frame_rows].tolist(),
        "inclusion_probability": sample.inclusion_probability[order].tolist(),
        "base_weight": sample.base_weight[order].tolist(),
        "is_reserve": sample.reserve[order].tolist(),
    }
    with tqdm(total=order.size, unit=" members", desc="draw", disable=not progress) as bar:
        for start in range(0, order.size, MEMBER_BATCH):
            stop = min(start + MEMBER_BATCH, order.size)
            batch = [
                {"design_id": design_id, **{k: v[i] for k, v in columns.items()}}
                for i in range(start, stop)
            ]
            conn.execute(insert(SampleMember), batch)
            bar.update(stop - start)


def _check_selection(spec: SampleDesign) -> None:
    if spec.selection.method == "pps":
        raise SampleServiceError(
            f"PPS selection needs a size column {spec.selection.size_measure!r}, and the "
            "dossier frame has none: use systematic or srs selection"
        )


def _draw(
    conn: Connection, survey_code: str, seed: int, design_name: str | None, progress: bool
) -> DrawOut:
    survey = find_survey(conn, survey_code)
    row = find_design(conn, survey, design_name)
    if row.drawn_at is not None:
        raise AlreadyDrawnError(
            f"design {row.name!r} v{row.version} was drawn on {row.drawn_at:%Y-%m-%d} "
            f"with seed {row.seed}; add the design again to make a new version"
        )
    spec = design_spec(row)
    _check_selection(spec)
    now = utcnow()
    _claim(conn, row, seed, now)
    rng = np.random.default_rng(seed)
    planned = _plan(conn, survey, row, spec, rng, now.date(), progress)
    sample = draw_sample(
        planned.strata.ids,
        planned.plan.sample_size,
        rng,
        method=spec.selection.method,
        sort_keys=_sort_keys(planned, spec),
        reserve_sizes=planned.plan.reserve_size,
    )
    _store_members(conn, row.id, planned, sample, _store_strata(conn, row.id, planned), progress)
    return DrawOut(
        survey_code=survey.code,
        design=row.name,
        version=row.version,
        seed=seed,
        library_version=LIBRARY_VERSION,
        drawn_at=now,
        strata=int(planned.strata.population.size),
        population=int(planned.plan.population.sum()),
        sample_size=int(np.count_nonzero(~sample.reserve)),
        reserve_size=int(np.count_nonzero(sample.reserve)),
    )


def draw_design(
    engine: Engine,
    survey_code: str,
    *,
    seed: int,
    design_name: str | None = None,
    progress: bool = False,
) -> DrawOut:
    """Draw the design and store strata, members, seed and library version, all or nothing.

    The design is claimed first (``drawn_at`` set where it is still empty), so of two
    concurrent draws one waits and then finds the design drawn.
    """
    with engine.begin() as conn:
        return _draw(conn, survey_code, seed, design_name, progress)
