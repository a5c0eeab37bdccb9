"""A seeded city for the console tests: the small frame of tests/samples and staff of each role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient

from survey_service.db.enums import Role
from tests.samples.city import client, seed_frame
from tests.staff import create_staff, login


class City(msgspec.Struct, frozen=True):
    """The database and the password of each staff member (named after their role)."""

    url: str
    passwords: dict[str, str]


@pytest.fixture
def fx_city(fx_database_url: str, tmp_path: Path) -> City:
    seed_frame(fx_database_url, tmp_path)
    passwords = {
        role.value: create_staff(fx_database_url, role.value, role, unit_codes=unit_codes)
        for role, unit_codes in (
            (Role.STATISTICIAN, ()),
            (Role.ADMINISTRATOR, ()),
            (Role.REVIEWER, ("X-SOCSON",)),
            (Role.VIEWER, ()),
        )
    }
    return City(fx_database_url, passwords)


@pytest.fixture
def fx_statistician(fx_city: City) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A client logged in as the statistician."""
    with client(fx_city.url) as logged_in:
        login(logged_in, "statistician", fx_city.passwords["statistician"])
        yield logged_in
