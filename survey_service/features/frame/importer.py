"""Importing a frame file: streaming, validated row by row, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, cast

import msgspec
from sqlalchemy import Engine, func, select
from tqdm import tqdm

from survey_service.db.models import Dossier, Unit
from survey_service.features.frame.mapping import ColumnMapping
from survey_service.features.frame.reader import read_records
from survey_service.features.frame.rows import FrameRow, RowError, RowParser
from survey_service.features.frame.writer import bulk_session, write_batch
from survey_service.security import keyed_hasher

__all__ = ["ImportSummary", "import_frame"]

BATCH = 20_000


class ImportSummary(msgspec.Struct, frozen=True):
    """What an import did."""

    records: int
    imported: int
    inserted: int
    updated: int
    rejected: int
    committed: bool
    errors: list[RowError]


class _Progress:
    """A binary file wrapper that advances a progress bar by bytes read."""

    def __init__(self, handle: IO[bytes], bar: tqdm) -> None:  # type: ignore[type-arg]
        self._handle, self._bar = handle, bar

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._bar.update(len(data))
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def readable(self) -> bool:
        return True

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)


def _batches(
    records: Iterator[tuple[int, list[str]]], parser: RowParser, errors: list[RowError]
) -> Iterator[tuple[int, list[FrameRow]]]:
    """Valid rows in batches, codes unique within a batch (the last record wins)."""
    batch: dict[str, FrameRow] = {}
    count = 0
    for line, record in records:
        count += 1
        parsed = parser.parse(line, record)
        if isinstance(parsed, FrameRow):
            batch[parsed.code] = parsed
        else:
            errors.extend(parsed)
        if len(batch) >= BATCH:
            yield count, list(batch.values())
            batch = {}
    yield count, list(batch.values())


def _write_report(path: Path, errors: list[RowError]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "column", "value", "reason"])
        writer.writerows((e.line, e.column, e.value, e.reason) for e in errors)


def import_frame(
    engine: Engine,
    source: IO[bytes],
    name: str,
    mapping: ColumnMapping,
    secret: str,
    *,
    skip_bad: bool = False,
    report: Path | None = None,
    progress: bool = False,
    total_bytes: int | None = None,
) -> ImportSummary:
    """Import a frame file in one transaction.

    Re-importing a dossier code updates its row (never a duplicate). Rows with problems
    are reported with line, column and reason; unless ``skip_bad``, any bad row means
    nothing is imported. Any other failure rolls the whole import back.
    """
    errors: list[RowError] = []
    imported = records = 0
    now = dt.datetime.now(dt.UTC)
    bar = tqdm(
        total=total_bytes, unit="B", unit_scale=True, disable=not progress, desc="frame import"
    )
    with engine.connect() as conn, conn.begin() as transaction, bar, bulk_session(conn):
        units = {code: uid for uid, code in conn.execute(select(Unit.id, Unit.code))}
        before = conn.scalar(select(func.count()).select_from(Dossier)) or 0
        stream = read_records(cast(IO[bytes], _Progress(source, bar)), mapping, name)
        _, header = next(stream)
        parser = RowParser(mapping, units, keyed_hasher(secret, "applicant"), header)
        # The database writes batch n while this thread parses batch n + 1: the drivers
        # release the GIL while the database works. The connection is only ever used by
        # one thread at a time (we wait for the previous write before the next).
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending: Future[None] | None = None
            for count, rows in _batches(stream, parser, errors):
                records = count
                if pending is not None:
                    pending.result()
                pending = writer.submit(write_batch, conn, rows, now)
                imported += len(rows)
            if pending is not None:
                pending.result()
        after = conn.scalar(select(func.count()).select_from(Dossier)) or 0
        committed = not errors or skip_bad
        if committed:
            transaction.commit()
        else:
            transaction.rollback()
    if report is not None:
        _write_report(report, errors)
    rejected_lines = len({e.line for e in errors})
    inserted = after - before if committed else 0
    return ImportSummary(
        records=records,
        imported=imported if committed else 0,
        inserted=inserted,
        updated=(imported - inserted) if committed else 0,
        rejected=rejected_lines,
        committed=committed,
        errors=errors,
    )
