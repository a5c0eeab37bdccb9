"""Samples end to end through the CLI on SQLite and PostgreSQL: design → preview → draw →
invitations → fieldwork → rates, each checked against an independent computation.

More in tests/samples/: weights, the JSON API, reproducibility across databases, bad input.
"""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import select, update

from sampling import SamplePlan, decode_design, eligible_dossiers, plan_sample, stratify
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import DossierContact, FieldworkEvent, SampleDesign, SampleMember
from survey_service.features.samples.draw import preview_design
from survey_service.features.samples.invitations import CSV_COLUMNS
from survey_service.features.samples.rates import survey_rates
from tests.samples.city import (
    DESIGN_FILE,
    PUBLIC_URL,
    SURVEY,
    client,
    count,
    drawn,
    execute,
    export,
    frame_columns,
    members,
    opt_out,
    query,
    run,
    seed_frame,
    soon,
)
from tests.seed import COMMUNE_CODE, FULL_ANSWERS


@pytest.fixture
def fx_frame(fx_any_backend_url: str, tmp_path: Path) -> str:
    seed_frame(fx_any_backend_url, tmp_path)
    return fx_any_backend_url


def _independent_plan(url: str) -> tuple[NDArray[np.str_], SamplePlan, int]:
    """The plan computed from a plain query of the frame and the library alone."""
    design = decode_design(DESIGN_FILE.read_bytes(), syntax="toml")
    _, columns = frame_columns(url)
    keep = eligible_dossiers(
        columns,
        design.population,
        design.exclusions,
        reference_date=dt.datetime.now(dt.UTC).date(),
        rng=np.random.default_rng(0),
    )
    strata = stratify(columns.unit[keep], columns.channel[keep])
    names, units = np.unique(strata.labels[0], return_inverse=True)
    return names, plan_sample(design, strata.population, units), int(keep.sum())


def _check_preview_table(
    output: str, keys: list[str], names: NDArray[np.str_], plan: SamplePlan
) -> None:
    lines = output.splitlines()
    for h, key in enumerate(keys):
        (line,) = [ln for ln in lines if ln.startswith(key + " ")]
        n, reserve = plan.sample_size[h], plan.reserve_size[h]
        expected = f"{plan.expected_respondents[h]:,.1f}"
        assert line.split()[1:5] == [f"{plan.population[h]:,}", f"{n:,}", f"{reserve:,}", expected]
    for u, name in enumerate(names.tolist()):
        (line,) = [ln for ln in lines if ln.startswith(name + " ")]
        assert line.split()[-1] == f"±{100 * plan.unit_margin[u]:.1f}"


def test_design_versions_and_preview_equal_plan_sample(fx_frame: str) -> None:
    url = fx_frame
    first = run(url, "sample", "design", "add", SURVEY, str(DESIGN_FILE))
    second = run(url, "sample", "design", "add", SURVEY, str(DESIGN_FILE))
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "v1 stored" in first.output
    assert "v2 stored" in second.output

    names, plan, eligible = _independent_plan(url)
    engine = make_sync_engine(url)
    try:
        preview = preview_design(engine, SURVEY)
    finally:
        engine.dispose()
    assert preview.version == 2
    assert preview.eligible == eligible == int(plan.population.sum())
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
    _check_preview_table(shown.output, [s.key for s in preview.strata], names, plan)


def test_draw_stores_probabilities_weights_and_refuses_a_second_draw(fx_frame: str) -> None:
    url = fx_frame
    drawn(url)
    rows = members(url)
    by_stratum: dict[str, list[tuple[float, float, bool]]] = {}
    for _, _, key, pi, weight, reserve, _population, _size in rows:
        by_stratum.setdefault(key, []).append((pi, weight, reserve))
        assert 0 < pi <= 1
        assert weight == pytest.approx(1 / pi, rel=1e-12)
    for key, selected in by_stratum.items():
        population, size = next((r[6], r[7]) for r in rows if r[2] == key)
        main = [d for d in selected if not d[2]]
        reserve = [d for d in selected if d[2]]
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
    drawn(url)
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
    rows = export(url, path, "--letters", str(letters))
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

    with client(url) as browser:
        for row in rows[:3]:
            assert browser.get(row["link"].removeprefix(PUBLIC_URL)).status_code == 200
        again = export(url, tmp_path / "again.csv", "--include-reserve")
        reserve = [r for r in members(url) if r[5]]
        assert len(again) == len(rows) + len(reserve)
        # Only hashes are kept: the new export replaced the old links.
        assert browser.get(rows[0]["link"].removeprefix(PUBLIC_URL)).status_code == 404
        assert browser.get(again[0]["link"].removeprefix(PUBLIC_URL)).status_code == 200


def _outcome_plan(main: list[tuple[int, str, str]]) -> dict[int, str]:
    cycle = ["refused", "non_contact", "ineligible", None, "responded"]
    return {m: o for k, (m, _, _) in enumerate(main) if (o := cycle[k % 5]) is not None}


def _bad_rows_import_nothing(
    url: str, tmp_path: Path, good: list[str], main: list[tuple[int, str, str]]
) -> None:
    bad_file = tmp_path / "bad.csv"
    bad_file.write_text(
        "dossier_code,outcome,recorded_at\n"
        + "\n".join([*good[:4], "H99-00000,refused,2025-10-01", f"{main[0][1]},busy,{soon()}"])
        + f"\n{main[1][1]},refused,someday\n",
        encoding="utf-8",
    )
    events = count(url, FieldworkEvent)
    refused = run(url, "fieldwork", "import", str(bad_file))
    assert refused.exit_code == 1
    assert "nothing was imported" in refused.output
    expected = f"{bad_file}:6: H99-00000: dossier 'H99-00000' is not in a drawn sample"
    assert expected in refused.output
    assert f"{bad_file}:7: {main[0][1]}: unknown outcome 'busy'" in refused.output
    assert f"{bad_file}:8: {main[1][1]}: recorded_at 'someday' is not an ISO" in refused.output
    assert count(url, FieldworkEvent) == events


def _check_rates(url: str, main: list[tuple[int, str, str]], planned: dict[int, str]) -> None:
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


def test_fieldwork_import_is_all_or_nothing_and_rates_match_a_hand_count(
    fx_frame: str, tmp_path: Path
) -> None:
    url = fx_frame
    drawn(url)
    main = [(r[0], r[1], r[2]) for r in members(url) if not r[5]]
    links = {r["dossier_code"]: r["link"] for r in export(url, tmp_path / "inv.csv")}
    planned = _outcome_plan(main)
    code_of = {m: c for m, c, _ in main}
    good = [f"{code_of[m]},{o},{soon()}" for m, o in planned.items()]
    _bad_rows_import_nothing(url, tmp_path, good, main)

    good_file = tmp_path / "good.csv"
    good_file.write_text("dossier_code;outcome;recorded_at\n" + "\n".join(good).replace(",", ";"))
    done = run(url, "fieldwork", "import", str(good_file))
    assert done.exit_code == 0, done.output
    assert f"{len(good)} outcomes recorded" in done.output
    assert "0 outcomes recorded" in run(url, "fieldwork", "import", str(good_file)).output

    # One member answers on the web; a later gateway report does not undo the response.
    web = next(m for k, (m, _, _) in enumerate(main) if k % 5 == 3)
    with client(url) as browser:
        answered = browser.post(
            links[code_of[web]].removeprefix(PUBLIC_URL),
            data={**FULL_ANSWERS, "_lang": "vi", "_key": "w" * 16},
            follow_redirects=False,
        )
        assert answered.status_code == 303, answered.text
    late = tmp_path / "late.csv"
    late.write_text(f"dossier_code,outcome,recorded_at\n{code_of[web]},non_contact,{soon(2)}\n")
    assert run(url, "fieldwork", "import", str(late)).exit_code == 0
    planned[web] = "responded"
    _check_rates(url, main, planned)

    shown = run(url, "fieldwork", "rates", SURVEY, "--by", "unit")
    assert shown.exit_code == 0, shown.output
    assert "RR1: I / (I + P + R + NC + O + UH + UO)" in shown.output
    assert COMMUNE_CODE in shown.output
