"""Benchmarks of the sampling library (issue #4).

1. Draw a stratified systematic sample of 100,000 (plus a 20 % reserve) from a frame of
   10,000,000 dossiers in 3,500 units × 3 channels, sorted within strata by field and
   result date: allocation (equal per unit, bounded) and selection. Target: <= 10 s.
2. Rake 1,000,000 respondents over three margins (3,500 units, 3 channels, 30 fields) to a
   relative tolerance of 1e-10. Target: <= 3 s.

Each is timed over several runs (median reported); peak memory is the peak of Python-traced
allocations (tracemalloc, which sees numpy buffers) in one extra run, and the process's
maximum resident set size at the end. Run from the repository root::

    .venv/bin/python bench/sampling_bench.py [--runs 5]

It prints a Markdown section for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

# Run as a script, the repository root is not on sys.path; put it first so that the working
# tree's sampling package is measured whatever is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sampling import allocate, draw_sample, rake

UNITS, CHANNELS, FIELDS = 3_500, 3, 30
FRAME_ROWS, SAMPLE = 10_000_000, 100_000
RESPONDENTS = 1_000_000


def make_frame(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stratum codes (unit × channel), a packed sort key (field, date) and each unit code."""
    # Unit sizes vary as in a city: a few large departments, many small communes.
    unit_share = rng.lognormal(0.0, 1.2, UNITS)
    unit = rng.choice(UNITS, FRAME_ROWS, p=unit_share / unit_share.sum())
    channel = rng.choice(CHANNELS, FRAME_ROWS, p=[0.55, 0.40, 0.05])
    strata = unit * CHANNELS + channel
    field = rng.integers(0, FIELDS, FRAME_ROWS)
    day = rng.integers(0, 92, FRAME_ROWS)
    sort_key = field * 100 + day
    return strata.astype(np.int64), sort_key.astype(np.int64), np.arange(UNITS * CHANNELS) // 3


def draw(strata: np.ndarray, sort_key: np.ndarray, unit_of_stratum: np.ndarray, seed: int) -> int:
    """Allocate 100,000 equally per unit (5 to 400 per stratum) and draw with a reserve."""
    population = np.bincount(strata, minlength=UNITS * CHANNELS)
    sizes = allocate(
        SAMPLE, population, method="equal", units=unit_of_stratum, minimum=5, maximum=400
    )
    reserve = np.minimum(np.ceil(0.2 * sizes).astype(np.int64), population - sizes)
    sample = draw_sample(
        strata,
        sizes,
        np.random.default_rng(seed),
        sort_keys=[sort_key],
        reserve_sizes=reserve,
    )
    return int(sample.index.size)


def make_respondents(
    rng: np.random.Generator,
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Design weights, the three margins' codes and population totals that agree."""
    unit = rng.integers(0, UNITS, RESPONDENTS)
    channel = rng.choice(CHANNELS, RESPONDENTS, p=[0.7, 0.27, 0.03])
    field = rng.integers(0, FIELDS, RESPONDENTS)
    weights = rng.uniform(5.0, 50.0, RESPONDENTS)
    # Frame counts that differ from the weighted sample, as after nonresponse.
    unit_total = np.bincount(unit, weights, UNITS) * rng.uniform(0.8, 1.25, UNITS)
    grand = unit_total.sum()
    channel_total = grand * np.array([0.55, 0.40, 0.05])
    field_share = rng.uniform(0.5, 1.5, FIELDS)
    field_total = grand * field_share / field_share.sum()
    return weights, [unit, channel, field], [unit_total, channel_total, field_total]


class Figures(NamedTuple):
    """Timings of one benchmark."""

    wall: list[float]
    cpu: list[float]
    peak_mib: float

    def row(self) -> str:
        """Median wall and CPU time, the runs, and the peak, as Markdown cells."""
        runs = ", ".join(f"{t:.2f}" for t in self.wall)
        wall, cpu = statistics.median(self.wall), statistics.median(self.cpu)
        return f"{wall:.2f} s | {cpu:.2f} s | {runs} | {self.peak_mib:,.0f} MiB"


def measure(task: Callable[[], object], runs: int) -> Figures:
    """Wall and CPU times of ``runs`` calls, and the traced peak (MiB) of one more call."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        task()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    tracemalloc.start()
    task()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return Figures(wall, cpu, peak)


def bench_draw(rng: np.random.Generator, runs: int) -> tuple[Figures, int]:
    """Build the frame (untimed) and time the allocation and the draw."""
    frame = make_frame(rng)
    return measure(lambda: draw(*frame, seed=1), runs), draw(*frame, seed=1)


def bench_rake(rng: np.random.Generator, runs: int) -> tuple[Figures, str]:
    """Build the respondents (untimed) and time the raking."""
    weights, margins, totals = make_respondents(rng)
    report = rake(weights, margins, totals, tol=1e-10).report
    figures = measure(lambda: rake(weights, margins, totals, tol=1e-10), runs)
    return figures, f"{report.iterations} cycles, error {report.max_relative_error:.1e}"


def machine() -> str:
    """nproc, CPU model and RAM of this machine."""
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if "model name" in line]
        model = names[0] if names else model
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = f"Python {platform.python_version()}, numpy {np.__version__}"
    return f"{os.cpu_count()} CPUs ({model}), {ram:.0f} GiB RAM, {python}"


def main() -> None:
    """Run both benchmarks and print the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    rng = np.random.default_rng(20250701)
    draw_figures, drawn = bench_draw(rng, runs)
    rake_figures, raked = bench_rake(rng, runs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print("## Sampling (issue #4)\n")
    print(f"- machine: {machine()}")
    print(f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"- command: `.venv/bin/python bench/sampling_bench.py --runs {runs}`")
    print(f"- load average at the end (1, 5, 15 min): {load}\n")
    print(
        "| benchmark | target | median wall | median CPU | wall runs (s) | peak traced | result |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(
        f"| draw 100,000 (+20 % reserve) from 10,000,000 dossiers, {UNITS * CHANNELS:,} "
        f"strata, systematic over (field, date) | ≤ 10 s | {draw_figures.row()} "
        f"| {drawn:,} drawn |"
    )
    print(
        f"| rake 1,000,000 respondents over {UNITS:,} units, {CHANNELS} channels, {FIELDS} "
        f"fields to 1e-10 | ≤ 3 s | {rake_figures.row()} | {raked} |"
    )
    print(f"\nMaximum resident set size of the process: {rss:,.0f} MiB (frame arrays included).")


if __name__ == "__main__":
    main()
