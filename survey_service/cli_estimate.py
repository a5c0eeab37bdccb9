"""``survey-service estimate FILE.csv``: design-based estimates from any microdata file.

Statisticians can run the engine of :mod:`analysis` on their own data: weighted means,
totals or satisfied shares of columns, by domain, with Taylor (or jackknife) standard
errors for a stratified cluster design, intervals, design effects, effective sample sizes
and reliability flags (:mod:`survey_service.features.indices.microdata` does the work).
Every problem with the data is one line naming the column or the stratum, exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["CI_METHODS", "LONELY_PSU_RULES", "VARIANCE_METHODS", "estimate_command"]

# The choices of analysis.CiMethod, LonelyPsuRule and VarianceMethod, written out so that
# the command line starts without importing the analysis engine (a test keeps them equal).
CI_METHODS = ("logit", "wilson", "korn-graubard", "wald")
LONELY_PSU_RULES = ("fail", "certainty", "remove", "adjust", "average")
VARIANCE_METHODS = ("taylor", "jk1", "jkn")


class EstimateInputError(click.ClickException):
    """Bad input data: printed as one line, exit code 2."""

    exit_code = 2


def _index_items(
    codebook: Path, variables: tuple[str, ...], satisfied: str | None, total: bool
) -> tuple[str, ...]:
    """The scored items of ``codebook`` (--indices replaces --var, --satisfied, --total)."""
    from survey_service.features.exports.reestimate import read_codebook, scoring_of
    from survey_service.features.indices.errors import MicrodataError

    if variables or satisfied is not None or total:
        raise MicrodataError(
            "--indices takes the items and their satisfied codes from the codebook: "
            "drop --var, --satisfied and --total"
        )
    _, items = scoring_of(read_codebook(codebook))
    return tuple(item.code for item in items)


@click.command("estimate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--weight", metavar="COL", help="Sampling weight column [default: 1, or from --fpc].")
@click.option("--strata", metavar="COL", help="Stratum column.")
@click.option("--psu", metavar="COL", help="PSU (first-stage cluster) column [default: rows].")
@click.option(
    "--fpc",
    metavar="COL",
    help="Stratum population size (in PSUs), or sampling fraction when below 1.",
)
@click.option("--var", "variables", metavar="COL", multiple=True, help="Variable (repeatable).")
@click.option("--satisfied", metavar="CODES", help="Satisfied share of --var: codes, e.g. 4,5.")
@click.option(
    "--missing", metavar="CODES", help="Codes of --var meaning no answer (like empty), e.g. 9."
)
@click.option(
    "--indices",
    metavar="CODEBOOK",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Item shares, element and overall indices as in codebook.json of a microdata export.",
)
@click.option("--total", is_flag=True, help="Totals instead of means (or shares).")
@click.option("--by", metavar="COL", help="Domain column: one estimate per domain.")
@click.option(
    "--ci",
    type=click.Choice(CI_METHODS),
    help="Interval [default: logit for shares, wald for means and totals].",
)
@click.option("--level", type=float, default=0.95, show_default=True, help="Confidence level.")
@click.option(
    "--lonely-psu",
    type=click.Choice(LONELY_PSU_RULES),
    default="fail",
    show_default=True,
    help="Rule for strata with one PSU (R's survey.lonely.psu).",
)
@click.option(
    "--variance",
    type=click.Choice(VARIANCE_METHODS),
    default="taylor",
    show_default=True,
    help="Taylor linearisation or delete-one-PSU jackknife.",
)
@click.option(
    "--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--delimiter", default=",", show_default=True, help="Field delimiter of FILE.")
def estimate_command(
    file: Path,
    weight: str | None,
    strata: str | None,
    psu: str | None,
    fpc: str | None,
    variables: tuple[str, ...],
    satisfied: str | None,
    missing: str | None,
    indices: Path | None,
    total: bool,
    by: str | None,
    ci: str | None,
    level: float,
    lonely_psu: str,
    variance: str,
    output: str,
    delimiter: str,
) -> None:
    """Estimate means, totals or satisfied shares of FILE's columns (CSV with a header).

    Standard errors by Taylor linearisation over strata and PSUs (with-replacement, or
    with the finite-population correction from --fpc), df = PSUs - strata, design effects
    against simple random sampling, effective sample sizes and NCHS-style reliability
    flags. Multi-stage samples: give the first-stage PSU (ultimate clusters). Empty cells
    and NA are missing values, left out of each variable's estimate.

    Example: survey-service estimate apistrat.csv --strata stype --fpc fpc --weight pw
    --var api00 --by awards

    With --indices codebook.json (from 'survey-service export microdata') the variables
    are the codebook's scored items and the results include the element and overall
    indices, as the dashboards publish them.
    """
    from survey_service.features.indices.errors import MicrodataError
    from survey_service.features.indices.microdata import Request, estimate_file

    try:
        if indices is not None:
            variables = _index_items(indices, variables, satisfied, total)
        request = Request.make(
            variables=variables,
            design=(weight, strata, psu, fpc),
            satisfied=satisfied,
            total=total,
            by=by,
            choices=(ci, level, lonely_psu, variance),
            missing=missing,
        )
        if indices is not None:
            from survey_service.features.exports.reestimate import estimate_indices_file

            text = estimate_indices_file(file, request, indices, delimiter=delimiter, output=output)
        else:
            text = estimate_file(file, request, delimiter=delimiter, output=output)
        click.echo(text)
    except MicrodataError as exc:
        raise EstimateInputError(str(exc)) from exc
