"""Turning an export's record into a frame row, or into the reasons it cannot be one.

This runs once per dossier (tens of millions a year), so the common case — a clean row
of ASCII codes and ISO dates — takes a straight path with few calls; the careful
checks and messages happen only when something looks wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

import msgspec

from survey_service.features.frame.mapping import FIELDS, REQUIRED, ColumnMapping
from survey_service.features.frame.reader import BAD_RECORD

__all__ = ["FrameRow", "RowError", "RowParser"]

_CHANNELS = {
    "in_person": "in_person",
    "trực tiếp": "in_person",
    "truc tiep": "in_person",
    "online": "online",
    "trực tuyến": "online",
    "truc tuyen": "online",
    "postal": "postal",
    "bưu chính": "postal",
    "buu chinh": "postal",
    "bcci": "postal",
}
_KINDS = {
    "citizen": "citizen",
    "1": "citizen",
    "công dân": "citizen",
    "cá nhân": "citizen",
    "organisation": "organisation",
    "organization": "organisation",
    "2": "organisation",
    "tổ chức": "organisation",
    "doanh nghiệp": "organisation",
}
_BOOLEANS = {
    "true": True,
    "1": True,
    "yes": True,
    "có": True,
    "đúng hạn": True,
    "x": True,
    "false": False,
    "0": False,
    "no": False,
    "không": False,
    "quá hạn": False,
    "": True,
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^0\d{8,10}$")
_PHONE_NOISE = re.compile(r"[\s.\-()]")


class RowError(msgspec.Struct, frozen=True):
    """Why one field of one record was rejected."""

    line: int
    column: str
    value: str
    reason: str


class FrameRow(msgspec.Struct, frozen=True, array_like=True):
    """A valid frame row, ready to write."""

    code: str
    unit_id: int
    procedure_code: str
    field_code: str
    channel: str
    applicant_kind: str
    applicant_key: str | None
    received_on: dt.date
    result_on: dt.date
    on_time: bool
    phone: str | None
    email: str | None


def _clean(value: str) -> str:
    value = value.strip()
    return value if value.isascii() else unicodedata.normalize("NFC", value)


class RowParser:
    """Validates records (lists of column values) against a mapping and the unit codes."""

    def __init__(
        self,
        mapping: ColumnMapping,
        unit_ids: Mapping[str, int],
        hash_applicant: Callable[[str], str],
        header: Sequence[str],
    ) -> None:
        self.mapping = mapping
        self.unit_ids = unit_ids
        self.hash_applicant = hash_applicant
        self.columns = {f: mapping.column(f) for f in FIELDS}
        positions = {name: i for i, name in enumerate(header)}
        self.index = [positions.get(self.columns[f], -1) for f in FIELDS]
        self.translations = [mapping.values.get(f, {}) for f in FIELDS]

    def values(self, record: Sequence[str]) -> list[str]:
        """The record's value of every frame field, cleaned and translated."""
        size = len(record)
        out = []
        for position, table in zip(self.index, self.translations, strict=True):
            value = _clean(record[position]) if 0 <= position < size else ""
            out.append(table.get(value, value) if table else value)
        return out

    def parse(self, line: int, record: Sequence[str]) -> FrameRow | list[RowError]:
        """Return the frame row, or every reason the record cannot be one."""
        (
            code,
            unit_code,
            procedure,
            field,
            channel_text,
            kind_text,
            applicant,
            phone_text,
            email_text,
            received_text,
            result_text,
            on_time_text,
        ) = self.values(record)
        unit_id = self.unit_ids.get(unit_code)
        channel = _CHANNELS.get(channel_text.lower())
        kind = _KINDS.get(kind_text.lower())
        on_time = _BOOLEANS.get(on_time_text.lower())
        received = self._date(received_text)
        result = self._date(result_text)
        phone = self._phone(phone_text)
        email = email_text.lower() or None
        if (
            unit_id is None
            or channel is None
            or kind is None
            or on_time is None
            or received is None
            or result is None
            or result < received
            or not procedure
            or not field
            or not code
            or len(code) > 64
            or phone == ""
            or (email is not None and not _EMAIL.match(email))
        ):
            return self._errors(line, record)
        return FrameRow(
            code,
            unit_id,
            procedure[:32],
            field[:32],
            channel,
            kind,
            self.hash_applicant(applicant) if applicant else None,
            received,
            result,
            on_time,
            phone,
            email,
        )

    def _date(self, text: str) -> dt.date | None:
        try:
            if self.mapping.date_format:
                return dt.datetime.strptime(text, self.mapping.date_format).date()
            day = text[:10]
            if len(day) == 10 and day[2] == "/" and day[5] == "/":
                return dt.date(int(day[6:]), int(day[3:5]), int(day[:2]))  # DD/MM/YYYY
            return dt.date.fromisoformat(day)
        except ValueError:
            return None

    @staticmethod
    def _phone(text: str) -> str | None:
        """The phone in 0xxxxxxxxx form; None when absent, "" when not a phone number."""
        if not text:
            return None
        phone = _PHONE_NOISE.sub("", text)
        if phone.startswith("+84"):
            phone = "0" + phone[3:]
        elif phone.startswith("84") and len(phone) in (11, 12):
            phone = "0" + phone[2:]
        return phone if _PHONE.match(phone) else ""

    def _errors(self, line: int, record: Sequence[str]) -> list[RowError]:
        """Every reason a record failed (the slow, careful path)."""
        if len(record) == 1 and record[0].startswith(BAD_RECORD):
            return [RowError(line, "", "", record[0][len(BAD_RECORD) :])]
        values = dict(zip(FIELDS, self.values(record), strict=True))
        errors: list[RowError] = []

        def fail(field: str, reason: str) -> None:
            errors.append(RowError(line, self.columns[field], values[field][:70], reason))

        for field in REQUIRED:
            if not values[field]:
                fail(field, "missing value")
        for field, reason in self._field_problems(values):
            fail(field, reason)
        return errors

    def _field_problems(self, values: Mapping[str, str]) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if len(values["dossier_code"]) > 64:
            found.append(("dossier_code", "longer than 64 characters"))
        if values["unit_code"] and values["unit_code"] not in self.unit_ids:
            found.append(("unit_code", "unknown unit code (an import never creates units)"))
        if values["channel"] and values["channel"].lower() not in _CHANNELS:
            found.append(("channel", "channel must be in_person, online or postal"))
        if values["applicant_kind"] and values["applicant_kind"].lower() not in _KINDS:
            found.append(("applicant_kind", "must be citizen or organisation"))
        found.extend(self._date_problems(values))
        if values["on_time"].lower() not in _BOOLEANS:
            found.append(("on_time", "on-time flag must be true or false"))
        if self._phone(values["phone"]) == "":
            found.append(("phone", "not a Vietnamese phone number"))
        if values["email"] and not _EMAIL.match(values["email"].lower()):
            found.append(("email", "not an e-mail address"))
        return found

    def _date_problems(self, values: Mapping[str, str]) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        dates = {f: self._date(values[f]) for f in ("received_on", "result_on")}
        for field, parsed in dates.items():
            if values[field] and parsed is None:
                found.append((field, "not a date (YYYY-MM-DD or DD/MM/YYYY)"))
        received, result = dates["received_on"], dates["result_on"]
        if received is not None and result is not None and result < received:
            found.append(("result_on", "result date before the date received"))
        return found
