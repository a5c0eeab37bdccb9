"""The demo city's unit tree and procedure catalogue as plain values.

Unit ids are assigned here, in a fixed order (city, departments, wards, communes, branches,
reception points), so every later table can refer to a unit without asking the database.
"""

from __future__ import annotations

import unicodedata

import msgspec
import numpy as np
from numpy.typing import NDArray

from survey_service.db.enums import UnitKind
from survey_service.demo.catalogue import FIELDS, PROCEDURES
from survey_service.demo.names import (
    BRANCH_SIZES,
    CITY,
    COMMUNES,
    DEPARTMENTS,
    RECEPTION_POINTS,
    WARDS,
)

# Households and individuals file the commune-level versions of business and land
# procedures, so organisations' share there is a fraction of their field's.
COMMUNE_ORG_FACTOR = 0.2

__all__ = ["Catalogue", "UnitRow", "build_catalogue", "build_units", "fold_ascii"]


class UnitRow(msgspec.Struct, frozen=True, kw_only=True):
    """One unit of the demo city.

    ``agency_code`` is the code of the unit in the style of the national agency catalogue,
    used as the prefix of its dossier codes; ``owner`` is the index of the department whose
    procedures a department unit handles (-1 for other units).
    """

    id: int
    code: str
    kind: UnitKind
    name: str
    name_en: str
    parent_id: int | None
    agency_code: str
    owner: int = -1


class Catalogue(msgspec.Struct, frozen=True, kw_only=True):
    """Procedures as arrays indexed by procedure number."""

    codes: list[str]
    names: list[str]
    field_codes: list[str]
    commune_level: NDArray[np.bool_]
    owner: NDArray[np.int16]
    days: NDArray[np.int16]
    popularity: NDArray[np.float64]
    org_share: NDArray[np.float64]


def fold_ascii(text: str) -> str:
    """Return ``text`` without diacritics (``đ`` becomes ``d``), for codes and English."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _place_code(prefix: str, place: str) -> str:
    letters = "".join(ch for ch in fold_ascii(place).upper() if ch.isalnum())
    return f"{prefix}-{letters}"


def _local_units(first_id: int, city_id: int) -> list[UnitRow]:
    rows: list[UnitRow] = []
    places = [(UnitKind.WARD, "Phường", "Ward", "P", 31, p) for p in WARDS]
    places += [(UnitKind.COMMUNE, "Xã", "Commune", "X", 32, p) for p in COMMUNES]
    counters = {UnitKind.WARD: 0, UnitKind.COMMUNE: 0}
    for offset, (kind, word, word_en, prefix, group, place) in enumerate(places):
        counters[kind] += 1
        rows.append(
            UnitRow(
                id=first_id + offset,
                code=_place_code(prefix, place),
                kind=kind,
                name=_nfc(f"{word} {place}"),
                name_en=f"{fold_ascii(place)} {word_en}",
                parent_id=city_id,
                agency_code=f"000.{group:02d}.{counters[kind]:02d}.H26",
            )
        )
    return rows


def _service_centre(first_id: int, city_id: int) -> list[UnitRow]:
    branches: list[UnitRow] = []
    points: list[UnitRow] = []
    first_point = first_id + len(BRANCH_SIZES)
    places = iter(RECEPTION_POINTS)
    for b, size in enumerate(BRANCH_SIZES, start=1):
        branch = UnitRow(
            id=first_id + b - 1,
            code=f"B{b:02d}",
            kind=UnitKind.BRANCH,
            name=_nfc(f"Chi nhánh số {b} Trung tâm Phục vụ hành chính công Thành phố Hà Nội"),
            name_en=f"Branch No. {b}, Hanoi Public Administrative Service Centre",
            parent_id=city_id,
            agency_code=f"000.40.{b:02d}.H26",
        )
        branches.append(branch)
        for p in range(1, size + 1):
            place = next(places)
            points.append(
                UnitRow(
                    id=first_point + len(points),
                    code=f"B{b:02d}-P{p}",
                    kind=UnitKind.RECEPTION_POINT,
                    name=_nfc(f"Điểm tiếp nhận {place} (Chi nhánh số {b})"),
                    name_en=f"{fold_ascii(place)} reception point (Branch No. {b})",
                    parent_id=branch.id,
                    agency_code=f"000.41.{len(points) + 1:02d}.H26",
                )
            )
    return branches + points


def build_units() -> list[UnitRow]:
    """Return every unit of the demo city, ids from 1, parents before children."""
    code, name, name_en = CITY
    city = UnitRow(
        id=1,
        code=code,
        kind=UnitKind.CITY,
        name=_nfc(name),
        name_en=name_en,
        parent_id=None,
        agency_code="000.00.00.H26",
    )
    departments = [
        UnitRow(
            id=2 + k,
            code=dcode,
            kind=UnitKind.DEPARTMENT,
            name=_nfc(dname),
            name_en=den,
            parent_id=city.id,
            agency_code=f"000.00.{k + 1:02d}.H26",
            owner=k,
        )
        for k, (dcode, dname, den) in enumerate(DEPARTMENTS)
    ]
    local = _local_units(2 + len(departments), city.id)
    centre = _service_centre(2 + len(departments) + len(local), city.id)
    return [city, *departments, *local, *centre]


def build_catalogue() -> Catalogue:
    """Return the procedures with their field, level, owner and popularity."""
    department_index = {code: k for k, (code, _, _) in enumerate(DEPARTMENTS)}
    field_info = {f[0]: (department_index[f[3]], f[4]) for f in FIELDS}
    owners = [field_info[p[2]][0] for p in PROCEDURES]
    return Catalogue(
        codes=[p[0] for p in PROCEDURES],
        names=[_nfc(p[1]) for p in PROCEDURES],
        field_codes=[p[2] for p in PROCEDURES],
        commune_level=np.array([p[3] == "commune" for p in PROCEDURES]),
        owner=np.array(owners, dtype=np.int16),
        days=np.array([p[4] for p in PROCEDURES], dtype=np.int16),
        popularity=np.array([p[5] for p in PROCEDURES]),
        org_share=np.array(
            [
                field_info[p[2]][1] * (COMMUNE_ORG_FACTOR if p[3] == "commune" else 1.0)
                for p in PROCEDURES
            ]
        ),
    )
