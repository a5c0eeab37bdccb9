"""Benchmark: every per-unit index with its interval, from PostgreSQL (issue #5).

A fresh PostgreSQL database is migrated and bulk-loaded with ``COPY``: the bundled SIPAS
questionnaire (22 items; the feedback element applies to about 15 % of the respondents),
``--units`` units, strata unit x channel, one sample member per response, responses,
answers (one row per item; 1 % unanswered, 3 % "does not apply") and a weight set.
Foreign-key triggers are off during the load (sample members point at dossiers that are
not loaded; the timed query never reads dossiers); the keys of ``answers`` are built
after the copy, then everything is vacuumed and analysed.

A timed run is what the service does for a survey: one SQL ``GROUP BY`` sums the answers
per PSU (``survey_service.features.indices.records``), the records come back by binary
``COPY``, and every item share, element index and overall index of every unit is
estimated with its interval, design effect, effective n and flag (``estimate_survey``
without roll-up: the issue's per-unit target; a second row adds the roll-up to the
city). The process uses one BLAS thread (``OPENBLAS_NUM_THREADS=1`` unless set: the Gram
matrices are 3,500 small products that OpenBLAS's threads slow down 3 to 30 times on two
busy cores) and no transparent huge pages for numpy (``NUMPY_MADVISE_HUGEPAGE=0`` unless
set: the kernel's zeroing of 2 MB pages doubled the CPU of the estimates). Also
reported: the server CPU of the database step in one backend, and the same step read
from a per-response summary table (which the schema does not have).

Run ``.venv/bin/python bench/indices_db_bench.py --responses 1000000 --runs 3`` and copy
the printed Markdown section into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS
# numpy asks for transparent huge pages for its large arrays (madvise); with THP in
# "madvise" mode the kernel then zeroes (and compacts for) 2 MB pages, which cost the
# estimates ~1.9 s of system CPU per freshly loaded survey here, 0.4 s without.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import numpy as np
import psycopg
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from analysis import ItemScoring, tree_from_instrument
from instruments import load_bundled
from survey_service.db.engine import make_sync_engine
from survey_service.db.migrate import upgrade
from survey_service.features.indices.service import estimate_survey, load_survey_data
from survey_service.features.instruments.registry import register_bundled_instruments

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SURVEY = "BENCH-2025-Q3"
CHUNK = 50_000  # responses per COPY chunk
CHANNELS = ("in_person", "online", "postal")
NA = 9
FIELDS = ("total", "cpu", "database", "python", "estimates", "psus", "strata")
LOAD_STEPS = ("copy responses, members, weights", "copy answers", "answer keys", "vacuum analyze")


def _text(values: NDArray[Any]) -> NDArray[np.str_]:
    return values.astype(np.str_)


def _lines(*columns: NDArray[np.str_]) -> bytes:
    """Tab-separated COPY text of equal-length string columns."""
    rows = zip(*(c.tolist() for c in columns), strict=True)
    return "".join(f"{line}\n" for line in map("\t".join, rows)).encode()


class City:
    """The synthetic survey as arrays (seeded)."""

    def __init__(self, responses: int, units: int, seed: int, items: list[ItemScoring]) -> None:
        rng = np.random.default_rng(seed)
        self.n, self.units, self.items, self.rng = responses, units, items, rng
        self.unit = rng.integers(0, units, responses)
        channel = rng.choice(3, responses, p=[0.6, 0.35, 0.05])
        self.stratum_key = self.unit * 3 + channel
        keys, self.stratum = np.unique(self.stratum_key, return_inverse=True)
        self.stratum_unit, self.stratum_channel = keys // 3, keys % 3
        self.n_h = np.bincount(self.stratum)
        self.population = self.n_h * rng.integers(5, 40, keys.size)
        self.base = (self.population / self.n_h)[self.stratum]
        self.weight = self.base * rng.uniform(0.7, 1.4, responses)
        self.truth = rng.uniform(0.6, 0.995, units)

    def answers(self, start: int, stop: int) -> tuple[NDArray[np.int64], NDArray[np.int8]]:
        """Answer codes of responses ``start:stop`` (0 = no row), shape (k, J)."""
        k, j = stop - start, len(self.items)
        satisfied = self.rng.random((k, j)) < self.truth[self.unit[start:stop]][:, None]
        good, bad = self.rng.integers(4, 6, (k, j)), self.rng.integers(1, 4, (k, j))
        codes = np.where(satisfied, good, bad)
        codes[self.rng.random((k, j)) < 0.03] = NA
        feedback = np.array([n for n, c in enumerate(self.items) if c.code.startswith("feedback")])
        codes[np.ix_(self.rng.random(k) >= 0.15, feedback)] = NA
        codes[self.rng.random((k, j)) < 0.01] = 0
        return np.arange(start, stop, dtype=np.int64) + 1, codes.astype(np.int8)

    def chunks(self) -> Iterator[tuple[int, int]]:
        """Response ranges of one COPY chunk each."""
        return ((a, min(a + CHUNK, self.n)) for a in range(0, self.n, CHUNK))


def _copy(cursor: Any, table: str, columns: str, chunks: Iterator[bytes]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for chunk in chunks:
            copy.write(chunk)


TABLES = """
CREATE TEMP TABLE bench_strata (id int, unit_id int, channel text, population int, n int);
CREATE TEMP TABLE bench_rows (id bigint, unit_id int, stratum_id int, base float8, weight float8);
"""
FILL = """
INSERT INTO units (id, code, kind, name, parent_id, valid_from, created_at)
  VALUES (1, 'CITY', 'city', 'Bench city', NULL, '2025-01-01', '{now}');
INSERT INTO units (id, code, kind, name, parent_id, valid_from, created_at)
  SELECT u, 'U' || u, CASE WHEN u % 2 = 0 THEN 'ward' ELSE 'commune' END, 'Unit ' || u, 1,
         '2025-01-01', '{now}' FROM generate_series(2, {units} + 1) u;
INSERT INTO surveys (id, code, title, instrument_version_id, period_start, period_end, modes,
  status, created_at) VALUES (1, '{survey}', 'Bench', {version}, '2025-07-01', '2025-09-30',
  '["invitation"]', 'closed', '{now}');
INSERT INTO sample_designs (id, survey_id, name, version, spec, created_at)
  VALUES (1, 1, 'bench', 1, '{{}}', '{now}');
INSERT INTO weight_sets (id, survey_id, design_id, method, parameters, diagnostics, created_at)
  VALUES (1, 1, 1, 'probability', '{{}}', '{{}}', '{now}');
INSERT INTO strata (id, design_id, key, unit_id, channel, population_size, sample_size)
  SELECT id, 1, 's' || id, unit_id, channel, population, n FROM bench_strata;
INSERT INTO sample_members (id, design_id, stratum_id, dossier_id, unit_id,
  inclusion_probability, base_weight, is_reserve)
  SELECT id, 1, stratum_id, id, unit_id, 1 / base, base, false FROM bench_rows;
INSERT INTO responses (id, survey_id, instrument_version_id, content_hash, unit_id,
  sample_member_id, mode, probability_sample, language, finished, submitted_at, flags)
  SELECT id, 1, {version}, '{digest}', unit_id, id, 'invitation', true, 'vi', true, '{now}',
         '[]' FROM bench_rows;
INSERT INTO response_weights (weight_set_id, response_id, weight)
  SELECT 1, id, weight FROM bench_rows;
"""


def _per_response(cursor: Any, city: City, version: tuple[int, str]) -> None:
    """Strata, sample members, responses and weights: staged by COPY, filled by SQL."""
    cursor.execute(TABLES)
    h = np.arange(city.n_h.size)
    _copy(cursor, "bench_strata", "id, unit_id, channel, population, n", iter([_lines(
        _text(h + 1), _text(city.stratum_unit + 2), np.array(CHANNELS)[city.stratum_channel],
        _text(city.population), _text(city.n_h))]))  # fmt: skip
    _copy(cursor, "bench_rows", "id, unit_id, stratum_id, base, weight", (_lines(
        _text(np.arange(a, b) + 1), _text(city.unit[a:b] + 2), _text(city.stratum[a:b] + 1),
        _text(city.base[a:b]), _text(city.weight[a:b])) for a, b in city.chunks()))  # fmt: skip
    cursor.execute(FILL.format(now="2025-10-01 00:00:00+00", units=city.units, survey=SURVEY,
                               version=version[0], digest=version[1]))  # fmt: skip


def _digits(values: NDArray[np.int64], width: int) -> NDArray[np.uint8]:
    """Zero-padded decimal digits of ``values`` as ASCII, shape (n, width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits: NDArray[np.uint8] = ((values[:, None] // powers) % 10 + 48).astype(np.uint8)
    return digits


def _place(buffer: NDArray[np.uint8], start: NDArray[np.int64], values: NDArray[np.uint8]) -> None:
    buffer[start[:, None] + np.arange(values.shape[1])] = values


def _answer_text(rows: dict[str, NDArray[np.int64]], codes: list[bytes]) -> bytes:
    """COPY text of answer rows, built as bytes with numpy (about 10x faster than strings).

    ``id<TAB>response_id<TAB>item_code<TAB>value<TAB>\\N<TAB>satisfied<LF>``: numbers are
    zero-padded (PostgreSQL reads ``000123`` as 123), ``satisfied`` is ``t``, ``f`` (padded
    with a blank, which boolean input ignores) or ``\\N``.
    """
    item, state = rows["item"], rows["state"]
    code_length = np.array([len(c) for c in codes], dtype=np.int64)[item]
    length = 10 + 1 + 8 + 1 + code_length + 1 + 1 + 1 + 2 + 1 + 2 + 1
    start = np.cumsum(length) - length
    buffer = np.full(int(length.sum()), ord("\t"), dtype=np.uint8)
    _place(buffer, start, _digits(rows["id"], 10))
    _place(buffer, start + 11, _digits(rows["response"], 8))
    for j, code in enumerate(codes):
        text = np.frombuffer(code, np.uint8)[None, :]
        _place(buffer, start[item == j] + 20, text.repeat(np.count_nonzero(item == j), 0))
    after = start + 20 + code_length
    buffer[after + 1] = rows["value"] + 48
    _place(buffer, after + 3, np.frombuffer(b"\\N", np.uint8)[None, :].repeat(item.size, 0))
    _place(buffer, after + 6, np.frombuffer(b"f t \\N", np.uint8).reshape(3, 2)[state])
    buffer[start + length - 1] = ord("\n")
    return buffer.tobytes()


def _answers(city: City) -> Iterator[bytes]:
    j, first = len(city.items), 1
    codes = [item.code.encode() for item in city.items]
    for a, b in city.chunks():
        rid, values = city.answers(a, b)
        keep = (values != 0).ravel()
        value = values.ravel()[keep].astype(np.int64)
        rows = {
            "id": np.arange(first, first + value.size, dtype=np.int64),
            "response": np.repeat(rid, j)[keep],
            "item": np.tile(np.arange(j), rid.size)[keep],
            "value": value,
            "state": np.where(value == NA, 2, (value >= 4).astype(np.int64)),
        }
        first += value.size
        yield _answer_text(rows, codes)


def create_database(name: str) -> str:
    """Create (or re-create) database ``name``, migrated to head; return its URL."""
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    return url


# The secondary keys of answers (migrations' names), dropped for the copy and rebuilt.
UNIQUE, INDEX = "uq_answers_response_id_item_code_value", "ix_answers_item_code_response_id"
DROP_KEYS = (f"ALTER TABLE answers DROP CONSTRAINT {UNIQUE}", f"DROP INDEX {INDEX}")
BUILD_KEYS = (
    f"ALTER TABLE answers ADD CONSTRAINT {UNIQUE} UNIQUE (response_id, item_code, value)",
    f"CREATE INDEX {INDEX} ON answers (item_code, response_id)",
)


def load(url: str, city: City) -> dict[str, float]:
    """Bulk-load the survey; return the seconds of each step."""
    engine = make_sync_engine(url)
    with engine.begin() as conn:
        version_id = register_bundled_instruments(conn)["sipas/1"]
        digest = conn.exec_driver_sql(
            f"SELECT content_hash FROM instrument_versions WHERE id = {version_id}"
        ).scalar_one()
    engine.dispose()
    marks = [time.perf_counter()]
    with psycopg.connect(url) as conn:
        cursor = conn.cursor()
        for statement in ("SET session_replication_role = replica", *DROP_KEYS):
            cursor.execute(statement)
        _per_response(cursor, city, (version_id, digest))
        marks.append(time.perf_counter())
        _copy(
            cursor, "answers", "id, response_id, item_code, value, text, satisfied", _answers(city)
        )
        marks.append(time.perf_counter())
        for statement in BUILD_KEYS:
            cursor.execute(statement)
        conn.commit()
        marks.append(time.perf_counter())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    marks.append(time.perf_counter())
    return dict(zip(LOAD_STEPS, np.diff(marks).tolist(), strict=True))


def timed_run(url: str, rollup: bool) -> dict[str, float]:
    """One run of the service path: SQL sums and transfer, then the estimates."""
    engine = make_sync_engine(url)
    wall, cpu = time.perf_counter(), time.process_time()
    with engine.connect() as conn:
        data = load_survey_data(conn, SURVEY)
    middle = time.perf_counter()
    estimates = estimate_survey(data, rollup=rollup)
    end = time.perf_counter()
    engine.dispose()
    n, strata = data.records.n, len(data.records.strata.labels)
    values = (end - wall, time.process_time() - cpu, middle - wall, end - middle)
    return dict(zip(FIELDS, (*values, len(estimates.estimates), n, strata), strict=True))


def _size(url: str) -> str:
    size = "SELECT pg_size_pretty(pg_database_size(current_database())), count(*) FROM answers"
    with psycopg.connect(url) as conn:
        row = conn.execute(size).fetchone() or ("?", 0)
    return f"{row[0]}, {row[1]:,} answer rows"


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # user + system


def database_cpu(url: str) -> float:
    """Server CPU seconds of the database step in one backend (no parallel workers)."""
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SET max_parallel_workers_per_gather = 0")
        pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        before = _cpu_seconds(pid)
        load_survey_data(conn, SURVEY)
        spent = _cpu_seconds(pid) - before
    engine.dispose()
    return spent


SUMMARY = (
    "CREATE TABLE IF NOT EXISTS response_bits AS SELECT a.response_id,"
    " sum(CASE WHEN a.satisfied THEN b.bit ELSE 0 END) AS sat, sum(b.bit) AS use"
    " FROM answers a JOIN (VALUES {values}) b (item_code, bit) ON b.item_code = a.item_code"
    " WHERE a.satisfied IS NOT NULL GROUP BY a.response_id"
)
READ = (
    "COPY (SELECT s.stratum_id, r.unit_id, w.weight, coalesce(b.sat, 0), coalesce(b.use, 0)"
    " FROM responses r JOIN sample_members s ON s.id = r.sample_member_id"
    " JOIN response_weights w ON w.response_id = r.id AND w.weight_set_id = 1"
    " LEFT JOIN response_bits b ON b.response_id = r.id WHERE r.survey_id = 1 AND r.finished)"
    " TO STDOUT (FORMAT BINARY)"
)


def summary_table_runs(url: str, items: list[ItemScoring], runs: int) -> list[float]:
    """The database step read from a per-response summary table (built once, not timed)."""
    values = ", ".join(f"('{item.code}', {1 << j})" for j, item in enumerate(items))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET work_mem = '128MB'")
        conn.execute(SUMMARY.format(values=values))
        conn.execute("VACUUM ANALYZE response_bits")
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            with conn.cursor().copy(READ) as copy:
                size = sum(len(block) for block in copy)
            seconds.append(time.perf_counter() - started)
    assert size > 0
    return seconds


Timings = dict[str, list[dict[str, float]]]


def markdown(args: argparse.Namespace, loading: dict[str, float], size: str, runs: Timings,
             extra: tuple[float, list[float]]) -> str:  # fmt: skip
    """The RESULTS.md section."""
    median = statistics.median
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    first = runs["per unit"][0]
    lines = [
        f"### {args.responses:,} responses x 22 items, {args.units:,} units",
        "",
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}, PostgreSQL on the same machine (default configuration)",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average at the end {load}",
        f"- command: `.venv/bin/python bench/indices_db_bench.py {' '.join(sys.argv[1:])}`",
        f"- database: {size}; {int(first['strata']):,} strata, {int(first['psus']):,} PSUs",
        "- load: " + "; ".join(f"{k} {v:.0f} s" for k, v in loading.items()),
        f"- database step in one backend without parallel workers: {extra[0]:.1f} s of server CPU",
        f"- database step from a per-response summary table instead of answers: median "
        f"{median(extra[1]):.2f} s (runs {', '.join(f'{x:.2f}' for x in extra[1])})",
        f"- OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
        f"NUMPY_MADVISE_HUGEPAGE={os.environ.get('NUMPY_MADVISE_HUGEPAGE')}",
        "",
        "| run | target | median wall | median CPU (client) | database (sums + transfer) "
        "| Python (statistics + estimates) | wall runs (s) | estimates |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, results in runs.items():
        walls, target = [r["total"] for r in results], "<= 10 s" if name == "per unit" else "-"
        figures = [f"{median(r[k] for r in results):.2f} s" for k in FIELDS[:4]]
        runs_text = ", ".join(f"{w:.2f}" for w in walls)
        lines.append(f"| {name} | {target} | {' | '.join(figures)} | {runs_text} | "
                     f"{int(results[0]['estimates']):,} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    """Load (unless ``--reuse``), time the runs and print the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=3_500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--database", default=f"indices_bench_{os.getpid()}")
    parser.add_argument("--reuse", action="store_true", help="Time an already loaded database.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()
    url = ADMIN.rsplit("/", 1)[0] + f"/{args.database}"
    loading: dict[str, float] = {}
    _, items = tree_from_instrument(load_bundled("sipas", 1))
    if not args.reuse:
        url = create_database(args.database)
        loading = load(url, City(args.responses, args.units, args.seed, list(items)))
        print("loaded:", loading, file=sys.stderr)
    try:
        timed_run(url, rollup=False)  # warm the cache once, as a server that runs all day
        runs = {"per unit": [timed_run(url, rollup=False) for _ in range(args.runs)]}
        runs["per unit + roll-up to the city"] = [timed_run(url, True) for _ in range(args.runs)]
        extra = (database_cpu(url), summary_table_runs(url, list(items), args.runs))
        print(markdown(args, loading, _size(url), runs, extra))
    finally:
        if not args.keep:
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
