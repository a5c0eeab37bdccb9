"""``build_demo``: migrate, check the database is free, simulate the city and load it."""

from __future__ import annotations

import time
from collections import Counter
from contextlib import nullcontext

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from tqdm import tqdm

from instruments import load_bundled
from survey_service.db.engine import make_sync_engine
from survey_service.db.enums import UnitKind
from survey_service.db.migrate import downgrade, upgrade
from survey_service.demo.city import DemoCity, scored_items, simulate_city
from survey_service.demo.errors import DemoError
from survey_service.demo.load import (
    TIMESTAMP_SUFFIX,
    analyse_postgres,
    sqlite_bulk_mode,
    write_postgres,
    write_sqlite,
)
from survey_service.demo.rows import Table, dossier_tables, reference_tables
from survey_service.demo.survey_rows import Instrumentation, survey_tables
from survey_service.features.instruments.registry import register_bundled_instruments

__all__ = ["DEMO_PREFIX", "INSTRUMENT", "MIN_DOSSIERS", "build_demo"]

DEMO_PREFIX = "DEMO-"
INSTRUMENT = ("short-post-result", 1)
MIN_DOSSIERS = 1000
KIND_NAMES = {
    UnitKind.CITY: "city",
    UnitKind.DEPARTMENT: "departments",
    UnitKind.WARD: "wards",
    UnitKind.COMMUNE: "communes",
    UnitKind.BRANCH: "service-centre branches",
    UnitKind.RECEPTION_POINT: "reception points",
}
# Tables whose rows mean the database is in use (instruments and users do not: the
# bundled instruments register idempotently and an account alone holds no survey data).
DATA_TABLES = ("units", "service_fields", "procedures", "surveys", "dossiers", "responses")


def _state(conn: Connection) -> str:
    """Return ``"demo"``, ``"other"`` or ``"empty"`` for the database's contents."""
    codes = conn.scalars(text("SELECT code FROM surveys")).all()
    if any(code.startswith(DEMO_PREFIX) for code in codes):
        return "demo"
    for table in DATA_TABLES:
        if conn.scalar(text(f"SELECT 1 FROM {table} LIMIT 1")) is not None:  # noqa: S608 - constant names
            return "other"
    return "empty"


def _already_loaded(conn: Connection, where: str) -> str:
    codes = sorted(
        c for c in conn.scalars(text("SELECT code FROM surveys")).all() if c.startswith(DEMO_PREFIX)
    )
    dossiers = conn.scalar(text("SELECT count(*) FROM dossiers")) or 0
    return (
        f"The demo city is already loaded in {where} ({', '.join(codes)}; {dossiers:,} "
        "dossiers): nothing changed. Use --reset to rebuild it."
    )


def _tables(city: DemoCity, iv: Instrumentation, backend: str) -> list[Table]:
    suffix = TIMESTAMP_SUFFIX[backend]
    return [
        *reference_tables(city, suffix),
        *dossier_tables(city, suffix),
        *survey_tables(city, iv, suffix),
    ]


def _instrumentation(conn: Connection) -> Instrumentation:
    version_id = register_bundled_instruments(conn)["/".join(map(str, INSTRUMENT))]
    digest = conn.scalar(
        text("SELECT content_hash FROM instrument_versions WHERE id = :id"), {"id": version_id}
    )
    return Instrumentation(version_id=version_id, content_hash=str(digest))


def _load(engine: Engine, city: DemoCity, progress: bool) -> list[Table]:
    """Load ``city`` in one transaction, with a progress bar over all rows."""
    backend = engine.dialect.name
    with (
        engine.connect() as conn,
        tqdm(unit=" rows", unit_scale=True, disable=not progress, desc="demo") as bar,
    ):
        raw = conn.connection.dbapi_connection
        with sqlite_bulk_mode(raw) if backend == "sqlite" else nullcontext():
            tables = _tables(city, _instrumentation(conn), backend)
            bar.reset(total=sum(t.count for t in tables))

            def advance(name: str, rows: int) -> None:
                bar.set_description(name, refresh=False)
                bar.update(rows)

            writer = write_sqlite if backend == "sqlite" else write_postgres
            writer(raw, tables, advance)
            conn.commit()
        if backend == "postgresql":
            analyse_postgres(raw, [t.name for t in tables])
    return tables


def _summary(city: DemoCity, tables: list[Table], seconds: float) -> str:
    counts = {t.name: t.count for t in tables}
    kinds = Counter(unit.kind for unit in city.units)
    invited = sum(int((d.responses.member >= 0).sum()) for d in city.draws)
    members = counts["sample_members"]
    return (
        f"Demo city built in {seconds:.1f} s: {counts['units']} units "
        f"({', '.join(f'{n} {KIND_NAMES[k]}' for k, n in kinds.items())}), "
        f"{counts['procedures']} procedures in {counts['service_fields']} fields, "
        f"{counts['dossiers']:,} dossiers; surveys "
        f"{', '.join(d.spec.code for d in city.draws)}: {members:,} sampled, "
        f"{invited:,} responses ({invited / max(members, 1):.1%}) and "
        f"{counts['responses'] - invited:,} open-link ones; known truth for "
        f"{counts['simulation_truths']:,} survey × unit × item."
    )


def _check_arguments(n_dossiers: int, seed: int) -> None:
    if n_dossiers < MIN_DOSSIERS:
        raise DemoError(f"the demo needs at least {MIN_DOSSIERS:,} dossiers, not {n_dossiers:,}")
    if seed < 0:
        raise DemoError(f"the seed must be a non-negative integer, not {seed}")


def build_demo(
    database_url: str,
    *,
    n_dossiers: int = 200_000,
    seed: int = 20250701,
    reset: bool = False,
    progress: bool = True,
) -> str:
    """Fill the database with a simulated city like Hà Nội and return a summary.

    Parameters
    ----------
    database_url
        The database, migrated to the latest revision first.
    n_dossiers
        Completed dossiers over the two quarters (at least 1,000).
    seed
        Seed of the random generator: the same seed and size give the same data.
    reset
        Erase the database (downgrade to base, upgrade to head) and rebuild it.
    progress
        Show a progress bar on standard error.

    Returns
    -------
    str
        A short summary to print: what was built, or that the demo was already there.

    Raises
    ------
    DemoError
        If the arguments are out of range, or if the database holds other data and
        ``reset`` is false.
    """
    _check_arguments(n_dossiers, seed)
    started = time.perf_counter()
    where = make_url(database_url).render_as_string(hide_password=True)
    upgrade(database_url)
    if reset:
        downgrade(database_url, "base")
        upgrade(database_url)
    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as conn:
            state = _state(conn)
            if state == "demo":
                return _already_loaded(conn, where)
        if state == "other":
            raise DemoError(
                f"{where} already holds data that is not the demo city; use --reset to "
                "erase it and build the demo, or point SURVEY_DATABASE_URL at another database"
            )
        city = simulate_city(n_dossiers, seed, scored_items(load_bundled(*INSTRUMENT)))
        tables = _load(engine, city, progress)
    finally:
        engine.dispose()
    return _summary(city, tables, time.perf_counter() - started)
