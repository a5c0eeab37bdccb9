"""Estimates from any microdata file: the engine behind ``survey-service estimate``.

The file is read as text, only the columns asked for; every problem with the data (a
missing column, a non-numeric value, a negative weight, an fpc that varies within a
stratum, a stratum with one PSU under the ``fail`` rule) is a :class:`MicrodataError`
whose message is one line naming the column, the line of the file or the stratum.
Without weights and with an fpc, weights are the inverse sampling fractions, as R
``svydesign(fpc = )`` does.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import msgspec
import numpy as np
from numpy.typing import NDArray

from analysis import (
    AnalysisError,
    Design,
    Estimate,
    EstimationOptions,
    Flag,
    LonelyPsuError,
    estimate_means,
    estimate_shares,
    estimate_totals,
    make_design,
)
from survey_service.features.indices.errors import MicrodataError

__all__ = [
    "MISSING",
    "EstimateRow",
    "Microdata",
    "Request",
    "build_design",
    "describe",
    "estimate_file",
    "make_options",
    "parse_codes",
    "read_microdata",
    "render_table",
    "rows_of",
    "run_estimates",
]

FloatArray = NDArray[np.float64]

MISSING = frozenset({"", "NA", "NaN", "nan", "."})
"""Cell values read as missing (R writes ``NA``; empty cells are the usual export)."""

_HEADER = ("variable", "domain", "estimate", "se", "ci_low", "ci_high", "df", "n", "n_eff",
           "deff", "flag")  # fmt: skip


class EstimateRow(msgspec.Struct, frozen=True):
    """One estimate as printed (JSON keys in this order)."""

    variable: str
    domain: str | None
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    n: int
    n_eff: float
    deff: float
    flag: Flag


class Microdata(msgspec.Struct, frozen=True):
    """The columns of a CSV file as text, with the file line of every record."""

    name: str
    columns: dict[str, list[str]]
    lines: list[int]

    @property
    def n(self) -> int:
        """Number of records."""
        return len(self.lines)


class Request(msgspec.Struct, frozen=True, kw_only=True):
    """What to estimate (column names as in the file), built by :meth:`make`."""

    weight: str | None
    strata: str | None
    psu: str | None
    fpc: str | None
    variables: tuple[str, ...]
    satisfied: tuple[str, ...] | None
    total: bool
    by: str | None
    options: EstimationOptions
    missing: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        """Every column the request reads."""
        design = [self.weight, self.strata, self.psu, self.fpc, self.by]
        return [c for c in design if c is not None] + list(self.variables)

    @classmethod
    def make(
        cls,
        *,
        variables: Sequence[str],
        design: Sequence[str | None] = (None, None, None, None),
        satisfied: str | None = None,
        total: bool = False,
        by: str | None = None,
        choices: tuple[str | None, float, str, str] = (None, 0.95, "fail", "taylor"),
        missing: str | None = None,
    ) -> Request:
        """Check the command's options.

        ``design`` is (weight, strata, psu, fpc) and ``choices`` (ci, level, lonely-PSU
        rule, variance method); ``missing`` lists codes of the variables that mean no
        answer (``9`` for "not applicable"), read like empty cells.
        """
        if not variables:
            raise MicrodataError("give at least one --var COLUMN to estimate")
        weight, strata, psu, fpc = design
        return cls(
            weight=weight,
            strata=strata,
            psu=psu,
            fpc=fpc,
            variables=tuple(variables),
            satisfied=parse_codes(satisfied),
            total=total,
            by=by,
            options=make_options(*choices),
            missing=parse_codes(missing, "--missing") or (),
        )


def read_microdata(path: Path, wanted: Sequence[str], delimiter: str) -> Microdata:
    """Read the ``wanted`` columns of a CSV file (UTF-8, with or without a BOM)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _read(handle, path.name, wanted, delimiter)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MicrodataError(f"{path}: cannot read the file ({exc})") from exc


def _read(handle: IO[str], name: str, wanted: Sequence[str], delimiter: str) -> Microdata:
    reader = csv.reader(handle, delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    position = {h: k for k, h in enumerate(header)}
    for column in dict.fromkeys(wanted):
        if column not in position:
            listed = ", ".join(header) if header else "none"
            raise MicrodataError(f"column {column!r} not found in {name} (columns: {listed})")
    keep = [(c, position[c]) for c in dict.fromkeys(wanted)]
    columns: dict[str, list[str]] = {c: [] for c, _ in keep}
    lines: list[int] = []
    for record in reader:
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        if len(record) < len(header):
            record = record + [""] * (len(header) - len(record))
        for column, k in keep:
            columns[column].append(record[k].strip())
        lines.append(reader.line_num)
    if not lines:
        raise MicrodataError(f"{name}: no data rows")
    return Microdata(name=name, columns=columns, lines=lines)


def numeric_column(data: Microdata, column: str, option: str, *, missing_ok: bool) -> FloatArray:
    """Column ``column`` as floats (NaN for missing cells when ``missing_ok``)."""
    values = np.empty(data.n)
    for i, text in enumerate(data.columns[column]):
        try:
            values[i] = math.nan if text in MISSING else float(text)
        except ValueError:
            raise MicrodataError(
                f"column {column!r} ({option}): non-numeric value {text!r} on line {data.lines[i]}"
            ) from None
        if math.isnan(values[i]) and not missing_ok:
            raise MicrodataError(
                f"column {column!r} ({option}): missing value on line {data.lines[i]}"
            )
        if math.isinf(values[i]):
            raise MicrodataError(
                f"column {column!r} ({option}): infinite value on line {data.lines[i]}"
            )
    return values


def label_column(data: Microdata, column: str, option: str) -> NDArray[np.str_]:
    """Column ``column`` as labels; a missing label is an error."""
    values = data.columns[column]
    for i, text in enumerate(values):
        if text in MISSING:
            raise MicrodataError(
                f"column {column!r} ({option}): missing value on line {data.lines[i]}"
            )
    return np.array(values, dtype=np.str_)


def _same(text: str, code: str) -> bool:
    try:
        return text == code or float(text) == float(code)
    except ValueError:
        return False


def satisfied_indicator(data: Microdata, column: str, codes: Sequence[str]) -> FloatArray:
    """1 where the answer is one of ``codes``, 0 for other answers, NaN when missing.

    Codes match as text or, when both are numbers, as numbers (``5`` matches ``5.0``).
    """
    values = data.columns[column]
    out = np.empty(len(values))
    for i, text in enumerate(values):
        out[i] = math.nan if text in MISSING else float(any(_same(text, c) for c in codes))
    return out


def _check_weights(weights: FloatArray, data: Microdata, column: str) -> None:
    negative = np.flatnonzero(weights < 0)
    if negative.size:
        i = int(negative[0])
        raise MicrodataError(
            f"column {column!r} (--weight): negative weight {weights[i]:g} on line {data.lines[i]}"
        )


def _check_fpc(
    fpc: FloatArray, strata: NDArray[np.str_] | None, data: Microdata, column: str
) -> None:
    if np.any(fpc <= 0):
        i = int(np.flatnonzero(fpc <= 0)[0])
        raise MicrodataError(
            f"column {column!r} (--fpc): {fpc[i]:g} on line {data.lines[i]} is not a "
            "population size or a sampling fraction"
        )
    labels = strata if strata is not None else np.full(data.n, "1")
    first: dict[str, float] = {}
    for i, (label, value) in enumerate(zip(labels.tolist(), fpc.tolist(), strict=True)):
        if first.setdefault(label, value) != value:
            raise MicrodataError(
                f"column {column!r} (--fpc): varies within stratum {label!r} (line "
                f"{data.lines[i]}: {value:g}, earlier {first[label]:g})"
            )


def build_design(data: Microdata, request: Request) -> Design:
    """Compile the design; without ``--weight``, weights follow from ``--fpc`` (as R)."""
    strata = None if request.strata is None else label_column(data, request.strata, "--strata")
    psu = None if request.psu is None else label_column(data, request.psu, "--psu")
    fpc = None
    if request.fpc is not None:
        fpc = numeric_column(data, request.fpc, "--fpc", missing_ok=False)
        _check_fpc(fpc, strata, data, request.fpc)
    weights = np.ones(data.n)
    if request.weight is not None:
        weights = numeric_column(data, request.weight, "--weight", missing_ok=False)
        _check_weights(weights, data, request.weight)
    design = _compile(weights, strata, psu, fpc, request)
    if request.weight is None and fpc is not None:
        # R svydesign(fpc = ) without weights: probabilities from the sampling fractions.
        fraction = 1.0 - design.strata.fpc
        weights = 1.0 / np.where(fraction > 0, fraction, 1.0)[design.stratum]
        design = _compile(weights, strata, psu, fpc, request)
    return design


def _compile(
    weights: FloatArray,
    strata: NDArray[np.str_] | None,
    psu: NDArray[np.str_] | None,
    fpc: FloatArray | None,
    request: Request,
) -> Design:
    try:
        return make_design(weights, strata=strata, psu=psu, fpc=fpc)
    except AnalysisError as exc:
        # Weights and labels are checked above: what is left is about the fpc.
        where = f"column {request.fpc!r} (--fpc): " if request.fpc else ""
        raise MicrodataError(f"{where}{exc}") from exc


def _variables(data: Microdata, request: Request) -> dict[str, FloatArray]:
    if request.satisfied is not None:
        out = {v: satisfied_indicator(data, v, request.satisfied) for v in request.variables}
    else:
        out = {v: numeric_column(data, v, "--var", missing_ok=True) for v in request.variables}
    if request.missing:  # "not applicable" codes leave the denominator, like empty cells
        for v, values in out.items():
            texts = data.columns[v]
            skip = [i for i, t in enumerate(texts) if any(_same(t, c) for c in request.missing)]
            values[skip] = np.nan
    return out


def run_estimates(data: Microdata, request: Request) -> tuple[Design, list[Estimate]]:
    """Compile the design and estimate every variable (by domain with ``--by``)."""
    design = build_design(data, request)
    variables = _variables(data, request)
    domain = None if request.by is None else label_column(data, request.by, "--by")
    options = request.options
    try:
        if request.total:
            return design, estimate_totals(variables, design, domain=domain, options=options)
        if request.satisfied is not None:
            shares = estimate_shares(variables, [1.0], design, domain=domain, options=options)
            return design, shares
        return design, estimate_means(variables, design, domain=domain, options=options)
    except LonelyPsuError as exc:
        where = f"column {request.strata!r} (--strata): " if request.strata else ""
        raise MicrodataError(f"{where}{exc}") from exc
    except AnalysisError as exc:
        raise MicrodataError(str(exc)) from exc


def rows_of(results: Sequence[Estimate]) -> list[EstimateRow]:
    """The printed fields of each estimate."""
    return [msgspec.convert(e, EstimateRow, from_attributes=True) for e in results]


def _figure(value: float) -> str:
    if math.isnan(value):
        return "-"
    return np.format_float_positional(value, precision=6, unique=False, fractional=False, trim="-")


def render_table(rows: Sequence[EstimateRow]) -> str:
    """A plain-text table with aligned columns (6 significant digits)."""
    body = [
        [
            r.variable,
            "(all)" if r.domain is None else r.domain,
            *(_figure(v) for v in (r.estimate, r.se, r.ci_low, r.ci_high)),
            str(r.df),
            str(r.n),
            _figure(r.n_eff),
            _figure(r.deff),
            r.flag,
        ]
        for r in rows
    ]
    widths = [max(len(line[k]) for line in [list(_HEADER), *body]) for k in range(len(_HEADER))]
    text = []
    for line in [list(_HEADER), *body]:
        pairs = enumerate(zip(line, widths, strict=True))
        cells = [c.ljust(w) if k < 2 else c.rjust(w) for k, (c, w) in pairs]
        text.append("  ".join(cells).rstrip())
    return "\n".join(text)


def describe(data: Microdata, design: Design, request: Request) -> str:
    """One line saying which design the estimates come from."""
    weights = request.weight or ("1 / sampling fraction" if request.fpc else "equal (1)")
    parts = [
        f"{data.name}: {data.n} rows",
        f"{len(design.strata.labels)} strata",
        f"{design.strata.total_psu} PSUs",
        f"weights {weights}",
        f"fpc {request.fpc or 'none'}",
        f"lonely PSU {request.options.lonely_psu}",
        f"variance {request.options.variance}",
    ]
    return "; ".join(parts)


def parse_codes(text: str | None, option: str = "--satisfied") -> tuple[str, ...] | None:
    """The codes of ``--satisfied 4,5`` or ``--missing 9`` (``None`` when not given)."""
    if text is None:
        return None
    codes = tuple(c.strip() for c in text.split(",") if c.strip())
    if not codes:
        example = "--satisfied 4,5" if option == "--satisfied" else f"{option} 9"
        raise MicrodataError(f"{option}: give the codes, e.g. {example}")
    return codes


def make_options(ci: str | None, level: float, lonely: str, variance: str) -> EstimationOptions:
    """Estimation options from the command's choices."""
    if not 0.0 < level < 1.0:
        raise MicrodataError(f"--level must lie strictly between 0 and 1, not {level:g}")
    try:
        return msgspec.convert(
            {"ci": ci, "level": level, "lonely_psu": lonely, "variance": variance},
            EstimationOptions,
        )
    except msgspec.ValidationError as exc:
        raise MicrodataError(f"options: {exc}") from exc


def estimate_file(
    path: Path, request: Request, *, delimiter: str = ",", output: str = "table"
) -> str:
    """Read ``path``, estimate and return the text to print (a table, or JSON)."""
    data = read_microdata(path, request.columns, delimiter)
    design, results = run_estimates(data, request)
    rows = rows_of(results)
    if output == "json":
        return msgspec.json.encode(rows).decode()
    return describe(data, design, request) + "\n" + render_table(rows)
