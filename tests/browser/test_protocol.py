"""A study session under the protocol of the server: three attempts without practice (H-ARC)
and two with practice (ARC Prize); the mode starts as study on every task; labels state the
real limits and count test inputs from 1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.conftest import (
    PageWatch,
    Studio,
    api_signup,
    read_grid,
    running_studio,
)
from tests.browser.test_solve import open_task, paint_output

PROTOCOLS = {"h-arc": {"study_per_output": 3, "practice": False},
             "arc-prize": {"study_per_output": 2, "practice": True}}


@pytest.fixture(scope="module", params=sorted(PROTOCOLS))
def protocol_studio(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Studio, dict]]:
    rules = PROTOCOLS[request.param]
    with running_studio(tmp_path_factory.mktemp(request.param), **rules) as studio:
        yield studio, rules


@pytest.fixture
def session_page(browser: Browser, watch: PageWatch) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    context.on("page", watch.watch)
    yield context.new_page()
    context.close()
    assert not watch.errors, "JavaScript errors:\n" + "\n".join(watch.errors)


def test_a_study_session_under_the_protocol(protocol_studio: tuple[Studio, dict],
                                            session_page: Page) -> None:
    studio, rules = protocol_studio
    n = rules["study_per_output"]
    page = session_page
    api_signup(page, studio.url, "annotator")
    answer = studio.tasks["88a62173"].test[0].output
    open_task(page, studio, "88a62173")
    study = page.locator('.mode-switch button[data-mode="study"]')
    expect(study).to_have_attribute("aria-pressed", "true")  # study first, on every task
    expect(page.locator('.mode-switch button[data-mode="practice"]')).to_have_count(
        1 if rules["practice"] else 0)
    expect(page.locator("#test-label")).to_have_text("Test input 1 of 1")
    expect(page.locator("#attempts-left")).to_have_text(f"{n} of {n} attempts left")
    wrong = [[(v + 1) % 10 for v in row] for row in answer]
    paint_output(page, wrong)
    for left in range(n - 1, -1, -1):
        page.click("#submit")
        expect(page.locator("#result")).to_have_text(
            f"✗ Not correct. {left} of {n} attempt{'' if n == 1 else 's'} left.")
        expect(page.locator("#attempts-left")).to_have_text(f"{left} of {n} attempts left")
    expect(page.locator("#submit")).to_be_disabled()
    # used up: the answer opens beside the test input, and a description may follow
    page.wait_for_selector('.grid-view[data-grid="test-answer"]')
    assert read_grid(page, "test-answer") == answer
    expect(page.locator("#describe")).to_be_visible()
    store = studio.app.state.studio.store
    user = store.get_user_by_name("annotator")
    tries = store.list_attempts(user.id, "88a62173")
    assert [(a.mode, a.correct) for a in tries] == [("study", False)] * n
    # one log per attempt: the first from the opening, each next one from the last submission
    assert [a.actions[0]["since"] for a in tries] == ["open"] + ["submit"] * (n - 1)
    assert all(a.actions[-1]["tool"] == "submit" for a in tries)
    assert [t["tool"] for t in tries[1].actions] == ["view", "submit"]
    # the mode does not follow the person to the next task
    if rules["practice"]:
        open_task(page, studio, "25ff71a9")
        page.click('.mode-switch button[data-mode="practice"]')
        expect(page.locator("#attempts-left")).to_have_text("practice: 20 of 20 left")
    open_task(page, studio, "a740d043")
    expect(study).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#attempts-left")).to_have_text(f"{n} of {n} attempts left")


def test_refusals_name_test_inputs_from_one(
    protocol_studio: tuple[Studio, dict], session_page: Page
) -> None:
    studio, _rules = protocol_studio
    page = session_page
    api_signup(page, studio.url, "counter")
    open_task(page, studio, "27a28665")  # three test inputs
    page.keyboard.press("]")
    expect(page.locator("#test-label")).to_have_text("Test input 2 of 3")
    page.request.post(f"{studio.url}/api/tasks/27a28665/reveal", headers={
        "X-CSRF-Token": page.request.get(f"{studio.url}/api/me").json()["csrf_token"]})
    page.click("#submit")  # the page still thinks attempts are left: the server says no
    expect(page.locator("#result")).to_contain_text(
        "no attempts left for test input 2 (you revealed the answers of this task)")
