"""``survey-service frame``: import completed dossiers (the sampling frame)."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["frame_group"]


@click.group("frame")
def frame_group() -> None:
    """The sampling frame: completed dossiers exported by the one-stop-shop system."""


@frame_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Column-mapping TOML file of the source system.",
)
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some are bad.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write rejected rows [default: FILE.rejected.csv].",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def import_command(
    file: Path, mapping: Path | None, skip_bad: bool, report: Path | None, quiet: bool
) -> None:
    """Import FILE (CSV or JSON Lines) in one transaction; re-imports update rows.

    Any bad row means nothing is imported unless --skip-bad; every rejected row is
    listed with its line, column and reason in the report file.
    """
    from survey_service.cli import database_settings
    from survey_service.db.engine import make_sync_engine
    from survey_service.errors import ServiceError
    from survey_service.features.frame.importer import import_frame
    from survey_service.features.frame.mapping import load_mapping

    settings = database_settings()
    report = report or file.with_name(file.name + ".rejected.csv")
    engine = make_sync_engine(settings.database_url)
    try:
        with file.open("rb") as handle:
            summary = import_frame(
                engine,
                handle,
                file.name,
                load_mapping(mapping),
                settings.secret_key,
                skip_bad=skip_bad,
                report=report,
                progress=not quiet,
                total_bytes=file.stat().st_size,
            )
    except ServiceError as exc:
        raise click.ClickException(f"{file}: {exc}; nothing was imported") from exc
    finally:
        engine.dispose()
    click.echo(
        f"{summary.records} records read, {summary.imported} imported "
        f"({summary.inserted} new, {summary.updated} updated), {summary.rejected} rejected"
    )
    if summary.rejected:
        click.echo(f"rejected rows: {report}")
    if not summary.committed:
        raise click.ClickException(
            f"{summary.rejected} bad rows: nothing was imported (fix them, or use --skip-bad)"
        )
