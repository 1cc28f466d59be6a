"""Variations in a real browser: compose, preview, sign, navigate, co-sign and remove."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page, expect
from tests.browser.conftest import ARTIFACTS, Studio, api_signup, read_grid

from arcforge.grids import dihedral

TASK = "25ff71a9"


def test_sign_a_variation_and_navigate_to_it(
    studio: Studio, context: BrowserContext, page: Page
) -> None:
    task = studio.tasks[TASK]
    api_signup(page, studio.url, "ada")
    page.goto(f"{studio.url}/task/{TASK}")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-variations")

    page.check('input[name=dihedral][value="rot90"]')
    expect(page.locator("#spec")).to_have_text('[{"op":"rot90"}]')
    # the server's preview shows the rotated demonstrations
    preview = page.locator("#variation-preview .pair")
    expect(preview).to_have_count(len(task.train) + len(task.test))

    # an explicit colour mapping (swap 1 and 2) adds an operation; a bad one is refused here
    page.fill("#mapping", "0213456789")
    expect(page.locator("#spec")).to_have_text(
        '[{"op":"rot90"},{"op":"permute_colours","mapping":[0,2,1,3,4,5,6,7,8,9]}]'
    )
    page.fill("#mapping", "0113456789")
    expect(page.locator("#variation-error")).to_contain_text("every colour exactly once")
    expect(page.locator("#sign-variation")).to_be_disabled()
    page.fill("#mapping", "0213456789")
    expect(page.locator("#sign-variation")).to_be_enabled()
    # a new order of the demonstrations (numbers from 1), checked before it is sent
    page.fill("#train-order", "2 2 3 4")
    expect(page.locator("#variation-error")).to_contain_text("each of 1 to 4 exactly once")
    page.fill("#train-order", "2 1 3 4")
    expect(page.locator("#spec")).to_contain_text('{"op":"reorder","train":[1,0,2,3]}')

    page.click("#sign-variation")
    page.wait_for_url("**?v=1*")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator(".version-chip.active")).to_have_attribute("data-version", "1")
    expect(page.locator("#signers")).to_contain_text("ada")

    def recolour(g: list[list[int]]) -> list[list[int]]:
        return [[{1: 2, 2: 1}.get(v, v) for v in row] for row in dihedral(g, "rot90")]

    page.screenshot(path=str(ARTIFACTS / "variation-signed.png"), full_page=True)
    assert read_grid(page, "train-0-input") == recolour(task.train[1].input)
    assert read_grid(page, "train-1-output") == recolour(task.train[0].output)
    assert read_grid(page, "test-input") == recolour(task.test[0].input)

    # back to the original with the browser's history, forward again
    page.go_back()
    expect(page.locator(".version-chip.active")).to_have_attribute("data-version", "0")
    assert read_grid(page, "train-0-input") == task.train[0].input

    # a second user signs the same spec from the original: no new version, two signers
    other = context.browser.new_context(viewport={"width": 1500, "height": 950})
    try:
        bob = other.new_page()
        api_signup(bob, studio.url, "bob")
        bob.goto(f"{studio.url}/task/{TASK}")
        bob.wait_for_selector("body[data-ready=true]")
        bob.click("#tab-variations")
        bob.check('input[name=dihedral][value="rot90"]')
        bob.fill("#mapping", "0213456789")
        bob.fill("#train-order", "2 1 3 4")
        bob.click("#sign-variation")
        bob.wait_for_url("**?v=1*")
        expect(bob.locator(".toast")).to_contain_text("Added your signature to v1")
        expect(bob.locator("#signers")).to_contain_text("ada, bob")
        # bob did not create v1: no remove button for him
        expect(bob.locator('#version-list li[data-version="1"] button')).to_have_count(0)
    finally:
        other.close()

    # ada's page heard about the new signature live
    expect(page.locator('#version-list li[data-version="1"] .signers')).to_contain_text("ada, bob")
    # the task list can show only tasks with variations
    listing = context.new_page()
    listing.goto(f"{studio.url}/?has_variations=true")
    rows = listing.locator("#task-list tbody tr[data-task]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-task", TASK)
    expect(rows.first.locator("td").nth(3)).to_have_text("1")
    listing.close()

    # the author removes the version; the page goes back to its parent
    page.click('.version-chip[data-version="1"]')
    expect(page.locator(".version-chip.active")).to_have_attribute("data-version", "1")
    page.click('#version-list li[data-version="1"] button:has-text("Remove")')
    expect(page.locator(".version-chip.active")).to_have_attribute("data-version", "0")
    expect(page.locator('.version-chip[data-version="1"]')).to_have_count(0)
    # a removed version is gone for readers; the page says so and links to the original
    page.goto(f"{studio.url}/task/{TASK}?v=1")
    expect(page.locator("#load-error")).to_contain_text("was removed")
    page.click("#load-error a >> nth=0")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator(".version-chip.active")).to_have_attribute("data-version", "0")
