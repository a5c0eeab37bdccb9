"""Benchmark ``build_demo``: wall time and peak memory of whole runs, each in its own process.

Every run builds the demo city into a fresh database (a new SQLite file, or a new
PostgreSQL database that is dropped afterwards) in a child process, with the progress bar
off. The parent measures the child's wall time from start to exit (interpreter start and
imports included, as a user of ``survey-service demo`` sees it) and reads the child's CPU
time and peak resident memory from ``os.wait4`` (CPU time says more than wall time when
other work shares the machine). It prints the machine, the load average and a Markdown
table of medians, for ``bench/RESULTS.md``.

Usage::

    .venv/bin/python bench/demo_bench.py                       # SQLite, 200k and 2M, 3 runs
    .venv/bin/python bench/demo_bench.py --backend postgresql --runs 1
    .venv/bin/python bench/demo_bench.py --sizes 200000 --runs 5

PostgreSQL runs need a server: ``SURVEY_BENCH_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``) names a database to connect to in order to
create and drop the benchmark databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    url = make_url(os.environ.get("SURVEY_BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL))
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


def _fresh_postgres() -> str:
    name = f"demo_bench_{secrets.token_hex(4)}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    admin = make_url(os.environ.get("SURVEY_BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL))
    return admin.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')  # type: ignore[arg-type]


def run_child(url: str, dossiers: int) -> None:
    """Build the demo (the measured work) and print the time build_demo itself took."""
    from survey_service.demo import build_demo

    started = time.perf_counter()
    build_demo(url, n_dossiers=dossiers, progress=False)
    print(f"{time.perf_counter() - started:.3f}")


def measure(url: str, dossiers: int) -> tuple[float, float, float, float]:
    """Return wall s, build_demo s, CPU s (user + system) and peak RSS MiB of one run."""
    command = [sys.executable, __file__, "child", url, str(dossiers)]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    output = child.stdout.read() if child.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark run failed: {' '.join(command)}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, float(output.strip().splitlines()[-1]), cpu, usage.ru_maxrss / 1024


def _run(backend: str, dossiers: int, workdir: Path) -> tuple[float, float, float, float]:
    if backend == "sqlite":
        path = workdir / f"demo-{secrets.token_hex(4)}.db"
        try:
            return measure(f"sqlite:///{path}", dossiers)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = _fresh_postgres()
    try:
        return measure(url, dossiers)
    finally:
        _drop_postgres(url)


def machine() -> list[str]:
    """Describe the machine: CPUs, model, memory, versions, load."""
    info = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- machine: {os.cpu_count()} CPUs (nproc), {model}, {total_kib / 1024**2:.1f} GiB RAM",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.release()}",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average before: {load}",
    ]


def main() -> None:
    """Run the benchmark and print the Markdown report."""
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        run_child(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 2_000_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lines = [*machine(), f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`", ""]
    lines += [
        "| backend | dossiers | runs | wall median (s) | wall min–max (s) "
        "| build_demo median (s) | CPU median (s) | peak RSS median (MiB) | peak RSS max (MiB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory(prefix="demo-bench-") as tmp:
        for size in args.sizes:
            runs = [_run(args.backend, size, Path(tmp)) for _ in range(args.runs)]
            for wall, inner, cpu, rss in runs:
                load = os.getloadavg()[0]
                print(
                    f"# {args.backend} {size:,}: wall {wall:.1f} s, build_demo {inner:.1f} s, "
                    f"CPU {cpu:.1f} s, {rss:.0f} MiB, load now {load:.1f}",
                    file=sys.stderr,
                    flush=True,
                )
            walls = [r[0] for r in runs]
            lines.append(
                f"| {args.backend} | {size:,} | {len(runs)} | {statistics.median(walls):.1f} "
                f"| {min(walls):.1f}–{max(walls):.1f} "
                f"| {statistics.median(r[1] for r in runs):.1f} "
                f"| {statistics.median(r[2] for r in runs):.1f} "
                f"| {statistics.median(r[3] for r in runs):.0f} | {max(r[3] for r in runs):.0f} |"
            )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
