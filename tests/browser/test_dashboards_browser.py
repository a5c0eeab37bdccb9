"""Acceptance of the department scorecard in headless Chromium (issue #6).

A reviewer of a demo commune logs in, opens the scorecard of their commune from the
list of their units, changes the period, filters it to one channel, downloads the
estimates as XLSX (opened with openpyxl) and opens the league table. Every page is
checked by axe-core (no serious or critical violation); screenshots of the scorecard (also
filtered) and the league table are saved at 390×844 and 1366×768
(``SURVEY_SCREENSHOT_DIR``, e.g. ``.cache/screenshots``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl

from survey_service.db.enums import Role
from tests.browser.conftest import LiveServer
from tests.dashboards.conftest import SURVEYS, publish_demo
from tests.staff import create_staff

if TYPE_CHECKING:
    from playwright.sync_api import Page

SERIOUS = ("serious", "critical")
COMMUNE = "X-SOCSON"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def _expect(target: Any) -> Any:
    from playwright.sync_api import expect

    return expect(target)


def _axe(page: Page, axe_js: Path, name: str) -> None:
    page.add_script_tag(path=str(axe_js))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = result["violations"]
    for v in violations:
        print(f"axe on {name}: [{v['impact']}] {v['id']}: {v['help']}")
    bad = [v for v in violations if v["impact"] in SERIOUS]
    assert not bad, f"{name}: " + json.dumps(
        [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in bad],
        ensure_ascii=False,
    )


def _shots(page: Page, shots: Path, name: str) -> None:
    for label, size in (("390x844", PHONE), ("1366x768", DESKTOP)):
        page.set_viewport_size(size)  # type: ignore[arg-type]
        page.screenshot(path=shots / f"{name}-{label}.png")
        page.screenshot(path=shots / f"{name}-{label}-full.png", full_page=True)
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]


def test_reviewer_reads_their_scorecard(
    fx_database_url: str, fx_new_context: Any, fx_axe_js: Path, fx_screenshot_dir: Path
) -> None:
    publish_demo(fx_database_url)
    password = create_staff(fx_database_url, "reviewer-socson", Role.REVIEWER, (COMMUNE,))
    server = LiveServer(fx_database_url)
    server.start()
    try:
        context = fx_new_context()
        page: Page = context.new_page()
        page.set_viewport_size(PHONE)  # type: ignore[arg-type]
        page.goto(server.url("/login"))
        page.get_by_label("Tên đăng nhập").fill("reviewer-socson")
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_role("link", name="Kết quả đơn vị").first.click()
        _expect(page.get_by_role("heading", level=1)).to_have_text("Đơn vị của tôi")
        _axe(page, fx_axe_js, "units")
        page.get_by_role("link", name="Xã Sóc Sơn").click()

        # The newest published period, said to be published, with its date.
        _expect(page.get_by_role("heading", level=1)).to_have_text("Xã Sóc Sơn")
        _expect(page.locator(".banner.published")).to_contain_text("Kết quả đã công bố ngày")
        _expect(page.locator("#f-survey")).to_have_value(SURVEYS[1])
        for heading in ("Chỉ số hài lòng chung", "Các yếu tố và tiêu chí", "Cần cải thiện trước"):
            _expect(page.get_by_role("heading", name=heading)).to_be_visible()
        _expect(page.get_by_role("img", name="Các yếu tố và tiêu chí — Xã Sóc Sơn")).to_be_visible()
        _axe(page, fx_axe_js, "scorecard")
        _shots(page, fx_screenshot_dir, "scorecard")

        # Another period.
        page.locator("#f-survey").select_option(SURVEYS[0])
        page.get_by_role("button", name="Xem").click()
        page.wait_for_url(f"**survey={SURVEYS[0]}**")
        _expect(page.locator("#f-survey")).to_have_value(SURVEYS[0])
        _expect(page.locator(".banner.published")).to_contain_text("quý III/2025")
        _axe(page, fx_axe_js, "scorecard-q3")

        # One channel: the unit's indices among online dossiers (a domain estimate).
        page.locator("#f-channel").select_option("online")
        page.get_by_role("button", name="Xem").click()
        page.wait_for_url("**channel=online**")
        _expect(page.locator("#f-channel")).to_have_value("online")
        _expect(page.locator(".banner.filtered")).to_contain_text("Trực tuyến")
        _expect(page.get_by_role("heading", name="Chỉ số hài lòng chung")).to_be_visible()
        _axe(page, fx_axe_js, "scorecard-online")
        _shots(page, fx_screenshot_dir, "scorecard-online")

        # The estimates of this unit as XLSX.
        with page.expect_download() as download:
            page.get_by_role("link", name="XLSX").click()
        saved = fx_screenshot_dir / "estimates.xlsx"
        download.value.save_as(saved)
        workbook = openpyxl.load_workbook(saved, read_only=True)
        assert workbook.sheetnames

        # The league table of communes.
        page.goto(server.url("/staff/league"))
        _expect(page.get_by_role("heading", level=1)).to_have_text("Bảng xếp hạng")
        _expect(page.locator("table.league tbody tr")).not_to_have_count(0)
        _axe(page, fx_axe_js, "league")
        _shots(page, fx_screenshot_dir, "league")

        # Another unit's scorecard is not there for this reviewer.
        reply = page.goto(server.url("/staff/units/HN"))
        assert reply is not None
        assert reply.status == 404
    finally:
        server.stop()
