"""Chromium for the browser tests: one browser per run, a page per test, the app served on a free port.

A pytest plugin (named in tests/conftest.py) rather than tests/browser/conftest.py: a second `conftest`
module would shadow tests/conftest.py for the test modules that import helpers from it, and a fixture
defined in two test modules would start Playwright twice in one run.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from assistant.library import Library

CHROMIUM = Path("/usr/bin/chromium")  # Playwright's own download fails offline; `make chromium` installs this
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(library: Library) -> Iterator[str]:
    """The app over this library on a free port of 127.0.0.1, closed afterwards."""
    from assistant.ui import launch  # Gradio loads only for the tests that serve the app

    demo = launch(library, port=free_port(), block=False)
    try:
        yield str(demo.local_url)
    finally:
        demo.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # A missing browser is a broken set-up, not a reason to skip: `make browser` installs it first.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make chromium`"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # answers take seconds on 2 busy cores
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
