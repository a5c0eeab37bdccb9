"""Benchmark of the analysis engine (issue #5): every per-unit index with its interval.

A synthetic SIPAS-like survey is generated with a seeded Generator: 1,000,000 responses
to 22 items in 5 elements (the last, feedback handling, applies to about 15 % of the
respondents), 3,500 units, strata = unit x channel (about 10,000), every respondent its
own PSU (element sampling of dossiers). One run builds the design and estimates every
item share, element index and overall index of every unit with its logit interval,
design effect, effective sample size and flag (``analysis.estimate_indices``).

The same per-unit estimate of one item is then computed with samplics
(``TaylorEstimator``, one call per unit on the unit's rows with the usable answers as
the domain, which is the same estimator because strata are nested in units) and both
the timing ratio and the largest difference between the two are reported.

Run::

    .venv/bin/python bench/analysis_bench.py --runs 3

and copy the printed Markdown section into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

# Run as a script, the repository root is not on sys.path; put it first so that the
# working tree's analysis package is measured whatever is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from analysis import (
    Estimate,
    ItemScoring,
    estimate_indices,
    estimate_shares,
    make_design,
    make_index_tree,
)

ELEMENTS = {"access": 5, "procedure": 4, "staff": 5, "result": 4, "feedback": 4}


def synthetic(rng: np.random.Generator, n: int, units: int) -> dict[str, Any]:
    """A survey with unit-level true satisfaction between 60 % and 99.5 %."""
    unit = rng.integers(0, units, n)
    channel = rng.choice(3, n, p=[0.6, 0.35, 0.05])
    stratum = unit * 3 + channel
    weight = rng.gamma(4.0, 10.0, n)
    truth = rng.uniform(0.6, 0.995, units)
    j = sum(ELEMENTS.values())
    codes = np.where(rng.random((n, j)) < truth[unit][:, None], 5, 2).astype(np.int8)
    codes[rng.random((n, j)) < 0.01] = -1  # no answer
    codes[rng.random((n, j)) < 0.03] = 0  # not applicable
    gave_feedback = rng.random(n) < 0.15
    codes[~gave_feedback, j - ELEMENTS["feedback"] :] = 0
    items, tree_spec, k = [], {}, 0
    for element, size in ELEMENTS.items():
        codes_e = [f"{element}.{i + 1}" for i in range(size)]
        items += [ItemScoring(code=c, satisfied=(4, 5), not_applicable=(0,)) for c in codes_e]
        tree_spec[element] = codes_e
        k += size
    return {
        "unit": unit,
        "stratum": stratum,
        "weight": weight,
        "codes": codes,
        "items": items,
        "tree": make_index_tree(tree_spec),
    }


def run_engine(data: dict[str, Any]) -> list[Estimate]:
    """Design + every per-unit item, element and overall index."""
    design = make_design(data["weight"], strata=data["stratum"])
    return estimate_indices(
        data["codes"], data["items"], data["tree"], design, domain=data["unit"], missing=(-1,)
    )


def run_one_item(data: dict[str, Any], answers: np.ndarray) -> list[Estimate]:
    """Design + the per-unit share of one item (the task samplics is timed on)."""
    design = make_design(data["weight"], strata=data["stratum"])
    return estimate_shares(
        {"access.1": answers}, (4, 5), design, not_applicable=(0,), domain=data["unit"]
    )


def load_samplics() -> tuple[Any, Any]:
    """Import samplics once, outside the timings (it loads pandas and polars)."""
    warnings.simplefilter("ignore")
    from samplics import PopParam, TaylorEstimator

    return PopParam, TaylorEstimator


def run_samplics(data: dict[str, Any], column: int) -> dict[str, tuple[float, float]]:
    """The per-unit share of one item with samplics, unit by unit."""
    pop_param, taylor_estimator = load_samplics()
    codes = data["codes"][:, column]
    usable = (codes != 0) & (codes != -1)
    y = np.where(usable, (codes >= 4).astype(np.float64), 1.0)
    unit = data["unit"]
    order = np.argsort(unit, kind="stable")
    bounds = np.searchsorted(unit[order], np.arange(unit.max() + 2))
    out = {}
    for u in range(unit.max() + 1):
        rows = order[bounds[u] : bounds[u + 1]]
        estimator = taylor_estimator(pop_param.mean)
        estimator.estimate(
            y=y[rows],
            samp_weight=data["weight"][rows],
            stratum=data["stratum"][rows],
            psu=np.arange(rows.size),
            domain=usable[rows],
        )
        out[str(u)] = (estimator.point_est[True], estimator.stderror[True])
    return out


def timed(function: Callable[[], Any], runs: int) -> tuple[list[float], list[float], Any]:
    """Wall and CPU seconds of ``runs`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def machine() -> str:
    """nproc, CPU model, RAM, Python and numpy versions."""
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        kib = int(handle.readline().split()[1])
    return (
        f"{os.cpu_count()} CPUs ({model}), {kib / 2**20:.0f} GiB RAM, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


def row(label: str, target: str, walls: list[float], cpus: list[float], result: str) -> str:
    """One Markdown table row: medians and every wall time."""
    runs = ", ".join(f"{w:.2f}" for w in walls)
    return (
        f"| {label} | {target} | {statistics.median(walls):.2f} s | "
        f"{statistics.median(cpus):.2f} s | {runs} | {result} |"
    )


def header() -> None:
    """Print the section title, machine, date, command and load."""
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print("## Analysis engine (issue #5)\n")
    print(f"- machine: {machine()}")
    print(f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"- command: `.venv/bin/python bench/analysis_bench.py {' '.join(sys.argv[1:])}`")
    print(f"- load average at the end (1, 5, 15 min): {load}\n")
    print("| benchmark | target | median wall | median CPU | wall runs (s) | result |")
    print("| --- | --- | --- | --- | --- | --- |")


def main() -> None:
    """Run the benchmark and print a Markdown section for bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=3_500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samplics-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20251122)
    args = parser.parse_args()
    data = synthetic(np.random.default_rng(args.seed), args.rows, args.units)
    walls, cpus, results = timed(lambda: run_engine(data), args.runs)
    answers = np.where(data["codes"][:, 0] == -1, np.nan, data["codes"][:, 0].astype(float))
    o_walls, o_cpus, single = timed(lambda: run_one_item(data, answers), args.runs)
    load_samplics()
    s_walls, s_cpus, reference = timed(lambda: run_samplics(data, 0), args.samplics_runs)
    ours = {e.domain: e for e in results if e.variable == "access.1"}
    diff = max(
        max(abs(ours[u].estimate - v[0]), abs(ours[u].se - v[1]) / max(v[1], 1e-300))
        for u, v in reference.items()
    )
    same, strata = all(a.se == ours[a.domain].se for a in single), len(set(data["stratum"]))
    header()
    print(row(
        f"design + every per-unit item, element and overall index with logit interval, "
        f"deff, n_eff, flag: {args.rows:,} responses x 22 items, {args.units:,} units, "
        f"{strata:,} strata", "<= 2 s", walls, cpus, f"{len(results):,} estimates",
    ))  # fmt: skip
    print(row(
        "engine: design + the per-unit share of one item (the samplics task)", "-",
        o_walls, o_cpus, f"{len(single):,} estimates, same as above: {same}",
    ))  # fmt: skip
    print(row(
        f"samplics 0.6 TaylorEstimator, the per-unit share of one item ({args.units:,} "
        "calls)", "-", s_walls, s_cpus, f"max difference {diff:.1e}",
    ))  # fmt: skip
    slow = statistics.median(s_walls)
    print(
        f"\nSpeed ratio on the same task (per-unit share of one item, median wall): "
        f"**{slow / statistics.median(o_walls):.0f}x** (target >= 20x); samplics for one "
        f"item against the engine for all 22 items, 5 elements and the overall index: "
        f"{slow / statistics.median(walls):.0f}x."
    )


if __name__ == "__main__":
    main()
