"""Logging in and out in a real browser: Vietnamese first, English on request, every page
checked by axe-core (no serious or critical violation), phone-sized."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survey_service.db.enums import Role
from tests.browser.conftest import LiveServer
from tests.seed import COMMUNE_CODE, seed_small_city
from tests.staff import create_staff

if TYPE_CHECKING:
    from playwright.sync_api import Page

SERIOUS = ("serious", "critical")


def _expect(target: Any) -> Any:
    from playwright.sync_api import expect

    return expect(target)


def _check_axe(page: Page, axe_js: Path, name: str) -> None:
    page.add_script_tag(path=str(axe_js))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in SERIOUS]
    assert not bad, f"{name}: " + json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"]} for v in bad],
        ensure_ascii=False,
    )


def test_login_language_switch_and_logout(
    fx_database_url: str, fx_new_context: Any, fx_axe_js: Path
) -> None:
    seed_small_city(fx_database_url)
    password = create_staff(fx_database_url, "xa-soc-son", Role.REVIEWER, (COMMUNE_CODE,))
    server = LiveServer(fx_database_url)
    server.start()
    try:
        page: Page = fx_new_context().new_page()
        page.goto(server.url("/staff"))
        _expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
        _check_axe(page, fx_axe_js, "login")

        page.get_by_label("Tên đăng nhập").fill("xa-soc-son")
        page.get_by_label("Mật khẩu").fill("not the password")
        page.get_by_role("button", name="Đăng nhập").click()
        _expect(page.get_by_role("alert")).to_contain_text("không đúng")
        _check_axe(page, fx_axe_js, "login-failed")

        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        _expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
        _check_axe(page, fx_axe_js, "staff-home")

        page.get_by_role("button", name="English").click()
        _expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
        _expect(page.locator("html")).to_have_attribute("lang", "en")

        page.get_by_role("button", name="Log out").click()
        _expect(page.get_by_role("status")).to_contain_text("You have logged out")
        _check_axe(page, fx_axe_js, "logged-out")
        page.goto(server.url("/staff"))
        _expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    finally:
        server.stop()


def test_account_pages_for_an_administrator(
    fx_database_url: str, fx_new_context: Any, fx_axe_js: Path
) -> None:
    seed_small_city(fx_database_url)
    password = create_staff(fx_database_url, "quan-tri", Role.ADMINISTRATOR)
    server = LiveServer(fx_database_url)
    server.start()
    try:
        page: Page = fx_new_context().new_page()
        page.goto(server.url("/login?next=/staff/accounts/"))
        page.get_by_label("Tên đăng nhập").fill("quan-tri")
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        _expect(page.get_by_role("heading", level=1)).to_have_text("Tài khoản cán bộ")
        page.get_by_label("Tên đăng nhập").fill("soc-son")
        page.get_by_label("Vai trò").select_option("reviewer")
        page.get_by_label("Đơn vị được xem").fill(COMMUNE_CODE)
        page.get_by_label("Mật khẩu ban đầu").fill("mat-khau-dai-du")
        page.get_by_role("button", name="Tạo tài khoản").click()
        _expect(page.get_by_role("status")).to_contain_text("soc-son")
        _check_axe(page, fx_axe_js, "accounts")
        page.get_by_role("link", name="Nhật ký thao tác").click()
        _expect(page.get_by_role("heading", level=1)).to_have_text("Nhật ký thao tác")
        _check_axe(page, fx_axe_js, "audit")
        page.goto(server.url("/staff/password/"))
        _check_axe(page, fx_axe_js, "password")
    finally:
        server.stop()
