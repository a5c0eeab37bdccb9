"""Questionnaire intake under a bounded loopback load (issue #3).

Each run builds a fresh demo city (``survey_service.demo.build_demo``: surveys open on
every unit, on the short post-result form), starts the real service with
``survey-service serve --workers N``, and fires a fixed number of open-link submissions
at ``POST /api/units/{code}/responses`` (or form posts at ``/u/{code}``) spread over all
units, from a fixed number of concurrent keep-alive connections on loopback. Every
``--per-address`` submits a connection is replaced by one from a new source address
(127.x.y.z), so the service keeps its default open-link rate limit per address. It
reports accepted submissions per second, p50/p99 latency and errors, and checks in the
database that nothing was lost or doubled: new responses == accepted replies and new
answers == accepted × answers per submission.

The load generator is a small asyncio HTTP/1.1 client with prebuilt requests, so that on
a 2-core machine it takes as little CPU from the server as possible; its own CPU time
and the server's are measured and reported (``--client httpx`` cross-checks it).

    .venv/bin/python bench/intake_bench.py --backend both --runs 3

PostgreSQL: databases are created and dropped through ``SURVEY_BENCH_POSTGRES_URL``
(default ``postgresql://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_service.db.engine import make_sync_engine  # noqa: E402
from survey_service.demo import build_demo  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get(
    "SURVEY_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SECRET = "intake-bench-secret-" + "b" * 30
ITEMS = ["access_facilities", "procedure_clear", "staff_attitude", "staff_competence"]
ITEMS += ["result_on_time", "overall"]
COMMENTS = ["Cán bộ nhiệt tình.", "Phải chờ khá lâu.", "Thủ tục nhanh gọn, rõ ràng."]
ANSWERS_PER_SUBMISSION = len(ITEMS) + 1  # the scored items, overall and one comment
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WARMUP_ADDRESSES = 5_000_000  # the warm-up's citizens come from other addresses


# --- databases ----------------------------------------------------------------------------


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    url = make_url(POSTGRES_ADMIN_URL)
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
        connect_timeout=5,
    )


@contextlib.contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    """An empty database of its own for one run, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    name = f"intake_bench_{os.getpid()}_{secrets.token_hex(4)}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def open_unit_codes(url: str) -> list[str]:
    """Codes of the units a survey takes open-link answers for."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return list(
                conn.scalars(
                    text(
                        "SELECT DISTINCT u.code FROM units u "
                        "JOIN survey_units su ON su.unit_id = u.id ORDER BY u.code"
                    )
                )
            )
    finally:
        engine.dispose()


def stored_counts(url: str, key_prefix: str) -> tuple[int, int, int, int]:
    """(responses, answers, responses with this run's keys, distinct such keys)."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            responses = conn.scalar(text("SELECT count(*) FROM responses"))
            answers = conn.scalar(text("SELECT count(*) FROM answers"))
            mine, distinct = conn.execute(
                text(
                    "SELECT count(*), count(DISTINCT submission_key) FROM responses "
                    "WHERE submission_key LIKE :prefix"
                ),
                {"prefix": key_prefix + "%"},
            ).one()
            return int(responses or 0), int(answers or 0), int(mine), int(distinct)
    finally:
        engine.dispose()


# --- the server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                pids.append(int(entry.name))
    return pids


def _cpu_ticks(pid: int) -> int:
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    return 0


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes of a process group."""
    return sum(_cpu_ticks(pid) for pid in _group_pids(pgid)) / CLOCK_TICKS


def postgres_cpu_seconds() -> float:
    """CPU seconds of every PostgreSQL server process on the machine (all databases)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    total += _cpu_ticks(int(entry.name))
    return total / CLOCK_TICKS


class Server:
    """``survey-service serve`` in its own process group."""

    def __init__(self, url: str, workers: int, workdir: Path, open_link_limit: int) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"server-{self.port}.log"
        env = {
            **os.environ,
            "SURVEY_DATABASE_URL": url,
            "SURVEY_SECRET_KEY": SECRET,
            "SURVEY_ENV": "test",
        }
        if open_link_limit:
            env["SURVEY_OPEN_LINK_LIMIT"] = str(open_link_limit)
        command = [str(Path(sys.executable).with_name("survey-service")), "serve"]
        command += ["--workers", str(workers), "--no-migrate", "--port", str(self.port)]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                env=env,
                cwd=workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.workers = workers

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()}")
            if self._ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"server not ready in {timeout:.0f} s:\n{self.log.read_text()}")

    def _ready(self) -> bool:
        """/health/ready answers 200 and every worker process is up."""
        try:
            with urllib.request.urlopen(f"{self.base}/health/ready", timeout=2) as reply:
                ok = reply.status == 200
        except OSError:
            return False
        return ok and (self.workers == 1 or len(_group_pids(self.process.pid)) > self.workers)

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


# --- the load -----------------------------------------------------------------------------


def build_requests(
    mode: str, units: list[str], count: int, key_prefix: str, seed: int
) -> list[tuple[str, bytes, bytes]]:
    """Prebuilt (path, content type, body) of each submission, spread over the units."""
    rng = random.Random(seed)
    requests = []
    for n in range(count):
        code = units[n % len(units)]
        values = {item: rng.randint(1, 5) for item in ITEMS}
        comment = rng.choice(COMMENTS)
        key = f"{key_prefix}{n:07d}"
        if mode == "json":
            path = f"/api/units/{code}/responses"
            body = json.dumps(
                {
                    "answers": {**values, "comment": comment},
                    "language": "vi",
                    "submission_key": key,
                },
                ensure_ascii=False,
            ).encode()
            kind = b"application/json"
        else:
            path = f"/u/{code}"
            form = {**{k: str(v) for k, v in values.items()}, "comment": comment}
            form |= {"_lang": "vi", "_page": "0", "_action": "submit", "_key": key}
            body = urlencode(form).encode()
            kind = b"application/x-www-form-urlencoded"
        requests.append((path, kind, body))
    return requests


def _raw_request(path: str, kind: bytes, body: bytes, port: int) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(body)}\r\n"
    ).encode()
    return head + b"Content-Type: " + kind + b"\r\n\r\n" + body


async def _read_reply(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 reply; return (status, connection kept)."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split(b" ", 2)[1])
    length, keep = 0, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
        elif name == b"transfer-encoding":
            raise ConnectionError("chunked replies are not expected")
    if length:
        await reader.readexactly(length)
    return status, keep


@dataclass
class Load:
    statuses: Counter[int]
    latencies: list[float]
    wall: float
    errors: Counter[str]


def _source_address(n: int) -> str:
    """A loopback address of its own for the connection starting with request ``n``."""
    return f"127.{1 + n // 65536 % 254}.{n // 256 % 256}.{n % 256}"


async def run_raw(
    port: int,
    requests: list[tuple[str, bytes, bytes]],
    concurrency: int,
    time_limit: float,
    per_address: int = 0,
    address_offset: int = 0,
) -> Load:
    """Closed loop: ``concurrency`` connections, each sending its next request on reply."""
    raw = [_raw_request(p, k, b, port) for p, k, b in requests]
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    position = 0
    deadline = time.monotonic() + time_limit

    async def worker() -> None:
        nonlocal position
        reader = writer = None
        sent_here = 0
        while position < len(raw) and time.monotonic() < deadline:
            n, position = position, position + 1
            if writer is not None and per_address and sent_here >= per_address:
                writer.close()  # the next citizens come from another address
                reader = writer = None
            try:
                if writer is None:
                    source = _source_address(n + address_offset) if per_address else "127.0.0.1"
                    reader, writer = await asyncio.open_connection(
                        "127.0.0.1", port, local_addr=(source, 0)
                    )
                    sent_here = 0
                assert reader is not None
                started = time.perf_counter()
                writer.write(raw[n])
                sent_here += 1
                status, keep = await asyncio.wait_for(_read_reply(reader), 30)
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
            except (OSError, ConnectionError, TimeoutError, asyncio.IncompleteReadError) as exc:
                errors[type(exc).__name__] += 1
                keep = False
            if not keep and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Load(statuses, latencies, time.perf_counter() - started, errors)


async def run_httpx(
    port: int,
    requests: list[tuple[str, bytes, bytes]],
    concurrency: int,
    time_limit: float,
    per_address: int = 0,
    address_offset: int = 0,
) -> Load:
    """The same load through httpx (a cross-check of the raw client; costs more CPU)."""
    import httpx

    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    position = 0
    deadline = time.monotonic() + time_limit

    def client(n: int) -> httpx.AsyncClient:
        source = _source_address(n + address_offset) if per_address else "127.0.0.1"
        transport = httpx.AsyncHTTPTransport(local_address=source)
        return httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", transport=transport, timeout=30
        )

    async def worker() -> None:
        nonlocal position
        current: httpx.AsyncClient | None = None
        sent_here = 0
        while position < len(requests) and time.monotonic() < deadline:
            n, position = position, position + 1
            if current is None or (per_address and sent_here >= per_address):
                if current is not None:
                    await current.aclose()
                current, sent_here = client(n), 0
            path, kind, body = requests[n]
            started = time.perf_counter()
            sent_here += 1
            try:
                reply = await current.post(
                    path, content=body, headers={"content-type": kind.decode()}
                )
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] += 1
                continue
            latencies.append(time.perf_counter() - started)
            statuses[reply.status_code] += 1
        if current is not None:
            await current.aclose()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Load(statuses, latencies, time.perf_counter() - started, errors)


# --- profiling ----------------------------------------------------------------------------

PACKAGES = [
    "sqlalchemy/orm",
    "sqlalchemy/sql",
    "sqlalchemy/engine",
    "sqlalchemy",
    "psycopg",
    "aiosqlite",
    "litestar",
    "h11",
    "uvicorn",
    "msgspec",
    "survey_service",
    "instruments",
    "asyncio",
    "selectors",
]


def start_profiler(py_spy: str, pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """py-spy samples the server's processes while they hold the GIL (Python CPU)."""
    command = [py_spy, "record", "--pid", str(pid), "--subprocesses", "--gil", "--nonblocking"]
    command += ["--rate", "200", "--duration", str(max(1, int(seconds))), "--format", "raw"]
    return subprocess.Popen([*command, "--output", str(out)], stdout=subprocess.DEVNULL)


def profile_shares(path: Path) -> dict[str, float]:
    """Share of the samples whose innermost frame is in each package."""
    shares: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        leaf = stack.rsplit(";", 1)[-1]
        package = next((p for p in PACKAGES if f"{p}/" in leaf or f"({p}" in leaf), "other")
        shares[package] += int(count)
        total += int(count)
    return {p: round(n / max(total, 1), 3) for p, n in shares.most_common()}


# --- one run ------------------------------------------------------------------------------


@dataclass
class RunResult:
    backend: str
    workers: int
    mode: str
    client: str
    sent: int
    accepted: int
    accepted_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    statuses: dict[str, int]
    wall_s: float
    server_cpu_s: float
    client_cpu_s: float
    postgres_cpu_s: float
    server_cpu_ms_per_accepted: float
    postgres_cpu_ms_per_accepted: float
    load_average_before: float
    load_average_after: float
    count_check: str
    count_ok: bool
    profile: dict[str, float] | None = None


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def one_run(args: argparse.Namespace, backend: str, run: int) -> RunResult:
    workers = args.workers or (1 if backend == "sqlite" else 2)
    accepted_status = 201 if args.mode == "json" else 303
    with (
        tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp,
        fresh_database(backend, Path(tmp)) as url,
    ):
        workdir = Path(tmp)
        build_demo(url, n_dossiers=args.dossiers, progress=False)
        units = open_unit_codes(url)
        limit = args.open_link_limit or (0 if args.per_address else 1_000_000_000)
        server = Server(url, workers, workdir, limit)
        try:
            server.wait_ready()
            runner = run_raw if args.client == "raw" else run_httpx
            key_prefix = f"bench-{run}-{secrets.token_hex(3)}-"
            warm = build_requests(args.mode, units, args.warmup, "warm" + key_prefix, run)
            load_args = (args.concurrency, args.time_limit, args.per_address)
            asyncio.run(runner(server.port, warm, *load_args, WARMUP_ADDRESSES))
            requests = build_requests(args.mode, units, args.requests, key_prefix, run + 1)
            before = stored_counts(url, key_prefix)
            load_before = os.getloadavg()[0]
            cpu_server, cpu_client = server.cpu_seconds(), time.process_time()
            cpu_postgres = postgres_cpu_seconds()
            profiler = None
            if args.py_spy and run == 0:
                out = args.profile_dir / f"intake-{backend}-{args.mode}.txt"
                args.profile_dir.mkdir(parents=True, exist_ok=True)
                profiler = start_profiler(args.py_spy, server.process.pid, args.profile_s, out)
            load = asyncio.run(runner(server.port, requests, *load_args, 0))
            cpu_server = server.cpu_seconds() - cpu_server
            cpu_client = time.process_time() - cpu_client
            cpu_postgres = postgres_cpu_seconds() - cpu_postgres
            load_after = os.getloadavg()[0]
            after = stored_counts(url, key_prefix)
            if profiler is not None:
                profiler.wait(timeout=args.profile_s + 60)
        finally:
            server.stop()
    accepted = load.statuses.get(accepted_status, 0)
    new_responses, new_answers = after[0] - before[0], after[1] - before[1]
    count_ok = (
        new_responses == accepted
        and new_answers == accepted * ANSWERS_PER_SUBMISSION
        and after[2] == after[3] == accepted
    )
    unexpected = sum(n for s, n in load.statuses.items() if s != accepted_status)
    return RunResult(
        backend=backend,
        workers=workers,
        mode=args.mode,
        client=args.client,
        sent=sum(load.statuses.values()) + sum(load.errors.values()),
        accepted=accepted,
        accepted_per_s=accepted / load.wall,
        p50_ms=_percentile(load.latencies, 0.50) * 1000,
        p99_ms=_percentile(load.latencies, 0.99) * 1000,
        max_ms=max(load.latencies, default=float("nan")) * 1000,
        errors=unexpected + sum(load.errors.values()),
        statuses={str(k): v for k, v in sorted(load.statuses.items())} | dict(load.errors),
        wall_s=load.wall,
        server_cpu_s=cpu_server,
        client_cpu_s=cpu_client,
        postgres_cpu_s=cpu_postgres,
        server_cpu_ms_per_accepted=cpu_server / max(accepted, 1) * 1000,
        postgres_cpu_ms_per_accepted=cpu_postgres / max(accepted, 1) * 1000,
        load_average_before=load_before,
        load_average_after=load_after,
        count_check=(
            f"responses +{new_responses}, answers +{new_answers} "
            f"(= {ANSWERS_PER_SUBMISSION} × {accepted}: "
            f"{new_answers == accepted * ANSWERS_PER_SUBMISSION}), "
            f"run keys {after[2]} / distinct {after[3]}"
        ),
        count_ok=count_ok,
        profile=profile_shares(out) if profiler is not None and out.exists() else None,
    )


def _summary(results: list[RunResult]) -> str:
    first = results[0]
    med = statistics.median
    return (
        f"| {first.backend} | {first.workers} | {first.mode} | {first.client} | "
        f"{len(results)} | {med(r.accepted_per_s for r in results):,.0f} | "
        f"{med(r.p50_ms for r in results):.1f} | {med(r.p99_ms for r in results):.1f} | "
        f"{sum(r.errors for r in results)} | "
        f"{med(r.server_cpu_s / r.wall_s for r in results):.2f} | "
        f"{med(r.client_cpu_s / r.wall_s for r in results):.2f} | "
        f"{med(r.server_cpu_ms_per_accepted for r in results):.2f} | "
        f"{med(r.postgres_cpu_ms_per_accepted for r in results):.2f} | "
        f"{'ok' if all(r.count_ok for r in results) else 'FAILED'} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3, help="runs per backend (median)")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=500, help="submissions before timing")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per load")
    parser.add_argument("--workers", type=int, default=0, help="0: 1 on SQLite, 2 on PG")
    parser.add_argument("--mode", choices=["json", "form"], default="json")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    parser.add_argument("--dossiers", type=int, default=20_000, help="demo city size")
    parser.add_argument(
        "--per-address",
        type=int,
        default=25,
        help="submissions per client address (a new loopback source address after that "
        "many); 0 sends everything from 127.0.0.1",
    )
    parser.add_argument(
        "--open-link-limit",
        type=int,
        default=0,
        help="SURVEY_OPEN_LINK_LIMIT for the server; 0: the service default (30), or 10^9 "
        "with --per-address 0",
    )
    parser.add_argument("--json", type=Path, help="also write every run as JSON lines here")
    parser.add_argument("--py-spy", help="path of py-spy: profile the first run's server")
    parser.add_argument("--profile-s", type=float, default=30.0, help="seconds to profile")
    parser.add_argument("--profile-dir", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    summaries, ok = [], True
    for backend in backends:
        results = []
        for run in range(args.runs):
            result = one_run(args, backend, run)
            results.append(result)
            ok = ok and result.count_ok
            print(json.dumps(asdict(result), ensure_ascii=False), flush=True)
            if args.json:
                with args.json.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
        summaries.append(_summary(results))
    print(
        "\n| backend | workers | mode | client | runs | accepted/s | p50 ms | p99 ms | errors "
        "| server CPU/wall | client CPU/wall | server CPU ms/submit | PostgreSQL CPU ms/submit "
        "| count check |"
    )
    print("|" + " --- |" * 14)
    print("\n".join(summaries))
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
