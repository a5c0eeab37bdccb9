"""Write rows fast: sqlite3 ``executemany`` or PostgreSQL ``COPY``, in one transaction.

Rows carry their primary keys, so nothing is read back while loading. On PostgreSQL the
id sequences are moved past the loaded ids afterwards, and the tables analysed, so the
application's own inserts and queries work at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from survey_service.demo.rows import Table

__all__ = ["TIMESTAMP_SUFFIX", "analyse_postgres", "write_postgres", "write_sqlite"]

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


def write_sqlite(dbapi_connection: Any, tables: Iterable[Table], progress: Progress) -> None:
    """Insert ``tables`` through a sqlite3 connection, inside its open transaction."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        for table in tables:
            marks = ", ".join("?" for _ in table.columns)
            columns = ", ".join(table.columns)
            sql = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"  # noqa: S608 - our names
            for chunk in table.chunks:
                cursor.executemany(sql, chunk)
                progress(table.name, len(chunk))
    finally:
        cursor.close()


def write_postgres(dbapi_connection: Any, tables: Iterable[Table], progress: Progress) -> None:
    """Copy ``tables`` through a psycopg connection, inside its open transaction."""
    with dbapi_connection.cursor() as cursor:
        for table in tables:
            sql = f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for chunk in table.chunks:
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
