"""Which design a command means: the last one stored, or the newest version of a name."""

from __future__ import annotations

from pathlib import Path

from tests.samples.city import DESIGN_FILE, DESIGN_NAME, SURVEY, run, seed_frame


def test_default_design_is_the_last_stored_and_list_shows_every_version(
    fx_database_url: str, tmp_path: Path
) -> None:
    url = fx_database_url
    seed_frame(url, tmp_path, n=300)
    other = tmp_path / "other.toml"
    other.write_text(
        DESIGN_FILE.read_text(encoding="utf-8").replace(DESIGN_NAME, "Khác"), encoding="utf-8"
    )
    for path in (DESIGN_FILE, DESIGN_FILE, other):
        assert run(url, "sample", "design", "add", SURVEY, str(path)).exit_code == 0
    assert 'Design "Khác" v1' in run(url, "sample", "preview", SURVEY, "--quiet").output
    named = run(url, "sample", "preview", SURVEY, "--design", DESIGN_NAME, "--quiet")
    assert f'Design "{DESIGN_NAME}" v2' in named.output
    drawn = run(url, "sample", "draw", SURVEY, "--design", DESIGN_NAME, "--seed", "20251001")
    assert drawn.exit_code == 0, drawn.output
    listed = run(url, "sample", "design", "list", SURVEY).output.splitlines()
    assert [line.split()[-1] for line in listed[2:]] == ["—", "20251001", "—"]
    assert "version" in listed[0]
    # Invitations, rates and weights follow the drawn design, not the newest one.
    rates = run(url, "fieldwork", "rates", SURVEY)
    assert f'design "{DESIGN_NAME}" v2' in rates.output
