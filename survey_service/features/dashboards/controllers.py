"""Staff dashboards: the units a member may see, a unit's scorecard, the league table.

Pages show the newest published snapshot of each survey (period) and say when it was
published; statisticians and administrators may ask for a live preview instead
(``preview=1``), which estimates the survey on the spot and says that it is unpublished.
A reviewer only ever reaches the scorecards of units in scope: any other unit code, in
the path or the query, is a 404, exactly like a unit that does not exist.

``channel=`` or ``field=`` shows the unit's indices in one channel or one field (domain
estimates published with the snapshot, :mod:`.filters`); a value the snapshot does not
know, or both filters at once, draws the page with a message and status 400.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Controller, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from survey_service.db.enums import Role
from survey_service.db.models import Survey, Unit
from survey_service.db.session import DbSession
from survey_service.features.accounts.access import (
    CurrentStaff,
    Staff,
    can_see,
    require_unit,
    staff_guard,
)
from survey_service.features.dashboards import views
from survey_service.features.dashboards.charts import percent
from survey_service.features.dashboards.filters import (
    FilteredResults,
    FilterKind,
    filter_values,
    filtered_scorecards,
)
from survey_service.features.dashboards.published import (
    SnapshotInfo,
    latest_snapshots,
    read_filtered,
    read_filtered_series,
    read_league,
    read_unit_series,
)
from survey_service.features.dashboards.schemas import FilterOption, UnitResults
from survey_service.features.dashboards.snapshot import (
    SurveyReads,
    compute_sources,
    read_sources,
    unit_results,
)
from survey_service.features.dashboards.text import strings
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.leagues import make_league
from survey_service.features.indices.schemas import LeagueOut, ScorecardOut

__all__ = ["Dashboards"]

PREVIEW_ROLES = frozenset({Role.ADMINISTRATOR, Role.STATISTICIAN})
OVERALL = "overall_index"

SurveyCode = Annotated[
    str | None, QueryParameter(max_length=64, description="Survey (period) code.")
]
UnitCode = Annotated[str | None, QueryParameter(max_length=32, description="Unit code.")]
Name = Annotated[str | None, QueryParameter(max_length=64)]
FilterParam = Annotated[
    str | None, QueryParameter(max_length=64, description="Channel or field code (empty: all).")
]
Chosen = tuple[FilterKind, str] | None


class FilterError(Exception):
    """A channel or field value the page cannot show (drawn as a message, status 400)."""

    def __init__(self, kind: str, value: str = "") -> None:
        super().__init__(kind)
        self.kind = kind
        self.value = value


def _requested(channel: str | None, field: str | None) -> Chosen:
    """The filter asked for (empty values mean "all"); both at once is an error."""
    channel, field = (channel or "").strip(), (field or "").strip()
    if channel and field:
        raise FilterError("both")
    if channel:
        return ("channel", channel)
    if field:
        return ("field", field)
    return None


def _check_filter(chosen: Chosen, options: dict[str, list[FilterOption]]) -> None:
    if chosen is None:
        return
    kind, value = chosen
    if not options:
        raise FilterError("not_published")
    if value not in {o.code for o in options.get(kind, [])}:
        raise FilterError(f"unknown_{kind}", value)


class UnitRow(msgspec.Struct, frozen=True):
    """A unit as the pages name it."""

    id: int
    code: str
    name: str
    kind: str


def _unit(conn: Connection, code: str) -> UnitRow | None:
    row = conn.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind).where(Unit.code == code)
    ).first()
    return None if row is None else UnitRow(row.id, row.code, row.name, str(row.kind))


def _visible_unit(conn: Connection, staff: Staff, code: str) -> UnitRow:
    unit = _unit(conn, code)
    if unit is None:
        raise NotFoundException("not found")
    require_unit(staff, unit.id)
    return unit


def _choose(snapshots: list[SnapshotInfo], survey: str | None) -> SnapshotInfo | None:
    if survey is None:
        return snapshots[0] if snapshots else None
    return next((s for s in snapshots if s.survey_code == survey), None)


class ScorecardData(msgspec.Struct, kw_only=True):
    """What the scorecard page reads from the database."""

    unit: UnitRow
    snapshots: list[SnapshotInfo]
    chosen: SnapshotInfo | None
    results: UnitResults | None
    series: dict[int, UnitResults]
    league: LeagueOut | None
    surveys: list[tuple[str, str]]
    preview: bool = False
    chosen_filter: Chosen = None
    filter_options: dict[str, list[FilterOption]] = {}
    filtered: FilteredResults | None = None
    city_filtered: FilteredResults | None = None
    filtered_series: dict[int, FilteredResults] = {}
    filter_error: FilterError | None = None


def _city_code(conn: Connection, unit: UnitRow) -> str:
    """Code of the root of the unit's tree (the whole city)."""
    code, parent = unit.code, conn.scalar(select(Unit.parent_id).where(Unit.id == unit.id))
    for _ in range(64):
        if parent is None:
            break
        row = conn.execute(select(Unit.code, Unit.parent_id).where(Unit.id == parent)).one()
        code, parent = row.code, row.parent_id
    return code


def _published(
    conn: Connection,
    staff: Staff,
    code: str,
    survey: str | None,
    requested: Chosen | FilterError = None,
) -> ScorecardData:
    unit = _visible_unit(conn, staff, code)
    snapshots = latest_snapshots(conn)
    chosen = _choose(snapshots, survey)
    if survey is not None and chosen is None:
        raise NotFoundException("no published results for this survey")
    options = chosen.summary.filters if chosen else {}
    error = requested if isinstance(requested, FilterError) else None
    pick = None if isinstance(requested, FilterError) else requested
    try:
        _check_filter(pick, options)
    except FilterError as exc:
        error, pick = exc, None
    ids = [s.id for s in snapshots]
    series = read_unit_series(conn, ids, code) if snapshots else {}
    results = series.get(chosen.id) if chosen else None
    league = read_league(conn, chosen.id, unit.kind, OVERALL) if chosen else None
    data = ScorecardData(
        unit=unit,
        snapshots=snapshots,
        chosen=chosen,
        results=results,
        series=series,
        league=league,
        surveys=[(s.survey_code, s.summary.survey_title) for s in snapshots],
        chosen_filter=pick,
        filter_options=options,
        filter_error=error,
    )
    if chosen is not None and pick is not None:
        kind, value = pick
        data.filtered_series = read_filtered_series(conn, ids, code, kind, value)
        data.filtered = data.filtered_series.get(chosen.id)
        city = _city_code(conn, unit)
        data.city_filtered = (
            data.filtered if city == code else read_filtered(conn, chosen.id, city, kind, value)
        )
    return data


def _preview_reads(
    conn: Connection, staff: Staff, code: str, survey: str | None
) -> tuple[UnitRow, list[tuple[str, str]], SurveyReads]:
    """What a live preview reads: the unit (in scope), the surveys, the chosen survey's data."""
    unit = _visible_unit(conn, staff, code)
    surveys = [
        (r.code, r.title)
        for r in conn.execute(
            select(Survey.code, Survey.title).order_by(Survey.period_start.desc())
        ).all()
    ]
    chosen = survey or (surveys[0][0] if surveys else None)
    if chosen is None or chosen not in {c for c, _ in surveys}:
        raise NotFoundException("no such survey")
    return unit, surveys, read_sources(conn, chosen)


def _preview(
    unit: UnitRow,
    surveys: list[tuple[str, str]],
    reads: SurveyReads,
    requested: Chosen | FilterError = None,
) -> ScorecardData:
    """Live estimates of one survey for one unit (statisticians; nothing is stored)."""
    sources = compute_sources(reads)
    try:
        league = make_league(sources.estimates, kind=unit.kind, variable=None)
    except IndicesError:
        league = None
    units = sources.estimates.data.units
    in_survey = unit.code in units.codes
    results = unit_results(sources, unit.code, league) if in_survey else None
    attributes = reads.attributes
    options = {} if attributes is None else filter_values(attributes)
    error = requested if isinstance(requested, FilterError) else None
    pick = None if isinstance(requested, FilterError) else requested
    try:
        _check_filter(pick, options)
    except FilterError as exc:
        error, pick = exc, None
    data = ScorecardData(
        unit=unit,
        snapshots=[],
        chosen=None,
        results=results,
        series={},
        league=league,
        surveys=surveys,
        preview=True,
        chosen_filter=pick,
        filter_options=options,
        filter_error=error,
    )
    if pick is not None and attributes is not None and in_survey:
        kind, value = pick
        cards = filtered_scorecards(sources.estimates.data, attributes, kinds=[kind])
        city = units.codes[units.chain(units.codes.index(unit.code))[-1]]
        data.filtered = cards.get((unit.code, kind, value))
        data.city_filtered = cards.get((city, kind, value))
    return data


def _trend(data: ScorecardData, lang: str) -> list[views.TrendPoint]:
    points = []
    filtered = data.chosen_filter is not None
    for snapshot in reversed(data.snapshots):  # oldest period first
        found = data.filtered_series.get(snapshot.id) if filtered else data.series.get(snapshot.id)
        if found is not None and found.scorecard.overall is not None:
            points.append(
                views.TrendPoint(
                    survey_code=snapshot.survey_code,
                    title=snapshot.summary.survey_title,
                    estimate=found.scorecard.overall,
                )
            )
    return points


def _filter_message(data: ScorecardData, lang: str) -> str | None:
    """What the page says about a filter it cannot apply, in ``lang``."""
    error = data.filter_error
    if error is None:
        return None
    tr = strings(lang)
    return str(tr["filter_error_" + error.kind]).format(value=error.value)


def _filter_name(data: ScorecardData, lang: str) -> str | None:
    """``Kênh: trực tuyến`` for the chosen filter (None without one)."""
    if data.chosen_filter is None:
        return None
    tr = strings(lang)
    kind, value = data.chosen_filter
    if kind == "channel":
        return f"{tr['channel']}: {tr.get('channel_' + value, value)}"
    found = next((o for o in data.filter_options.get(kind, []) if o.code == value), None)
    name = views.label_of(found.label, lang, value) if found else value
    return f"{tr['field']}: {name}"


def _shown(data: ScorecardData) -> tuple[ScorecardOut | None, dict[str, float]]:
    """The scorecard the page shows (all channels and fields, or the filtered one) and
    the whole city's level of each of its indices (in the same channel or field)."""
    if data.results is None or data.filter_error is not None:
        return None, {}
    if data.chosen_filter is None:
        card = data.results.scorecard
        return card, views.city_levels(card)
    city = data.city_filtered
    levels = views.estimates_of(city.scorecard) if city else {}
    return (data.filtered.scorecard if data.filtered else None), levels


def _page_context(staff: Staff) -> dict[str, Any]:
    """What every dashboard page uses: the user, the language, strings and formatters."""
    lang = staff.language
    return {
        "staff": staff,
        "lang": lang,
        "tr": strings(lang),
        "pct": lambda v, d=1: percent(v, lang, d),
        "label": lambda label, fallback: views.label_of(label, lang, fallback),
    }


def _scorecard_context(data: ScorecardData, staff: Staff) -> dict[str, Any]:
    lang = staff.language
    results = data.results
    filtered = data.chosen_filter is not None
    card, levels = _shown(data)
    trend = _trend(data, lang)
    changes = [views.change_between(a.estimate, b.estimate) for a, b in itertools.pairwise(trend)]
    return {
        **_page_context(staff),
        "unit": data.unit,
        "data": data,
        "results": results,
        "card": card,
        "city_levels": levels,
        "filtered": filtered,
        "filter_name": _filter_name(data, lang),
        "filter_message": _filter_message(data, lang),
        "can_preview": staff.role in PREVIEW_ROLES,
        "elements_chart": views.elements_chart(results, lang, card, levels)
        if results and card
        else None,
        "trend": trend,
        "trend_chart": views.trend_chart(trend, lang) if len(trend) > 1 else None,
        "changes": changes,
        "peers": views.peer_strip(results, data.league, lang) if results and not filtered else None,
        "improvement_chart": views.improvement_chart(results, lang) if results else None,
        "distribution_chart": views.distribution_chart(results, lang) if results else None,
    }


def _my_units(conn: Connection, staff: Staff) -> tuple[list[UnitRow], dict[str, Any]]:
    """The units ``staff`` may see, and their overall index in the newest snapshot."""
    rows = conn.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind).order_by(Unit.kind, Unit.name)
    ).all()
    units = [UnitRow(r.id, r.code, r.name, str(r.kind)) for r in rows if can_see(staff, r.id)]
    snapshots = latest_snapshots(conn)
    overall: dict[str, Any] = {}
    if snapshots:
        for kind in {u.kind for u in units}:
            league = read_league(conn, snapshots[0].id, kind, OVERALL)
            overall.update({r.unit.code: r for r in (league.rows if league else [])})
        overall["_snapshot"] = snapshots[0]
    return units, overall


LeagueData = tuple[list[SnapshotInfo], SnapshotInfo | None, LeagueOut | None, set[str]]


def _league(
    conn: Connection, staff: Staff, kind: str | None, variable: str | None, survey: str | None
) -> LeagueData:
    """Snapshots, the chosen one, its league table and the codes ``staff`` may open."""
    snapshots = latest_snapshots(conn)
    chosen = _choose(snapshots, survey)
    if chosen is None:
        return snapshots, None, None, set()
    leagues = chosen.summary.leagues
    default_kind = "commune" if ("commune", OVERALL) in leagues else None
    pick_kind = kind or default_kind or (leagues[0][0] if leagues else "")
    table = read_league(conn, chosen.id, pick_kind, variable or OVERALL)
    codes = [r.unit.code for r in table.rows] if table else []
    ids = conn.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).all()
    return snapshots, chosen, table, {c for c, i in ids if can_see(staff, i)}


class Dashboards(Controller):
    """Scorecards and league tables for staff (reviewers: their units only)."""

    path = "/staff"
    guards = [staff_guard]
    include_in_schema = False

    @get("/scorecard", opt={"unit_param": "unit"})
    async def my_units(
        self, staff: CurrentStaff, db_session: DbSession, unit: UnitCode = None
    ) -> Template | Redirect:
        """The units the member may see with their latest overall index; ``?unit=`` opens
        that unit's scorecard (404 outside the member's scope)."""

        def load(sync: Session) -> tuple[list[UnitRow], dict[str, Any]]:
            conn = sync.connection()
            if unit is not None:
                _visible_unit(conn, staff, unit)
                return [], {}
            return _my_units(conn, staff)

        units, overall = await db_session.run_sync(load)
        if unit is not None:
            return Redirect(f"/staff/units/{unit}", status_code=303)
        return Template(
            template_name="staff/dashboards/units.html",
            context={
                **_page_context(staff),
                "units": units,
                "overall": overall,
                "snapshot": overall.get("_snapshot"),
            },
        )

    @get("/units/{unit_code:str}", opt={"unit_param": "unit_code"})
    async def scorecard(
        self,
        staff: CurrentStaff,
        db_session: DbSession,
        unit_code: FromPath[str],
        survey: SurveyCode = None,
        preview: FromQuery[bool] = False,
        channel: FilterParam = None,
        field: FilterParam = None,
    ) -> Template:
        """A unit's scorecard for one period (default: the newest published), over all
        channels and fields or in one channel or field."""
        requested: Chosen | FilterError
        try:
            requested = _requested(channel, field)
        except FilterError as exc:
            requested = exc
        if preview and staff.role in PREVIEW_ROLES:

            def read(sync: Session) -> tuple[UnitRow, list[tuple[str, str]], SurveyReads]:
                return _preview_reads(sync.connection(), staff, unit_code, survey)

            unit, surveys, reads = await db_session.run_sync(read)
            data = await anyio.to_thread.run_sync(lambda: _preview(unit, surveys, reads, requested))
        else:

            def load(sync: Session) -> ScorecardData:
                return _published(sync.connection(), staff, unit_code, survey, requested)

            data = await db_session.run_sync(load)
        return Template(
            template_name="staff/dashboards/scorecard.html",
            context=_scorecard_context(data, staff),
            status_code=400 if data.filter_error is not None else 200,
        )

    @get("/league", opt={"unit_param": None})
    async def league(
        self,
        staff: CurrentStaff,
        db_session: DbSession,
        kind: Name = None,
        variable: Name = None,
        survey: SurveyCode = None,
    ) -> Template:
        """Units of one kind ranked on one index, with intervals and rank intervals."""

        def load(sync: Session) -> LeagueData:
            return _league(sync.connection(), staff, kind, variable, survey)

        snapshots, chosen, table, visible = await db_session.run_sync(load)
        if survey is not None and chosen is None:
            raise NotFoundException("no published results for this survey")
        return Template(
            template_name="staff/dashboards/league.html",
            context={
                **_page_context(staff),
                "snapshots": snapshots,
                "chosen": chosen,
                "league": table,
                "bars": views.league_chart(table, staff.language) if table and table.rows else [],
                "visible": visible,
                "kind": table.kind if table else kind,
                "variable": table.variable if table else (variable or OVERALL),
            },
        )
