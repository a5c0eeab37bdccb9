"""Benchmark: import 1,000,000 frame rows into SQLite and PostgreSQL (issue #4).

Each run starts from a fresh database holding the demo city's units, writes a CSV of
N completed dossiers spread over those units, and times ``survey-service frame import``
as a child process (wall time and the child's peak resident memory).

    python bench/frame_bench.py --rows 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import select

from survey_service.db.engine import make_sync_engine
from survey_service.db.models import Unit
from survey_service.demo import build_demo

ADMIN = os.environ.get("SURVEY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
CHANNELS = np.array(["in_person", "online", "postal"])


def write_frame(path: Path, units: list[str], rows: int, seed: int = 7) -> None:
    """A CSV like a one-stop-shop export: dates, channels, contacts."""
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, len(units), rows)
    channel = rng.choice(3, rows, p=[0.4, 0.597, 0.003])
    start = dt.date(2025, 7, 1).toordinal()
    received = start + rng.integers(0, 170, rows)
    result = received + rng.integers(0, 15, rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "dossier_code",
                "unit_code",
                "procedure_code",
                "field_code",
                "channel",
                "applicant_kind",
                "applicant_id",
                "phone",
                "email",
                "received_on",
                "result_on",
                "on_time",
            ]
        )
        for i in range(rows):
            out.writerow(
                (
                    f"BENCH-{i:08d}",
                    units[unit[i]],
                    "1.001193",
                    "HT",
                    CHANNELS[channel[i]],
                    "citizen",
                    f"0010{i:08d}",
                    f"09{i % 100_000_000:08d}",
                    "",
                    dt.date.fromordinal(int(received[i])).isoformat(),
                    dt.date.fromordinal(int(result[i])).isoformat(),
                    "true",
                )
            )


def fresh_database(backend: str, workdir: Path) -> str:
    """A migrated database with the demo city's units (and a few demo dossiers)."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'frame-{time.monotonic_ns()}.db'}"
    else:
        name = f"frame_bench_{os.getpid()}_{time.monotonic_ns()}"
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    build_demo(url, n_dossiers=1000, seed=1, progress=False)
    return url


def timed_import(url: str, path: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and the last output line of one import."""
    env = {**os.environ, "SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": "b" * 40}
    command = [
        str(Path(sys.executable).with_name("survey-service")),
        "frame",
        "import",
        "--quiet",
        str(path),
    ]
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    output = child.stdout.read().decode() if child.stdout else ""
    if status != 0:
        raise SystemExit(f"import failed: {output}")
    return seconds, usage.ru_maxrss / 1024, output.strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        units_url = fresh_database("sqlite", workdir)
        engine = make_sync_engine(units_url)
        with engine.connect() as conn:
            units = list(conn.scalars(select(Unit.code).where(Unit.kind != "city")))
        engine.dispose()
        frame = workdir / "frame.csv"
        write_frame(frame, units, args.rows)
        size = frame.stat().st_size / 2**20
        print(f"{args.rows:,} rows, {size:.0f} MiB CSV, {len(units)} units")
        for backend in args.backends.split(","):
            times, memory = [], []
            for _ in range(args.runs):
                url = fresh_database(backend, workdir)
                seconds, rss, line = timed_import(url, frame)
                times.append(seconds)
                memory.append(rss)
                print(
                    f"  {backend}: {seconds:.1f} s, {args.rows / seconds:,.0f} rows/s, "
                    f"peak {rss:.0f} MiB ({line})"
                )
            median = statistics.median(times)
            print(
                f"{backend}: median {median:.1f} s = {args.rows / median:,.0f} rows/s, "
                f"peak memory max {max(memory):.0f} MiB over {args.runs} runs"
            )


if __name__ == "__main__":
    main()
