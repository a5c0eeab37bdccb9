"""Plain-text tables of previews, rates and weight sets, for the command line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from survey_service.features.samples.schemas import (
    DesignOut,
    GroupRates,
    PreviewOut,
    RatesOut,
    ReserveOut,
    WeightSetOut,
    WeightSummary,
)

__all__ = [
    "designs_table",
    "preview_table",
    "rates_table",
    "reserve_table",
    "table",
    "weight_set_report",
]

Cell = str | int | float | None


def _cell(value: Cell) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return value


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _margin(value: float | None) -> str:
    return "—" if value is None else f"±{100 * value:.1f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """Align columns: the first to the left, the others (numbers) to the right."""
    text = [[_cell(c) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[k]) for r in text)]) for k, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), rule, *(line(r) for r in text)])


def _when(value: dt.datetime | None) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _seed(value: int | None) -> str | None:
    return None if value is None else str(value)  # no thousands separators in a seed


def designs_table(designs: Sequence[DesignOut]) -> str:
    """Stored designs: name, version, when stored and drawn (UTC), seed."""
    rows: list[list[Cell]] = [
        [d.name, d.version, _when(d.created_at), _when(d.drawn_at), _seed(d.seed)] for d in designs
    ]
    return table(["design", "version", "stored (UTC)", "drawn (UTC)", "seed"], rows)


def preview_table(p: PreviewOut) -> str:
    """Per stratum N, n, reserve and expected respondents; per unit the expected margin."""
    head = (
        f'Design "{p.design}" v{p.version} of survey {p.survey_code} '
        f"(reference date {p.reference_date}, seed {p.seed})\n"
        f"{p.frame_rows:,} frame rows; {p.eligible:,} eligible after the population filter "
        "and exclusions\n"
    )
    strata_rows: list[list[Cell]] = [
        [
            s.key,
            s.population,
            s.sample_size,
            s.reserve_size,
            s.expected_respondents,
            _margin(s.margin),
        ]
        for s in p.strata
    ]
    total = [p.eligible, p.sample_size, p.reserve_size, p.expected_respondents]
    strata_rows.append(["total", *total, _margin(p.overall_margin)])
    strata = table(
        ["stratum", "N", "n", "reserve", "expected respondents", "margin (points)"], strata_rows
    )
    units = table(
        ["unit", "N", "n", "expected respondents", "expected margin (points)"],
        [
            [u.unit, u.population, u.sample_size, u.expected_respondents, _margin(u.margin)]
            for u in p.units
        ],
    )
    tail = (
        "Margins: expected half-width (percentage points) of the confidence interval of a "
        "proportion, under the design's assumptions."
    )
    return "\n".join([head, strata, "", units, "", tail]) if p.units else f"{head}\n{strata}"


def _rates_row(g: GroupRates) -> list[Cell]:
    counts: list[Cell] = [g.fielded, g.I, g.P, g.R, g.NC, g.UO, g.NE]
    return [g.group, *counts, *(_share(v) for v in (g.RR1, g.RR3, g.COOP1, g.REF1, g.CON1))]


def rates_table(r: RatesOut) -> str:
    """AAPOR dispositions and rates per group, the total, and the formulas."""
    headers = [r.by, "fielded", "I", "P", "R", "NC", "UO", "NE"]
    body = table(
        [*headers, "RR1", "RR3", "COOP1", "REF1", "CON1"],
        [*(_rates_row(g) for g in r.groups), _rates_row(r.total)],
    )
    formulas = "\n".join(f"  {name}: {text}" for name, text in r.formulas.items())
    return (
        f'Survey {r.survey_code}, design "{r.design}" v{r.version}\n{body}\n\n'
        f"AAPOR Standard Definitions formulas:\n{formulas}"
    )


def _fixed(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _summary_row(name: str, s: WeightSummary) -> list[Cell]:
    return [
        name,
        s.n,
        s.total,
        _fixed(s.minimum, 2),
        _fixed(s.maximum, 2),
        _fixed(s.mean, 2),
        _fixed(s.cv, 3),
        _fixed(s.deff, 3),
        s.n_effective,
    ]


def weight_set_report(w: WeightSetOut) -> str:
    """Steps, calibration report, margins reached and weight summaries per unit."""
    d = w.diagnostics
    kind = "non-probability (open link)" if w.nonprobability else "probability sample"
    lines = [f"Weight set {w.id} ({kind}) of survey {w.survey_code}, {w.created_at:%Y-%m-%d %H:%M}"]
    lines += [f"  {n}. {step}" for n, step in enumerate(w.parameters.steps, start=1)]
    cal = d.calibration
    if cal.variables:
        lines.append(
            f"Calibration {cal.method} on {', '.join(cal.variables)}: "
            f"{'converged' if cal.converged else 'NOT converged'} in {cal.iterations} "
            f"iteration(s), max relative error {cal.max_relative_error:.2e}"
        )
    else:
        lines.append("No calibration: the weights after the nonresponse adjustment")
    reached = ", ".join(f"{k} {v:.1e}" for k, v in d.margin_errors.items())
    lines.append(f"Largest relative gap to the frame counts: {reached or '—'}")
    if cal.g_min is not None and cal.g_max is not None:
        bounds = f" (bounds {cal.bounds[0]:g} … {cal.bounds[1]:g})" if cal.bounds else ""
        lines.append(f"g-weights from {cal.g_min:.4f} to {cal.g_max:.4f}{bounds}")
    if d.trimming is not None:
        t = d.trimming
        lines.append(f"Trimmed {t.trimmed} weight(s) at {t.cap:g} × median ({t.iterations} passes)")
    if d.recalibration is not None:
        r = d.recalibration
        held = "caps held" if r.converged else f"{r.above_cap} weight(s) still above their cap"
        lines.append(
            f"Re-calibrated after trimming: {r.cycles} cycle(s), {held} (largest weight/cap "
            f"{r.max_cap_ratio:.6f}); last calibration "
            f"{'converged' if r.calibration.converged else 'NOT converged'}, max relative "
            f"error {r.calibration.max_relative_error:.2e}"
        )
    lines.append(
        f"{d.respondents:,} respondents weighted; {d.fielded:,} fielded, "
        f"{d.ineligible:,} ineligible, {d.not_weighted:,} responses outside the frame's units"
    )
    headers = ["unit", "n", "Σ weights", "min", "max", "mean", "CV", "Kish deff", "n_eff"]
    rows = [_summary_row(u.unit, u) for u in d.units] + [_summary_row("all", d.overall)]
    return "\n".join(lines) + "\n\n" + table(headers, rows)


def reserve_table(r: ReserveOut) -> str:
    """Per stratum: main sample, reserve drawn, released and still waiting."""
    head = f'Survey {r.survey_code}, design "{r.design}" v{r.version}'
    if r.released:
        head += f": {r.released:,} reserve member(s) released now"
    rows: list[list[Cell]] = [
        [s.key, s.sample_size, s.reserve_size, s.released, s.remaining] for s in r.strata
    ]
    body = table(["stratum", "main sample", "reserve", "released", "left"], rows)
    tail = (
        "Released members are in the fielded sample: the next 'invitations export' issues "
        "their links."
    )
    return f"{head}\n{body}\n\n{tail}"
