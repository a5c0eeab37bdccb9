"""The statistician console in a real phone-sized browser: a survey cycle from the pages,
every page checked by axe-core (no serious or critical violation) and for sideways scroll."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survey_service.db.enums import Role
from tests.browser.conftest import VIEWPORT, LiveServer
from tests.samples.city import (
    DESIGN_FILE,
    HEADER,
    SURVEY,
    add_responses,
    members,
    run,
    seed_frame,
)
from tests.staff import create_staff

if TYPE_CHECKING:
    from playwright.sync_api import Page

SERIOUS = ("serious", "critical")
BASE = f"/staff/console/surveys/{SURVEY}"


def _expect(target: Any) -> Any:
    from playwright.sync_api import expect

    return expect(target)


def _check(page: Page, axe_js: Path, shots: Path, name: str) -> None:
    """No serious axe violation, no page-wide sideways scroll; keep a screenshot."""
    page.add_script_tag(path=str(axe_js))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in SERIOUS]
    assert not bad, f"{name}: " + json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"]} for v in bad],
        ensure_ascii=False,
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{name}: the page scrolls sideways ({width}px)"
    page.screenshot(path=str(shots / f"console-{name}.png"), full_page=True)


def test_a_survey_cycle_through_the_console(
    fx_database_url: str,
    fx_new_context: Any,
    fx_axe_js: Path,
    fx_screenshot_dir: Path,
    tmp_path: Path,
) -> None:
    url = fx_database_url
    seed_frame(url, tmp_path)
    assert run(url, "sample", "design", "add", SURVEY, str(DESIGN_FILE)).exit_code == 0
    password = create_staff(url, "thong-ke", Role.STATISTICIAN)
    bad_frame = tmp_path / "bad.csv"
    bad_frame.write_text(
        f"{HEADER}\nB-1,X-NOWHERE,1.001,HT,online,citizen,1,,,2025-08-01,2025-08-02,true\n",
        encoding="utf-8",
    )
    server = LiveServer(url)
    server.start()
    try:
        page: Page = fx_new_context().new_page()
        page.goto(server.url("/staff/console"))
        page.get_by_label("Tên đăng nhập").fill("thong-ke")
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(server.url("/staff/console"))
        _expect(page.get_by_role("heading", level=1)).to_have_text("Bàn làm việc thống kê")
        _check(page, fx_axe_js, fx_screenshot_dir, "home")

        page.goto(server.url("/staff/console/frame"))
        page.get_by_label("Tệp khung mẫu (.csv, .jsonl)").set_input_files(str(bad_frame))
        page.get_by_role("button", name="Nhập khung mẫu").click()
        _expect(page.locator("#rejected-rows")).to_contain_text("X-NOWHERE")
        _check(page, fx_axe_js, fx_screenshot_dir, "frame-rejected")

        page.goto(server.url(f"{BASE}/designs"))
        page.get_by_role("link", name="Xem trước").click()
        _expect(page.locator("#strata")).to_contain_text("Xã Sóc Sơn · trực tiếp")
        _check(page, fx_axe_js, fx_screenshot_dir, "preview")
        page.get_by_label("Hạt giống ngẫu nhiên").fill("20251001")
        page.get_by_role("button", name="Rút mẫu").click()
        _expect(page.locator("#draw-done")).to_contain_text("hạt giống 20251001")

        main = [r[0] for r in members(url) if not r[5]]
        add_responses(url, main[::2])
        page.goto(server.url(f"{BASE}/fieldwork?by=unit"))
        _expect(page.locator("#rates")).to_contain_text("Xã Sóc Sơn")
        _check(page, fx_axe_js, fx_screenshot_dir, "fieldwork")

        page.goto(server.url(f"{BASE}/weights"))
        page.get_by_role("button", name="Tính quyền số").click()
        _expect(page.locator("#weights-done")).to_contain_text("Đã tính")
        _check(page, fx_axe_js, fx_screenshot_dir, "weights")
    finally:
        server.stop()
