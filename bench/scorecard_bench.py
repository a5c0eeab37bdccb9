"""Benchmark: a department scorecard page with the demo city loaded (issue #6).

The demo city is built at its default size (``survey-service demo``: 200,000 dossiers, two
quarters, 185 units) in a fresh SQLite file (or ``--database-url``), both quarters are
published (``publish_results``, timed), and a statistician's session asks for pages
through the app in process (Litestar's ``TestClient``: the whole server path — session
lookup, access check, snapshot read, charts, Jinja — without a network; the client adds
well under a millisecond). Each page is fetched once to warm up, then ``--runs`` times;
the figures are the median, the fastest and the slowest request.

Pages: the scorecard of a commune, of a department and of the whole city (the newest
published quarter), the scorecard of a commune for the older quarter, the same filtered to
one channel or one field (domain estimates published with the snapshot), the commune league
table, and for comparison the live preview (``preview=true``) that estimates the survey
on the spot instead of reading the snapshot.

Run ``.venv/bin/python bench/scorecard_bench.py`` and copy the printed Markdown section
into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from litestar.testing import TestClient
from sqlalchemy import select

from survey_service.app import create_app
from survey_service.config import Settings
from survey_service.db.engine import make_sync_engine
from survey_service.db.enums import Role
from survey_service.db.models import User
from survey_service.demo import build_demo
from survey_service.features.accounts.users import create_user
from survey_service.features.dashboards.filters import filtered_scorecards, read_attributes
from survey_service.features.dashboards.snapshot import publish_results
from survey_service.features.indices.service import load_survey_data

SURVEYS = ("DEMO-2025-Q3", "DEMO-2025-Q4")
USER = "bench-statistician"
PASSWORD = "bench-password-not-secret"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _prepare(url: str, dossiers: int) -> list[tuple[str, float]]:
    started = time.perf_counter()
    build_demo(url, n_dossiers=dossiers, progress=False)
    timings = [("demo build", time.perf_counter() - started)]
    engine = make_sync_engine(url)
    try:
        for code in SURVEYS:
            started = time.perf_counter()
            with engine.begin() as conn:
                published = publish_results(conn, code, by_user_id=None)
            timings.append(
                (
                    f"publish {code} ({published.units} units, {published.filtered} "
                    "unit x channel and unit x field documents)",
                    time.perf_counter() - started,
                )
            )
            with engine.connect() as conn:
                data = load_survey_data(conn, code)
                attributes = read_attributes(conn, data)
            started = time.perf_counter()
            filtered_scorecards(data, attributes)
            timings.append(
                (f"of which the channel and field domains of {code}", time.perf_counter() - started)
            )
        with engine.begin() as conn:
            if conn.scalar(select(User.id).where(User.username == USER)) is None:
                create_user(conn, USER, Role.STATISTICIAN, PASSWORD)
    finally:
        engine.dispose()
    return timings


def _login(client: TestClient) -> None:  # type: ignore[type-arg]
    client.get("/login")
    token = client.cookies.get("csrftoken")
    reply = client.post(
        "/login",
        data={"username": USER, "password": PASSWORD, "_csrf_token": token or ""},
        follow_redirects=False,
    )
    if reply.status_code != 303:
        raise SystemExit(f"login failed: {reply.status_code}")


def _time(client: TestClient, path: str, runs: int) -> list[float]:  # type: ignore[type-arg]
    first = client.get(path)
    if first.status_code != 200:
        raise SystemExit(f"{path}: {first.status_code}")
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        reply = client.get(path)
        out.append(time.perf_counter() - started)
        assert reply.status_code == 200
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="database to use [default: a new SQLite file]")
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--commune", default="X-SOCSON")
    parser.add_argument("--department", default="SO-NV")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    workdir = tempfile.TemporaryDirectory(prefix="scorecard-bench-")
    url = args.database_url or f"sqlite:///{Path(workdir.name) / 'demo.db'}"
    preparation = _prepare(url, args.dossiers)
    pages = [
        ("scorecard, commune, newest quarter", f"/staff/units/{args.commune}", args.runs),
        (
            "scorecard, commune, older quarter",
            f"/staff/units/{args.commune}?survey={SURVEYS[0]}",
            args.runs,
        ),
        ("scorecard, department", f"/staff/units/{args.department}", args.runs),
        ("scorecard, whole city", "/staff/units/HN", args.runs),
        (
            "scorecard, commune, online channel",
            f"/staff/units/{args.commune}?channel=online",
            args.runs,
        ),
        ("scorecard, commune, one field", f"/staff/units/{args.commune}?field=HOTICH", args.runs),
        (
            "scorecard, department, one field",
            f"/staff/units/{args.department}?field=LDTBXH",
            args.runs,
        ),
        ("scorecard, whole city, in person", "/staff/units/HN?channel=in_person", args.runs),
        ("league table, communes", "/staff/league", args.runs),
        ("live preview, commune (not published)", f"/staff/units/{args.commune}?preview=true", 3),
    ]
    settings = Settings(database_url=url, secret_key="b" * 40, environment="test")
    results = []
    with TestClient(create_app(settings)) as client:
        _login(client)
        for name, path, runs in pages:
            results.append((name, path, _time(client, path, runs)))
    load = os.getloadavg()
    backend = url.split(":", 1)[0]
    print(f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Machine: {_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"Load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"Database: {backend}, demo city of {args.dossiers:,} dossiers")
    given = f" --database-url {args.database_url}" if args.database_url else ""
    print(f"Command: .venv/bin/python bench/scorecard_bench.py --runs {args.runs}{given}\n")
    print("| step | seconds |\n| --- | ---: |")
    for name, seconds in preparation:
        print(f"| {name} | {seconds:.1f} |")
    print("\n| page (GET) | runs | median ms | fastest ms | slowest ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, path, times in results:
        ms = [1000 * t for t in times]
        print(
            f"| {name} (`{path}`) | {len(ms)} | {statistics.median(ms):.1f} | "
            f"{min(ms):.1f} | {max(ms):.1f} |"
        )
    workdir.cleanup()


if __name__ == "__main__":
    main()
