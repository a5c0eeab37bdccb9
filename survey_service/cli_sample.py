"""``survey-service sample|invitations|fieldwork|weights``: from a design to final weights."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["fieldwork_group", "invitations_group", "sample_group", "weights_group"]

_DESIGN = click.option("--design", "design_name", metavar="NAME", help="Design name.")
_QUIET = click.option("--quiet", is_flag=True, help="No progress bar.")
_EXPIRES = click.option(
    "--expires-days",
    type=click.IntRange(1, 365),
    default=30,
    show_default=True,
    help="Links stay valid until the end of this many days from today (Vietnam time).",
)
_RESERVE = click.option(
    "--include-reserve", is_flag=True, help="Release the reserve sample too (invite it now)."
)
_EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


@contextmanager
def _engine() -> Iterator[Engine]:
    """An engine on the configured database; problems become one-line CLI errors."""
    from sampling import SamplingError
    from survey_service.cli import database_settings
    from survey_service.db.engine import make_sync_engine
    from survey_service.errors import ServiceError

    engine = make_sync_engine(database_settings().database_url)
    try:
        yield engine
    except (ServiceError, SamplingError) as exc:
        raise click.ClickException(f"{exc}; nothing was changed") from exc
    finally:
        engine.dispose()


@click.group("sample")
def sample_group() -> None:
    """Sample designs: store, preview and draw (reproducibly, from a seed)."""


@sample_group.group("design")
def design_group() -> None:
    """Versioned sample designs of a survey (TOML or JSON files)."""


@design_group.command("add")
@click.argument("survey_code")
@click.argument("file", type=_EXISTING)
def design_add(survey_code: str, file: Path) -> None:
    """Store FILE as a design of SURVEY_CODE; a name already used gets a new version."""
    from survey_service.features.samples.designs import add_design, read_design_file

    with _engine() as engine, engine.begin() as conn:
        stored = add_design(conn, survey_code, read_design_file(file))
    click.echo(f'design "{stored.name}" v{stored.version} stored for survey {stored.survey_code}')


@design_group.command("list")
@click.argument("survey_code")
def design_list(survey_code: str) -> None:
    """List the designs of SURVEY_CODE: name, version, when stored and drawn, seed."""
    from survey_service.features.samples.designs import list_designs
    from survey_service.features.samples.tables import designs_table

    with _engine() as engine, engine.connect() as conn:
        click.echo(designs_table(list_designs(conn, survey_code)))


@sample_group.command("preview")
@click.argument("survey_code")
@_DESIGN
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True,
              help="Only matters for one_per_person = \"random\".")  # fmt: skip
@_QUIET
def preview(survey_code: str, design_name: str | None, seed: int, quiet: bool) -> None:
    """Show per stratum N, n and expected respondents, per unit the expected margin."""
    from survey_service.features.samples.draw import preview_design
    from survey_service.features.samples.tables import preview_table

    with _engine() as engine:
        result = preview_design(
            engine, survey_code, design_name=design_name, seed=seed, progress=not quiet
        )
    click.echo(preview_table(result))


@sample_group.command("draw")
@click.argument("survey_code")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), required=True, help="Random seed.")
@_DESIGN
@_QUIET
def draw(survey_code: str, seed: int, design_name: str | None, quiet: bool) -> None:
    """Draw the newest design of SURVEY_CODE (or --design) and store the sample.

    A design is drawn once; the same frame, design and seed give the same sample.
    """
    from survey_service.features.samples.draw import draw_design

    with _engine() as engine:
        done = draw_design(
            engine, survey_code, seed=seed, design_name=design_name, progress=not quiet
        )
    click.echo(
        f'design "{done.design}" v{done.version} drawn with seed {done.seed}: '
        f"{done.sample_size:,} members and {done.reserve_size:,} in reserve from "
        f"{done.population:,} eligible dossiers in {done.strata:,} strata"
    )


@sample_group.command("reserve")
@click.argument("survey_code")
@_DESIGN
def reserve(survey_code: str, design_name: str | None) -> None:
    """Show the reserve of the drawn design per stratum: drawn, released, left."""
    from survey_service.features.samples.reserve import reserve_status
    from survey_service.features.samples.tables import reserve_table

    with _engine() as engine:
        click.echo(reserve_table(reserve_status(engine, survey_code, design_name)))


@sample_group.command("release")
@click.argument("survey_code")
@click.option("--stratum", "strata", type=(str, click.IntRange(min=1)), multiple=True,
              required=True, metavar="KEY N",
              help="Release the next N reserve members of stratum KEY (repeatable).")  # fmt: skip
@_DESIGN
def release(survey_code: str, strata: tuple[tuple[str, int], ...], design_name: str | None) -> None:
    """Release reserve members of some strata, in their drawn order (all or none).

    Stratum keys are those of 'sample reserve', e.g. "unit=X-SOCSON|channel=online".
    """
    from survey_service.features.samples.reserve import release_reserve
    from survey_service.features.samples.tables import reserve_table

    counts: dict[str, int] = {}
    for key, n in strata:
        counts[key] = counts.get(key, 0) + n
    with _engine() as engine:
        click.echo(reserve_table(release_reserve(engine, survey_code, counts, design_name)))


@click.group("invitations")
def invitations_group() -> None:
    """Personalised links: CSV for SMS/e-mail gateways, printable letters.

    Links are stored only as hashes, so each export issues new links to the members it
    lists; their earlier links stop working.
    """


def _export(
    survey_code: str,
    paths: tuple[Path | None, Path | None],
    *,
    expires_days: int,
    include_reserve: bool,
    design_name: str | None,
    quiet: bool,
) -> None:
    from survey_service.cli import database_settings
    from survey_service.features.samples.invitations import export_invitations
    from survey_service.features.samples.letters import VIETNAM

    base_url = database_settings().public_base_url
    with _engine() as engine:
        done = export_invitations(
            engine,
            survey_code,
            paths,
            base_url=base_url,
            expires_days=expires_days,
            include_reserve=include_reserve,
            design_name=design_name,
            progress=not quiet,
        )
    until = done.expires_at.astimezone(VIETNAM)
    click.echo(
        f"{done.issued:,} links issued ({done.replaced:,} replace earlier ones), valid until "
        f"{until:%Y-%m-%d %H:%M} Vietnam time; {done.without_contact:,} members have no "
        "phone or e-mail"
    )
    click.echo("The files hold personal data: keep them safe and delete them after sending.")


@invitations_group.command("export")
@click.argument("survey_code")
@click.option("--out", type=_OUTPUT, required=True, help="CSV file to write.")
@click.option("--letters", type=_OUTPUT, help="Also write letters for the same links.")
@_EXPIRES
@_RESERVE
@_DESIGN
@_QUIET
def export(
    survey_code: str,
    out: Path,
    letters: Path | None,
    expires_days: int,
    include_reserve: bool,
    design_name: str | None,
    quiet: bool,
) -> None:
    """CSV (dossier_code, phone, email, link, expires_at) of members still to answer.

    Opted-out members, members without contact data and members who answered, refused
    or were found ineligible are left out.
    """
    _export(
        survey_code,
        (out, letters),
        expires_days=expires_days,
        include_reserve=include_reserve,
        design_name=design_name,
        quiet=quiet,
    )


@invitations_group.command("letters")
@click.argument("survey_code")
@click.option("--out", type=_OUTPUT, required=True, help="HTML file to write.")
@_EXPIRES
@_RESERVE
@_DESIGN
@_QUIET
def letters(
    survey_code: str,
    out: Path,
    expires_days: int,
    include_reserve: bool,
    design_name: str | None,
    quiet: bool,
) -> None:
    """Printable letters (HTML, one A4 page each, with a QR code) in Vietnamese."""
    _export(
        survey_code,
        (None, out),
        expires_days=expires_days,
        include_reserve=include_reserve,
        design_name=design_name,
        quiet=quiet,
    )


@click.group("fieldwork")
def fieldwork_group() -> None:
    """Fieldwork outcomes and AAPOR response rates."""


@fieldwork_group.command("import")
@click.argument("file", type=_EXISTING)
@click.option("--survey", "survey_code", metavar="CODE", help="Survey the dossiers belong to.")
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some are bad.")
def fieldwork_import(file: Path, survey_code: str | None, skip_bad: bool) -> None:
    """Import FILE (CSV: dossier_code, outcome, recorded_at[, note]) in one transaction.

    Outcomes: invited, responded, partial, refused, non_contact, ineligible. Times without
    an offset are Vietnam time. Any bad row means nothing is imported unless --skip-bad.
    """
    from survey_service.features.samples.fieldwork import import_outcomes, read_outcome_csv

    with _engine() as engine:
        rows = read_outcome_csv(file.read_bytes(), str(file))
        done = import_outcomes(engine, rows, survey_code=survey_code, skip_bad=skip_bad)
    for problem in done.errors:
        click.echo(f"{file}:{problem.line}: {problem.dossier_code}: {problem.reason}", err=True)
    if not done.committed:
        raise click.ClickException(
            f"{done.rejected} bad row(s): nothing was imported (fix them, or use --skip-bad)"
        )
    click.echo(
        f"{done.received:,} rows read, {done.imported:,} outcomes recorded, "
        f"{done.duplicates:,} already known, {done.rejected:,} rejected"
    )


@fieldwork_group.command("rates")
@click.argument("survey_code")
@click.option("--by", type=click.Choice(["stratum", "unit"]), default="stratum", show_default=True)
@_DESIGN
def rates(survey_code: str, by: str, design_name: str | None) -> None:
    """AAPOR RR1, RR3, COOP1, REF1 and CON1 per stratum or unit."""
    from survey_service.features.samples.rates import survey_rates
    from survey_service.features.samples.tables import rates_table

    with _engine() as engine:
        result = survey_rates(engine, survey_code, by=by, design_name=design_name)  # type: ignore[arg-type]
    click.echo(rates_table(result))


@click.group("weights")
def weights_group() -> None:
    """Final weights: nonresponse adjustment, calibration to frame counts, trimming."""


def _variables(_ctx: click.Context, _param: click.Parameter, value: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    wrong = [n for n in names if n not in ("unit", "channel", "field")]
    if wrong:
        raise click.BadParameter(f"{', '.join(wrong)}: use unit, channel and/or field")
    return names


def _bounds(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        low, high = (float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter("give L,U (e.g. 0.5,2)") from None
    if not 0.0 <= low < 1.0 < high:
        raise click.BadParameter(f"need 0 <= L < 1 < U, got {low:g},{high:g}")
    return low, high


@weights_group.command("compute")
@click.argument("survey_code")
@click.option("--calibrate", default="unit,channel", show_default=True, callback=_variables,
              help="Frame variables to calibrate on (comma-separated; '' for none).")  # fmt: skip
@click.option("--method", type=click.Choice(["raking", "linear", "truncated", "logit"]),
              default="raking", show_default=True,
              help="raking (post-stratification on one variable), linear (GREG), truncated "
              "(linear, g clipped to --bounds) or logit (g within --bounds).")  # fmt: skip
@click.option("--bounds", metavar="L,U", callback=_bounds,
              help="Bounds on g = calibrated / input weight, 0 <= L < 1 < U.")  # fmt: skip
@click.option("--classes", type=click.Choice(["stratum", "unit"]), default="stratum",
              show_default=True, help="Nonresponse adjustment classes.")  # fmt: skip
@click.option("--trim-cap", type=click.FloatRange(min=1.0), help="Cap at X × unit median.")
@click.option("--recalibrate", is_flag=True,
              help="After trimming, calibrate again (in cycles) so the margins hold.")  # fmt: skip
@_DESIGN
@_QUIET
def compute(
    survey_code: str,
    calibrate: list[str],
    method: str,
    bounds: tuple[float, float] | None,
    classes: str,
    trim_cap: float | None,
    recalibrate: bool,
    design_name: str | None,
    quiet: bool,
) -> None:
    """Weight the responses of SURVEY_CODE and store the weight set(s) with diagnostics."""
    import msgspec

    from survey_service.features.samples.schemas import WeightsIn
    from survey_service.features.samples.tables import weight_set_report
    from survey_service.features.samples.weight_sets import compute_weights

    request = msgspec.convert(
        {
            "calibrate": calibrate,
            "classes": classes,
            "trim_cap": trim_cap,
            "design": design_name,
            "method": method,
            "bounds": bounds,
            "recalibrate": recalibrate,
        },
        WeightsIn,
    )
    with _engine() as engine:
        done = compute_weights(engine, survey_code, request, progress=not quiet)
    click.echo(weight_set_report(done.probability))
    if done.open_link is not None:
        click.echo("\n" + weight_set_report(done.open_link))


@weights_group.command("show")
@click.argument("survey_code")
@click.option("--id", "set_id", type=int, help="Weight set id [default: the newest].")
def show(survey_code: str, set_id: int | None) -> None:
    """Show a stored weight set's steps and diagnostics."""
    from survey_service.features.samples.tables import weight_set_report
    from survey_service.features.samples.weight_sets import find_weight_set

    with _engine() as engine:
        click.echo(weight_set_report(find_weight_set(engine, survey_code, set_id)))
