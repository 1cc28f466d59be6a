"""Logging in follows ``?next=`` only to a path of the studio itself, never to another site."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import PASSWORD, Studio, api_signup

# Each resolves to another origin (or to no path) once the browser has parsed it: a tab or a
# newline inside "/\t/evil.com" is dropped, giving "//evil.com"; a backslash reads as a slash.
FOREIGN = ["/\t/evil.com", "/\n/evil.com", "/\\/evil.com", "\\\\evil.com", "//evil.com",
           "https://evil.com/", "javascript:alert(1)", "/\t\\evil.com"]


def log_in_with_next(page: Page, studio: Studio, name: str, next_value: str) -> None:
    page.goto(f"{studio.url}/login?next={quote(next_value, safe='')}")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")


@pytest.mark.parametrize("target", FOREIGN)
def test_next_never_leaves_the_studio(studio: Studio, page: Page, target: str) -> None:
    name = f"nx{FOREIGN.index(target)}"
    api_signup(page, studio.url, name)
    log_in_with_next(page, studio, name, target)
    page.wait_for_url(f"{studio.url}/")  # the task list, on this origin
    expect(page.locator(".account .user")).to_have_text(name)


def test_next_keeps_a_path_of_the_studio(studio: Studio, page: Page) -> None:
    api_signup(page, studio.url, "nxok")
    log_in_with_next(page, studio, "nxok", "/task/88a62173?v=0#grid")
    page.wait_for_url(f"{studio.url}/task/88a62173?v=0#grid")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator(".task-title h1")).to_have_text("88a62173")
