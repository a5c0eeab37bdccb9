"""Write rows fast: sqlite3 ``executemany`` or PostgreSQL ``COPY``, in one transaction.

Rows carry their primary keys, so nothing is read back while loading. On PostgreSQL the
id sequences are moved past the loaded ids afterwards, and the tables analysed, so the
application's own inserts and queries work at once. Rendering chunks in a second thread
does not pay: sqlite3 releases the GIL around every row's step, and waiting to take it
back from a busy renderer thread made the load twice as slow.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from survey_service.demo.rows import Row, Table

__all__ = [
    "TIMESTAMP_SUFFIX",
    "analyse_postgres",
    "sqlite_bulk_mode",
    "write_postgres",
    "write_sqlite",
]

# How each backend reads a UTC timestamp: SQLAlchemy stores naive text on SQLite.
TIMESTAMP_SUFFIX = {"sqlite": ".000000", "postgresql": "+00"}
SERIAL_TABLES = (
    "units", "surveys", "sample_designs", "strata", "dossiers", "sample_members",
    "invitations", "fieldwork_events", "responses", "answers",
)  # fmt: skip
# A bigger page cache during the load keeps the random-order index inserts (applicant
# keys) in memory; it only lasts for this connection.
SQLITE_CACHE_KIB = 262_144

Progress = Callable[[str, int], None]


def _chunks(tables: Iterable[Table]) -> Iterator[tuple[Table, list[Row]]]:
    for table in tables:
        for chunk in table.chunks:
            yield table, chunk


def _journal_mode(dbapi_connection: Any, mode: str) -> bool:
    """Switch the journal mode; False when another connection holds the database open."""
    try:
        row = dbapi_connection.execute(f"PRAGMA journal_mode={mode}").fetchone()
    except sqlite3.OperationalError:  # "database is locked": a server has it open
        return False
    return row is not None and str(row[0]).upper() == mode


@contextmanager
def sqlite_bulk_mode(dbapi_connection: Any) -> Iterator[None]:
    """Load with a rollback journal and a big cache, then return to WAL.

    In WAL mode every page of a big transaction is written twice (to the log, then to
    the database at checkpoint); a rollback journal of a freshly migrated database holds
    almost nothing. Atomicity is the same. Must be entered outside a transaction. If
    another connection has the database open the journal mode stays WAL; if WAL cannot be
    restored, the application's connections restore it as they connect (db/engine.py).
    """
    switched = _journal_mode(dbapi_connection, "DELETE")
    dbapi_connection.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        if dbapi_connection.in_transaction:  # failed: undo before leaving the mode
            dbapi_connection.rollback()
        dbapi_connection.execute("PRAGMA cache_size=-2000")
        if switched:
            _journal_mode(dbapi_connection, "WAL")


def write_sqlite(dbapi_connection: Any, tables: Iterable[Table], progress: Progress) -> None:
    """Insert ``tables`` through a sqlite3 connection, inside its open transaction."""
    cursor = dbapi_connection.cursor()
    try:
        for table, chunk in _chunks(tables):
            marks = ", ".join("?" for _ in table.columns)
            columns = ", ".join(table.columns)
            sql = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"  # noqa: S608 - our names
            cursor.executemany(sql, chunk)
            progress(table.name, len(chunk))
    finally:
        cursor.close()


def _copy_sql(table: Table) -> str:
    # One COPY per chunk: a few hundred statements for millions of rows costs nothing.
    return f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN"


def write_postgres(dbapi_connection: Any, tables: Iterable[Table], progress: Progress) -> None:
    """Copy ``tables`` through a psycopg connection, inside its open transaction."""
    with dbapi_connection.cursor() as cursor:
        for table, chunk in _chunks(tables):
            with cursor.copy(_copy_sql(table)) as copy:
                for row in chunk:
                    copy.write_row(row)
            progress(table.name, len(chunk))
        for name in SERIAL_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - our names
                f"(SELECT max(id) FROM {name}))"
            )


def analyse_postgres(dbapi_connection: Any, tables: Iterable[str]) -> None:
    """Refresh the planner's statistics of ``tables`` and commit."""
    with dbapi_connection.cursor() as cursor:
        for name in tables:
            cursor.execute(f"ANALYZE {name}")
    dbapi_connection.commit()
