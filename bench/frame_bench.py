"""Benchmark: import 1,000,000 frame rows into SQLite and PostgreSQL (issue #4).

Each run starts from a fresh database holding the demo city's units, writes a CSV of
N completed dossiers spread over those units, and times ``survey-service frame import``
as a child process: wall time, the child's CPU time and peak resident memory, and on
PostgreSQL the CPU time of the server process serving the import (read from /proc while
it runs), so that figures from a busy machine can be told apart from the work done.

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
import threading
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
            conn.execute(f'CREATE DATABASE "{name}"')
        url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    build_demo(url, n_dossiers=1000, seed=1, progress=False)
    return url


class ServerCpu(threading.Thread):
    """Follow the CPU time of the PostgreSQL backends serving database ``name``."""

    def __init__(self, name: str) -> None:
        super().__init__(daemon=True)
        self.name_ = name
        self.seconds: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            while not self.done.wait(0.1):
                pids = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.name_,)
                ).fetchall()
                for (pid,) in pids:
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    self.seconds[pid] = (int(fields[11]) + int(fields[12])) / tick

    def total(self) -> float:
        self.done.set()
        self.join()
        return sum(self.seconds.values())


def timed_import(url: str, path: Path) -> tuple[float, float, float, float, str]:
    """Wall seconds, child CPU seconds, server CPU seconds, peak RSS (MiB), last line."""
    env = {**os.environ, "SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": "b" * 40}
    command = [
        str(Path(sys.executable).with_name("survey-service")),
        "frame",
        "import",
        "--quiet",
        str(path),
    ]
    server = ServerCpu(url.rsplit("/", 1)[1]) if url.startswith("postgresql") else None
    if server is not None:
        server.start()
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    server_cpu = server.total() if server is not None else 0.0
    output = child.stdout.read().decode() if child.stdout else ""
    if status != 0:
        raise SystemExit(f"import failed: {output}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, server_cpu, usage.ru_maxrss / 1024, output.strip().splitlines()[0]


def _load() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


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
        print(f"load average at the start (1, 5, 15 min): {_load()}")
        for backend in args.backends.split(","):
            times, cpus, servers, memory = [], [], [], []
            for _ in range(args.runs):
                url = fresh_database(backend, workdir)
                seconds, cpu, server, rss, line = timed_import(url, frame)
                times.append(seconds)
                cpus.append(cpu)
                servers.append(server)
                memory.append(rss)
                print(
                    f"  {backend}: {seconds:.1f} s, {args.rows / seconds:,.0f} rows/s, "
                    f"import CPU {cpu:.1f} s, server CPU {server:.1f} s, peak {rss:.0f} MiB "
                    f"({line}); load {_load()}",
                    flush=True,
                )
            median = statistics.median(times)
            print(
                f"{backend}: median {median:.1f} s = {args.rows / median:,.0f} rows/s "
                f"(runs {', '.join(f'{t:.1f}' for t in times)} s); median import CPU "
                f"{statistics.median(cpus):.1f} s, server CPU {statistics.median(servers):.1f} s; "
                f"peak memory max {max(memory):.0f} MiB over {args.runs} runs",
                flush=True,
            )
        print(f"load average at the end (1, 5, 15 min): {_load()}")


if __name__ == "__main__":
    main()
