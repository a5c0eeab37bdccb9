"""Channel and field filters of the scorecard: domain estimates, the page, bad values.

The published figures of a unit in one channel or field are checked against
:func:`analysis.estimate_indices` run independently on the rows (answer values scored
with the instrument's scale, the design of strata and sample members, the response's
dossier read here), with the domain "in the unit or below it *and* in that channel or
field" against everything else: every PSU of every stratum counts.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator

import numpy as np
import pytest
from litestar.testing import TestClient
from sqlalchemy import Connection, select

from analysis import Estimate, estimate_indices, make_design, tree_from_instrument
from survey_service.db.engine import make_sync_engine
from survey_service.db.enums import Role
from survey_service.db.models import Dossier, Response, ResponseWeight, SampleMember, Survey
from survey_service.features.dashboards.charts import percent
from survey_service.features.dashboards.controllers import FilterError, _check_filter, _requested
from survey_service.features.dashboards.filters import FilteredResults
from survey_service.features.dashboards.published import (
    latest_snapshots,
    read_filtered,
    read_unit,
)
from survey_service.features.dashboards.schemas import FilterOption
from survey_service.features.dashboards.text import strings
from survey_service.features.indices.service import DEFAULT_OPTIONS, load_survey_data
from tests.dashboards.conftest import SURVEYS
from tests.dashboards.test_pages import COMMUNE, _client
from tests.indices.reference import ancestors, instrument_of, load_rows
from tests.staff import create_staff, login

SURVEY = SURVEYS[1]
CITY = "HN"


def _dossiers(conn: Connection, code: str, weight_set: int | None) -> list[tuple[str, str]]:
    """(channel, field) of each response, in the order of :func:`load_rows`."""
    survey_id = conn.scalar(select(Survey.id).where(Survey.code == code))
    query = (
        select(Response.id, Dossier.channel, Dossier.field_code)
        .join(SampleMember, SampleMember.id == Response.sample_member_id)
        .join(Dossier, Dossier.id == SampleMember.dossier_id)
        .where(Response.survey_id == survey_id, Response.finished.is_(True))
        .order_by(Response.id)
    )
    if weight_set is not None:
        query = query.join(ResponseWeight, ResponseWeight.response_id == Response.id).where(
            ResponseWeight.weight_set_id == weight_set
        )
    return [(str(r[1]), str(r[2])) for r in conn.execute(query)]


def _reference(
    conn: Connection, domains: list[tuple[str, str, str]]
) -> dict[tuple[str, str, str], dict[str, Estimate]]:
    """Per (unit, kind, value): every index of that domain, from the rows."""
    weight_set = load_survey_data(conn, SURVEY).weights.weight_set_id
    rows = load_rows(conn, SURVEY, weight_set)
    attributes = _dossiers(conn, SURVEY, weight_set)
    assert len(attributes) == len(rows.units)
    tree, items = tree_from_instrument(instrument_of(conn, SURVEY))
    design = make_design(rows.weights, strata=rows.strata, fpc=rows.population)
    chains = ancestors(conn)
    member = [chains[u] for u in rows.units]
    out = {}
    for unit, kind, value in domains:
        k = 0 if kind == "channel" else 1
        inside = np.array(
            [
                "in" if unit in chain and a[k] == value else "out"
                for chain, a in zip(member, attributes, strict=True)
            ]
        )
        found = estimate_indices(
            rows.codes, items, tree, design, domain=inside, options=DEFAULT_OPTIONS
        )
        out[unit, kind, value] = {e.variable: e for e in found if e.domain == "in"}
    return out


def _published(
    conn: Connection, domains: list[tuple[str, str, str]]
) -> dict[tuple[str, str, str], FilteredResults | None]:
    snapshot = next(s for s in latest_snapshots(conn) if s.survey_code == SURVEY)
    return {d: read_filtered(conn, snapshot.id, d[0], d[1], d[2]) for d in domains}  # type: ignore[arg-type]


def test_filtered_indices_are_domain_estimates_of_the_rows(fx_published_url: str) -> None:
    engine = make_sync_engine(fx_published_url)
    try:
        with engine.connect() as conn:
            snapshot = next(s for s in latest_snapshots(conn) if s.survey_code == SURVEY)
            fields = [o.code for o in snapshot.summary.filters["field"]]
            channels = [o.code for o in snapshot.summary.filters["channel"]]
            domains = [(COMMUNE, "channel", c) for c in channels]
            domains += [(CITY, "channel", c) for c in channels]
            domains += [(CITY, "field", f) for f in fields[:3]]
            domains += [(COMMUNE, "field", f) for f in fields]
            published = _published(conn, domains)
            reference = _reference(conn, domains)
    finally:
        engine.dispose()
    assert set(channels) <= {"in_person", "online", "postal"}
    compared = 0
    for domain, expected in reference.items():
        found = published[domain]
        if not expected:  # no respondent of the unit there: nothing published
            assert found is None, domain
            continue
        assert found is not None, domain
        card = found.scorecard
        rows = ([card.overall] if card.overall else []) + card.elements + card.items
        assert {r.variable for r in rows} == set(expected), domain
        for r in rows:
            e = expected[r.variable]
            for name in ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff"):
                assert getattr(r, name) == pytest.approx(getattr(e, name), abs=1e-9, rel=1e-9), (
                    domain,
                    r.variable,
                    name,
                )
            assert (r.n, r.df, r.flag) == (e.n, e.df, e.flag), (domain, r.variable)
            compared += 1
    assert compared > 50
    # The filters split the unit: its domains' respondents add up to the unit's.
    commune = [published[(COMMUNE, "channel", c)] for c in channels]
    total = sum(f.scorecard.overall.n for f in commune if f and f.scorecard.overall)
    engine = make_sync_engine(fx_published_url)
    try:
        with engine.connect() as conn:
            whole = read_unit(conn, snapshot.id, COMMUNE)
    finally:
        engine.dispose()
    assert whole is not None
    assert whole.scorecard.overall is not None
    assert total == whole.scorecard.overall.n


def _figure(page: str) -> str:
    found = re.search(r'<p class="big flag-[a-z]+">([^<]+)</p>', page)
    assert found is not None
    return html.unescape(found.group(1))


@pytest.fixture
def fx_reviewer(fx_published_url: str, request: pytest.FixtureRequest) -> Iterator[TestClient]:  # type: ignore[type-arg]
    name = re.sub(r"[^a-z0-9_-]", "-", f"frev-{request.node.name}".lower())[:60]
    password = create_staff(fx_published_url, name, Role.REVIEWER, (COMMUNE,))
    with _client(fx_published_url) as client:
        login(client, name, password)
        yield client


def test_channel_and_field_filters_change_the_page(
    fx_reviewer: TestClient,  # type: ignore[type-arg]
    fx_published_url: str,
) -> None:
    engine = make_sync_engine(fx_published_url)
    try:
        with engine.connect() as conn:
            snapshot = next(s for s in latest_snapshots(conn) if s.survey_code == SURVEY)
            whole = read_unit(conn, snapshot.id, COMMUNE)
            online = read_filtered(conn, snapshot.id, COMMUNE, "channel", "online")
            fields = [
                (f, read_filtered(conn, snapshot.id, COMMUNE, "field", f.code))
                for f in snapshot.summary.filters["field"]
            ]
    finally:
        engine.dispose()
    assert whole is not None
    assert whole.scorecard.overall is not None
    assert online is not None
    assert online.scorecard.overall is not None
    plain = fx_reviewer.get(f"/staff/units/{COMMUNE}")
    assert plain.status_code == 200
    assert _figure(plain.text) == percent(whole.scorecard.overall.estimate, "vi")
    assert '<select id="f-channel" name="channel" aria-describedby="filters-note">' in plain.text
    assert '<option value="online">Trực tuyến</option>' in plain.text

    page = fx_reviewer.get(f"/staff/units/{COMMUNE}?survey={SURVEY}&channel=online&field=")
    assert page.status_code == 200
    assert '<option value="online" selected>Trực tuyến</option>' in page.text
    assert "Đang xem: Kênh nộp hồ sơ: Trực tuyến" in page.text
    overall = online.scorecard.overall
    assert _figure(page.text) == percent(overall.estimate, "vi")
    assert f"<dd>{overall.n}</dd>" in page.text
    assert online.scorecard.overall.n < whole.scorecard.overall.n
    if overall.flag != "ok":
        assert 'class="flag-note' in page.text
    assert "Khoảng xếp hạng" not in page.text  # ranks cover every channel: not shown here

    field, found = next((f, r) for f, r in fields if r is not None and r.scorecard.overall)
    assert found is not None
    assert found.scorecard.overall is not None
    by_field = fx_reviewer.get(f"/staff/units/{COMMUNE}?channel=&field={field.code}")
    assert by_field.status_code == 200
    assert f'<option value="{field.code}" selected>' in by_field.text
    assert _figure(by_field.text) == percent(found.scorecard.overall.estimate, "vi")

    missing = next((f for f, r in fields if r is None), None)
    if missing is not None:  # a field with respondents elsewhere but none in the commune
        empty = fx_reviewer.get(f"/staff/units/{COMMUNE}?field={missing.code}")
        assert empty.status_code == 200
        assert "Đơn vị không có người trả lời thuộc" in empty.text


def test_bad_filter_values_get_a_message(fx_reviewer: TestClient) -> None:  # type: ignore[type-arg]
    for query, message in (
        ("channel=fax", "Không có kênh «fax»"),
        ("field=NO-SUCH-FIELD", "Không có lĩnh vực «NO-SUCH-FIELD»"),
        ("channel=online&field=HOTICH", "Chỉ chọn một bộ lọc"),
        ("channel=%3Cscript%3E", "Không có kênh «&lt;script&gt;»"),
    ):
        page = fx_reviewer.get(f"/staff/units/{COMMUNE}?{query}")
        assert page.status_code == 400, query
        assert message in page.text, query
        assert 'class="big' not in page.text, query
    assert fx_reviewer.get(f"/staff/units/{COMMUNE}?channel={'x' * 65}").status_code == 400
    # Another unit stays out of reach whatever the filter.
    for path in ("/staff/units/HN?channel=online", "/staff/units/HN?channel=fax"):
        assert fx_reviewer.get(path).status_code == 404, path


def test_statistician_previews_a_filter(fx_published_url: str) -> None:
    password = create_staff(fx_published_url, "filter-stat", Role.STATISTICIAN)
    with _client(fx_published_url) as client:
        login(client, "filter-stat", password)
        page = client.get(f"/staff/units/{CITY}?preview=true&channel=in_person")
        assert page.status_code == 200
        assert "CHƯA công bố" in page.text
        assert '<option value="in_person" selected>' in page.text
        published = client.get(f"/staff/units/{CITY}?channel=in_person")
        assert published.status_code == 200
        assert _figure(page.text) == _figure(published.text)


def test_filtered_estimates_download(
    fx_reviewer: TestClient,  # type: ignore[type-arg]
    fx_published_url: str,
) -> None:
    engine = make_sync_engine(fx_published_url)
    try:
        with engine.connect() as conn:
            snapshot = next(s for s in latest_snapshots(conn) if s.survey_code == SURVEY)
            online = read_filtered(conn, snapshot.id, COMMUNE, "channel", "online")
    finally:
        engine.dispose()
    assert online is not None
    assert online.scorecard.overall is not None
    page = fx_reviewer.get(f"/staff/units/{COMMUNE}?channel=online")
    link = f"/staff/exports/{SURVEY}/estimates.csv?unit={COMMUNE}&amp;channel=online"
    assert link in page.text
    reply = fx_reviewer.get(html.unescape(link))
    assert reply.status_code == 200
    assert "estimates-channel-online.csv" in reply.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert {r["unit_code"] for r in rows} == {COMMUNE}
    overall = next(r for r in rows if r["level"] == "overall")
    assert float(overall["estimate"]) == pytest.approx(online.scorecard.overall.estimate, 1e-12)
    assert int(overall["n"]) == online.scorecard.overall.n
    assert overall["flag"] == online.scorecard.overall.flag
    whole = fx_reviewer.get(f"/staff/exports/{SURVEY}/estimates.csv?unit={COMMUNE}")
    assert whole.content != reply.content
    xlsx = fx_reviewer.get(f"/staff/exports/{SURVEY}/estimates.xlsx?field=HOTICH")
    assert xlsx.status_code == 200
    for query in ("channel=fax", "channel=online&field=HOTICH", "field=NO-SUCH-FIELD"):
        bad = fx_reviewer.get(f"/staff/exports/{SURVEY}/estimates.csv?{query}")
        assert bad.status_code == 400, query
    assert (
        fx_reviewer.get(f"/staff/exports/{SURVEY}/estimates.csv?unit=HN&channel=online").status_code
        == 404
    )


def test_snapshot_without_filters_and_every_message_in_both_languages() -> None:
    with pytest.raises(FilterError) as old:
        _check_filter(("channel", "online"), {})  # a snapshot published before the filters
    assert old.value.kind == "not_published"
    _check_filter(None, {})
    _check_filter(("field", "HOTICH"), {"field": [FilterOption(code="HOTICH")]})
    assert _requested(" ", "") is None
    assert _requested("online", None) == ("channel", "online")
    with pytest.raises(FilterError):
        _requested("online", "HOTICH")
    for lang in ("vi", "en"):
        tr = strings(lang)
        for kind in ("both", "unknown_channel", "unknown_field", "not_published"):
            assert tr["filter_error_" + kind].format(value="x")
        for channel in ("in_person", "online", "postal"):
            assert tr["channel_" + channel]
