"""How a source system's export maps onto frame fields (a TOML file per source system).

Example::

    format = "csv"              # or "jsonl"; guessed from the file name when absent
    date_format = "%d/%m/%Y"    # when dates are not ISO (YYYY-MM-DD) or DD/MM/YYYY

    [columns]                   # frame field = column in the export
    dossier_code = "MaHoSo"
    unit_code = "DonViXuLy"
    procedure_code = "MaTTHC"
    field_code = "MaLinhVuc"
    channel = "HinhThuc"
    applicant_kind = "LoaiDoiTuong"
    received_on = "NgayTiepNhan"
    result_on = "NgayTra"

    [values.channel]            # source value = frame value
    "1" = "in_person"
    "2" = "online"
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec

from survey_service.errors import ServiceError

__all__ = ["FIELDS", "REQUIRED", "ColumnMapping", "MappingError", "load_mapping"]

FIELDS = (
    "dossier_code",
    "unit_code",
    "procedure_code",
    "field_code",
    "channel",
    "applicant_kind",
    "applicant_id",
    "phone",
    "email",
    "received_on",
    "result_on",
    "on_time",
)
REQUIRED = (
    "dossier_code",
    "unit_code",
    "procedure_code",
    "field_code",
    "channel",
    "applicant_kind",
    "received_on",
    "result_on",
)


class MappingError(ServiceError):
    """A column-mapping file cannot be used."""


class ColumnMapping(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Column names and value translations of one source system."""

    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    format: Literal["csv", "jsonl"] | None = None
    date_format: str | None = None
    delimiter: str | None = None

    def column(self, field: str) -> str:
        """The export's column holding ``field``."""
        return self.columns.get(field, field)


def load_mapping(path: Path | None) -> ColumnMapping:
    """Read a mapping file (the identity mapping when ``path`` is None)."""
    if path is None:
        return ColumnMapping()
    try:
        mapping = msgspec.toml.decode(path.read_bytes(), type=ColumnMapping)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise MappingError(f"{path}: {exc}") from exc
    unknown = sorted(set(mapping.columns) - set(FIELDS))
    if unknown:
        raise MappingError(f"{path}: unknown frame fields in [columns]: {', '.join(unknown)}")
    if mapping.delimiter is not None and len(mapping.delimiter) != 1:
        raise MappingError(f"{path}: delimiter must be one character")
    return mapping
