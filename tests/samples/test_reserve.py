"""Releasing the reserve stratum by stratum (CLI and API): drawn order, all or none, and
released members fielded in invitations, rates and weights."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from survey_service.auth import create_api_token
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import SampleMember
from tests.samples.city import SURVEY, drawn, export, members, query, run, seed_frame
from tests.samples.city import client as client_of

BASE = f"/api/surveys/{SURVEY}"


@pytest.fixture
def fx_drawn(fx_database_url: str, tmp_path: Path) -> str:
    seed_frame(fx_database_url, tmp_path)
    drawn(fx_database_url)
    return fx_database_url


def _reserve_by_stratum(url: str) -> dict[str, list[int]]:
    """Reserve member ids per stratum key, in drawn (release) order."""
    strata: dict[str, list[int]] = defaultdict(list)
    for member_id, _, key, _, _, reserve, _, _ in members(url):
        if reserve:
            strata[key].append(member_id)
    return strata


def _linked(url: str) -> set[int]:
    rows = query(url, select(SampleMember.id).where(SampleMember.token_hash.is_not(None)))
    return {int(m) for (m,) in rows}


def test_release_takes_the_next_members_in_drawn_order(fx_drawn: str, tmp_path: Path) -> None:
    url = fx_drawn
    reserve = _reserve_by_stratum(url)
    key = max(reserve, key=lambda k: len(reserve[k]))
    other = next(k for k in reserve if k != key)
    assert len(reserve[key]) >= 2
    shown = run(url, "sample", "reserve", SURVEY)
    assert shown.exit_code == 0, shown.output
    assert key in shown.output
    assert "left" in shown.output

    done = run(url, "sample", "release", SURVEY, "--stratum", key, "1", "--stratum", other, "1")
    assert done.exit_code == 0, done.output
    assert "2 reserve member(s) released now" in done.output
    assert _linked(url) == {reserve[key][0], reserve[other][0]}
    again = run(url, "sample", "release", SURVEY, "--stratum", key, "1")
    assert again.exit_code == 0, again.output
    assert _linked(url) == {reserve[key][0], reserve[key][1], reserve[other][0]}

    # The next export (without --include-reserve) invites the released members and no
    # other reserve member.
    rows = export(url, tmp_path / "inv.csv")
    codes = {r["dossier_code"] for r in rows}
    code_of = {m[0]: m[1] for m in members(url)}
    released = {code_of[m] for m in (reserve[key][0], reserve[key][1], reserve[other][0])}
    waiting = {code_of[m] for ids in reserve.values() for m in ids} - released
    assert not codes & waiting
    assert codes & released  # those with a phone or e-mail are in the CSV

    rates = run(url, "fieldwork", "rates", SURVEY)
    assert rates.exit_code == 0, rates.output
    fielded = sum(1 for m in members(url) if not m[5]) + 3
    assert f"{fielded:,}" in rates.output


def test_release_is_all_or_none(fx_drawn: str) -> None:
    url = fx_drawn
    reserve = _reserve_by_stratum(url)
    key, other = list(reserve)[:2]
    too_many = str(len(reserve[other]) + 1)
    result = run(
        url, "sample", "release", SURVEY, "--stratum", key, "1", "--stratum", other, too_many
    )
    assert result.exit_code == 1
    assert f"not enough reserve left in stratum {other} ({len(reserve[other])} left)" in (
        result.output
    )
    assert "nothing was changed" in result.output
    unknown = run(url, "sample", "release", SURVEY, "--stratum", "unit=NOWHERE", "1")
    assert unknown.exit_code == 1
    assert "no stratum unit=NOWHERE" in unknown.output
    assert _linked(url) == set()
    zero = run(url, "sample", "release", SURVEY, "--stratum", key, "0")
    assert zero.exit_code == 2


def test_release_before_a_draw_is_refused(fx_database_url: str, tmp_path: Path) -> None:
    seed_frame(fx_database_url, tmp_path)
    result = run(fx_database_url, "sample", "release", SURVEY, "--stratum", "x", "1")
    assert result.exit_code == 1
    assert "no drawn sample design" in result.output


def test_api_reserve_and_release(fx_drawn: str) -> None:
    url = fx_drawn
    engine = make_sync_engine(url)
    with engine.begin() as conn:
        auth = {"Authorization": f"Bearer {create_api_token(conn, 'statistician')}"}
    engine.dispose()
    reserve = _reserve_by_stratum(url)
    key = next(iter(reserve))
    with client_of(url) as client:
        before = client.get(f"{BASE}/sample/reserve", headers=auth)
        assert before.status_code == 200, before.text
        stratum = next(s for s in before.json()["strata"] if s["key"] == key)
        assert stratum["remaining"] == stratum["reserve_size"] == len(reserve[key])
        assert stratum["released"] == 0
        body = {"strata": {key: 1}}
        done = client.post(f"{BASE}/sample/reserve/release", json=body, headers=auth)
        assert done.status_code == 200, done.text
        assert done.json()["released"] == 1
        after = next(s for s in done.json()["strata"] if s["key"] == key)
        assert (after["released"], after["remaining"]) == (1, len(reserve[key]) - 1)
        too_many = {"strata": {key: len(reserve[key])}}
        refused = client.post(f"{BASE}/sample/reserve/release", json=too_many, headers=auth)
        assert refused.status_code == 422
        assert "not enough reserve left" in refused.json()["detail"]
        empty = client.post(f"{BASE}/sample/reserve/release", json={"strata": {}}, headers=auth)
        assert empty.status_code == 400
    assert _linked(url) == {reserve[key][0]}
