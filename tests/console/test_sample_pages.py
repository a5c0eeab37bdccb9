"""Designs, preview, draw, fieldwork, invitations and weights through the console pages.

Every figure on a page is checked against the service the console calls, and where cheap
against a count made here from the database.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from sampling import MarginSize, decode_design
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import (
    AuditEntry,
    FieldworkEvent,
    SampleDesign,
    SampleMember,
    WeightSet,
)
from survey_service.features.samples.draw import preview_design
from survey_service.features.samples.invitations import CSV_COLUMNS
from survey_service.features.samples.weight_sets import find_weight_set
from tests.console.conftest import City
from tests.console.html import figure, table, text
from tests.samples.city import (
    DESIGN_FILE,
    DESIGN_NAME,
    SURVEY,
    add_responses,
    count,
    members,
    query,
    run,
    soon,
)
from tests.staff import csrf_token

BASE = f"/staff/console/surveys/{SURVEY}"
SEED = 20251001


UNIT_NAMES = {"X-SOCSON": "Xã Sóc Sơn", "P-HOANKIEM": "Phường Hoàn Kiếm"}
CHANNELS = {"in_person": "trực tiếp", "online": "trực tuyến", "postal": "bưu chính"}


def _label(key: str) -> str:
    """How the pages name a stratum of the test design (unit × channel)."""
    unit, channel = (part.split("=")[1] for part in key.split("|"))
    return f"{UNIT_NAMES[unit]} · {CHANNELS[channel]}"


def _margin(value: float | None) -> str:
    return "–" if value is None else f"±{100 * value:.1f}"


def _add_design(staff: TestClient, body: str, syntax: str = "toml") -> str:  # type: ignore[type-arg]
    reply = staff.post(
        f"{BASE}/designs",
        data={"text": body, "syntax": syntax, "_csrf_token": csrf_token(staff)},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    return str(reply.headers["location"])


def _draw(staff: TestClient, seed: int = SEED) -> str:  # type: ignore[type-arg]
    reply = staff.post(
        f"{BASE}/draw",
        data={"seed": str(seed), "design": DESIGN_NAME, "_csrf_token": csrf_token(staff)},
    )
    assert reply.status_code == 200, reply.text
    return reply.text


def test_design_preview_shows_the_plan_and_draw_stores_the_sample(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    location = _add_design(fx_statistician, DESIGN_FILE.read_text(encoding="utf-8"))
    assert location == f"{BASE}/preview?design={quote(DESIGN_NAME)}"
    page = fx_statistician.get(location)
    assert page.status_code == 200
    engine = make_sync_engine(fx_city.url)
    try:
        plan = preview_design(engine, SURVEY)
    finally:
        engine.dispose()
    assert figure(page.text, "eligible") == f"{plan.eligible:,}"
    assert figure(page.text, "sample-size") == f"{plan.sample_size:,}"
    _header, *strata = table(page.text, "strata")
    assert [row[0] for row in strata] == [_label(s.key) for s in plan.strata]
    for row, s in zip(strata, plan.strata, strict=True):
        expected = [f"{s.population:,}", f"{s.sample_size:,}", f"{s.reserve_size:,}"]
        assert row[1:4] == expected
        assert row[4:] == [f"{s.expected_respondents:,.1f}", _margin(s.margin)]
    _header, *units = table(page.text, "units")
    assert [row[0] for row in units] == ["Phường Hoàn Kiếm P-HOANKIEM", "Xã Sóc Sơn X-SOCSON"]
    assert [row[-1] for row in units] == [_margin(u.margin) for u in plan.units]
    # The chart has a bar per unit, labelled with the unit's name and its margin.
    assert page.text.count('class="chart-bar"') == len(plan.units)
    assert f"±{100 * plan.units[0].margin:.1f}</text>" in page.text  # type: ignore[operator]

    suggested = re.search(r'name="seed"[^>]*value="(\d+)"', page.text)
    assert suggested is not None, "the draw form suggests a fresh seed"
    drawn = _draw(fx_statistician)
    assert 'id="draw-done"' in drawn
    assert f"hạt giống {SEED}" in text(drawn)
    assert 'id="drawn-note"' in drawn
    assert 'id="draw-form"' not in drawn
    ((seed, drawn_at),) = query(fx_city.url, select(SampleDesign.seed, SampleDesign.drawn_at))
    assert seed == SEED
    assert drawn_at is not None
    main = count(fx_city.url, SampleMember)
    assert main == plan.sample_size + plan.reserve_size
    audit = query(fx_city.url, select(AuditEntry.action, AuditEntry.detail))
    (draw_entry,) = [d for a, d in audit if a == "sample.draw"]
    assert draw_entry["seed"] == SEED
    assert draw_entry["done"] is True

    again = fx_statistician.post(
        f"{BASE}/draw",
        data={"seed": "7", "design": DESIGN_NAME, "_csrf_token": csrf_token(fx_statistician)},
    )
    assert again.status_code == 409
    assert "was drawn on" in again.text
    assert count(fx_city.url, SampleMember) == main


def test_a_bad_design_is_a_message_and_stores_nothing(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    token = csrf_token(fx_statistician)
    broken = 'name = "x"\n[size]\nrule = "margin"\nmargin = 7\n'
    reply = fx_statistician.post(
        f"{BASE}/designs", data={"text": broken, "syntax": "toml", "_csrf_token": token}
    )
    assert reply.status_code == 422
    assert "margin" in reply.text
    assert 'role="alert"' in reply.text
    assert "margin = 7" in reply.text, "the text typed is kept for correcting"
    bad_seed = fx_statistician.post(f"{BASE}/draw", data={"seed": "-1", "_csrf_token": token})
    assert bad_seed.status_code in (404, 422)
    assert count(fx_city.url, SampleDesign) == 0


def test_edit_prefills_the_stored_spec_and_saves_a_new_version(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    _add_design(fx_statistician, DESIGN_FILE.read_text(encoding="utf-8"))
    page = fx_statistician.get(f"{BASE}/designs", params={"edit": DESIGN_NAME})
    assert page.status_code == 200
    assert '"margin": 0.15' in html.unescape(page.text)
    example = re.search(r'<pre class="example">(.*?)</pre>', page.text, re.S)
    assert example is not None
    size = decode_design(html.unescape(example.group(1)), syntax="toml").size
    assert isinstance(size, MarginSize)
    assert size.margin == 0.07
    spec = query(fx_city.url, select(SampleDesign.spec))[0][0]
    edited = json.dumps({**spec, "size": {**spec["size"], "margin": 0.2}})
    _add_design(fx_statistician, edited, syntax="json")
    listing = fx_statistician.get(f"{BASE}/designs")
    _header, *rows = table(listing.text, "designs")
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (DESIGN_NAME, "1", "chưa rút"),
        (DESIGN_NAME, "2", "chưa rút"),
    ]


def _fieldwork(url: str, tmp_path: Path) -> tuple[list[tuple[int, str, str]], set[int], set[int]]:
    """Every third main member answers, every fifth other one refused (a gateway report)."""
    main = [(r[0], r[1], r[2]) for r in members(url) if not r[5]]
    answered = {m for k, (m, _, _) in enumerate(main) if k % 3 == 0}
    refused = {m for k, (m, _, _) in enumerate(main) if k % 5 == 1 and m not in answered}
    report = tmp_path / "outcomes.csv"
    report.write_text(
        "dossier_code,outcome,recorded_at\n"
        + "".join(f"{c},refused,{soon()}\n" for m, c, _ in main if m in refused),
        encoding="utf-8",
    )
    assert run(url, "fieldwork", "import", str(report)).exit_code == 0
    add_responses(url, sorted(answered))
    return main, answered, refused


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%"


def test_fieldwork_rates_per_unit_match_a_hand_count_and_invitations_download(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    _add_design(fx_statistician, DESIGN_FILE.read_text(encoding="utf-8"))
    _draw(fx_statistician)
    main, answered, refused = _fieldwork(fx_city.url, tmp_path)
    unit_of = {m: key.split("|")[0].removeprefix("unit=") for m, _, key in main}
    page = fx_statistician.get(f"{BASE}/fieldwork", params={"by": "unit"})
    assert page.status_code == 200
    _header, *rows = table(page.text, "rates")
    shown = {r[0]: r for r in rows}
    names = {"X-SOCSON": "Xã Sóc Sơn", "P-HOANKIEM": "Phường Hoàn Kiếm"}
    for code, name in names.items():
        fielded = [m for m in unit_of if unit_of[m] == code]
        i = len(answered & set(fielded))
        r = len(refused & set(fielded))
        row = shown[name]
        assert row[1:4] == [str(len(fielded)), str(i), "0"]
        assert row[4] == str(r)
        assert row[8] == _share(i, len(fielded))  # RR1: nobody is ineligible here
        assert row[10] == _share(i, i + r)  # COOP1
        assert row[11] == _share(r, len(fielded))  # REF1
    total = shown["Toàn bộ"]
    assert total[1:3] == [str(len(main)), str(len(answered))]
    assert page.text.count('class="chart-bar"') == 2

    by_stratum = fx_statistician.get(f"{BASE}/fieldwork")
    _header, *strata = table(by_stratum.text, "rates")
    assert sorted(r[0] for r in strata[:-1]) == sorted({_label(key) for _, _, key in main})
    assert strata[-1][0] == "Toàn bộ"

    exported = fx_statistician.post(
        f"{BASE}/invitations",
        data={"kind": "csv", "expires_days": "10", "_csrf_token": csrf_token(fx_statistician)},
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(exported.text)))
    assert tuple(lines[0]) == CSV_COLUMNS
    still_open = {c for m, c, _ in main if m not in answered and m not in refused}
    assert {row[0] for row in lines[1:]} <= still_open
    assert len(lines) > 1
    letters = fx_statistician.post(
        f"{BASE}/invitations",
        data={"kind": "letters", "expires_days": "10", "_csrf_token": csrf_token(fx_statistician)},
    )
    assert letters.status_code == 200
    assert letters.headers["content-type"].startswith("text/html")
    assert 'filename="T-2025-Q3-letters.html"' in letters.headers["content-disposition"]
    assert "/t/" in letters.text
    bad_days = fx_statistician.post(
        f"{BASE}/invitations",
        data={"kind": "csv", "expires_days": "0", "_csrf_token": csrf_token(fx_statistician)},
    )
    assert bad_days.status_code == 422
    details = [
        d
        for a, d in query(fx_city.url, select(AuditEntry.action, AuditEntry.detail))
        if a == "invitations.export"
    ]
    assert [d["kind"] for d in details] == ["csv", "letters"]
    assert details[0]["issued"] == len(lines) - 1


def test_weights_compute_and_diagnostics(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    empty = fx_statistician.get(f"{BASE}/weights")
    assert empty.status_code == 200
    assert 'id="no-weights"' in empty.text
    _add_design(fx_statistician, DESIGN_FILE.read_text(encoding="utf-8"))
    _draw(fx_statistician)
    _main, answered, _refused = _fieldwork(fx_city.url, tmp_path)
    token = csrf_token(fx_statistician)
    bad = fx_statistician.post(
        f"{BASE}/weights", data={"calibrate": "unit", "trim_cap": "0.5", "_csrf_token": token}
    )
    assert bad.status_code == 422
    assert count(fx_city.url, WeightSet) == 0
    done = fx_statistician.post(
        f"{BASE}/weights",
        data={"calibrate": ["unit", "channel"], "classes": "stratum", "_csrf_token": token},
    )
    assert done.status_code == 200, done.text
    engine = make_sync_engine(fx_city.url)
    try:
        stored = find_weight_set(engine, SURVEY)
    finally:
        engine.dispose()
    d = stored.diagnostics
    assert d.respondents == len(answered)
    assert figure(done.text, "respondents") == f"{len(answered):,}"
    _header, *rows = table(done.text, "weight-summary")
    shown = {r[0]: r for r in rows}
    for unit in d.units:
        name = {"X-SOCSON": "Xã Sóc Sơn", "P-HOANKIEM": "Phường Hoàn Kiếm"}[unit.unit]
        row = shown[name]
        assert row[1] == f"{unit.n:,}"
        assert row[2] == f"{unit.total:,.1f}"
        assert row[3:5] == [f"{unit.minimum:,.2f}", f"{unit.maximum:,.2f}"]
        assert row[6:] == [f"{unit.cv:,.3f}", f"{unit.deff:,.3f}", f"{unit.n_effective:,.1f}"]
    assert shown["Tất cả"][7] == f"{d.overall.deff:,.3f}"
    convergence = text(done.text)
    assert "Hội tụ Có" in convergence
    assert f"Số vòng lặp {d.calibration.iterations}" in convergence
    again = fx_statistician.get(f"{BASE}/weights")
    assert f"#{stored.id}" in again.text
    _header, *sets = table(again.text, "weight-sets")
    assert [(r[0], r[2], r[3]) for r in sets] == [
        (str(stored.id), "mẫu xác suất · raking", "unit, channel")
    ]
    details = [d for a, d in query(fx_city.url, select(AuditEntry.action, AuditEntry.detail))
               if a == "weights.compute"]  # fmt: skip
    assert [x["done"] for x in details] == [False, True]


@pytest.mark.parametrize("page", ["designs", "fieldwork", "weights", "preview"])
def test_an_unknown_survey_is_404(
    fx_statistician: TestClient,  # type: ignore[type-arg]
    page: str,
) -> None:
    assert fx_statistician.get(f"/staff/console/surveys/NO-SUCH/{page}").status_code == 404


def test_weights_with_bounded_calibration_and_recalibration(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    _add_design(fx_statistician, DESIGN_FILE.read_text(encoding="utf-8"))
    _draw(fx_statistician)
    _fieldwork(fx_city.url, tmp_path)
    token = csrf_token(fx_statistician)
    options = {"calibrate": ["unit", "channel"], "method": "logit", "_csrf_token": token}
    one_bound = fx_statistician.post(f"{BASE}/weights", data={**options, "lower": "0,5"})
    assert one_bound.status_code == 422
    assert "0 ≤ L < 1 < U" in html.unescape(one_bound.text)
    assert count(fx_city.url, WeightSet) == 0
    bounded = {**options, "lower": "0,3", "upper": "3", "trim_cap": "1.5", "recalibrate": "1"}
    done = fx_statistician.post(f"{BASE}/weights", data=bounded)
    assert done.status_code == 200, done.text
    engine = make_sync_engine(fx_city.url)
    try:
        stored = find_weight_set(engine, SURVEY)
    finally:
        engine.dispose()
    assert stored.parameters.method == "logit"
    assert stored.parameters.bounds == [0.3, 3.0]
    cal = stored.diagnostics.calibration
    assert cal.g_min is not None
    assert cal.g_max is not None
    assert figure(done.text, "g-range") == f"{cal.g_min:.4f} – {cal.g_max:.4f} (0.3 … 3)"
    recalibration = stored.diagnostics.recalibration
    assert recalibration is not None
    assert f"Số chu kỳ {recalibration.cycles}" in text(done.text)
    # The form shows the choices made, for the next run.
    assert 'value="logit" checked' in done.text
    assert 'name="recalibrate" value="1" checked' in done.text


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_fieldwork_outcomes_upload_is_all_or_nothing(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    _add_design(fx_statistician, DESIGN_FILE.read_text(encoding="utf-8"))
    _draw(fx_statistician)
    main = [r[1] for r in members(fx_city.url) if not r[5]]
    good = [f"{code},refused,{soon()}" for code in main[:3]]
    bad = ["H99-00000,refused,2025-10-01", f"{main[3]},busy,{soon()}"]
    token = csrf_token(fx_statistician)

    def upload(lines: list[str], **extra: str) -> tuple[int, str]:
        body = "dossier_code,outcome,recorded_at\n" + "\n".join(lines) + "\n"
        reply = fx_statistician.post(
            f"{BASE}/fieldwork/outcomes",
            data={"_csrf_token": token, **extra},
            files={"file": ("outcomes.csv", body.encode(), "text/csv")},
        )
        return reply.status_code, reply.text

    status, page = upload(good + bad)
    assert status == 422
    assert figure(page, "outcomes-imported") == "0"
    _header, *errors = table(page, "outcome-errors")
    assert [(e[0], e[1]) for e in errors] == [("5", "H99-00000"), ("6", main[3])]
    assert "busy" in errors[1][2]
    assert count(fx_city.url, FieldworkEvent) == 0
    status, page = upload(good + bad, skip_bad="1")
    assert status == 200
    assert figure(page, "outcomes-imported") == "3"
    assert count(fx_city.url, FieldworkEvent) == 3
    _header, *rows = table(page, "rates")
    assert rows[-1][0] == "Toàn bộ"
    assert rows[-1][4] == "3"  # R: the three refusals
    status, page = upload(good)
    assert (status, figure(page, "outcomes-duplicates")) == (200, "3")
    assert count(fx_city.url, FieldworkEvent) == 3


def test_reserve_release_per_stratum(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    _add_design(fx_statistician, DESIGN_FILE.read_text(encoding="utf-8"))
    _draw(fx_statistician)
    rows = members(fx_city.url)
    reserve: dict[str, int] = {}
    for _, _, key, _pi, _w, is_reserve, *_rest in rows:
        reserve[key] = reserve.get(key, 0) + int(is_reserve)
    page = fx_statistician.get(f"{BASE}/fieldwork")
    _header, *shown = table(page.text, "reserve")
    assert {r[0]: (r[2], r[3], r[4]) for r in shown} == {
        _label(k): (str(n), "0", str(n)) for k, n in reserve.items()
    }
    key = "unit=X-SOCSON|channel=online"
    released = query(
        fx_city.url,
        select(func.count()).where(
            SampleMember.is_reserve.is_(True), SampleMember.token_hash.is_not(None)
        ),
    )
    assert released == [(0,)]
    token = csrf_token(fx_statistician)
    bad = fx_statistician.post(
        f"{BASE}/reserve", data={f"release:{key}": "x", "_csrf_token": token}
    )
    assert bad.status_code == 422
    too_many = fx_statistician.post(
        f"{BASE}/reserve", data={f"release:{key}": str(reserve[key] + 1), "_csrf_token": token}
    )
    assert too_many.status_code == 422
    assert "not enough reserve" in too_many.text
    done = fx_statistician.post(
        f"{BASE}/reserve", data={f"release:{key}": "2", "_csrf_token": token}
    )
    assert done.status_code == 200, done.text
    assert figure(done.text, "released-done") == "Đã mở 2 người trong mẫu dự phòng."
    _header, *after = table(done.text, "reserve")
    row = next(r for r in after if r[0] == _label(key))
    assert row[3:5] == ["2", str(reserve[key] - 2)]
    released = query(
        fx_city.url,
        select(func.count()).where(
            SampleMember.is_reserve.is_(True), SampleMember.token_hash.is_not(None)
        ),
    )
    assert released == [(2,)]


def test_an_unknown_design_is_a_message_on_the_designs_page(
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    reply = fx_statistician.get(f"{BASE}/preview", params={"design": "Không có"})
    assert reply.status_code == 404
    assert 'role="alert"' in reply.text
    assert "no sample design called 'Không có'" in html.unescape(reply.text)
    assert 'id="design-form"' in reply.text
