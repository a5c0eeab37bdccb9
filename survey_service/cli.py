"""The ``survey-service`` command: serve, database migrations, demo city."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from survey_service import cli_sample
from survey_service.cli_estimate import estimate_command
from survey_service.cli_export import export_group
from survey_service.cli_frame import frame_group
from survey_service.cli_instruments import instruments_group
from survey_service.cli_publish import publish_command
from survey_service.cli_users import users_group
from survey_service.config import Settings, load_settings
from survey_service.errors import ServiceError

if TYPE_CHECKING:
    from litestar import Litestar

__all__ = ["main", "served_app"]

F = TypeVar("F", bound=Callable[..., Any])


def database_settings() -> Settings:
    """Settings for commands, with configuration problems as one-line CLI errors."""
    try:
        return load_settings()
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="survey-service")
def main() -> None:
    """Citizen-satisfaction surveys with design-based statistics.

    Settings come from the environment: SURVEY_DATABASE_URL (default: survey.db in the
    working directory), SURVEY_SECRET_KEY, SURVEY_ENV=production.
    """


@main.command()
@click.option(
    "--host", default=None, help="Address to listen on [default: SURVEY_HOST or 127.0.0.1]."
)
@click.option("--port", type=int, default=None, help="Port [default: SURVEY_PORT or 8000].")
@click.option("--workers", type=int, default=1, show_default=True, help="Server processes.")
@click.option(
    "--migrate/--no-migrate",
    default=None,
    help="Apply migrations first [default: yes on SQLite, no on PostgreSQL].",
)
def serve(host: str | None, port: int | None, workers: int, migrate: bool | None) -> None:
    """Serve the web app (questionnaires, API, OpenAPI at /schema)."""
    import uvicorn

    from survey_service.db.migrate import current_revision, head_revision, upgrade

    settings = database_settings()
    if migrate is None:
        migrate = settings.is_sqlite
    if migrate:
        upgrade(settings.database_url)
    elif current_revision(settings.database_url) != head_revision():
        raise click.ClickException(
            "the database is not at the latest migration: run 'survey-service db upgrade'"
        )
    _register_bundled(settings.database_url)
    click.echo(f"Serving on http://{host or settings.host}:{port or settings.port}/")
    uvicorn.run(
        "survey_service.cli:served_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


def served_app() -> Litestar:
    """The web app as ``serve`` runs it in each server process."""
    from survey_service.app import create_app

    app = create_app()
    app.on_startup.append(_freeze_startup_objects)
    return app


def _freeze_startup_objects() -> None:
    # What start-up built (modules, the app, parsed instruments) lives as long as the
    # process. Frozen, it is no longer walked by every full garbage collection, which on a
    # loaded server paused all requests in flight for 100-160 ms (issue #3, bench/RESULTS.md).
    gc.collect()
    gc.freeze()


def _register_bundled(database_url: str) -> None:
    from survey_service.db.engine import make_sync_engine
    from survey_service.features.instruments.registry import register_bundled_instruments

    engine = make_sync_engine(database_url)
    try:
        with engine.begin() as conn:
            register_bundled_instruments(conn)
    finally:
        engine.dispose()


@main.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the database to REVISION (default: head)."""
    from survey_service.db.migrate import current_revision, upgrade

    settings = database_settings()
    upgrade(settings.database_url, revision)
    click.echo(f"database at {current_revision(settings.database_url) or 'base'}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the database to REVISION ('base' removes every table)."""
    from survey_service.db.migrate import current_revision, downgrade

    settings = database_settings()
    downgrade(settings.database_url, revision)
    click.echo(f"database at {current_revision(settings.database_url) or 'base'}")


@db.command("current")
def db_current() -> None:
    """Show the database's revision and the newest one available."""
    from survey_service.db.migrate import current_revision, head_revision

    settings = database_settings()
    current = current_revision(settings.database_url)
    head = head_revision()
    state = "up to date" if current == head else "needs 'survey-service db upgrade'"
    click.echo(f"current: {current or 'base (empty)'}\nhead:    {head}\n{state}")


@main.command()
@click.option(
    "--dossiers",
    type=click.IntRange(min=1000),
    default=200_000,
    show_default=True,
    help="Completed dossiers to simulate over the two quarters.",
)
@click.option("--seed", type=int, default=20250701, show_default=True, help="Random seed.")
@click.option("--reset", is_flag=True, help="Erase the database first and rebuild it.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--publish/--no-publish",
    default=True,
    show_default=True,
    help="Publish both quarters for the staff dashboards (unless already published).",
)
def demo(dossiers: int, seed: int, reset: bool, quiet: bool, publish: bool) -> None:
    """Fill the database with a simulated city like Hà Nội (units, dossiers, responses)."""
    from survey_service.cli_publish import publish_unpublished
    from survey_service.demo import DemoError, build_demo
    from survey_service.demo.build import DEMO_PREFIX

    settings = database_settings()
    try:
        summary = build_demo(
            settings.database_url,
            n_dossiers=dossiers,
            seed=seed,
            reset=reset,
            progress=not quiet,
        )
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary)
    for line in publish_unpublished(settings.database_url, DEMO_PREFIX) if publish else []:
        click.echo(line)
    click.echo(_staff_hint(settings.database_url))


def _staff_hint(url: str) -> str:
    """How to get into the staff pages of the demo city (no account exists yet)."""
    from sqlalchemy import select

    from survey_service.db.engine import make_sync_engine
    from survey_service.db.enums import UnitKind
    from survey_service.db.models import Unit

    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            commune = conn.scalar(
                select(Unit.code).where(Unit.kind == UnitKind.COMMUNE).order_by(Unit.code).limit(1)
            )
    finally:
        engine.dispose()
    reviewer = (
        f" or a commune's reviewer: 'survey-service users create reviewer --role reviewer "
        f"--unit {commune}'"
        if commune
        else ""
    )
    return (
        "Staff pages (/login): create an account first, an administrator: 'survey-service users "
        f"create admin --role administrator'{reviewer}."
    )


@main.group("api-tokens")
def api_tokens() -> None:
    """Tokens for machine clients (the one-stop-shop system)."""


@api_tokens.command("create")
@click.argument("name")
def api_tokens_create(name: str) -> None:
    """Create an API token for client NAME; it is printed once and stored hashed."""
    from survey_service.auth import create_api_token
    from survey_service.db.engine import make_sync_engine

    engine = make_sync_engine(database_settings().database_url)
    try:
        with engine.begin() as conn:
            token = create_api_token(conn, name)
    finally:
        engine.dispose()
    click.echo(token)


main.add_command(instruments_group)
main.add_command(frame_group)
main.add_command(cli_sample.sample_group)
main.add_command(cli_sample.invitations_group)
main.add_command(cli_sample.fieldwork_group)
main.add_command(cli_sample.weights_group)
main.add_command(estimate_command)
main.add_command(users_group)
main.add_command(publish_command)
main.add_command(export_group)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
