"""Weights through the CLI on SQLite and PostgreSQL: frame margins reproduced, sets stored,
open-link responses weighted apart, empty cells named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from sampling import Exclusions, decode_design, eligible_dossiers
from survey_service.db.models import (
    Dossier,
    Response,
    ResponseWeight,
    SampleMember,
    Unit,
    WeightSet,
)
from tests.samples.city import (
    DESIGN_FILE,
    SURVEY,
    add_responses,
    count,
    drawn,
    export,
    frame_columns,
    members,
    query,
    run,
    seed_frame,
    soon,
)
from tests.seed import COMMUNE_CODE


@pytest.fixture
def fx_frame(fx_any_backend_url: str, tmp_path: Path) -> str:
    seed_frame(fx_any_backend_url, tmp_path)
    return fx_any_backend_url


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


def _answered(url: str, tmp_path: Path) -> tuple[int, int]:
    """Draw, invite, two in three answer, four others are ineligible, 7 open-link answers.

    Returns the numbers of respondents and of ineligible members.
    """
    drawn(url)
    main = [r for r in members(url) if not r[5]]
    export(url, tmp_path / "inv.csv")
    add_responses(url, [r[0] for k, r in enumerate(main) if k % 3])
    ineligible = [r[1] for k, r in enumerate(main) if k % 3 == 0][:4]
    report = tmp_path / "ne.csv"
    report.write_text(
        "dossier_code,outcome,recorded_at\n"
        + "".join(f"{c},ineligible,{soon()}\n" for c in ineligible)
    )
    assert run(url, "fieldwork", "import", str(report)).exit_code == 0
    add_responses(url, None, open_link_unit=COMMUNE_CODE, n=7)
    return len([k for k in range(len(main)) if k % 3]), len(ineligible)


def test_weights_reproduce_frame_margins_and_are_stored(fx_frame: str, tmp_path: Path) -> None:
    url = fx_frame
    respondents, ineligible = _answered(url, tmp_path)
    result = run(url, "weights", "compute", SURVEY, "--quiet")
    assert result.exit_code == 0, result.output
    assert "raking on unit, channel: converged" in result.output
    assert "Kish deff" in result.output
    assert "non-probability (open link)" in result.output
    sets = query(url, select(WeightSet.id, WeightSet.method).order_by(WeightSet.id))
    assert [m for _, m in sets] == ["probability", "open-link calibration"]
    assert count(url, ResponseWeight) == respondents + 7
    assert f"{respondents:,} respondents weighted" in result.output
    assert f"{ineligible:,} ineligible" in result.output

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


def test_trimmed_weights_keep_each_units_total(fx_frame: str, tmp_path: Path) -> None:
    url = fx_frame
    _answered(url, tmp_path)
    trimmed = run(url, "weights", "compute", SURVEY, "--trim-cap", "1.2", "--quiet")
    assert trimmed.exit_code == 0, trimmed.output
    assert "Trimmed" in trimmed.output
    assert "× median" in trimmed.output
    (set_id,) = query(url, select(WeightSet.id).where(WeightSet.method == "probability"))[0]
    weights = [w for (w,) in query(url, select(ResponseWeight.weight))]
    reached = _weighted_totals(url, set_id)
    for label, total in _frame_counts(url)["unit"].items():
        assert reached["unit"][label] == pytest.approx(total, rel=1e-8)
    shown = run(url, "weights", "show", SURVEY)
    assert shown.exit_code == 0
    assert "trimming at 1.2" in shown.output
    assert min(weights) > 0


def test_weights_name_the_empty_cells_and_store_nothing(fx_frame: str, tmp_path: Path) -> None:
    url = fx_frame
    drawn(url)
    main = [r for r in members(url) if not r[5]]
    add_responses(url, [r[0] for r in main if "postal" not in r[2]])
    result = run(url, "weights", "compute", SURVEY, "--quiet")
    assert result.exit_code == 1
    assert "nonresponse class(s) without respondents" in result.output
    assert "channel=postal" in result.output
    assert count(url, WeightSet) == 0
    assert count(url, ResponseWeight) == 0
