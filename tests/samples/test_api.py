"""The samples JSON API end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec
from litestar.testing import TestClient

from sampling import decode_design
from survey_service.auth import create_api_token
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import FieldworkEvent, SampleDesign, WeightSet
from survey_service.features.samples.draw import preview_design
from survey_service.features.samples.letters import VIETNAM
from tests.samples.city import (
    DESIGN_FILE,
    SURVEY,
    add_responses,
    count,
    members,
    seed_frame,
)
from tests.samples.city import client as client_of

BASE = f"/api/surveys/{SURVEY}"


def _token(url: str) -> dict[str, str]:
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            return {"Authorization": f"Bearer {create_api_token(conn, 'statistician')}"}
    finally:
        engine.dispose()


def _design() -> dict[str, Any]:
    design = decode_design(DESIGN_FILE.read_bytes(), syntax="toml")
    result: dict[str, Any] = msgspec.to_builtins(design)
    return result


def _preview(url: str) -> Any:
    engine = make_sync_engine(url)
    try:
        return msgspec.json.decode(msgspec.json.encode(preview_design(engine, SURVEY)))
    finally:
        engine.dispose()


def _soon() -> str:
    return (dt.datetime.now(VIETNAM) + dt.timedelta(minutes=1)).isoformat(timespec="seconds")


def _designs_and_draw(client: TestClient, url: str, auth: dict[str, str]) -> None:  # type: ignore[type-arg]
    design = _design()
    assert client.post(f"{BASE}/designs", json=design).status_code == 401
    first = client.post(f"{BASE}/designs", json=design, headers=auth)
    assert first.status_code == 201, first.text
    assert first.json()["version"] == 1
    assert client.post(f"{BASE}/designs", json=design, headers=auth).json()["version"] == 2
    bad = client.post(
        f"{BASE}/designs", json={**design, "size": {"rule": "margin", "margin": 2}}, headers=auth
    )
    assert bad.status_code == 400
    assert "size.margin" in bad.text
    unknown = client.post(f"{BASE}/designs", json={**design, "colour": "red"}, headers=auth)
    assert unknown.status_code == 400
    missing = client.post("/api/surveys/NOPE/designs", json=design, headers=auth)
    assert missing.status_code == 404
    assert "no survey with code 'NOPE'" in missing.text
    assert count(url, SampleDesign) == 2
    listed = client.get(f"{BASE}/designs", headers=auth).json()
    assert [(d["version"], d["drawn_at"]) for d in listed] == [(1, None), (2, None)]

    preview = client.get(f"{BASE}/sample/preview", headers=auth)
    assert preview.status_code == 200, preview.text
    assert preview.json() == _preview(url)
    drawn = client.post(f"{BASE}/sample/draw", json={"seed": 7}, headers=auth)
    assert drawn.status_code == 201, drawn.text
    assert drawn.json()["version"] == 2
    again = client.post(f"{BASE}/sample/draw", json={"seed": 8}, headers=auth)
    assert again.status_code == 409
    assert "drawn on" in again.json()["detail"]
    extra = client.post(f"{BASE}/sample/draw", json={"seed": 8, "now": 1}, headers=auth)
    assert extra.status_code == 400


def _fieldwork(client: TestClient, url: str, auth: dict[str, str]) -> list[Any]:  # type: ignore[type-arg]
    main = [r for r in members(url) if not r[5]]
    good = [{"dossier_code": r[1], "outcome": "refused", "recorded_at": _soon()} for r in main[:10]]
    bad = [
        {"dossier_code": "H99-99999", "outcome": "refused", "recorded_at": _soon()},
        {"dossier_code": main[11][1], "outcome": "maybe", "recorded_at": _soon()},
    ]
    refused = client.post(f"{BASE}/fieldwork", json=good + bad, headers=auth)
    assert refused.status_code == 422
    body = refused.json()
    assert body["committed"] is False
    assert [e["line"] for e in body["errors"]] == [11, 12]
    assert count(url, FieldworkEvent) == 0
    done = client.post(f"{BASE}/fieldwork?skip_bad=true", json=good + bad, headers=auth)
    assert done.status_code == 200
    assert done.json()["imported"] == 10
    rates = client.get(f"{BASE}/fieldwork/rates?by=unit", headers=auth)
    assert rates.status_code == 200
    assert rates.json()["total"]["R"] == 10
    assert "RR1" in rates.json()["formulas"]
    return main


def test_api_from_design_to_weights(fx_any_backend_url: str, tmp_path: Path) -> None:
    url = fx_any_backend_url
    seed_frame(url, tmp_path)
    auth = _token(url)
    with client_of(url) as client:
        _designs_and_draw(client, url, auth)
        main = _fieldwork(client, url, auth)
        early = client.post(f"{BASE}/weights", json={}, headers=auth)
        assert early.status_code == 422
        assert "no responses yet" in early.json()["detail"]
        add_responses(url, [r[0] for k, r in enumerate(main) if k % 2])
        wrong = client.post(f"{BASE}/weights", json={"calibrate": ["age"]}, headers=auth)
        assert wrong.status_code == 400
        weights = client.post(f"{BASE}/weights", json={"calibrate": ["unit"]}, headers=auth)
        assert weights.status_code == 201, weights.text
        stored = weights.json()["probability"]
        assert weights.json()["open_link"] is None
        assert stored["diagnostics"]["calibration"]["method"] == "poststratification"
        assert stored["diagnostics"]["margin_errors"]["unit"] < 1e-8
        assert stored["diagnostics"]["overall"]["n"] == len(main) // 2
        latest = client.get(f"{BASE}/weights", headers=auth)
        assert latest.json() == stored
        assert client.get(f"{BASE}/weights/{stored['id']}", headers=auth).json() == stored
        assert client.get(f"{BASE}/weights/999999", headers=auth).status_code == 404
    assert count(url, WeightSet) == 1
