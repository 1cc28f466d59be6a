"""Traces in a real browser: add, vote, retract and remove, live in a second page; inert HTML."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect
from tests.browser.conftest import ARTIFACTS, PageWatch, Studio, api_signup

TASK = "a740d043"


def open_traces(page: Page, studio: Studio) -> None:
    page.goto(f"{studio.url}/task/{TASK}")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-traces")
    expect(page.locator(".live-dot.live")).to_have_count(1)  # subscribed to the task


def test_traces_arrive_live_in_another_page(
    studio: Studio, browser: Browser, page: Page, watch: PageWatch
) -> None:
    api_signup(page, studio.url, "writer")
    open_traces(page, studio)
    other: BrowserContext = browser.new_context(viewport={"width": 1500, "height": 950})
    other.on("page", watch.watch)
    try:
        reader = other.new_page()
        api_signup(reader, studio.url, "reader")
        open_traces(reader, studio)
        expect(reader.locator("#trace-list .empty")).to_be_visible()

        page.fill("#trace-text", "Remove the **blue** background.\n\n1. crop to the shape\n"
              "2. recolour it: `0 -> 2`\n\n> every demonstration agrees")
        page.click("#add-trace")
        mine = page.locator("article.trace")
        expect(mine).to_have_count(1)
        expect(mine.locator(".remove-trace")).to_have_count(1)

        theirs = reader.locator("article.trace")
        expect(theirs).to_have_count(1)  # arrived over the WebSocket, no reload
        expect(theirs.locator("strong")).to_have_text("blue")
        expect(theirs.locator(".badge.human")).to_have_text("human")
        expect(theirs.locator(".author")).to_have_text("writer")
        expect(theirs.locator(".remove-trace")).to_have_count(0)  # not the reader's

        reader.screenshot(path=str(ARTIFACTS / "traces-live.png"))
        # vote up: the score changes here and in the writer's page; a second click retracts
        up = theirs.locator('button[aria-label="vote up"]')
        up.click()
        expect(theirs.locator(".score")).to_have_text("1")
        expect(up).to_have_attribute("aria-pressed", "true")
        expect(mine.locator(".score")).to_have_text("1")
        up.click()
        expect(theirs.locator(".score")).to_have_text("0")
        expect(mine.locator(".score")).to_have_text("0")
        theirs.locator('button[aria-label="vote down"]').click()
        expect(mine.locator(".score")).to_have_text("-1")

        # the vote is stored per user: a reload shows it
        reader.reload()
        reader.wait_for_selector("body[data-ready=true]")
        expect(reader.locator('article.trace button[aria-label="vote down"]')).to_have_attribute(
            "aria-pressed", "true"
        )

        # the writer removes the trace; it leaves the reader's page
        page.locator(".remove-trace").click()
        expect(mine).to_have_count(0)
        expect(reader.locator("article.trace")).to_have_count(0)
    finally:
        other.close()


def test_html_in_a_trace_is_inert(studio: Studio, page: Page, watch: PageWatch) -> None:
    api_signup(page, studio.url, "mallory")
    open_traces(page, studio)
    hostile = (
        'Look: <img src=x onerror="window.__pwned = 1; alert(1)">\n\n'
        "[click me](javascript:window.__pwned=2;alert(2))\n\n"
        "<script>window.__pwned = 3</script>\n\n"
        '<a href="javascript:window.__pwned=4">raw link</a> and [fine](https://example.org/a)'
    )
    page.fill("#trace-text", hostile)
    page.click("#add-trace")
    body = page.locator("article.trace .trace-body")
    expect(body).to_have_count(1)
    expect(body).to_contain_text("Look:")

    # clicking the links that do not leave for the web runs nothing
    for link in body.locator("a").all():
        if not (link.get_attribute("href") or "").startswith(("http:", "https:")):
            link.click()
    page.reload()
    page.wait_for_selector("article.trace .trace-body")
    page.wait_for_timeout(300)  # give a broken image's onerror the chance to fire

    body.screenshot(path=str(ARTIFACTS / "trace-inert.png"))
    assert page.evaluate("window.__pwned") is None
    assert watch.dialogs == []
    dangerous = page.evaluate(
        """() => [...document.querySelectorAll('.trace-body *')].flatMap((el) =>
            [...el.attributes].filter((a) => a.name.startsWith('on')
              || /^\\s*javascript:/i.test(a.value)).map((a) => `${el.tagName} ${a.name}`))"""
    )
    assert dangerous == []
    assert page.locator(".trace-body script").count() == 0
    # the safe link survives, with the attributes of an external link
    safe = body.locator('a[href="https://example.org/a"]')
    expect(safe).to_have_attribute("rel", "nofollow noopener noreferrer")

    # the task list can show only tasks with traces
    page.goto(f"{studio.url}/?has_traces=true")
    rows = page.locator("#task-list tbody tr[data-task]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-task", TASK)
    expect(rows.first.locator("td").nth(4)).to_have_text("1")
