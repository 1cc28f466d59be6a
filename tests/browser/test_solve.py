"""The solve view in a real browser: sign up, edit, submit; tools, undo/redo, keys, modes."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from tests.browser.conftest import (
    ARTIFACTS,
    PageWatch,
    Studio,
    api_signup,
    cell_point,
    click_cell,
    read_grid,
    running_studio,
)

from arcforge.web.security import hash_password


def resize_output(page: Page) -> None:
    """Press Resize; keys go to the output grid again once the size changed."""
    rows, cols = page.input_value("#rows"), page.input_value("#cols")
    page.click("#resize")
    expect(page.locator("#output-shape")).to_have_text(f"{rows}×{cols}")
    expect(page.locator('.grid-view[data-grid="output"] canvas')).to_be_focused()


def paint_output(page: Page, grid: list[list[int]]) -> None:
    """Resize the output grid to ``grid`` and paint its non-zero cells with the keyboard."""
    page.fill("#rows", str(len(grid)))
    page.fill("#cols", str(len(grid[0])))
    resize_output(page)
    for r, row in enumerate(grid):
        for c, colour in enumerate(row):
            if colour:
                page.keyboard.press(str(colour))
                click_cell(page, "output", r, c)


def open_task(page: Page, studio: Studio, task_id: str, query: str = "") -> None:
    page.goto(f"{studio.url}/task/{task_id}{query}")
    page.wait_for_selector("body[data-ready=true]")


def test_sign_up_and_solve_by_editing(studio: Studio, page: Page) -> None:
    task = studio.tasks["88a62173"]  # 5x5 input, 2x2 answer
    answer = task.test[0].output
    seen_tasks: list[dict] = []
    page.on("response", lambda r: "/api/tasks/88a62173" in r.url and r.request.method == "GET"
            and "traces" not in r.url and "attempts" not in r.url and seen_tasks.append(r.json()))

    page.goto(f"{studio.url}/login?signup=1&next=/task/88a62173")
    page.fill("#username", "solver")
    page.fill("#password", "correct horse battery")
    page.click("#login-submit")
    page.wait_for_url("**/task/88a62173")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator(".account .user")).to_have_text("solver")

    # the output starts at the input's size; make it 2x2
    assert len(read_grid(page)) == 5
    page.fill("#rows", "2")
    page.fill("#cols", "2")
    resize_output(page)
    expect(page.locator("#output-shape")).to_have_text("2×2")

    for r, row in enumerate(answer):
        for c, colour in enumerate(row):
            page.keyboard.press(str(colour))
            click_cell(page, "output", r, c)
    assert read_grid(page) == answer
    page.screenshot(path=str(ARTIFACTS / "solve-view.png"), full_page=True)

    # the browser never received the test output while solving
    assert seen_tasks and all("output" not in t for s in seen_tasks for t in s["test"])
    page.click("#submit")
    expect(page.locator("#result")).to_contain_text("Correct")
    expect(page.locator(".test-nav .badge.ok")).to_have_text("✓ solved")
    # solved in study mode (where every task starts): now the answer is shown
    page.wait_for_selector('.grid-view[data-grid="test-answer"]')
    assert read_grid(page, "test-answer") == answer
    # the attempt carries the action log of the session
    store = studio.app.state.studio.store
    user = store.get_user_by_name("solver")
    [attempt] = store.list_attempts(user.id, "88a62173")
    assert attempt.correct and attempt.grid == answer
    tools = [a["tool"] for a in attempt.actions]
    assert tools[0] == "view" and tools[-1] == "submit" and tools.count("edit") >= 1
    [resized] = [a for a in attempt.actions if a["tool"] == "resize"]
    assert (resized["rows"], resized["cols"]) == (2, 2)
    painted = {tuple(cell) for a in attempt.actions if a["tool"] == "edit" for cell in a["cells"]}
    assert painted == {(r, c) for r in range(2) for c in range(2) if answer[r][c] != 0}
    times = [a["t_ms"] for a in attempt.actions]
    assert times == sorted(times)

    # the task list knows what this user solved
    page.goto(f"{studio.url}/?solved_by_me=true")
    rows = page.locator("#task-list tbody tr[data-task]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-task", "88a62173")
    expect(rows.first.locator(".badge.ok")).to_have_text("✓ solved")


def test_undo_redo_and_keyboard_colours(studio: Studio, page: Page) -> None:
    open_task(page, studio, "007bbfb7")  # 3x3 test input
    expect(page.locator("#undo")).to_be_disabled()
    page.keyboard.press("2")
    expect(page.locator('.palette .swatch[data-colour="2"]')).to_have_class("swatch active")
    click_cell(page, "output", 0, 0)
    page.keyboard.press("3")
    # drag along row 1: one stroke, one undo step
    x0, y0 = cell_point(page, "output", 1, 0)
    x1, y1 = cell_point(page, "output", 1, 2)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    assert read_grid(page) == [[2, 0, 0], [3, 3, 3], [0, 0, 0]]

    page.keyboard.press("Control+z")
    assert read_grid(page) == [[2, 0, 0], [0, 0, 0], [0, 0, 0]]
    page.click("#undo")
    assert read_grid(page) == [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
    expect(page.locator("#undo")).to_be_disabled()
    page.keyboard.press("Control+y")
    assert read_grid(page) == [[2, 0, 0], [0, 0, 0], [0, 0, 0]]
    page.click("#redo")
    assert read_grid(page) == [[2, 0, 0], [3, 3, 3], [0, 0, 0]]
    expect(page.locator("#redo")).to_be_disabled()

    # flood fill the black region with 4, then undo it
    page.keyboard.press("f")
    page.keyboard.press("4")
    click_cell(page, "output", 2, 2)
    assert read_grid(page) == [[2, 0, 0], [3, 3, 3], [4, 4, 4]]  # row 1 walls it off
    page.keyboard.press("Control+z")
    assert read_grid(page) == [[2, 0, 0], [3, 3, 3], [0, 0, 0]]
    # a new edit after undo clears the redo history
    page.keyboard.press("e")
    click_cell(page, "output", 2, 2)
    expect(page.locator("#redo")).to_be_disabled()
    assert read_grid(page)[2][2] == 4

    # keyboard only: arrows move a cell cursor, Space paints, Shift+arrows select
    page.mouse.move(0, 0)
    page.keyboard.press("ArrowDown")  # starts at the cursor the mouse left at (2, 2)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("7")
    page.keyboard.press(" ")
    assert read_grid(page) == [[2, 0, 0], [3, 3, 3], [7, 0, 4]]
    page.keyboard.press("s")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("8")  # fills the selected row
    assert read_grid(page) == [[2, 0, 0], [8, 8, 8], [7, 0, 4]]
    # after a resize the old cursor is gone: Space does nothing until the cursor moves
    page.fill("#rows", "1")
    page.fill("#cols", "2")
    resize_output(page)
    page.keyboard.press("e")
    page.keyboard.press(" ")
    assert read_grid(page) == [[2, 0]]
    page.keyboard.press("ArrowRight")  # the cursor starts at the top left
    page.keyboard.press(" ")
    assert read_grid(page) == [[8, 0]]


def test_select_copy_paste_picker_and_tools(studio: Studio, page: Page) -> None:
    task = studio.tasks["007bbfb7"]
    test_input = task.test[0].input
    open_task(page, studio, "007bbfb7")
    # copy the whole test input into a larger output with select + Ctrl+C / Ctrl+V
    page.fill("#rows", "4")
    page.fill("#cols", "4")
    resize_output(page)
    page.keyboard.press("s")
    x0, y0 = cell_point(page, "test-input", 0, 0)
    x1, y1 = cell_point(page, "test-input", 2, 2)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=3)
    page.mouse.up()
    page.keyboard.press("Control+c")
    click_cell(page, "output", 1, 1)  # selects the paste target
    page.keyboard.press("Control+v")
    expected = [[0] * 4] + [[0, *row] for row in test_input]
    assert read_grid(page) == expected

    # in select mode, a colour key fills the selection on the output
    page.keyboard.press("Escape")
    click_cell(page, "output", 0, 0)
    page.keyboard.press("9")
    assert read_grid(page)[0][0] == 9

    # picker: take the colour of a demonstration cell, then go back to the previous tool
    demo = task.train[0].output
    r, c = next((r, c) for r, row in enumerate(demo) for c, v in enumerate(row) if v not in (0, 9))
    page.keyboard.press("k")
    expect(page.locator('.tool[data-tool="picker"]')).to_have_class("tool active")
    click_cell(page, "train-0-output", r, c)
    picked = page.locator(f'.palette .swatch[data-colour="{demo[r][c]}"]')
    expect(picked).to_have_class("swatch active")
    expect(page.locator('.tool[data-tool="select"]')).to_have_class("tool active")

    # copy input and reset replace the whole output, and both undo
    page.click("#copy-input")
    assert read_grid(page) == test_input
    page.click("#reset")
    assert read_grid(page) == [[0] * 3 for _ in range(3)]
    page.keyboard.press("Control+z")
    assert read_grid(page) == test_input

    # symbol numbers: the N key toggles the digits on every grid
    before = page.locator('.grid-view[data-grid="output"] canvas').screenshot()
    page.keyboard.press("n")
    expect(page.locator("#numbers")).to_be_checked()
    after = page.locator('.grid-view[data-grid="output"] canvas').screenshot()
    assert before != after


def test_practice_feedback_study_attempts_and_test_inputs(studio: Studio, page: Page) -> None:
    api_signup(page, studio.url, "student")
    task = studio.tasks["27a28665"]  # three test inputs, 1x1 answers
    open_task(page, studio, "27a28665")
    expect(page.locator("#test-label")).to_have_text("Test input 1 of 3")
    page.keyboard.press("]")
    expect(page.locator("#test-label")).to_have_text("Test input 2 of 3")
    page.click("#prev-test")
    expect(page.locator("#test-label")).to_have_text("Test input 1 of 3")

    # practice: right or wrong, and whether the size is right (never how far it is)
    page.click('.mode-switch button[data-mode="practice"]')
    page.click("#submit")
    expect(page.locator("#result")).to_contain_text("size is wrong")
    page.fill("#rows", "1")
    page.fill("#cols", "1")
    resize_output(page)
    wrong = (task.test[0].output[0][0] + 1) % 10
    page.keyboard.press(str(wrong))
    click_cell(page, "output", 0, 0)
    page.click("#submit")
    expect(page.locator("#result")).to_have_text("✗ Not yet. The size is right.")
    expect(page.locator("#attempts-left")).to_have_text("practice: 18 of 20 left")

    # study (on input 2): no distance, two attempts per test input
    page.click('.mode-switch button[data-mode="study"]')
    # practice attempts are not counted in study
    expect(page.locator("#attempts-left")).to_have_text("2 of 2 attempts left")
    page.keyboard.press("]")
    expect(page.locator("#attempts-left")).to_have_text("2 of 2 attempts left")
    page.fill("#rows", "1")
    page.fill("#cols", "1")
    resize_output(page)
    wrong = (task.test[1].output[0][0] + 1) % 10
    page.keyboard.press(str(wrong))
    click_cell(page, "output", 0, 0)
    page.click("#submit")
    expect(page.locator("#result")).to_contain_text("Not correct")
    expect(page.locator("#result")).not_to_contain_text("differ")
    expect(page.locator("#attempts-left")).to_have_text("1 of 2 attempts left")
    page.click("#submit")
    expect(page.locator("#attempts-left")).to_have_text("0 of 2 attempts left")
    expect(page.locator("#submit")).to_be_disabled()
    # the counts come from the server: a reload shows the same, and the draft survived
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.keyboard.press("]")
    expect(page.locator("#test-label")).to_have_text("Test input 2 of 3")
    expect(page.locator("#attempts-left")).to_have_text("0 of 2 attempts left")
    assert read_grid(page) == [[wrong]]
    page.keyboard.press("]")
    expect(page.locator("#attempts-left")).to_have_text("2 of 2 attempts left")
    expect(page.locator("#submit")).to_be_enabled()


def test_task_list_search_filters_pages_and_navigation(studio: Studio, page: Page) -> None:
    page.goto(f"{studio.url}/?limit=2")
    rows = page.locator("#task-list tbody tr[data-task]")
    expect(rows).to_have_count(2)
    expect(page.locator("#total")).to_contain_text("5 tasks")
    # each row shows its first demonstration, drawn from the task
    first = studio.tasks["007bbfb7"].train[0]
    page.wait_for_selector('.grid-view[data-grid="thumb-007bbfb7-output"]')
    assert read_grid(page, "thumb-007bbfb7-input") == first.input
    assert read_grid(page, "thumb-007bbfb7-output") == first.output
    page.click("#pager .next")
    expect(rows.first).to_have_attribute("data-task", "27a28665")
    page.keyboard.press("/")
    page.keyboard.type("a740")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-task", "a740d043")
    page.keyboard.press("Enter")
    page.wait_for_url("**/task/a740d043*")
    page.wait_for_selector("body[data-ready=true]")
    # previous / next by number, from the buttons and from the keyboard
    page.click("#prev-task")
    page.wait_for_url("**/task/88a62173*")
    page.wait_for_selector("body[data-ready=true]")
    page.keyboard.press("Alt+ArrowRight")
    page.wait_for_url("**/task/a740d043*")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#next-task")).to_have_count(0)
    page.goto(f"{studio.url}/")
    expect(rows).to_have_count(5)
    page.keyboard.press("r")
    page.wait_for_url("**/task/*")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator(".task-title h1").inner_text() in studio.tasks


def test_log_in_log_out_and_refusals(studio: Studio, page: Page) -> None:
    api_signup(page, studio.url, "returning")
    page.goto(f"{studio.url}/")
    page.click("#logout")
    expect(page.locator("#login-link")).to_be_visible()
    # without an account the editor works but submitting asks for a login
    open_task(page, studio, "25ff71a9")
    expect(page.locator("#submit")).to_be_disabled()
    expect(page.locator("#attempts-left")).to_contain_text("Log in to submit")
    page.click("#attempts-left a")
    page.wait_for_url("**/login?next=*")
    page.fill("#username", "returning")
    page.fill("#password", "wrong password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_be_visible()
    page.fill("#password", "correct horse battery")
    page.click("#login-submit")
    page.wait_for_url("**/task/25ff71a9")  # back where the login was asked for
    expect(page.locator(".account .user")).to_have_text("returning")
    expect(page.locator("#submit")).to_be_enabled()


def test_private_studio_sends_readers_to_login(
    browser: Browser, tmp_path: Path, watch: PageWatch
) -> None:
    with running_studio(tmp_path, private=True) as private:
        context = browser.new_context()
        context.on("page", watch.watch)
        try:
            page = context.new_page()
            page.goto(f"{private.url}/task/25ff71a9?v=0")
            page.wait_for_url("**/login?next=*")
            expect(page.locator("h1")).to_have_text("Log in")
            expect(page.locator("#switch-mode")).to_have_count(0)  # no open sign-up
            expect(page.locator(".switch")).to_contain_text("private")
            private.app.state.studio.store.create_user(
                "insider", role="user", password_hash=hash_password("correct horse battery")
            )
            page.fill("#username", "insider")
            page.fill("#password", "correct horse battery")
            page.click("#login-submit")
            page.wait_for_url("**/task/25ff71a9?v=0")
            page.wait_for_selector("body[data-ready=true]")
            expect(page.locator(".task-title h1")).to_have_text("25ff71a9")
        finally:
            context.close()
