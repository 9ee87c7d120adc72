"""Headless Chromium for tests: Debian's package, driven by Playwright (no downloaded browser).

Usage: ``with chromium() as browser: page = browser.new_page(); ...``. ``console_errors(page)``
collects console errors and page errors for an assertion at the end.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

# Debian's chromium package; elsewhere (e.g. a GitHub Ubuntu runner, where apt's chromium is a
# snap shim) the Chrome that the machine already has.
_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM = Path(
    os.environ.get("EQUALCITY_CHROMIUM")
    or next((c for c in _CANDIDATES if Path(c).exists()), _CANDIDATES[0])
)
# Flags for a machine with no network and no display; without the background-networking ones
# Chromium keeps trying to reach Google's hosts.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# scripts/test.sh (and so CI) keeps them in test-artifacts/screenshots/ for upload; a plain
# pytest run writes them to the temporary folder, never into the working tree.
SCREENSHOTS = Path(
    os.environ.get("EQUALCITY_SCREENSHOTS")
    or os.path.join(tempfile.gettempdir(), "equalcity-screenshots")
)


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def console_errors(page: Page) -> list[str]:
    """A list that fills with the page's console errors and uncaught exceptions."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under ``test-artifacts/screenshots/`` and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE = Path(__file__).resolve().parent.parent / "tools/node_modules/axe-core/axe.min.js"


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts on the page, one line each (rule: target).

    The script is evaluated through the DevTools protocol, which the page's CSP does not
    govern, so the page under test keeps its real policy."""
    if not AXE.exists():
        raise AssertionError("axe-core is not installed: run scripts/install.sh (npm ci in tools/)")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in result
        if v["impact"] in impacts
    ]
