"""The action log of a scripted session: one log per attempt holding every kind of event in
order, each with its millisecond time, and the time spent looking before the first action."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from tests.browser.conftest import Studio, api_signup, cell_point, click_cell
from tests.browser.test_solve import open_task

TASK = "27a28665"  # three 3x3 test inputs, 1x1 answers


def drag(page: Page, grid: str, start: tuple[int, int], end: tuple[int, int]) -> None:
    x0, y0 = cell_point(page, grid, *start)
    x1, y1 = cell_point(page, grid, *end)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()


def set_hidden(page: Page, hidden: bool) -> None:
    """The tab goes to the background (or comes back), as the browser reports it."""
    page.evaluate("""(hidden) => {
        Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""", hidden)


def test_a_scripted_session_logs_every_event_in_order(studio: Studio, page: Page) -> None:
    api_signup(page, studio.url, "logger")
    open_task(page, studio, TASK)
    page.wait_for_timeout(400)  # looking before the first action
    page.keyboard.press("3")  # choose_colour
    click_cell(page, "output", 0, 0)  # edit
    drag(page, "output", (1, 0), (1, 2))  # edit: one stroke, three cells
    page.keyboard.press("f")  # choose_tool
    click_cell(page, "output", 2, 2)  # fill
    page.keyboard.press("s")
    drag(page, "test-input", (0, 0), (1, 1))  # select on the test input
    page.keyboard.press("Control+c")  # copy
    click_cell(page, "output", 1, 1)  # select on the output
    page.keyboard.press("Control+v")  # paste
    page.keyboard.press("9")  # a colour key fills the selection: choose_colour, fill_selection
    page.keyboard.press("Escape")  # deselect
    page.keyboard.press("Control+z")  # undo
    page.keyboard.press("Control+y")  # redo
    page.click("#copy-input")  # copy_input
    page.click("#reset")  # reset
    page.keyboard.press("k")
    click_cell(page, "train-1-input", 0, 0)  # the picker takes colour 8, back to select
    page.keyboard.press("n")  # numbers
    page.keyboard.press("p")  # marks
    page.keyboard.press("]")  # leave, to test input 2 ...
    page.keyboard.press("[")  # ... and back: view (since: return)
    set_hidden(page, True)  # away
    set_hidden(page, False)  # back
    page.fill("#rows", "1")
    page.fill("#cols", "1")
    page.click("#resize")  # resize
    expect(page.locator("#output-shape")).to_have_text("1×1")
    page.click('.mode-switch button[data-mode="practice"]')  # mode
    page.click('.mode-switch button[data-mode="study"]')
    page.keyboard.press("e")
    click_cell(page, "output", 0, 0)  # edit with colour 8: wrong (the answer is 6)
    page.click("#submit")  # the server appends the submission and its result
    expect(page.locator("#result")).to_contain_text("Not correct")
    page.keyboard.press("6")
    click_cell(page, "output", 0, 0)
    page.click("#submit")
    expect(page.locator("#result")).to_contain_text("Correct")

    store = studio.app.state.studio.store
    first, second = store.list_attempts(store.get_user_by_name("logger").id, TASK)
    tools = [a["tool"] for a in first.actions]
    expected = ["view", "choose_colour", "edit", "edit", "choose_tool", "fill", "choose_tool",
                "select", "copy", "select", "paste", "choose_colour", "fill_selection",
                "deselect", "undo", "redo", "copy_input", "reset", "choose_tool",
                "choose_colour", "choose_tool", "numbers", "marks", "leave", "view", "away",
                "back", "resize", "mode", "mode", "choose_tool", "edit", "submit"]
    assert tools == expected
    times = [a["t_ms"] for a in first.actions]
    assert all(isinstance(t, int) for t in times) and times == sorted(times)
    assert times[1] >= 400  # the viewing time before the first action
    by_tool = {}
    for a in first.actions:
        by_tool.setdefault(a["tool"], []).append(a)
    assert first.actions[0] | {"since": "open", "grid": [[0] * 3] * 3} == first.actions[0]
    assert by_tool["edit"][0]["cells"] == [[0, 0]] and by_tool["edit"][0]["colour"] == 3
    assert by_tool["edit"][1]["cells"] == [[1, 0], [1, 1], [1, 2]]
    assert by_tool["choose_tool"][0]["name"] == "fill"
    assert by_tool["select"][0] | {"grid": "test-input", "cells": [[0, 0], [1, 1]]} == \
        by_tool["select"][0]
    assert by_tool["copy"][0]["from"] == "test-input"
    assert by_tool["choose_colour"][1]["colour"] == 9
    assert by_tool["choose_colour"][2] | {"via": "picker", "from": "train-1-input",
                                           "colour": 8} == by_tool["choose_colour"][2]
    assert (by_tool["resize"][0]["rows"], by_tool["resize"][0]["cols"]) == (1, 1)
    assert by_tool["leave"][0]["to"] == "test input 2"
    assert by_tool["view"][1]["since"] == "return"
    assert [m["mode"] for m in by_tool["mode"]] == ["practice", "study"]
    assert first.actions[-1] | {"correct": False, "mode": "study"} == first.actions[-1]
    assert first.actions[-1]["t_ms"] == first.duration_ms
    # the second attempt has its own log, from the first submission on
    assert [a["tool"] for a in second.actions] == ["view", "choose_colour", "edit", "submit"]
    assert second.actions[0]["since"] == "submit" and second.actions[0]["grid"] == [[8]]
    assert second.actions[-1]["correct"] is True
