"""``survey-service export``: a survey's estimates (CSV, XLSX) and anonymised microdata.

Files are written next to their destination and renamed into place, so a failed export
never leaves half a file behind. Problems (an unknown survey, no respondents with
weights) are one line, exit code 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from survey_service.features.exports.published import Source

__all__ = ["export_group"]


@click.group("export")
def export_group() -> None:
    """Export estimates and anonymised microdata (no contact data, ever)."""


@contextmanager
def _replacing(path: Path) -> Iterator[IO[bytes]]:
    """A temporary file beside ``path`` that replaces it once written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part")
    try:
        with part.open("wb") as handle:
            yield handle
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)


_WEIGHT_SET = click.option(
    "--weight-set",
    type=click.IntRange(min=1),
    help="Weight set [default: the newest of the probability sample, else base weights].",
)


@export_group.command("estimates")
@click.argument("survey")
@click.option(
    "--format",
    "output",
    type=click.Choice(["csv", "xlsx"]),
    help="File format [default: from the suffix of -o, else csv].",
)
@click.option(
    "-o",
    "--output-file",
    "path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="File to write.",
)
@click.option(
    "--source",
    type=click.Choice(["auto", "published", "live"]),
    default="auto",
    show_default=True,
    help="The newest published snapshot (what the dashboards show), live estimates, or the "
    "snapshot when there is one (auto).",
)
@click.option("--level", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95,
              show_default=True, help="Confidence level of the intervals (live).")  # fmt: skip
@_WEIGHT_SET
def export_estimates_command(
    survey: str,
    output: str | None,
    path: Path,
    source: Source,
    level: float,
    weight_set: int | None,
) -> None:
    """Every unit's overall, element and item indices of SURVEY, with intervals, n,
    effective n, design effect, reliability flag and method, as CSV (UTF-8 with a
    byte-order mark, so Excel shows Vietnamese correctly) or XLSX (with a README sheet).
    By default the newest published snapshot (the dashboards' figures), else live
    estimates; --level or --weight-set mean live estimates.

    Example: survey-service export estimates DEMO-2025-Q3 --format xlsx -o q3.xlsx
    """
    from analysis import EstimationOptions
    from survey_service.cli import database_settings
    from survey_service.db.engine import make_sync_engine
    from survey_service.errors import ServiceError
    from survey_service.features.exports.estimates import estimates_csv, estimates_xlsx
    from survey_service.features.exports.published import estimates_table
    from survey_service.features.indices.service import DEFAULT_OPTIONS

    kind = output or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
    options = EstimationOptions(level=level, lonely_psu=DEFAULT_OPTIONS.lonely_psu)
    engine = make_sync_engine(database_settings().database_url)
    click.echo(f"Estimating {survey} ...", err=True)
    try:
        with engine.connect() as conn:
            table = estimates_table(
                conn, survey, source=source, weight_set=weight_set, options=options
            )
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    with _replacing(path) as handle:
        if kind == "xlsx":
            estimates_xlsx(table, handle)
        else:
            handle.write(estimates_csv(table))
    click.echo(
        f"{path}: {len(table.rows)} estimates of {table.units} units ({kind}; {table.source})"
    )


@export_group.command("microdata")
@click.argument("survey")
@click.option(
    "-o",
    "--output-dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for microdata.csv, codebook.json and codebook.md (created if needed).",
)
@click.option(
    "--comments",
    is_flag=True,
    help="Include free-text comments (they may hold names or phone numbers: check first).",
)
@_WEIGHT_SET
@click.option("--quiet", is_flag=True, help="No progress bar.")
def export_microdata_command(
    survey: str, directory: Path, comments: bool, weight_set: int | None, quiet: bool
) -> None:
    """Anonymised microdata of SURVEY: one row per respondent with a fresh id, unit,
    stratum, PSU, stratum population size, final weight and every answer code, plus a
    codebook (labels in Vietnamese and English, value labels, missing codes, and the R,
    Stata, SPSS and survey-service commands that reproduce the published figures).
    No contact data, dossier codes, applicant keys or client addresses.

    Example: survey-service export microdata DEMO-2025-Q3 -o q3-microdata
    """
    from tqdm import tqdm

    from survey_service.cli import database_settings
    from survey_service.db.engine import make_sync_engine
    from survey_service.errors import ServiceError
    from survey_service.features.exports.microdata import export_microdata

    engine = make_sync_engine(database_settings().database_url)
    bars: list[tqdm[Any]] = []

    def start(total: int) -> None:
        bars.append(tqdm(total=total, desc="microdata", unit=" respondents", disable=quiet))

    def advance(rows: int) -> None:
        bars[0].update(rows)

    try:
        with engine.connect() as conn:
            summary = export_microdata(
                conn,
                survey,
                directory,
                comments=comments,
                weight_set=weight_set,
                progress=advance,
                on_total=start,
            )
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        for bar in bars:
            bar.close()
        engine.dispose()
    click.echo(
        f"{directory}: {summary.rows} respondents x {summary.columns} variables "
        f"({summary.weights}); {', '.join(Path(f).name for f in summary.files)}"
    )
