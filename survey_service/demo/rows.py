"""Turn the simulated city into rows of plain Python values, table by table.

Values are written as both backends read them from text: dates as ``YYYY-MM-DD``,
timestamps as UTC with the suffix each backend expects, JSON as text. Big tables are
rendered in chunks with numpy string operations, so memory stays flat whatever the size.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec
import numpy as np
from numpy.typing import NDArray

from survey_service.demo.catalogue import EMAIL_DOMAINS, FAMILY_NAMES, FIELDS, GIVEN_NAMES
from survey_service.demo.city import DemoCity
from survey_service.demo.frame import CHANNELS, PERIOD_DAYS, PERIOD_START

__all__ = [
    "CHUNK_ROWS",
    "Row",
    "Table",
    "dossier_tables",
    "hex_strings",
    "json_text",
    "reference_tables",
    "stamps",
]

Row = tuple[Any, ...]
CHUNK_ROWS = 50_000
VALID_FROM = "2025-07-01"
CREATED_AT = np.datetime64("2025-06-20T00:00:00", "s")
IMPORT_HOUR = np.timedelta64(26 * 3600, "s")  # frames are imported at 02:00 the next day
HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


class Table(msgspec.Struct, frozen=True, kw_only=True):
    """Rows for one table, in chunks, with their count (for the progress bar)."""

    name: str
    columns: tuple[str, ...]
    count: int
    chunks: Iterator[list[Row]]


def json_text(value: object) -> str:
    """Return ``value`` as compact JSON text with non-ASCII characters kept."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def stamps(values: NDArray[np.datetime64], suffix: str) -> list[str | None]:
    """Render UTC ``datetime64`` values as ``YYYY-MM-DD HH:MM:SS`` + ``suffix`` (NaT: None)."""
    text = np.strings.add(
        np.strings.replace(np.datetime_as_string(values, unit="s"), "T", " "), suffix
    )
    rendered: list[str | None] = text.tolist()
    if np.isnat(values).any():
        rendered = [None if m else t for t, m in zip(rendered, np.isnat(values), strict=True)]
    return rendered


def hex_strings(raw: NDArray[np.uint8]) -> list[str]:
    """Return each row of bytes as lowercase hex."""
    digits = np.empty((raw.shape[0], raw.shape[1] * 2), dtype=np.uint8)
    digits[:, 0::2] = HEX_DIGITS[raw >> 4]
    digits[:, 1::2] = HEX_DIGITS[raw & 15]
    rows: list[str] = digits.view(f"S{digits.shape[1]}").ravel().astype(str).tolist()
    return rows


def _lookup(values: Sequence[str | None]) -> NDArray[np.object_]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _day_strings(first: int, last: int, fmt: str) -> NDArray[np.object_]:
    days = [PERIOD_START + dt.timedelta(days=k) for k in range(first, last + 1)]
    return _lookup([d.strftime(fmt) for d in days])


def reference_tables(city: DemoCity, suffix: str) -> list[Table]:
    """Return the rows of ``units``, ``service_fields`` and ``procedures``."""
    created = stamps(np.array([CREATED_AT]), suffix)[0]
    units = [
        (u.id, u.code, u.kind.value, u.name, u.name_en, u.parent_id, VALID_FROM, None, created)
        for u in city.units
    ]
    fields = [(code, name, name_en) for code, name, name_en, _, _ in FIELDS]
    cat = city.catalogue
    procedures = list(zip(cat.codes, cat.names, cat.field_codes, strict=True))
    return [
        Table(
            name="units",
            columns=(
                "id",
                "code",
                "kind",
                "name",
                "name_en",
                "parent_id",
                "valid_from",
                "valid_to",
                "created_at",
            ),
            count=len(units),
            chunks=iter([units]),
        ),
        Table(
            name="service_fields",
            columns=("code", "name", "name_en"),
            count=len(fields),
            chunks=iter([fields]),
        ),
        Table(
            name="procedures",
            columns=("code", "name", "field_code"),
            count=len(procedures),
            chunks=iter([procedures]),
        ),
    ]


class _FrameText:
    """Lookup tables that turn the frame's codes into the strings stored."""

    def __init__(self, city: DemoCity, suffix: str) -> None:
        frame = city.frame
        self.first_day = min(int(frame.received.min()), 0)
        last = PERIOD_DAYS + 1
        self.dates = _day_strings(self.first_day, last, "%Y-%m-%d")
        self.yymmdd = np.array(_day_strings(self.first_day, last, "%y%m%d").tolist())
        imported = np.datetime64(PERIOD_START, "s") + IMPORT_HOUR
        offsets = np.arange(self.first_day, last + 1) * np.timedelta64(86400, "s")
        self.imported = _lookup(stamps(imported + offsets, suffix))
        self.agency = np.array([""] + [f"{u.agency_code}-" for u in city.units])
        self.procedure = _lookup(city.catalogue.codes)
        self.field = _lookup(city.catalogue.field_codes)
        self.channel = _lookup(list(CHANNELS))
        self.kind = _lookup(["citizen", "organisation"])

    def codes(
        self, unit_id: NDArray[np.int16], received: NDArray[np.int16], seq: NDArray[np.int32]
    ) -> list[str]:
        day = self.yymmdd[received - self.first_day]
        prefix = np.strings.add(np.strings.add(self.agency[unit_id], day), "-")
        text: list[str] = np.strings.add(prefix, np.strings.zfill(seq.astype(str), 4)).tolist()
        return text


def _dossier_chunks(city: DemoCity, text: _FrameText) -> Iterator[list[Row]]:
    frame, applicants = city.frame, city.applicants
    for lo in range(0, len(frame.unit_id), CHUNK_ROWS):
        part = slice(lo, lo + CHUNK_ROWS)
        unit_id, procedure = frame.unit_id[part], frame.procedure[part]
        applicant = frame.applicant[part]
        received = frame.received[part] - text.first_day
        result = frame.result[part] - text.first_day
        yield list(
            zip(
                range(lo + 1, lo + 1 + len(unit_id)),
                text.codes(unit_id, frame.received[part], frame.seq[part]),
                unit_id.tolist(),
                text.procedure[procedure].tolist(),
                text.field[procedure].tolist(),
                text.channel[frame.channel[part]].tolist(),
                text.kind[applicants.is_org[applicant].astype(np.int8)].tolist(),
                hex_strings(applicants.key[applicant]),
                text.dates[received].tolist(),
                text.dates[result].tolist(),
                frame.on_time[part].tolist(),
                text.imported[result].tolist(),
                strict=True,
            )
        )


def _emails(parts: NDArray[np.int32]) -> NDArray[np.str_]:
    local = np.strings.add(np.array(FAMILY_NAMES)[parts[:, 0]], ".")
    local = np.strings.add(
        np.strings.add(local, np.array(GIVEN_NAMES)[parts[:, 1]]), parts[:, 2].astype(str)
    )
    at_domain = np.strings.add("@", np.array(EMAIL_DOMAINS)[parts[:, 3]])
    return np.strings.add(local, at_domain)


def _contact_chunks(city: DemoCity) -> Iterator[list[Row]]:
    frame, applicants = city.frame, city.applicants
    for lo in range(0, len(frame.unit_id), CHUNK_ROWS):
        applicant = frame.applicant[lo : lo + CHUNK_ROWS]
        phone, email = applicants.phone[applicant], applicants.email[applicant]
        keep = np.flatnonzero((phone >= 0) | (email[:, 0] >= 0))
        phone, email = phone[keep], email[keep]
        phones = np.full(len(keep), None, dtype=object)
        has = phone >= 0
        phones[has] = np.strings.add("0", phone[has].astype(str))
        emails = np.full(len(keep), None, dtype=object)
        has = email[:, 0] >= 0
        emails[has] = _emails(email[has])
        yield list(
            zip(
                (keep + lo + 1).tolist(),
                phones.tolist(),
                emails.tolist(),
                applicants.opted_out[applicant[keep]].tolist(),
                [None] * len(keep),
                strict=True,
            )
        )


def dossier_tables(city: DemoCity, suffix: str) -> list[Table]:
    """Return the rows of ``dossiers`` and ``dossier_contacts``, in chunks."""
    text = _FrameText(city, suffix)
    applicants, person = city.applicants, city.frame.applicant
    with_contact = int(((applicants.phone >= 0) | (applicants.email[:, 0] >= 0))[person].sum())
    return [
        Table(
            name="dossiers",
            columns=(
                "id",
                "code",
                "unit_id",
                "procedure_code",
                "field_code",
                "channel",
                "applicant_kind",
                "applicant_key",
                "received_on",
                "result_on",
                "on_time",
                "imported_at",
            ),
            count=len(person),
            chunks=_dossier_chunks(city, text),
        ),
        Table(
            name="dossier_contacts",
            columns=("dossier_id", "phone", "email", "opted_out", "purged_at"),
            count=with_contact,
            chunks=_contact_chunks(city),
        ),
    ]
