"""Samples end to end through the CLI on SQLite and PostgreSQL: design → preview → draw →
invitations → fieldwork → rates → weights, each checked against an independent computation.

More in tests/samples/: the JSON API, reproducibility across databases, bad input.
"""

from __future__ import annotations

import csv
import datetime as dt
import stat
from pathlib import Path

import numpy as np
import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from sampling import Exclusions, decode_design, eligible_dossiers, plan_sample, stratify
from survey_service.app import create_app
from survey_service.config import Settings
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import (
    DossierContact,
    FieldworkEvent,
    Response,
    ResponseWeight,
    SampleDesign,
    SampleMember,
    WeightSet,
)
from survey_service.features.samples.draw import preview_design
from survey_service.features.samples.invitations import CSV_COLUMNS
from survey_service.features.samples.letters import VIETNAM
from survey_service.features.samples.rates import survey_rates
from tests.samples.city import (
    DESIGN_FILE,
    PUBLIC_URL,
    SECRET,
    SURVEY,
    add_responses,
    count,
    execute,
    frame_columns,
    members,
    opt_out,
    query,
    run,
    seed_frame,
)
from tests.seed import COMMUNE_CODE, FULL_ANSWERS


@pytest.fixture
def fx_frame(fx_any_backend_url: str, tmp_path: Path) -> str:
    seed_frame(fx_any_backend_url, tmp_path)
    return fx_any_backend_url


def _drawn(url: str, seed: int = 20251001) -> None:
    added = run(url, "sample", "design", "add", SURVEY, str(DESIGN_FILE))
    assert added.exit_code == 0, added.output
    drawn = run(url, "sample", "draw", SURVEY, "--seed", str(seed), "--quiet")
    assert drawn.exit_code == 0, drawn.output


def _client(url: str) -> TestClient:  # type: ignore[type-arg]
    settings = Settings(
        database_url=url, secret_key=SECRET, environment="test", public_base_url=PUBLIC_URL
    )
    return TestClient(create_app(settings))


def _soon(minutes: int = 1) -> str:
    """A time just after now, as a gateway in Vietnam writes it (no offset)."""
    later = dt.datetime.now(VIETNAM) + dt.timedelta(minutes=minutes)
    return later.strftime("%Y-%m-%d %H:%M:%S")


def _export(url: str, path: Path, *extra: str) -> list[dict[str, str]]:
    result = run(url, "invitations", "export", SURVEY, "--out", str(path), "--quiet", *extra)
    assert result.exit_code == 0, result.output
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_design_versions_and_preview_equal_plan_sample(fx_frame: str) -> None:
    url = fx_frame
    first = run(url, "sample", "design", "add", SURVEY, str(DESIGN_FILE))
    second = run(url, "sample", "design", "add", SURVEY, str(DESIGN_FILE))
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "v1 stored" in first.output
    assert "v2 stored" in second.output

    # The same plan computed here from a plain query and the library alone.
    design = decode_design(DESIGN_FILE.read_bytes(), syntax="toml")
    _, columns = frame_columns(url)
    today = dt.datetime.now(dt.UTC).date()
    keep = eligible_dossiers(
        columns,
        design.population,
        design.exclusions,
        reference_date=today,
        rng=np.random.default_rng(0),
    )
    strata = stratify(columns.unit[keep], columns.channel[keep])
    names, units = np.unique(strata.labels[0], return_inverse=True)
    plan = plan_sample(design, strata.population, units)

    engine = make_sync_engine(url)
    try:
        preview = preview_design(engine, SURVEY)
    finally:
        engine.dispose()
    assert preview.version == 2
    assert preview.eligible == int(keep.sum()) == int(plan.population.sum())
    assert [s.population for s in preview.strata] == plan.population.tolist()
    assert [s.sample_size for s in preview.strata] == plan.sample_size.tolist()
    assert [s.reserve_size for s in preview.strata] == plan.reserve_size.tolist()
    np.testing.assert_allclose(
        np.array([s.expected_respondents for s in preview.strata]),
        plan.expected_respondents,
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        np.array([s.margin for s in preview.strata]), plan.margin, rtol=1e-12
    )
    assert [u.unit for u in preview.units] == names.tolist()
    np.testing.assert_allclose(
        np.array([u.margin for u in preview.units]), plan.unit_margin, rtol=1e-12
    )

    shown = run(url, "sample", "preview", SURVEY, "--quiet")
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    for h, key in enumerate(s.key for s in preview.strata):
        (line,) = [ln for ln in lines if ln.startswith(key + " ")]
        n, reserve = plan.sample_size[h], plan.reserve_size[h]
        expected = f"{plan.expected_respondents[h]:,.1f}"
        assert line.split()[1:5] == [f"{plan.population[h]:,}", f"{n:,}", f"{reserve:,}", expected]
    for u, name in enumerate(names.tolist()):
        (line,) = [ln for ln in lines if ln.startswith(name + " ")]
        assert line.split()[-1] == f"±{100 * plan.unit_margin[u]:.1f}"


def test_draw_stores_probabilities_weights_and_refuses_a_second_draw(fx_frame: str) -> None:
    url = fx_frame
    _drawn(url)
    rows = members(url)
    by_stratum: dict[str, list[tuple[float, float, bool]]] = {}
    for _, _, key, pi, weight, reserve, _population, _size in rows:
        by_stratum.setdefault(key, []).append((pi, weight, reserve))
        assert 0 < pi <= 1
        assert weight == pytest.approx(1 / pi, rel=1e-12)
    for key, drawn in by_stratum.items():
        population, size = next((r[6], r[7]) for r in rows if r[2] == key)
        main = [d for d in drawn if not d[2]]
        reserve = [d for d in drawn if d[2]]
        assert len(main) == size
        assert sum(w for _, w, _ in main) == pytest.approx(population, rel=1e-12)
        assert all(pi == pytest.approx(size / population, rel=1e-12) for pi, _, _ in main)
        # A reserve member's π is that of being drawn into main ∪ reserve.
        share = (size + len(reserve)) / population
        assert all(pi == pytest.approx(share, rel=1e-12) for pi, _, _ in reserve)
    assert any(r[5] for r in rows), "the design asks for a reserve"
    ((seed, library, drawn_at),) = query(
        url, select(SampleDesign.seed, SampleDesign.library_version, SampleDesign.drawn_at)
    )
    assert (seed, library) == (20251001, "survey-service 0.1.0")
    assert drawn_at is not None

    again = run(url, "sample", "draw", SURVEY, "--seed", "1", "--quiet")
    assert again.exit_code == 1
    assert "was drawn on" in again.output
    assert "nothing was changed" in again.output
    assert count(url, SampleMember) == len(rows)


def test_invitation_links_open_the_questionnaire_and_skip_opted_out(
    fx_frame: str, tmp_path: Path
) -> None:
    url = fx_frame
    _drawn(url)
    main = [r for r in members(url) if not r[5]]
    opted, silent = [r[1] for r in main[:3]], main[3][1]
    opt_out(url, opted)
    silent_id = query(url, select(SampleMember.dossier_id).where(SampleMember.id == main[3][0]))
    execute(
        url,
        update(DossierContact)
        .where(DossierContact.dossier_id == silent_id[0][0])
        .values(phone=None, email=None),
    )
    path, letters = tmp_path / "invitations.csv", tmp_path / "letters.html"
    rows = _export(url, path, "--letters", str(letters))
    assert list(rows[0]) == list(CSV_COLUMNS)
    listed = {r["dossier_code"] for r in rows}
    assert listed == {r[1] for r in main} - set(opted) - {silent}
    assert all(r["phone"] or r["email"] for r in rows)
    assert all(r["link"].startswith(f"{PUBLIC_URL}/t/") for r in rows)
    assert all(r["expires_at"].endswith("23:59:59+07:00") for r in rows)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    page = letters.read_text(encoding="utf-8")
    assert page.count('<article class="letter">') == len(main) - len(opted)
    assert "@page { size: A4 portrait" in page
    assert "THƯ MỜI THAM GIA KHẢO SÁT" in page
    assert page.count("<svg") == len(main) - len(opted)

    with _client(url) as client:
        for row in rows[:3]:
            assert client.get(row["link"].removeprefix(PUBLIC_URL)).status_code == 200
        again = _export(url, tmp_path / "again.csv", "--include-reserve")
        reserve = [r for r in members(url) if r[5]]
        assert len(again) == len(rows) + len(reserve)
        # Only hashes are kept: the new export replaced the old links.
        assert client.get(rows[0]["link"].removeprefix(PUBLIC_URL)).status_code == 404
        assert client.get(again[0]["link"].removeprefix(PUBLIC_URL)).status_code == 200


def _outcome_plan(main: list[tuple[int, str, str]]) -> dict[int, str]:
    cycle = ["refused", "non_contact", "ineligible", None, "responded"]
    return {m: o for k, (m, _, _) in enumerate(main) if (o := cycle[k % 5]) is not None}


def test_fieldwork_import_is_all_or_nothing_and_rates_match_a_hand_count(
    fx_frame: str, tmp_path: Path
) -> None:
    url = fx_frame
    _drawn(url)
    main = [(r[0], r[1], r[2]) for r in members(url) if not r[5]]
    links = {r["dossier_code"]: r["link"] for r in _export(url, tmp_path / "inv.csv")}
    planned = _outcome_plan(main)
    code_of = {m: c for m, c, _ in main}
    good = [f"{code_of[m]},{o},{_soon()}" for m, o in planned.items()]
    bad_file = tmp_path / "bad.csv"
    bad_file.write_text(
        "dossier_code,outcome,recorded_at\n"
        + "\n".join([*good[:4], "H99-00000,refused,2025-10-01", f"{main[0][1]},busy,{_soon()}"])
        + f"\n{main[1][1]},refused,someday\n",
        encoding="utf-8",
    )
    events = count(url, FieldworkEvent)
    refused = run(url, "fieldwork", "import", str(bad_file))
    assert refused.exit_code == 1
    assert "nothing was imported" in refused.output
    assert (
        f"{bad_file}:6: H99-00000: dossier 'H99-00000' is not in a drawn sample" in refused.output
    )
    assert f"{bad_file}:7:" in refused.output
    assert "unknown outcome 'busy'" in refused.output
    assert f"{bad_file}:8:" in refused.output
    assert "not an ISO 8601" in refused.output
    assert count(url, FieldworkEvent) == events

    good_file = tmp_path / "good.csv"
    good_file.write_text("dossier_code;outcome;recorded_at\n" + "\n".join(good).replace(",", ";"))
    done = run(url, "fieldwork", "import", str(good_file))
    assert done.exit_code == 0, done.output
    assert f"{len(good)} outcomes recorded" in done.output
    assert "0 outcomes recorded" in run(url, "fieldwork", "import", str(good_file)).output

    # One member answers on the web; a later gateway report does not undo the response.
    web = next(m for k, (m, _, _) in enumerate(main) if k % 5 == 3)
    with _client(url) as client:
        answered = client.post(
            links[code_of[web]].removeprefix(PUBLIC_URL),
            data={**FULL_ANSWERS, "_lang": "vi", "_key": "w" * 16},
            follow_redirects=False,
        )
        assert answered.status_code == 303, answered.text
    late = tmp_path / "late.csv"
    late.write_text(f"dossier_code,outcome,recorded_at\n{code_of[web]},non_contact,{_soon(2)}\n")
    assert run(url, "fieldwork", "import", str(late)).exit_code == 0
    planned[web] = "responded"

    engine = make_sync_engine(url)
    try:
        rates = survey_rates(engine, SURVEY)
    finally:
        engine.dispose()
    for group in rates.groups:
        outcomes = [planned.get(m, "invited") for m, _, key in main if key == group.group]
        i, r = outcomes.count("responded"), outcomes.count("refused")
        nc, ne = outcomes.count("non_contact"), outcomes.count("ineligible")
        uo = outcomes.count("invited")
        counted = (group.I, group.R, group.NC, group.NE, group.UO)
        assert counted == (i, r, nc, ne, uo)
        e = (i + r + nc) / (i + r + nc + ne)  # AAPOR's e from the cases of known eligibility
        by_hand = [
            i / (i + r + nc + uo),  # RR1
            i / (i + r + nc + e * uo),  # RR3
            i / (i + r),  # COOP1
            r / (i + r + nc + uo),  # REF1
            (i + r) / (i + r + nc + uo),  # CON1
        ]
        reported = [group.RR1, group.RR3, group.COOP1, group.REF1, group.CON1]
        assert reported == pytest.approx(by_hand, rel=1e-12)
    assert rates.total.fielded == len(main)
    shown = run(url, "fieldwork", "rates", SURVEY, "--by", "unit")
    assert shown.exit_code == 0, shown.output
    assert "RR1: I / (I + P + R + NC + O + UH + UO)" in shown.output
    assert COMMUNE_CODE in shown.output


def _frame_counts(url: str) -> dict[str, dict[str, float]]:
    """Frame counts by unit and channel: one (latest) dossier per person, no exclusions."""
    _, columns = frame_columns(url)
    rule = Exclusions(no_contact=False, opted_out=False, one_per_person="latest")
    design = decode_design(DESIGN_FILE.read_bytes(), syntax="toml")
    keep = eligible_dossiers(
        columns,
        design.population,
        rule,
        reference_date=dt.date.today(),
        rng=np.random.default_rng(0),
    )
    counts: dict[str, dict[str, float]] = {}
    for name, values in (("unit", columns.unit), ("channel", columns.channel)):
        labels, n = np.unique(values[keep], return_counts=True)
        counts[name] = dict(zip(labels.tolist(), n.astype(float).tolist(), strict=True))
    return counts


def _weighted_totals(url: str, set_id: int) -> dict[str, dict[str, float]]:
    from survey_service.db.models import Dossier, Unit

    rows = query(
        url,
        select(Unit.code, Dossier.channel, ResponseWeight.weight)
        .join(Response, Response.id == ResponseWeight.response_id)
        .join(SampleMember, SampleMember.id == Response.sample_member_id)
        .join(Dossier, Dossier.id == SampleMember.dossier_id)
        .join(Unit, Unit.id == Dossier.unit_id)
        .where(ResponseWeight.weight_set_id == set_id),
    )
    totals: dict[str, dict[str, float]] = {"unit": {}, "channel": {}}
    for unit, channel, weight in rows:
        totals["unit"][unit] = totals["unit"].get(unit, 0.0) + weight
        totals["channel"][str(channel)] = totals["channel"].get(str(channel), 0.0) + weight
    return totals


def test_weights_reproduce_frame_margins_and_are_stored(fx_frame: str, tmp_path: Path) -> None:
    url = fx_frame
    _drawn(url)
    main = [r for r in members(url) if not r[5]]
    _export(url, tmp_path / "inv.csv")
    add_responses(url, [r[0] for k, r in enumerate(main) if k % 3])
    ineligible = [r[1] for k, r in enumerate(main) if k % 3 == 0][:4]
    report = tmp_path / "ne.csv"
    report.write_text(
        "dossier_code,outcome,recorded_at\n"
        + "".join(f"{c},ineligible,{_soon()}\n" for c in ineligible)
    )
    assert run(url, "fieldwork", "import", str(report)).exit_code == 0
    add_responses(url, None, open_link_unit=COMMUNE_CODE, n=7)

    result = run(url, "weights", "compute", SURVEY, "--quiet")
    assert result.exit_code == 0, result.output
    assert "raking on unit, channel: converged" in result.output
    assert "Kish deff" in result.output
    assert "non-probability (open link)" in result.output
    sets = query(url, select(WeightSet.id, WeightSet.method).order_by(WeightSet.id))
    assert [m for _, m in sets] == ["probability", "open-link calibration"]
    respondents = len([k for k in range(len(main)) if k % 3])
    assert count(url, ResponseWeight) == respondents + 7
    assert f"{respondents:,} respondents weighted" in result.output
    assert f"{len(ineligible):,} ineligible" in result.output

    frame = _frame_counts(url)
    reached = _weighted_totals(url, sets[0][0])
    for name in ("unit", "channel"):
        assert set(reached[name]) == set(frame[name])
        for label, total in frame[name].items():
            assert reached[name][label] == pytest.approx(total, rel=1e-8)
    open_weights = query(
        url, select(ResponseWeight.weight).where(ResponseWeight.weight_set_id == sets[1][0])
    )
    assert sum(w for (w,) in open_weights) == pytest.approx(frame["unit"][COMMUNE_CODE], rel=1e-8)

    trimmed = run(url, "weights", "compute", SURVEY, "--trim-cap", "1.2", "--quiet")
    assert trimmed.exit_code == 0, trimmed.output
    assert "Trimmed" in trimmed.output
    assert "× median" in trimmed.output
    last = query(url, select(WeightSet.id).where(WeightSet.method == "probability"))[-1][0]
    reached = _weighted_totals(url, last)
    for label, total in frame["unit"].items():  # trimming keeps each unit's total
        assert reached["unit"][label] == pytest.approx(total, rel=1e-8)
    shown = run(url, "weights", "show", SURVEY)
    assert shown.exit_code == 0
    assert "trimming at 1.2" in shown.output


def test_weights_name_the_empty_cells_and_store_nothing(fx_frame: str, tmp_path: Path) -> None:
    url = fx_frame
    _drawn(url)
    main = [r for r in members(url) if not r[5]]
    add_responses(url, [r[0] for r in main if "postal" not in r[2]])
    result = run(url, "weights", "compute", SURVEY, "--quiet")
    assert result.exit_code == 1
    assert "nonresponse class(s) without respondents" in result.output
    assert "channel=postal" in result.output
    assert count(url, WeightSet) == 0
    assert count(url, ResponseWeight) == 0
