"""Traces in a real browser: hidden while one solves, revealed on request; add, vote, retract
and remove, live in a second page; inert HTML."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect
from tests.browser.conftest import ARTIFACTS, PageWatch, Studio, api_signup, read_grid

TASK = "a740d043"


def open_traces(page: Page, studio: Studio) -> None:
    page.goto(f"{studio.url}/task/{TASK}")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-traces")
    expect(page.locator(".live-dot.live")).to_have_count(1)  # subscribed to the task


def reveal(page: Page) -> None:
    """Reveal the task's answers from the traces panel (the confirmation is accepted)."""
    note = page.locator("#traces-hidden")
    expect(note).to_contain_text("Traces are hidden while you solve.")
    page.click("#reveal-answers")
    expect(note).to_have_count(0)


def test_traces_are_hidden_until_the_task_is_solved_or_revealed(
    studio: Studio, browser: Browser, page: Page, watch: PageWatch
) -> None:
    task = studio.tasks[TASK]
    api_signup(page, studio.url, "author")
    open_traces(page, studio)
    page.fill("#trace-text", "It is the shape of the **answer**.")
    page.click("#add-trace")
    expect(page.locator("article.trace")).to_have_count(1)  # one's own trace is always shown

    other: BrowserContext = browser.new_context(viewport={"width": 1500, "height": 950})
    other.on("page", watch.watch)
    try:
        anon = other.new_page()
        open_traces(anon, studio)
        note = anon.locator("#traces-hidden")
        expect(note).to_contain_text("log in, then solve this task in study mode or reveal it")
        expect(note.locator("a")).to_have_text("Log in")
        expect(anon.locator("article.trace")).to_have_count(0)

        solver = other.new_page()
        api_signup(solver, studio.url, "blind")
        open_traces(solver, studio)
        expect(solver.locator("#traces-hidden")).to_contain_text(
            "solve this task in study mode, use up its study attempts or reveal it")
        expect(solver.locator("article.trace")).to_have_count(0)
        assert solver.locator("#test-answer .grid-view").count() == 0
        solver.screenshot(path=str(ARTIFACTS / "traces-hidden.png"))
        reveal(solver)
        assert any("Reveal the answers of this task?" in d for d in watch.dialogs)
        expect(solver.locator("article.trace")).to_have_count(1)
        expect(solver.locator("article.trace strong")).to_have_text("answer")
        answer = solver.locator('#test-answer .grid-view[data-grid="test-answer"]')
        expect(answer).to_have_count(1)  # the test output itself
        assert read_grid(solver, "test-answer") == task.test[0].output
        solver.click('.mode-switch button[data-mode="study"]')
        expect(solver.locator("#attempts-left")).to_have_text("0 of 2 attempts left")  # ended
        expect(solver.locator("#submit")).to_be_disabled()
        solver.evaluate("localStorage.setItem('arcforge.mode', 'practice')")
        solver.reload()  # recorded on the server
        solver.wait_for_selector("body[data-ready=true]")
        expect(solver.locator("article.trace")).to_have_count(1)
        page.locator(".remove-trace").click()  # the other tests start without traces
        expect(solver.locator("article.trace")).to_have_count(0)
    finally:
        other.close()


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
        reveal(reader)  # reads the traces of a task whose answers they may see
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


def test_a_page_whose_live_connection_dropped_catches_up(studio: Studio, page: Page) -> None:
    """As when its server process restarts: the page reconnects and reloads its traces, so a
    trace added while it was away (its event never sent to it) shows up."""
    api_signup(page, studio.url, "rejoiner")
    open_traces(page, studio)
    reveal(page)
    state = studio.app.state.studio
    for sub in list(state.hub._subscribers):  # every connection ends
        sub.loop.call_soon_threadsafe(sub.offer, None)
    quiet = state.store.create_user("quiet", password_hash="not used")
    state.store.add_trace(TASK, 0, quiet.id, "written while the page was away")
    expect(page.locator("article.trace", has_text="written while the page was away")
           ).to_have_count(1, timeout=15_000)
    expect(page.locator(".live-dot.live")).to_have_count(1)
