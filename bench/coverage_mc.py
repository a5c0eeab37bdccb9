"""Monte-Carlo coverage of the unit intervals on the demo simulator (issue #5).

The demo city (``survey_service.demo``) is generated once: units, completed dossiers, the
known true satisfied share of every unit and item (``truth``). Each replication then runs
the demo's own fieldwork (``simulate_fieldwork``: a stratified simple random sample of
``min(N_h, 60)`` dossiers per unit among the reachable ones, response by filing channel,
answers from the Gaussian-copula model) and estimates every unit's item shares, element
indices and overall index exactly as the service does (Hájek ratios, Taylor variance over
the unit strata with the finite-population correction from N_h, base weights N_h / n_h,
lonely PSU "adjust", logit intervals switching to Korn-Graubard at 0 or 1; the analysis
engine, in memory). Two truths are checked:

* design: every eligible dossier of the quarter gets its answers once, before the first
  replication (a fixed finite population drawn from the demo's model); respondents
  answer with their dossier's values; the truth is the unit's index over all its
  eligible dossiers, which is what a design-based interval with an fpc claims to cover;
* model: the demo exactly as it is, answers drawn afresh for every respondent; the truth
  is the known ``truth`` (the index tree applied to the true shares). Intervals with the
  fpc, and with-replacement intervals (no fpc, the variance for a superpopulation
  target), are both checked.

Run::

    .venv/bin/python bench/coverage_mc.py --replications 500

and copy the printed Markdown into the Analysis engine section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import msgspec
import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from analysis import (
    CiMethod,
    Estimate,
    IndexTree,
    ItemScoring,
    estimate_indices,
    make_design,
    tree_from_instrument,
)
from analysis.intervals import bounded_interval
from instruments import load_bundled
from survey_service.demo import DemoCity, scored_items, simulate_city
from survey_service.demo.fieldwork import SURVEYS, SurveyDraw, simulate_fieldwork
from survey_service.demo.frame import PERIOD_START
from survey_service.demo.truth import simulate_answers
from survey_service.features.indices.service import DEFAULT_OPTIONS

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

NOMINAL = 0.95
SCENARIOS = ("design", "model", "model-wr")
BANDS = ((0.0, 0.85), (0.85, 0.90), (0.90, 0.95), (0.95, 1.0))


class Setup(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """The fixed part: city, quarter, scoring, finite population and both truths."""

    city: DemoCity
    quarter: int
    items: tuple[ItemScoring, ...]
    tree: IndexTree
    population: BoolArray  # (dossiers, J): every dossier's satisfied answers, fixed
    units: NDArray[np.int64]  # unit ids of the strata, in stratum order
    truth: dict[str, dict[str, FloatArray]]  # scenario -> variable -> (units,)
    ci: CiMethod = "logit"  # the service's default for shares and indices


class Coverage(msgspec.Struct, kw_only=True, eq=False):
    """Per scenario and variable: covered, interval width and estimate at a bound."""

    covered: dict[str, dict[str, FloatArray]]  # (replications, units), NaN when missing
    width: dict[str, dict[str, FloatArray]]
    bound: dict[str, dict[str, FloatArray]]
    n: dict[str, dict[str, FloatArray]]


def tree_values(
    shares: FloatArray, items: tuple[ItemScoring, ...], tree: IndexTree
) -> dict[str, FloatArray]:
    """Item shares (units, J) rolled up the index tree: item, element and overall values."""
    values = {item.code: shares[:, j] for j, item in enumerate(items)}
    nodes = {node.code: node for node in tree.nodes}

    def value(code: str) -> FloatArray:
        if code not in values:
            node = nodes[code]
            weights = np.array(node.weights or [1.0] * len(node.children))
            parts = np.array([value(child) for child in node.children])
            values[code] = weights @ parts / weights.sum()
        return values[code]

    value(tree.root)
    return values


def _eligible(city: DemoCity, quarter: int) -> BoolArray:
    """The quarter's reachable dossiers whose applicant did not opt out (the demo's frame)."""
    spec, frame, people = SURVEYS[quarter], city.frame, city.applicants
    start, end = ((d - PERIOD_START).days for d in (spec.start, spec.end))
    person = frame.applicant
    reachable = (people.phone[person] >= 0) | (people.email[person, 0] >= 0)
    in_quarter = (frame.result >= start) & (frame.result <= end)
    eligible: BoolArray = in_quarter & reachable & ~people.opted_out[person]
    return eligible


def make_setup(n_dossiers: int, seed: int, quarter: int = 0, ci: CiMethod = "logit") -> Setup:
    """Generate the city and the fixed finite population."""
    instrument = load_bundled("short-post-result", 1)
    city = simulate_city(n_dossiers, seed, scored_items(instrument))
    tree, items = tree_from_instrument(instrument)
    j = len(items)
    draw = city.draws[quarter]
    units = draw.strata_unit.astype(np.int64)
    shares = city.truth[quarter][units - 1, :j]  # the known truth (last column: "overall")
    rng = np.random.default_rng([seed, 1])
    population, _ = simulate_answers(city.truth[quarter][city.frame.unit_id - 1, :j], rng)
    eligible = _eligible(city, quarter)
    counts = np.bincount(city.frame.unit_id[eligible], minlength=units.max() + 1)[units]
    assert np.array_equal(counts, draw.population), "eligibility differs from the demo's"
    finite = np.array(
        [population[eligible & (city.frame.unit_id == u)].mean(axis=0) for u in units.tolist()]
    )
    truth = {"design": tree_values(finite, items, tree), "model": tree_values(shares, items, tree)}
    truth["model-wr"] = truth["model"]
    return Setup(
        city=city, quarter=quarter, items=items, tree=tree, population=population,
        units=units, truth=truth, ci=ci,
    )  # fmt: skip


def _estimate(setup: Setup, draw: SurveyDraw, satisfied: BoolArray, fpc: bool) -> list[Estimate]:
    """The service's unit estimates from the invited respondents' answers."""
    responses, members = draw.responses, draw.members
    invited = responses.member >= 0
    stratum = members.stratum[responses.member[invited]]
    population = draw.population[stratum].astype(np.float64)
    weights = population / draw.sample_size[stratum]
    design = make_design(weights, strata=stratum, fpc=population if fpc else None)
    codes = satisfied[invited].astype(np.int8)
    items = tuple(ItemScoring(code=item.code, satisfied=(1,)) for item in setup.items)
    return estimate_indices(
        codes, items, setup.tree, design, domain=responses.unit_id[invited],
        options=msgspec.structs.replace(DEFAULT_OPTIONS, ci=setup.ci),
    )  # fmt: skip


def replicate(setup: Setup, rng: np.random.Generator) -> dict[str, list[Estimate]]:
    """One fieldwork and the three sets of estimates."""
    city, q = setup.city, setup.quarter
    draw = simulate_fieldwork(SURVEYS[q], city.frame, city.applicants, city.truth[q], rng)
    fixed = np.zeros_like(draw.responses.satisfied[:, : len(setup.items)])
    invited = draw.responses.member >= 0
    dossier = draw.members.dossier[draw.responses.member[invited]]
    fixed[invited] = setup.population[dossier]
    fresh = draw.responses.satisfied[:, : len(setup.items)]
    return {
        "design": _estimate(setup, draw, fixed, fpc=True),
        "model": _estimate(setup, draw, fresh, fpc=True),
        "model-wr": _estimate(setup, draw, fresh, fpc=False),
    }


def run_coverage(setup: Setup, replications: int, seed: int) -> Coverage:
    """Replicate the fieldwork and record, per unit, whether each interval covers."""
    rng = np.random.default_rng([seed, 2])
    column = {int(u): k for k, u in enumerate(setup.units.tolist())}
    shape = (replications, setup.units.size)
    variables = list(setup.truth["design"])
    out = Coverage(
        covered={s: {v: np.full(shape, np.nan) for v in variables} for s in SCENARIOS},
        width={s: {v: np.full(shape, np.nan) for v in variables} for s in SCENARIOS},
        bound={s: {v: np.full(shape, np.nan) for v in variables} for s in SCENARIOS},
        n={s: {v: np.full(shape, np.nan) for v in variables} for s in SCENARIOS},
    )
    for r in range(replications):
        for scenario, estimates in replicate(setup, rng).items():
            for e in estimates:
                k = column[int(str(e.domain))]
                truth = setup.truth[scenario][e.variable][k]
                out.covered[scenario][e.variable][r, k] = e.ci_low <= truth <= e.ci_high
                out.width[scenario][e.variable][r, k] = e.ci_high - e.ci_low
                out.bound[scenario][e.variable][r, k] = e.estimate in (0.0, 1.0)
                out.n[scenario][e.variable][r, k] = e.n
    return out


class Share(msgspec.Struct, frozen=True):
    """A coverage proportion with its count and binomial standard deviation."""

    coverage: float
    intervals: int
    sd: float

    @classmethod
    def of(cls, covered: FloatArray) -> Share:
        """Coverage of the non-missing entries."""
        values = covered[~np.isnan(covered)]
        if values.size == 0:
            return cls(float("nan"), 0, float("nan"))
        c = float(values.mean())
        return cls(c, int(values.size), float(np.sqrt(max(c * (1 - c), 1e-12) / values.size)))


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    """The figures of one run."""

    replications: int
    units: int
    respondents: float
    pooled: dict[str, dict[str, Share]]  # scenario -> overall/elements/items
    bands: dict[str, list[tuple[str, int, Share]]]  # scenario -> (band, units, share)
    high_items: dict[str, Share]  # item shares whose truth is above 0.95
    per_unit: dict[str, list[float]]  # scenario -> min, 5 %, median, 95 %, max
    outside: dict[str, int]  # units with overall coverage outside [0.93, 0.97]
    outside_expected: float
    width: dict[str, float]
    at_bound: float
    binomial: tuple[Share, float]  # items, model truth, no fpc, n >= 2: simulated, exact
    ci: str


def _groups(setup: Setup) -> dict[str, list[str]]:
    items = [i.code for i in setup.items]
    root = setup.tree.root
    elements = [v for v in setup.truth["design"] if v not in items and v != root]
    return {"overall": [root], "elements": elements, "items": items}


def _stack(values: dict[str, FloatArray], names: list[str]) -> FloatArray:
    return np.concatenate([values[n] for n in names], axis=1)


def _bands(setup: Setup, coverage: Coverage, scenario: str) -> list[tuple[str, int, Share]]:
    root = setup.tree.root
    truth, covered = setup.truth[scenario][root], coverage.covered[scenario][root]
    out = []
    for low, high in BANDS:
        inside = (truth > low) & (truth <= high)
        label = f"{low:.0%}-{high:.0%}" if high < 1 else f"> {low:.0%}"
        out.append((label, int(inside.sum()), Share.of(covered[:, inside])))
    return out


def _expected_outside(replications: int, units: int) -> float:
    """Units expected outside [0.93, 0.97] by chance if every unit's coverage were 0.95."""
    from scipy.stats import binom  # type: ignore[import-untyped]

    low = binom.cdf(np.ceil(0.93 * replications) - 1, replications, NOMINAL)
    high = binom.sf(np.floor(0.97 * replications), replications, NOMINAL)
    return float(units * (low + high))


def _high_items(setup: Setup, coverage: Coverage, scenario: str) -> Share:
    """Coverage of item shares whose truth is above 95 %."""
    parts = [
        coverage.covered[scenario][item.code][:, setup.truth[scenario][item.code] > 0.95]
        for item in setup.items
    ]
    return Share.of(np.concatenate(parts, axis=1))


def binomial_coverage(n: int, truth: FloatArray, ci: CiMethod = "logit") -> FloatArray:
    """Exact coverage of the service's share interval from ``n`` independent answers.

    One unit is one stratum with a constant weight and no fpc: the estimate is the
    sample share, its Taylor variance :math:`\\hat p(1-\\hat p)/(n-1)`, df = n - 1, and the
    interval logit (Korn-Graubard at 0 or 1), as in the service.
    """
    from scipy.stats import binom

    k = np.arange(n + 1, dtype=np.float64)
    share, size = k / n, np.full(n + 1, float(n))
    se = np.sqrt(share * (1.0 - share) / (n - 1))
    low, high, _ = bounded_interval(ci, share, se, size - 1.0, size, NOMINAL)
    covers = (low[:, None] <= truth) & (truth <= high[:, None])
    expected: FloatArray = (binom.pmf(k[:, None], n, truth[None, :]) * covers).sum(axis=0)
    return expected


def _binomial(setup: Setup, coverage: Coverage) -> tuple[Share, float]:
    """Item shares (model truth, no fpc): simulated coverage and the exact binomial one."""
    codes = [item.code for item in setup.items]
    n = _stack(coverage.n["model-wr"], codes)
    covered = _stack(coverage.covered["model-wr"], codes)
    truth = np.broadcast_to(
        _stack({c: setup.truth["model"][c][None, :] for c in codes}, codes), n.shape
    )
    keep = ~np.isnan(n) & (np.nan_to_num(n) >= 2)
    sizes, inverse = np.unique(n[keep].astype(np.int64), return_inverse=True)
    expected = np.empty(inverse.size)
    for s, size in enumerate(sizes.tolist()):
        expected[inverse == s] = binomial_coverage(size, truth[keep][inverse == s], setup.ci)
    return Share.of(covered[keep]), float(expected.mean())


def summarise(setup: Setup, coverage: Coverage) -> Summary:
    """Pooled, banded and per-unit coverage."""
    groups, root = _groups(setup), setup.tree.root
    replications = coverage.covered["design"][root].shape[0]
    per_unit = {s: np.nanmean(coverage.covered[s][root], axis=0) for s in SCENARIOS}
    high = {s: _high_items(setup, coverage, s) for s in SCENARIOS}
    return Summary(
        replications=replications,
        units=setup.units.size,
        respondents=float(np.nanmean(coverage.n["design"][root])),
        pooled={
            s: {g: Share.of(_stack(coverage.covered[s], names)) for g, names in groups.items()}
            for s in SCENARIOS
        },
        bands={s: _bands(setup, coverage, s) for s in SCENARIOS},
        high_items=high,
        per_unit={s: np.quantile(v, [0, 0.05, 0.5, 0.95, 1]).tolist() for s, v in per_unit.items()},
        outside={s: int(np.sum((v < 0.93) | (v > 0.97))) for s, v in per_unit.items()},
        outside_expected=_expected_outside(replications, setup.units.size),
        width={s: float(np.nanmean(coverage.width[s][root])) for s in SCENARIOS},
        at_bound=float(np.nanmean(_stack(coverage.bound["design"], groups["items"]))),
        binomial=_binomial(setup, coverage),
        ci=setup.ci,
    )


def _pct(share: Share) -> str:
    return f"{share.coverage:.1%} ± {share.sd:.2%} ({share.intervals:,})"


LABELS = {
    "design": "design (finite population, fpc)",
    "model": "model truth, fpc",
    "model-wr": "model truth, no fpc",
}


def markdown(summary: Summary, command: str, seconds: float) -> str:
    """The RESULTS.md section."""
    s = summary
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "### Coverage of unit intervals (Monte-Carlo)",
        "",
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; run time {seconds:.0f} s; "
        f"load average at the end {load}",
        f"- command: `{command}`",
        f"- {s.replications} replications of the demo's fieldwork, {s.units} units (strata), "
        f"{s.respondents:.1f} respondents per unit on average; {s.ci} intervals, nominal "
        "level 95 %; "
        "± is one binomial standard deviation of the coverage estimate",
        "",
        "| truth, variance | overall index | element indices | item shares "
        "| item shares, truth > 95 % | mean width (overall) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for k in SCENARIOS:
        p = s.pooled[k]
        lines.append(
            f"| {LABELS[k]} | {_pct(p['overall'])} | {_pct(p['elements'])} | "
            f"{_pct(p['items'])} | {_pct(s.high_items[k])} | {s.width[k]:.3f} |"
        )
    lines += ["", "Overall index by its true value (units in the band, coverage):", ""]
    lines += ["| truth, variance | " + " | ".join(b for b, _, _ in s.bands["design"]) + " |"]
    lines += ["| --- |" + " --- |" * len(BANDS)]
    for k in SCENARIOS:
        cells = [f"{n} units: {_pct(share)}" for _, n, share in s.bands[k]]
        lines.append(f"| {LABELS[k]} | " + " | ".join(cells) + " |")
    lines += ["", "Per-unit coverage of the overall index over the replications:", ""]
    lines += ["| truth, variance | min | 5 % | median | 95 % | max | units outside 93-97 % |"]
    lines += ["| --- | --- | --- | --- | --- | --- | --- |"]
    for k in SCENARIOS:
        q = " | ".join(f"{v:.1%}" for v in s.per_unit[k])
        lines.append(f"| {LABELS[k]} | {q} | {s.outside[k]} of {s.units} |")
    lines += [
        "",
        f"With {s.replications} replications a unit whose true coverage is exactly 95 % falls "
        f"outside 93-97 % by chance alone: {s.outside_expected:.1f} of {s.units} units expected. "
        f"{s.at_bound:.1%} of the item estimates are exactly 0 or 1 (every respondent "
        "satisfied)" + (", where the interval is Korn-Graubard." if s.ci == "logit" else "."),
        "",
        f"Item shares, model truth without fpc, respondents >= 2: simulated coverage "
        f"{_pct(s.binomial[0])}; the exact coverage of the same interval rule for independent "
        f"answers at the same respondent counts and true shares (binomial sums): "
        f"{s.binomial[1]:.1%}.",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run the Monte-Carlo study and print the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=500)
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--quarter", type=int, default=0, choices=[0, 1])
    parser.add_argument(
        "--ci", default="logit", choices=["logit", "wilson", "korn-graubard"],
        help="Interval of shares and indices [default: the service's, logit].",
    )  # fmt: skip
    args = parser.parse_args()
    started = time.perf_counter()
    setup = make_setup(args.dossiers, args.seed, args.quarter, args.ci)
    coverage = run_coverage(setup, args.replications, args.seed)
    summary = summarise(setup, coverage)
    command = ".venv/bin/python bench/coverage_mc.py " + " ".join(sys.argv[1:])
    print(markdown(summary, command.strip(), time.perf_counter() - started))


if __name__ == "__main__":
    main()
