"""Data collection in the browser: a description written after a study solve, checks by use by
two other people (one success, one failure, both counted), and an annotation session that
comes out of ``arcforge store export-data`` complete (every attempt with its whole log, every
description with its check counts, every trace with its task), in JSONL and Parquet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from tests.browser.conftest import (
    PageWatch,
    Studio,
    api_signup,
    running_studio,
)
from tests.browser.test_solve import open_task, paint_output

TASK = "88a62173"  # 5x5 input, 2x2 answer
FIELDS = {"what-you-see": "Four 2x2 blocks in the corners, split by a black cross.",
          "output-size": "2 by 2.",
          "how-to-build": "Three blocks are the same; copy the one that differs."}


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    with running_studio(tmp_path_factory.mktemp("collect")) as s:
        yield s


@pytest.fixture
def people(browser: Browser, watch: PageWatch) -> Iterator[Any]:
    """Pages for several people, each in their own browser context."""
    contexts: list[BrowserContext] = []

    def person(studio: Studio, name: str) -> Page:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(10_000)
        context.on("page", watch.watch)
        contexts.append(context)
        page = context.new_page()
        api_signup(page, studio.url, name)
        return page

    yield person
    for context in contexts:
        context.close()  # closing twice is harmless
    assert not watch.errors, "JavaScript errors:\n" + "\n".join(watch.errors)


def solve_and_describe(page: Page, studio: Studio) -> None:
    answer = studio.tasks[TASK].test[0].output
    open_task(page, studio, TASK)
    paint_output(page, answer)
    page.click("#submit")
    expect(page.locator("#result")).to_contain_text("Correct")
    expect(page.locator("#describe")).to_be_visible()
    for name, text in FIELDS.items():
        page.fill(f"#describe-{name}", text)
    page.click("#describe-save")
    expect(page.locator("#describe-done")).to_be_visible()


def check(page: Page, studio: Studio, grid: list[list[int]], tries: int) -> None:
    """Check the offered description: build ``grid`` up to ``tries`` times."""
    page.goto(f"{studio.url}/check")
    expect(page.locator("#check-offer")).to_contain_text("test input 1 of a task")
    expect(page.locator("#check-offer")).not_to_contain_text(TASK)  # named once it is over
    page.click("#start-check")
    page.wait_for_url("**/check/*")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#description")).to_contain_text(FIELDS["how-to-build"])
    assert page.locator('.grid-view[data-grid^="train-"]').count() == 0  # no demonstrations
    paint_output(page, grid)
    left = page.locator("#attempts-left")
    for _ in range(tries):
        before = left.inner_text()
        page.click("#submit")
        expect(left).not_to_have_text(before)


def test_a_description_checked_by_two_people(studio: Studio, people: Any) -> None:
    author = people(studio, "describer")
    solve_and_describe(author, studio)
    author.reload()
    author.wait_for_selector("body[data-ready=true]")
    expect(author.locator("#describe")).to_be_hidden()  # described once
    mine = author.locator('article.trace[data-kind="description"]')
    expect(mine).to_contain_text(FIELDS["how-to-build"])
    answer = studio.tasks[TASK].test[0].output

    builder = people(studio, "builder")
    check(builder, studio, answer, 1)
    expect(builder.locator("#result")).to_contain_text("The description was enough")
    expect(builder.locator("#attempts-left")).to_have_text("the check is over")
    expect(builder.locator("#check-task")).to_have_text(TASK)
    builder.wait_for_selector('.grid-view[data-grid="test-answer"]')
    # the check ended the builder's study attempts on the task
    open_task(builder, studio, TASK)
    expect(builder.locator("#attempts-left")).to_have_text("0 of 2 attempts left")

    quitter = people(studio, "quitter")
    check(quitter, studio, [[1]], 2)
    expect(quitter.locator("#result")).to_contain_text("the attempts are used up")
    author.reload()
    author.wait_for_selector("body[data-ready=true]")
    expect(mine.locator(".uses")).to_have_text("used 2×: 1 ✓ 1 ✗")
    nobody = people(studio, "latecomer-of-the-author")
    nobody.goto(f"{studio.url}/check")
    expect(nobody.locator("#check-offer, #nothing-to-check")).to_be_visible()


def export(store: str, folder: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCFORGE_")}
    done = subprocess.run([sys.executable, "-m", "arcforge", "store", "export-data", str(folder),
                           "--store", store, *args], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def rows(folder: Path, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / f"{name}.jsonl").read_text().splitlines()]


def test_an_annotation_session_comes_out_of_the_export_complete(people: Any,
                                                               tmp_path: Path) -> None:
    (tmp_path / "studio").mkdir()
    with running_studio(tmp_path / "studio") as studio:
        author = people(studio, "annotator")
        builder = people(studio, "builder")
        voter = people(studio, "voter")
        solve_and_describe(author, studio)
        author.fill("#trace-text", "Find the odd block out; it is the answer.")
        author.click("#add-trace")
        expect(author.locator("article.trace")).to_have_count(2)
        check(builder, studio, studio.tasks[TASK].test[0].output, 1)
        check(voter, studio, [[3]], 2)  # a failed check opens the answer, and traces
        open_task(voter, studio, TASK)
        voter.locator('article.trace[data-kind="trace"] .vote').first.click()
        expect(voter.locator('article.trace[data-kind="trace"] .score')).to_have_text("1")
        store_url = f"sqlite:///{studio.root / 'studio.db'}"
        store = studio.app.state.studio.store
        stored = [a for u in ("annotator", "builder", "voter")
                  for a in store.list_attempts(store.get_user_by_name(u).id, TASK)]
        export(store_url, tmp_path / "all")
        export(store_url, tmp_path / "best", "--min-score", "1")
        export(store_url, tmp_path / "pq", "--format", "parquet")
        for page in (author, builder, voter):  # before the server stops
            page.context.close()

    attempts = rows(tmp_path / "all", "attempts")
    assert len(attempts) == len(stored) == 4  # a solve, one build, two failed builds
    by_id = {a["id"]: a for a in attempts}
    for a in stored:  # every attempt with its whole log, as the studio stored it
        row = by_id[a.id]
        assert (row["mode"], row["correct"], row["grid"], row["actions"]) == (
            a.mode, a.correct, a.grid, a.actions)
        assert row["actions"][0]["tool"] == "view" and row["actions"][-1]["tool"] == "submit"
        assert row["user"].startswith("p-")
    solve = next(a for a in attempts if a["mode"] == "study")
    assert {"resize", "choose_colour", "edit"} <= {x["tool"] for x in solve["actions"]}
    assert solve["viewing_ms"] is not None and solve["viewing_ms"] <= solve["duration_ms"]
    traces = {t["kind"]: t for t in rows(tmp_path / "all", "traces")}
    described, plain = traces["description"], traces["trace"]
    assert (described["uses_ok"], described["uses_failed"]) == (1, 1)
    assert described["fields"] == {k.replace("-", "_"): v for k, v in FIELDS.items()}
    assert described["attempt_id"] == solve["id"] and described["author"] == solve["user"]
    for trace in (described, plain):  # every trace with its task, answers included
        assert trace["task"]["test"][0]["output"] == studio.tasks[TASK].test[0].output
    assert plain["score"] == 1 and plain["votes_up"] == 1
    assert [t["id"] for t in rows(tmp_path / "best", "traces")] == [plain["id"]]
    raw = "".join((tmp_path / "all" / f"{n}.jsonl").read_text() for n in ("traces", "tasks",
                                                                          "attempts"))
    assert not {"annotator", "builder", "voter"} & set(raw.replace('"', " ").split())
    table = pq.read_table(tmp_path / "pq" / "attempts.parquet").to_pylist()
    assert [(r["id"], [x["tool"] for x in r["actions"]]) for r in table] == [
        (a["id"], [x["tool"] for x in a["actions"]]) for a in attempts]
    assert pq.read_table(tmp_path / "pq" / "traces.parquet").num_rows == 2
