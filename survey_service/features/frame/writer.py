"""Writing frame rows: upserts keyed on the dossier code, on SQLite and PostgreSQL.

Contact details go to their own table. PostgreSQL gets the rows through COPY into a
temporary table and one INSERT ... ON CONFLICT per batch; SQLite through executemany,
with a page cache large enough for the dossiers' indexes while the import lasts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection

from survey_service.features.frame.rows import FrameRow

__all__ = ["SQLITE_CACHE_KIB", "bulk_session", "write_batch"]

# SQLite's default page cache (2 MB) is outgrown by the dossiers' indexes (the applicant key
# is a random hash) after a few hundred thousand rows; every insert then rereads pages.
SQLITE_CACHE_KIB = 128 * 1024

_COLUMNS = (
    "code, unit_id, procedure_code, field_code, channel, applicant_kind, applicant_key, "
    "received_on, result_on, on_time, imported_at"
)
_UPDATE = (
    "unit_id = excluded.unit_id, procedure_code = excluded.procedure_code, "
    "field_code = excluded.field_code, channel = excluded.channel, "
    "applicant_kind = excluded.applicant_kind, applicant_key = excluded.applicant_key, "
    "received_on = excluded.received_on, result_on = excluded.result_on, "
    "on_time = excluded.on_time, imported_at = excluded.imported_at"
)
_CONTACT_UPDATE = "phone = excluded.phone, email = excluded.email"
_POSTGRES_SETTINGS = (
    "SET LOCAL enable_seqscan = off",
    "SET LOCAL jit = off",
    "SET LOCAL synchronous_commit = off",
)


def _sqlite(conn: Connection, rows: Sequence[FrameRow], now: dt.datetime) -> None:
    stamp = now.isoformat(sep=" ")
    conn.exec_driver_sql(
        f"INSERT INTO dossiers ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
        f"ON CONFLICT (code) DO UPDATE SET {_UPDATE}",
        [
            (
                r.code,
                r.unit_id,
                r.procedure_code,
                r.field_code,
                r.channel,
                r.applicant_kind,
                r.applicant_key,
                r.received_on.isoformat(),
                r.result_on.isoformat(),
                int(r.on_time),
                stamp,
            )
            for r in rows
        ],
    )
    contacts = [(r.phone, r.email, r.code) for r in rows if r.phone or r.email]
    if contacts:
        conn.exec_driver_sql(
            "INSERT INTO dossier_contacts (dossier_id, phone, email, opted_out) "
            "SELECT id, ?, ?, 0 FROM dossiers WHERE code = ? "
            f"ON CONFLICT (dossier_id) DO UPDATE SET {_CONTACT_UPDATE}",
            contacts,
        )


_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS frame_stage (
    code varchar(64), unit_id integer, procedure_code varchar(32), field_code varchar(32),
    channel varchar(24), applicant_kind varchar(24), applicant_key varchar(64),
    received_on date, result_on date, on_time boolean, phone varchar(32), email varchar(254)
) ON COMMIT DROP
"""


def _postgres(conn: Connection, rows: Sequence[FrameRow], now: dt.datetime) -> None:
    conn.exec_driver_sql(_STAGE)
    conn.exec_driver_sql("TRUNCATE frame_stage")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(
        "COPY frame_stage (code, unit_id, procedure_code, field_code, channel, applicant_kind, "
        "applicant_key, received_on, result_on, on_time, phone, email) FROM STDIN"
    ) as copy:
        for r in rows:
            copy.write_row(
                (
                    r.code,
                    r.unit_id,
                    r.procedure_code,
                    r.field_code,
                    r.channel,
                    r.applicant_kind,
                    r.applicant_key,
                    r.received_on,
                    r.result_on,
                    r.on_time,
                    r.phone,
                    r.email,
                )
            )
    # One statement: the contacts join the ids the upsert returns, instead of looking the
    # batch's codes up again in a dossiers table that grows with every batch.
    conn.exec_driver_sql(
        f"WITH written AS (INSERT INTO dossiers ({_COLUMNS}) "
        "SELECT code, unit_id, procedure_code, field_code, channel, applicant_kind, "
        "applicant_key, received_on, result_on, on_time, %(now)s FROM frame_stage "
        f"ON CONFLICT (code) DO UPDATE SET {_UPDATE} RETURNING id, code) "
        "INSERT INTO dossier_contacts (dossier_id, phone, email, opted_out) "
        "SELECT w.id, s.phone, s.email, false FROM written w JOIN frame_stage s USING (code) "
        "WHERE s.phone IS NOT NULL OR s.email IS NOT NULL "
        f"ON CONFLICT (dossier_id) DO UPDATE SET {_CONTACT_UPDATE}",
        {"now": now},
    )


@contextmanager
def bulk_session(conn: Connection) -> Iterator[None]:
    """Connection settings for a bulk import, put back afterwards."""
    if conn.dialect.name == "postgresql":
        # Transaction-local, gone at commit or rollback. The foreign-key check of every
        # inserted row is a query on units by id that PostgreSQL plans once per session;
        # units is a few pages, so the planner picks a sequential scan of the whole table
        # for each row (16 % of the server's time). Without sequential scans the checks
        # planned here use the primary-key index; JIT off because the disabled scans'
        # nominal cost would otherwise compile every batch's statement (~0.1 s each).
        # A crash before the commit's WAL flush loses the import, which is all or nothing.
        for setting in _POSTGRES_SETTINGS:
            conn.exec_driver_sql(setting)
        yield
        return
    if conn.dialect.name != "sqlite":
        yield
        return
    # On the driver's connection: the import commits or rolls back inside this block, after
    # which SQLAlchemy's transaction context takes no more statements.
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    previous = int(cursor.execute("PRAGMA cache_size").fetchone()[0])
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {previous}")
        cursor.close()


def write_batch(conn: Connection, rows: Sequence[FrameRow], now: dt.datetime) -> None:
    """Upsert ``rows`` (codes unique within the batch) inside the caller's transaction."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _postgres(conn, rows, now)
    else:
        _sqlite(conn, rows, now)
