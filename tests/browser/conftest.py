"""Browser fixtures: the real app under uvicorn, headless Chromium through Playwright, axe-core.

The tests skip with a reason when Debian's Chromium (``/usr/bin/chromium``, or
``SURVEY_CHROMIUM``), the ``playwright`` package or axe-core (``SURVEY_AXE_JS``, default
``.cache/axe/node_modules/axe-core/axe.min.js`` as installed by ``.ci/run``) is missing;
``SURVEY_TEST_REQUIRE_ALL=1`` turns those skips into failures. Playwright's own browser
download is never used. ``SURVEY_SCREENSHOT_DIR`` keeps the screenshots somewhere to look at.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from survey_service.app import create_app
from survey_service.config import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

REPO = Path(__file__).resolve().parents[2]
DEFAULT_AXE_JS = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
# Bounded waits: a step that takes longer than this is a failure, not a hang.
TIMEOUT_MS = 10_000
SERVER_START_SECONDS = 15.0


def _chromium() -> Path:
    return Path(os.environ.get("SURVEY_CHROMIUM") or DEFAULT_CHROMIUM)


def _axe_js() -> Path:
    return Path(os.environ.get("SURVEY_AXE_JS") or DEFAULT_AXE_JS)


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not _chromium().is_file():
        return f"no Chromium at {_chromium()} (apt-get install chromium, or set SURVEY_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not _axe_js().is_file():
        return (
            f"no axe-core at {_axe_js()} "
            "(npm install --prefix .cache/axe axe-core@4, or set SURVEY_AXE_JS)"
        )
    return None


@pytest.fixture(scope="package")
def fx_browser() -> Iterator[Browser]:
    """Headless Debian Chromium, shared by the browser tests of this package."""
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(_chromium()), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def fx_new_context(fx_browser: Browser) -> Iterator[Any]:
    """Make fresh browser contexts (no cookies, no cache) with a phone-sized viewport."""
    contexts: list[BrowserContext] = []

    def make(locale: str = "vi-VN") -> BrowserContext:
        context = fx_browser.new_context(viewport=VIEWPORT, locale=locale)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def fx_page(fx_new_context: Any) -> Page:
    """A page in a fresh 360×740 browser context."""
    page: Page = fx_new_context().new_page()
    return page


@pytest.fixture(scope="session")
def fx_axe_js() -> Path:
    return _axe_js()


@pytest.fixture(scope="session")
def fx_screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: SURVEY_SCREENSHOT_DIR, or a pytest temporary directory."""
    chosen = os.environ.get("SURVEY_SCREENSHOT_DIR")
    if chosen:
        path = Path(chosen)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


class LiveServer:
    """The app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        settings = Settings(database_url=database_url, secret_key="x" * 40, environment="test")
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings),
            lifespan="on",
            ws="none",
            http="h11",
            loop="asyncio",
            log_level="warning",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the test server stopped while starting")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the test server did not start in {SERVER_START_SECONDS}s")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=SERVER_START_SECONDS)
        self._socket.close()
        assert not self._thread.is_alive(), "the test server did not stop"


@pytest.fixture
def fx_server(fx_database_url: str) -> Iterator[LiveServer]:
    """The real app on a free port against this test's migrated (not yet seeded) database."""
    server = LiveServer(fx_database_url)
    server.start()
    try:
        yield server
    finally:
        server.stop()
