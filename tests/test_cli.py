"""The survey-service command: help on every command, migrations from the CLI."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from survey_service.cli import main
from survey_service.db.migrate import head_revision


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "Citizen-satisfaction surveys"),
        (["serve"], "Serve the web app"),
        (["db"], "Database migrations"),
        (["db", "upgrade"], "Upgrade the database"),
        (["db", "downgrade"], "Downgrade the database"),
        (["db", "current"], "Show the database's revision"),
        (["demo"], "simulated city"),
    ],
)
def test_every_command_has_help(args: list[str], needle: str) -> None:
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0
    assert needle in result.output


def test_db_commands_on_a_fresh_sqlite_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SURVEY_DATABASE_URL", raising=False)
    runner = CliRunner()
    before = runner.invoke(main, ["db", "current"])
    assert before.exit_code == 0
    assert "base (empty)" in before.output
    up = runner.invoke(main, ["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert f"database at {head_revision()}" in up.output
    assert (tmp_path / "survey.db").exists()
    down = runner.invoke(main, ["db", "downgrade", "base"])
    assert down.exit_code == 0
    assert "database at base" in down.output


def test_production_without_settings_is_a_clear_error(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.delenv("SURVEY_DATABASE_URL", raising=False)
    monkeypatch.delenv("SURVEY_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 1
    assert "missing: SURVEY_SECRET_KEY, SURVEY_DATABASE_URL" in result.output
