"""The account pages: administrators manage users and read the audit log; staff change
their own password (issue #6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from survey_service.app import create_app
from survey_service.config import Settings
from survey_service.db.enums import Role
from tests.seed import COMMUNE_CODE, seed_small_city
from tests.staff import create_staff, csrf_token, login


def _client(url: str) -> TestClient:  # type: ignore[type-arg]
    return TestClient(create_app(Settings(database_url=url, secret_key="p" * 40)))


@pytest.fixture
def fx_admin(fx_database_url: str) -> Iterator[tuple[str, Any]]:
    seed_small_city(fx_database_url)
    password = create_staff(fx_database_url, "quan-tri", Role.ADMINISTRATOR)
    with _client(fx_database_url) as client:
        login(client, "quan-tri", password)
        yield fx_database_url, client


def _form(client: Any, **fields: str) -> dict[str, str]:
    return {"_csrf_token": csrf_token(client), **fields}


def test_an_administrator_creates_and_disables_a_reviewer(fx_admin: tuple[str, Any]) -> None:
    url, client = fx_admin
    page = client.get("/staff/accounts/")
    assert page.status_code == 200
    assert "quan-tri" in page.text
    fields = {"username": "soc-son", "display_name": "UBND xã Sóc Sơn", "role": "reviewer"}
    made = client.post(
        "/staff/accounts/",
        data=_form(client, **fields, units=COMMUNE_CODE, password="mat-khau-dai-du"),
        follow_redirects=False,
    )
    assert made.status_code == 303
    listing = client.get(made.headers["location"]).text
    assert "UBND xã Sóc Sơn" in listing
    assert COMMUNE_CODE in listing
    with _client(url) as reviewer:
        login(reviewer, "soc-son", "mat-khau-dai-du")
        assert reviewer.get("/staff/accounts/").status_code == 403
        gone = client.post(
            "/staff/accounts/soc-son/disable", data=_form(client), follow_redirects=False
        )
        assert gone.status_code == 303
        assert reviewer.get("/staff", follow_redirects=False).status_code == 303
    audit = client.get("/staff/accounts/audit", params={"user": "quan-tri"}).text
    assert "user.create" in audit
    assert "user.disable" in audit
    assert "POST /staff/accounts/{username}/disable" in audit


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "Có Dấu", "role": "viewer"}, "Tên đăng nhập không hợp lệ"),
        ({"username": "a-b", "role": "reviewer"}, "cần ít nhất một đơn vị"),
        ({"username": "a-b", "role": "reviewer", "units": "NOPE"}, "Không có đơn vị mã: NOPE"),
        ({"username": "a-b", "role": "viewer", "units": COMMUNE_CODE}, "Chỉ Lãnh đạo"),
        ({"username": "quan-tri", "role": "viewer"}, "Tên đăng nhập đã có"),
        ({"username": "a-b", "role": "viewer", "password": "short"}, "ít nhất 10 ký tự"),
    ],
)
def test_a_bad_account_is_refused_with_the_reason(
    fx_admin: tuple[str, Any], fields: dict[str, str], message: str
) -> None:
    _, client = fx_admin
    data = _form(client, **{"password": "mat-khau-dai-du", **fields})
    reply = client.post("/staff/accounts/", data=data)
    assert reply.status_code == 422
    assert message in reply.text


def test_an_administrator_cannot_disable_themselves(fx_admin: tuple[str, Any]) -> None:
    _, client = fx_admin
    reply = client.post("/staff/accounts/quan-tri/disable", data=_form(client))
    assert reply.status_code == 422
    assert client.get("/staff").status_code == 200


def test_changing_ones_password_ends_the_other_sessions(fx_admin: tuple[str, Any]) -> None:
    url, _ = fx_admin
    password = create_staff(url, "xem", Role.VIEWER)
    with _client(url) as phone, _client(url) as desk:
        login(phone, "xem", password)
        login(desk, "xem", password)
        wrong = phone.post(
            "/staff/password/", data=_form(phone, current="sai", new="x" * 12, repeat="x" * 12)
        )
        assert "Mật khẩu hiện tại không đúng" in wrong.text
        differ = phone.post(
            "/staff/password/", data=_form(phone, current=password, new="x" * 12, repeat="y" * 12)
        )
        assert "không khớp" in differ.text
        done = phone.post(
            "/staff/password/",
            data=_form(phone, current=password, new="mat-khau-moi-1", repeat="mat-khau-moi-1"),
        )
        assert "Đã đổi mật khẩu" in done.text
        assert phone.get("/staff").status_code == 200
        assert desk.get("/staff", follow_redirects=False).status_code == 303
        login(desk, "xem", "mat-khau-moi-1")
