"""Versions: publishing freezes; a version with responses never changes; edits are new versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from instruments import parse_definition
from survey_service.cli import main
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import InstrumentVersion
from survey_service.features.instruments.registry import VersionFrozenError, register_instrument

SOURCE = (Path(__file__).parents[2] / "instruments/definitions/short-post-result/1.toml").read_text(
    encoding="utf-8"
)
EDITED = SOURCE.replace("Tiếp cận dịch vụ", "Tiếp cận dịch vụ hành chính công")


def test_draft_can_change_published_cannot(fx_database_url: str) -> None:
    engine = make_sync_engine(fx_database_url)
    with engine.begin() as conn:
        draft = register_instrument(conn, parse_definition(SOURCE), SOURCE, publish=False)
        same = register_instrument(conn, parse_definition(EDITED), EDITED, publish=False)
        assert same == draft  # a draft is edited in place
        assert register_instrument(conn, parse_definition(EDITED), EDITED) == draft  # publish
        with pytest.raises(VersionFrozenError, match=r"is published .* \(version = 2\)"):
            register_instrument(conn, parse_definition(SOURCE), SOURCE)
        bumped = SOURCE.replace("version = 1", "version = 2")
        second = register_instrument(conn, parse_definition(bumped), bumped)
        versions = conn.execute(
            select(InstrumentVersion.version, InstrumentVersion.status).order_by(
                InstrumentVersion.version
            )
        ).all()
    engine.dispose()
    assert second != draft
    assert [(v, s.value) for v, s in versions] == [(1, "published"), (2, "published")]


def test_cli_import_refuses_to_change_a_published_version(
    fx_database_url: str, tmp_path: Path
) -> None:
    first = tmp_path / "v1.toml"
    first.write_text(SOURCE, encoding="utf-8")
    edited = tmp_path / "v1-edited.toml"
    edited.write_text(EDITED, encoding="utf-8")
    env = {"SURVEY_DATABASE_URL": fx_database_url}
    ok = CliRunner().invoke(main, ["instruments", "import", str(first)], env=env)
    assert ok.exit_code == 0, ok.output
    assert "short-post-result version 1: published" in ok.output
    refused = CliRunner().invoke(main, ["instruments", "import", str(edited)], env=env)
    assert refused.exit_code == 1
    assert "cannot change" in refused.output
    broken = tmp_path / "broken.toml"
    broken.write_text(SOURCE.replace('scale = "sat5"', 'scale = "sat9"', 1), encoding="utf-8")
    bad = CliRunner().invoke(main, ["instruments", "import", str(broken)], env=env)
    assert bad.exit_code == 1
    assert "unknown scale 'sat9'" in bad.output
    assert "Traceback" not in bad.output
