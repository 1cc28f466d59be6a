"""A newcomer's path: the home page says what ARC and the studio are, the guided tutorial
walks through one made-up task with the real editor, "start solving" opens an easy task, and
a new account is welcomed."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect
from tests.browser.conftest import PASSWORD, Studio, click_cell, read_grid

from arcforge.web.onboarding import EASY


def test_from_the_home_page_through_the_tutorial_to_a_first_task(studio: Studio,
                                                                 page: Page) -> None:
    page.goto(f"{studio.url}/")
    intro = page.locator("#intro")
    expect(intro).to_contain_text("Abstraction and Reasoning Corpus")
    expect(intro).to_contain_text("In this studio people solve ARC tasks")
    page.click("#open-tutorial")
    page.wait_for_url("**/tutorial")
    page.wait_for_selector("body[data-ready=true]")
    tutorial = json.loads(page.request.get(f"{studio.url}/static/tutorial.json").text())
    test = tutorial["test"][0]
    expect(page.locator("body")).to_have_attribute("data-step", "look")
    page.click("#tutorial-next")
    expect(page.locator("body")).to_have_attribute("data-step", "copy")
    page.click("#copy-input")
    assert read_grid(page) == test["input"]
    expect(page.locator("body")).to_have_attribute("data-step", "colour")
    page.click("#submit")  # too early: the page says what is missing
    expect(page.locator("#result")).to_contain_text("Not yet")
    page.keyboard.press("2")
    expect(page.locator("body")).to_have_attribute("data-step", "paint")
    for r, row in enumerate(test["input"]):
        for c, colour in enumerate(row):
            if colour == 1:
                click_cell(page, "output", r, c)
    assert read_grid(page) == test["output"]
    expect(page.locator("body")).to_have_attribute("data-step", "submit")
    page.click("#submit")
    expect(page.locator("#tutorial-done")).to_be_visible()
    expect(page.locator('#tutorial-steps li[data-step="submit"]')).to_have_class("done")
    page.click("#tutorial-start")
    page.wait_for_url("**/task/*")
    page.wait_for_selector("body[data-ready=true]")
    first = next(t for t in EASY if t in studio.tasks)
    expect(page.locator(".task-title h1")).to_have_text(first)


def test_a_new_account_is_welcomed(studio: Studio, page: Page) -> None:
    page.goto(f"{studio.url}/login?signup=1&next=/")
    page.fill("#username", "newcomer")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{studio.url}/")
    welcome = page.locator("#welcome")
    expect(welcome).to_contain_text("Welcome, newcomer!")
    expect(welcome.locator('a[href="/tutorial"]')).to_be_visible()
    page.reload()  # once only
    page.wait_for_selector("#intro")
    expect(page.locator("#welcome")).to_have_count(0)
    page.click("#start-solving")
    page.wait_for_url("**/task/*")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator(".task-title h1").inner_text() in EASY
    expect(page.locator("#attempts-left")).to_have_text("2 of 2 attempts left")
