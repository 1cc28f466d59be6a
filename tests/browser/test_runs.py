"""The run viewer in a real browser: a run folder's samples, code, grids and verdicts."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from tests.browser.conftest import ARTIFACTS, RUN_ID, Studio, read_grid


def test_run_list_and_run_viewer(studio: Studio, page: Page) -> None:
    task = studio.tasks["25ff71a9"]
    page.goto(f"{studio.url}/runs")
    row = page.locator(f'#run-list tr[data-run="{RUN_ID}"]')
    expect(row).to_contain_text("builtin/dsl")
    expect(row.locator(".badge.code")).to_have_text("code")
    row.locator("a").click()
    page.wait_for_url(f"**/runs/{RUN_ID}*")

    expect(page.locator('#run-tasks li[data-task="25ff71a9"]')).to_contain_text("test ✓")
    samples = page.locator("article.sample")
    expect(samples).to_have_count(2)
    good, bad = samples.nth(0), samples.nth(1)
    pairs = len(task.train) + len(task.test)
    expect(good.locator("header .badge.ok")).to_have_text(f"{pairs}/{pairs} pairs")
    expect(bad.locator("header .badge.bad")).to_have_text(f"0/{pairs} pairs")
    expect(good.locator(".reasoning strong")).to_have_text("one row down")

    # the code is shown as text: markup in it stays characters
    code = good.locator("pre.code code")
    expect(code).to_contain_text("# <b>not bold</b>")
    assert good.locator("pre.code b").count() == 0

    # every pair: input, expected and produced grids with a verdict
    expect(good.locator(".pair-result")).to_have_count(pairs)
    expect(good.locator(".pair-result .badge.verdict.pass")).to_have_count(pairs)
    expect(bad.locator(".pair-result .badge.verdict.fail")).to_have_count(pairs)
    first = task.train[0]
    assert read_grid(page, "1-train-0-input") == first.input
    assert read_grid(page, "1-train-0-expected") == first.output
    assert read_grid(page, "1-train-0-produced") == first.input  # the identity program
    assert read_grid(page, "0-test-0-produced") == task.test[0].output
    # a failed pair says how far the produced grid is
    differ = sum(
        a != b for ra, rb in zip(first.input, first.output, strict=True)
        for a, b in zip(ra, rb, strict=True)
    )
    expect(bad.locator('.pair-result[data-split="train"][data-index="0"] .diff')).to_have_text(
        f"{differ} of 9 cells differ"
    )

    page.screenshot(path=str(ARTIFACTS / "run-viewer.png"), full_page=True)

    # a deep link to the task, and an unknown run says so
    page.goto(f"{studio.url}/runs/{RUN_ID}?task=25ff71a9")
    expect(page.locator('#run-tasks li[data-task="25ff71a9"]')).to_have_class("active")
    page.goto(f"{studio.url}/runs/no-such-run")
    expect(page.locator("#app .error")).to_contain_text("No run no-such-run")
