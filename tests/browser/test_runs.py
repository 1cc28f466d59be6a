"""The run viewer in a real browser: a run folder's samples, code, grids and verdicts.

Test grids, reasoning and code only reach admins and those who may see the task's answers;
anyone else sees the verdicts and a note saying why the rest is hidden."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from tests.browser.conftest import ARTIFACTS, PASSWORD, RUN_ID, Studio, read_grid


def api_login_admin(page: Page, studio: Studio, name: str) -> None:
    """Create an admin account and log this page's context in through the JSON API."""
    from arcforge.web.security import hash_password

    studio.app.state.studio.store.create_user(name, role="admin",
                                              password_hash=hash_password(PASSWORD))
    token = page.request.get(f"{studio.url}/api/me").json()["csrf_token"]
    r = page.request.post(f"{studio.url}/api/auth/login", headers={"X-CSRF-Token": token},
                          data={"username": name, "password": PASSWORD})
    assert r.ok, r.text()


def test_run_list_and_run_viewer(studio: Studio, page: Page) -> None:
    task = studio.tasks["25ff71a9"]
    api_login_admin(page, studio, "run-admin")  # an admin sees the test grids too
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
    assert read_grid(page, "0-test-0-expected") == task.test[0].output
    expect(page.locator("#test-hidden")).to_have_count(0)
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


def test_an_anonymous_viewer_sees_verdicts_but_no_grid_reasoning_or_code(
    studio: Studio, page: Page
) -> None:
    task = studio.tasks["25ff71a9"]
    seen: list[str] = []
    page.on("response", lambda r: "/api/runs/" in r.url and "/tasks/" in r.url
            and seen.append(r.text()))
    page.goto(f"{studio.url}/runs/{RUN_ID}?task=25ff71a9")
    note = page.locator("#test-hidden")
    expect(note).to_contain_text("Answers hidden")
    expect(note).to_contain_text("solve this task in study mode or reveal it")
    expect(note.locator("a")).to_have_attribute("href", "/task/25ff71a9")
    good = page.locator("article.sample").nth(0)
    test_pair = good.locator('.pair-result[data-split="test"][data-index="0"]')
    expect(test_pair.locator(".badge.verdict.pass")).to_have_count(1)  # the verdict stays
    expect(test_pair.locator(".hidden-grid .no-grid")).to_have_text(["hidden", "hidden"])
    expect(good.locator(".reasoning")).to_have_text("hidden until you may see this task's answers")
    expect(good.locator("pre.code")).to_have_count(0)  # a passing program computes the answer
    assert page.locator('.grid-view[data-grid="0-test-0-produced"]').count() == 0
    assert page.locator('.grid-view[data-grid="0-test-0-expected"]').count() == 0
    assert read_grid(page, "0-test-0-input") == task.test[0].input
    first = task.train[0]  # train pairs stay whole
    assert read_grid(page, "0-train-0-expected") == first.output
    assert read_grid(page, "0-train-0-produced") == first.output
    assert seen and all(str(task.test[0].output).replace(" ", "") not in body.replace(" ", "")
                        for body in seen)
    page.screenshot(path=str(ARTIFACTS / "run-viewer-hidden.png"), full_page=True)


def test_hostile_strings_in_run_files_never_break_a_page(studio: Studio, page: Page) -> None:
    from tests.web.runfolders import write_hostile_run

    task = studio.tasks["25ff71a9"]
    if not (studio.root / "runs" / "hostile").exists():
        write_hostile_run(studio.root / "runs", task.id, task.test[0].output)
    page.goto(f"{studio.url}/runs")
    expect(page.locator('#run-list tr[data-run="hostile"]')).to_have_count(1)
    page.goto(f"{studio.url}/runs/hostile?task={task.id}")
    expect(page.locator("#test-hidden")).to_contain_text("Answers hidden")
    expect(page.locator("article.sample")).to_have_count(1)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#app script").count() == 0
    assert "/srv/secret" not in page.content()
    page.goto(f"{studio.url}/runs/broken?task={task.id}")  # a run.json that is no run
    expect(page.locator("main")).to_contain_text("cannot be read")
    # the context fixture fails the test on any JavaScript error of these pages


def test_a_refining_run_shows_each_round_its_feedback_and_the_answer(
    studio: Studio, page: Page
) -> None:
    import json

    from arcforge.runfiles import JOURNAL, RUN_INFO, SampleRecord

    task = studio.tasks["25ff71a9"]
    folder = studio.root / "runs" / "rounds-run"
    folder.mkdir()
    (folder / RUN_INFO).write_text(json.dumps({
        "run_id": "rounds-run", "kind": "code", "model": "fake/coder", "samples": 1,
        "rounds": 2, "task_ids": [["25ff71a9", 0]]}))

    def record(round_: int, outputs: list, feedback: str | None) -> SampleRecord:
        pairs = [{"split": "train", "index": i, "status": "pass" if o == p.output else "fail",
                  "output": o} for i, (o, p) in enumerate(zip(outputs, task.train, strict=True))]
        return SampleRecord(run_id="rounds-run", kind="code", task_id="25ff71a9",
                            task_version=0, sample=0, model="fake/coder", round=round_,
                            code=f"# round {round_}\n", feedback=feedback,
                            verification={"pairs": pairs})

    told = "Training example 1: wrong output. 3 of 9 cells differ (marked X)"
    records = [record(1, [p.input for p in task.train], told),
               record(2, [p.output for p in task.train], None)]
    (folder / JOURNAL).write_text("".join(r.to_json() + "\n" for r in records))
    api_login_admin(page, studio, "rounds-admin")
    page.goto(f"{studio.url}/runs")
    expect(page.locator('#run-list tr[data-run="rounds-run"]')).to_contain_text("2 rounds")
    page.goto(f"{studio.url}/runs/rounds-run?task=25ff71a9")
    samples = page.locator("article.sample")
    expect(samples).to_have_count(2)
    first, second = samples.nth(0), samples.nth(1)
    expect(first.locator("h3")).to_have_text("Sample 0 · round 1")
    expect(second.locator("h3")).to_have_text("Sample 0 · round 2")
    expect(second.locator("header .badge.ok", has_text="answer")).to_have_count(1)
    expect(first.locator("header .badge", has_text="answer")).to_have_count(0)
    first.locator("details.feedback-box summary").click()
    expect(first.locator("details.feedback-box pre")).to_have_text(told)
    expect(first.locator(".pair-result .badge.verdict.fail")).to_have_count(len(task.train))
    assert read_grid(page, "0r1-train-0-produced") == task.train[0].input
    assert read_grid(page, "0r2-train-0-produced") == task.train[0].output
    page.screenshot(path=str(ARTIFACTS / "run-viewer-rounds.png"), full_page=True)
