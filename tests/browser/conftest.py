"""Browser tests: the app and its static frontend on 127.0.0.1, a second origin for the widget, and Debian's
Chromium driven by Playwright for Python (its wheel carries the driver; no browser is ever downloaded)."""

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from minirag.api.app import create_app
from minirag.bootstrap import Services
from scripts.localcloud.server import mount_frontend
from tests.support.server import serve
from tests.support.worker import IngestWorker

CHROMIUM = os.environ.get("MINIRAG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
DOCS_IMG = Path(__file__).parents[2] / "docs" / "img"
WAIT_MS = 10_000


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Per module, not per session: while Playwright's sync API is active, its event loop counts as running
    in this thread, which breaks tests (Mangum's handler) that run an event loop after the browser tests."""
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("the browser tests need the playwright package (see README: browser tests)")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set MINIRAG_CHROMIUM)")
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app_url(services: Services) -> Iterator[str]:
    """The API with /dashboard/ and /widget/ mounted exactly as `make run` mounts them."""
    if not (Path(__file__).parents[2] / "frontend/dashboard/vendor/alpine-csp.min.js").is_file():
        pytest.fail(
            "frontend/dashboard/vendor is missing: run `cd frontend && npm ci && sh scripts/vendor.sh`"
        )
    with serve(mount_frontend(create_app(services))) as url:
        yield url


class Problems(list[str]):
    """Script errors, Alpine expression errors and Content-Security-Policy refusals seen by a page."""

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.append(f"page error: {error}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if (
            "Content Security Policy" in text
            or "Alpine" in text
            or (message.type == "error" and ("Uncaught" in text or "TypeError" in text))
        ):
            self.append(f"console {message.type}: {text}")


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def new_page(chromium: Any, problems: Problems) -> Iterator[Callable[..., Any]]:
    """Opens pages in fresh browser contexts; at the end, no page may have logged a script or CSP error."""
    contexts: list[Any] = []

    def open_page(width: int = 1280, height: int = 860) -> Any:
        context = chromium.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """Saves tests/browser/artifacts/<name>.png; with MINIRAG_DOCS_SCREENSHOTS=1 also docs/img/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    if os.environ.get("MINIRAG_DOCS_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMG / path.name)
    return path


def ingest_until(worker: IngestWorker, ready: Callable[[], bool], timeout_s: float = 20) -> None:
    """Runs the ingest queue through the real handler while the page polls, until `ready()` holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        worker.drain(max_rounds=3)
        if ready():
            return
        time.sleep(0.2)
    raise AssertionError(f"not ready within {timeout_s} s")
