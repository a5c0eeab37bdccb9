"""Settings: safe local defaults, a kept local secret, strict production mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_service.config import SECRET_FILE_NAME, load_settings
from survey_service.errors import ConfigurationError


def test_local_defaults_use_sqlite_in_working_directory(tmp_path: Path) -> None:
    settings = load_settings({}, workdir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'survey.db'}"
    assert settings.environment == "development"
    assert settings.is_sqlite


def test_local_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({}, workdir=tmp_path).secret_key
    second = load_settings({}, workdir=tmp_path).secret_key
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / SECRET_FILE_NAME).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({}, "SURVEY_SECRET_KEY, SURVEY_DATABASE_URL"),
        ({"SURVEY_SECRET_KEY": "s" * 40}, "SURVEY_DATABASE_URL"),
        ({"SURVEY_DATABASE_URL": "postgresql://db/x"}, "SURVEY_SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_and_names_what_is_missing(
    tmp_path: Path, environ: dict[str, str], missing: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"missing: {missing}$"):
        load_settings({"SURVEY_ENV": "production", **environ}, workdir=tmp_path)
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_production_with_explicit_settings(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SURVEY_ENV": "production",
            "SURVEY_SECRET_KEY": "k" * 40,
            "SURVEY_DATABASE_URL": "postgresql://db.example/survey",
        },
        workdir=tmp_path,
    )
    assert settings.secret_key == "k" * 40
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SURVEY_ENV": "staging"}, "SURVEY_ENV must be"),
        ({"SURVEY_PORT": "eighty"}, "SURVEY_PORT must be a whole number"),
    ],
)
def test_malformed_settings_are_named(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings(environ, workdir=tmp_path)
