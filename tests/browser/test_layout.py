"""The solve view people can work in: a 30x30 task at 1440x900 shows its demonstrations at
10 px a cell or more, and the test input, the whole output, Submit and the feedback without
scrolling; at 390x844 no page is wider than the window; focus returns to the grid after
Resize; the colour-blind marks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from tests.browser.conftest import (
    ARTIFACTS,
    PageWatch,
    Studio,
    api_signup,
    read_grid,
    running_studio,
)

BIG = "3631a71a"  # every grid 30x30
TASKS = [BIG, "25ff71a9", "27a28665", "88a62173"]


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    with running_studio(tmp_path_factory.mktemp("layout"), task_ids=TASKS) as s:
        yield s


@pytest.fixture
def sized(browser: Browser, watch: PageWatch) -> Iterator[Any]:
    """Pages of a given window size; none may log a JavaScript error."""
    contexts: list[BrowserContext] = []

    def open_page(width: int, height: int) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        context.on("page", watch.watch)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert not watch.errors, "JavaScript errors:\n" + "\n".join(watch.errors)


def box(page: Page, selector: str) -> dict:
    found = page.locator(selector).bounding_box()
    assert found is not None, selector
    return found


def inside(b: dict, width: int, height: int) -> bool:
    return b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= width and \
        b["y"] + b["height"] <= height


def cell_size(page: Page, name: str) -> float:
    return page.evaluate(
        "(n) => document.querySelector(`.grid-view[data-grid=\"${n}\"]`).gridView.cssCell", name)


def test_a_30x30_task_fits_1440x900(studio: Studio, sized: Any) -> None:
    page = sized(1440, 900)
    api_signup(page, studio.url, "wide")
    page.goto(f"{studio.url}/task/{BIG}")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#attempts-left")).to_have_text("2 of 2 attempts left")
    for i in range(len(studio.tasks[BIG].train)):
        for side in ("input", "output"):
            assert cell_size(page, f"train-{i}-{side}") >= 10
    demo = box(page, '.grid-view[data-grid="train-0-input"] canvas')
    assert demo["width"] >= 300 and inside(demo, 1440, 900)
    for selector in ('.grid-view[data-grid="test-input"] canvas',
                     '.grid-view[data-grid="output"] canvas', "#submit", "#attempts-left",
                     "#resize", "#copy-input", '.palette .swatch[data-colour="9"]'):
        assert inside(box(page, selector), 1440, 900), selector
    assert cell_size(page, "output") >= 10
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    assert page.evaluate("window.scrollY") == 0
    page.click("#submit")  # a blank 30x30 grid: wrong
    expect(page.locator("#result")).to_contain_text("Not correct")
    assert inside(box(page, "#result"), 1440, 900)
    assert inside(box(page, '.grid-view[data-grid="output"] canvas'), 1440, 900)
    page.screenshot(path=str(ARTIFACTS / "solve-view-1440x900.png"))


@pytest.mark.parametrize("path", [f"/task/{BIG}", "/task/27a28665", "/", "/tutorial",
                                  "/check", "/login", "/runs", "/runs/demo-code-run"])
def test_nothing_is_wider_than_a_phone(studio: Studio, sized: Any, path: str) -> None:
    page = sized(390, 844)
    api_signup(page, studio.url, f"phone{abs(hash(path)) % 10**6}")
    page.goto(f"{studio.url}{path}")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    if path.startswith("/task/"):
        for selector in ('.grid-view[data-grid="output"] canvas', "#submit",
                         '.grid-view[data-grid="test-input"] canvas'):
            b = box(page, selector)
            assert b["x"] >= 0 and b["x"] + b["width"] <= 390, selector
        page.screenshot(path=str(ARTIFACTS / "solve-view-390x844.png"), full_page=True)


def test_focus_returns_to_the_grid_after_resize(studio: Studio, page: Page) -> None:
    page.goto(f"{studio.url}/task/88a62173")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#rows", "2")
    page.fill("#cols", "8")
    page.press("#cols", "Enter")  # Enter in the box resizes, like the button
    expect(page.locator("#output-shape")).to_have_text("2×8")
    grid = page.locator('.grid-view[data-grid="output"] canvas')
    expect(grid).to_be_focused()
    page.keyboard.press("7")  # a colour, not a digit typed into the columns box
    expect(page.locator('.palette .swatch[data-colour="7"]')).to_have_class("swatch active")
    expect(page.locator("#cols")).to_have_value("8")
    page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    assert read_grid(page)[0][0] == 7
    page.fill("#cols", "3")
    page.click("#resize")
    expect(page.locator("#output-shape")).to_have_text("2×3")
    expect(grid).to_be_focused()
    page.keyboard.press("4")
    expect(page.locator("#cols")).to_have_value("3")


def test_colour_blind_marks(studio: Studio, page: Page) -> None:
    page.goto(f"{studio.url}/task/25ff71a9")
    page.wait_for_selector("body[data-ready=true]")
    canvas = page.locator('.grid-view[data-grid="train-0-input"] canvas')
    swatch = page.locator('.palette .swatch[data-colour="2"]')
    plain, plain_swatch = canvas.screenshot(), swatch.screenshot()
    page.keyboard.press("p")
    expect(page.locator("#patterns")).to_be_checked()
    assert canvas.screenshot() != plain and swatch.screenshot() != plain_swatch
    page.reload()  # the choice is remembered
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#patterns")).to_be_checked()
    assert canvas.screenshot() != plain
    page.click("#patterns")
    assert canvas.screenshot() == plain


def test_the_task_list_sends_its_thumbnails_with_the_page(studio: Studio, page: Page) -> None:
    asked: list[str] = []
    page.on("request", lambda r: "/api/tasks" in r.url and asked.append(r.url))
    page.goto(f"{studio.url}/")
    page.wait_for_selector(f'.grid-view[data-grid="thumb-{BIG}-output"]')
    assert read_grid(page, f"thumb-{BIG}-input") == studio.tasks[BIG].train[0].input
    assert len(asked) == 1 and "thumbnails=true" in asked[0]
