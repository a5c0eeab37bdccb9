"""Turning an export's record into a frame row, or into the reasons it cannot be one."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping

import msgspec

from survey_service.features.frame.mapping import REQUIRED, ColumnMapping

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


def _normal(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip())


class RowParser:
    """Validates records against a mapping and the known unit codes."""

    def __init__(
        self,
        mapping: ColumnMapping,
        unit_ids: Mapping[str, int],
        hash_applicant: Callable[[str], str],
    ) -> None:
        self.mapping = mapping
        self.unit_ids = unit_ids
        self.hash_applicant = hash_applicant
        self.columns = {
            f: mapping.column(f) for f in (*REQUIRED, "applicant_id", "phone", "email", "on_time")
        }

    def _value(self, record: Mapping[str, str], field: str) -> str:
        raw = _normal(record.get(self.columns[field], ""))
        translated = self.mapping.values.get(field, {})
        return translated.get(raw, raw)

    def _date(self, text: str) -> dt.date:
        if self.mapping.date_format:
            return dt.datetime.strptime(text, self.mapping.date_format).date()
        day = text[:10]
        if len(day) == 10 and day[2] == "/" and day[5] == "/":
            return dt.date(int(day[6:]), int(day[3:5]), int(day[:2]))  # DD/MM/YYYY
        return dt.date.fromisoformat(day)

    def parse(self, line: int, record: Mapping[str, str]) -> FrameRow | list[RowError]:
        """Return the frame row, or every reason the record cannot be one."""
        if "\0error" in record:
            return [RowError(line, "", "", record["\0error"])]
        errors: list[RowError] = []

        def fail(field: str, value: str, reason: str) -> None:
            errors.append(RowError(line, self.columns[field], value, reason))

        for field in REQUIRED:
            if not self._value(record, field):
                fail(field, "", "missing value")
        unit_id, channel, kind = self._codes(record, fail)
        dates = self._dates(record, fail)
        on_time = _BOOLEANS.get(self._value(record, "on_time").lower())
        if on_time is None:
            fail("on_time", self._value(record, "on_time"), "on-time flag must be true or false")
        phone, email = self._contact(record, fail)
        if errors:
            return errors
        assert unit_id is not None
        assert channel is not None
        assert kind is not None
        assert dates is not None
        assert on_time is not None
        applicant = self._value(record, "applicant_id")
        return FrameRow(
            self._value(record, "dossier_code"),
            unit_id,
            self._value(record, "procedure_code")[:32],
            self._value(record, "field_code")[:32],
            channel,
            kind,
            self.hash_applicant(applicant) if applicant else None,
            dates[0],
            dates[1],
            on_time,
            phone,
            email,
        )

    def _codes(
        self, record: Mapping[str, str], fail: Callable[[str, str, str], None]
    ) -> tuple[int | None, str | None, str | None]:
        code = self._value(record, "dossier_code")
        if len(code) > 64:
            fail("dossier_code", code[:70], "longer than 64 characters")
        unit_code = self._value(record, "unit_code")
        unit_id = self.unit_ids.get(unit_code)
        if unit_code and unit_id is None:
            fail("unit_code", unit_code, "unknown unit code (an import never creates units)")
        given_channel = self._value(record, "channel")
        channel = _CHANNELS.get(given_channel.lower())
        if given_channel and channel is None:
            fail("channel", given_channel, "channel must be in_person, online or postal")
        given_kind = self._value(record, "applicant_kind")
        kind = _KINDS.get(given_kind.lower())
        if given_kind and kind is None:
            fail("applicant_kind", given_kind, "must be citizen or organisation")
        return unit_id, channel, kind

    def _dates(
        self, record: Mapping[str, str], fail: Callable[[str, str, str], None]
    ) -> tuple[dt.date, dt.date] | None:
        parsed: list[dt.date] = []
        for field in ("received_on", "result_on"):
            text = self._value(record, field)
            if not text:
                continue
            try:
                parsed.append(self._date(text))
            except ValueError:
                fail(field, text, "not a date (YYYY-MM-DD or DD/MM/YYYY)")
        if len(parsed) != 2:
            return None
        if parsed[1] < parsed[0]:
            fail("result_on", str(parsed[1]), "result date before the date received")
            return None
        return parsed[0], parsed[1]

    def _contact(
        self, record: Mapping[str, str], fail: Callable[[str, str, str], None]
    ) -> tuple[str | None, str | None]:
        phone = re.sub(r"[\s.\-()]", "", self._value(record, "phone"))
        if phone.startswith("+84"):
            phone = "0" + phone[3:]
        elif phone.startswith("84") and len(phone) in (11, 12):
            phone = "0" + phone[2:]
        if phone and not _PHONE.match(phone):
            fail("phone", phone, "not a Vietnamese phone number")
        email = self._value(record, "email").lower()
        if email and not _EMAIL.match(email):
            fail("email", email, "not an e-mail address")
        return phone or None, email or None
