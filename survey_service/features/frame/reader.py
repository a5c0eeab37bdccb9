"""Streaming CSV (UTF-8 with or without BOM, delimiter detected) and JSON Lines."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from typing import IO

import msgspec

from survey_service.errors import ServiceError
from survey_service.features.frame.mapping import FIELDS, ColumnMapping

__all__ = ["BAD_RECORD", "FrameFileError", "read_records"]

Record = tuple[int, list[str]]
BAD_RECORD = "\0"  # a record that could not be read at all starts with this, then why
_DELIMITERS = ",;\t|"


class FrameFileError(ServiceError):
    """The file as a whole cannot be read (encoding, header, format)."""


def _detect_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _csv_records(text: IO[str], mapping: ColumnMapping) -> Iterator[Record]:
    # Sniff the delimiter on the first lines, then read on from where they end.
    head = list(itertools.islice(text, 50))
    delimiter = mapping.delimiter or _detect_delimiter("".join(head))
    reader = csv.reader(itertools.chain(head, text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise FrameFileError("the file is empty: a header line is needed")
    yield 0, [h.strip() for h in header]
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        # The line where the record ends: quoted fields may span lines.
        yield reader.line_num, row


def _jsonl_records(text: IO[str], mapping: ColumnMapping) -> Iterator[Record]:
    decoder = msgspec.json.Decoder(dict[str, str | int | float | bool | None])
    header = [mapping.column(f) for f in FIELDS]
    yield 0, header
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            record = decoder.decode(line)
        except msgspec.DecodeError as exc:
            yield number, [f"{BAD_RECORD}not a JSON object of plain values: {exc}"]
            continue
        yield number, [_plain(record.get(k)) for k in header]


def _plain(value: str | int | float | bool | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_records(binary: IO[bytes], mapping: ColumnMapping, name: str) -> Iterator[Record]:
    """Yield ``(0, header)`` and then ``(line number, values)`` for every record."""
    kind = mapping.format or ("jsonl" if name.endswith((".jsonl", ".ndjson")) else "csv")
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
    try:
        if kind == "jsonl":
            yield from _jsonl_records(text, mapping)
        else:
            yield from _csv_records(text, mapping)
    except UnicodeDecodeError as exc:
        message = f"the file is not UTF-8 text (byte {exc.start}): save it as UTF-8"
        raise FrameFileError(message) from exc
    except csv.Error as exc:
        raise FrameFileError(f"malformed CSV: {exc}") from exc
    finally:
        # The caller owns the binary file: let go of it instead of closing it.
        text.detach()
