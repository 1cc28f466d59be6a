"""The report opens in a real browser, draws its grids, and runs no model-written script."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

from arcforge.report import write_report

pytestmark = pytest.mark.browser


def test_report_renders_grids_in_chromium(code_run: Path):
    path = write_report(code_run, studio_url=None)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1600})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(path.as_uri())
            assert page.locator("#arcprize-score").inner_text() == "50.0%"
            grids = page.locator("details[open] svg.grid")
            assert grids.count() >= 8
            box = grids.first.bounding_box()
            assert box is not None and box["width"] > 0 and box["height"] > 0
            assert page.evaluate("window.__pwned") is None
            assert page.locator("#per-task tr").count() == 3  # header + 2 tasks
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            assert not errors
        finally:
            browser.close()
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
