"""``survey-service publish SURVEY``: freeze a period's results for the staff dashboards."""

from __future__ import annotations

import click

__all__ = ["publish_command"]


@click.command("publish")
@click.argument("survey")
@click.option(
    "--by",
    "username",
    default=None,
    help="Username recorded as the publisher [default: none, published from the command line].",
)
def publish_command(survey: str, username: str | None) -> None:
    """Compute every unit's scorecard and the league tables of SURVEY and publish them.

    The dashboards show the newest published snapshot of each survey; publishing again
    adds a new snapshot (the old ones stay, for the record).
    """
    from sqlalchemy import select

    from survey_service.cli import database_settings
    from survey_service.db.engine import make_sync_engine
    from survey_service.db.models import User
    from survey_service.errors import NotFoundError
    from survey_service.features.dashboards.snapshot import publish_results
    from survey_service.features.indices.errors import IndicesError

    engine = make_sync_engine(database_settings().database_url)
    try:
        with engine.begin() as conn:
            user_id = None
            if username is not None:
                user_id = conn.scalar(select(User.id).where(User.username == username))
                if user_id is None:
                    raise click.ClickException(f"no user named {username!r}")
            published = publish_results(conn, survey, by_user_id=user_id)
    except (NotFoundError, IndicesError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(
        f"Published {published.survey_code} at {published.published_at:%Y-%m-%d %H:%M} UTC: "
        f"{published.units} unit scorecards, {published.leagues} league tables, "
        f"{published.filtered} unit scorecards by channel or field (snapshot {published.id})."
    )


def publish_unpublished(database_url: str, prefix: str) -> list[str]:
    """Publish every survey whose code starts with ``prefix`` and has no snapshot yet.

    Returns one line per survey saying what happened (the demo command prints them).
    """
    from sqlalchemy import select

    from survey_service.db.engine import make_sync_engine
    from survey_service.db.models import PublishedResult, Survey
    from survey_service.features.dashboards.snapshot import publish_results
    from survey_service.features.indices.errors import IndicesError

    engine = make_sync_engine(database_url)
    lines = []
    try:
        with engine.connect() as conn:
            codes = conn.scalars(
                select(Survey.code)
                .where(Survey.code.startswith(prefix, autoescape=True))
                .where(~Survey.id.in_(select(PublishedResult.survey_id)))
                .order_by(Survey.period_start)
            ).all()
        for code in codes:
            try:
                with engine.begin() as conn:
                    published = publish_results(conn, code, by_user_id=None)
            except IndicesError as exc:
                lines.append(f"{code} not published: {exc}")
                continue
            lines.append(
                f"Published {code} for the staff dashboards: {published.units} unit scorecards, "
                f"{published.leagues} league tables, {published.filtered} by channel or field."
            )
    finally:
        engine.dispose()
    return lines
