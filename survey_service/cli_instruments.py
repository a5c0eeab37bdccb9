"""``survey-service instruments``: check, import and list questionnaire definitions."""

from __future__ import annotations

from pathlib import Path

import click

from instruments import DefinitionError, load_definition

__all__ = ["instruments_group"]


@click.group("instruments")
def instruments_group() -> None:
    """Questionnaire definitions (TOML files)."""


@instruments_group.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Check definition files; print every problem with file, line and path; exit 1 if any."""
    problems = 0
    for path in paths:
        try:
            instrument = load_definition(path)
        except DefinitionError as exc:
            problems += len(exc.problems)
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        click.echo(
            f"{path}: ok ({instrument.slug} version {instrument.version}, "
            f"{len(instrument.items())} criteria)"
        )
    if problems:
        click.echo(f"{problems} problem{'s' if problems != 1 else ''} found", err=True)
        raise SystemExit(1)


@instruments_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Keep the version as an editable draft.")
def import_definition(path: Path, draft: bool) -> None:
    """Check a definition and store it as a (published) version in the database."""
    from survey_service.cli import database_settings
    from survey_service.db.engine import make_sync_engine
    from survey_service.features.instruments.registry import (
        VersionFrozenError,
        register_instrument,
    )

    try:
        instrument = load_definition(path)
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise SystemExit(1) from exc
    engine = make_sync_engine(database_settings().database_url)
    try:
        with engine.begin() as conn:
            version_id = register_instrument(
                conn, instrument, path.read_text(encoding="utf-8"), publish=not draft
            )
    except VersionFrozenError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    state = "draft" if draft else "published"
    click.echo(f"{instrument.slug} version {instrument.version}: {state} (id {version_id})")
