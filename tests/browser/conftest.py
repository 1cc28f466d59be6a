"""The studio in a real browser: a live server on 127.0.0.1 and Debian's headless Chromium.

The server is the real app (``create_app``) under uvicorn in a thread, with a temporary store,
a folder of a few bundled ARC tasks and a small run folder. One browser per test module; every
test gets a fresh context (its own cookies) and fails if a page logs a JavaScript error.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = os.environ.get("ARCFORGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct horse battery"
TASK_IDS = ["007bbfb7", "25ff71a9", "27a28665", "88a62173", "a740d043"]
RUN_ID = "demo-code-run"



def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class Studio:
    url: str
    root: Path
    tasks: dict[str, Any] = field(default_factory=dict)  # id -> Task (with test outputs)
    app: Any = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_run_folder(runs: Path, tasks: dict[str, Any]) -> None:
    """A finished code run of two samples on one task, per ``arcforge.runfiles``."""
    from arcforge.runfiles import JOURNAL, RUN_INFO, SampleRecord

    task = tasks["25ff71a9"]
    folder = runs / RUN_ID
    folder.mkdir(parents=True)
    (folder / RUN_INFO).write_text(json.dumps({
        "run_id": RUN_ID, "kind": "code", "model": "builtin/dsl", "data": "arc-agi-1/training",
        "started_at": "2026-11-27T09:00:00Z", "status": "finished",
    }))

    def shift_down(g: list[list[int]]) -> list[list[int]]:
        return [[0] * len(g[0])] + [row[:] for row in g[:-1]]

    def verdicts(fn: Any) -> dict[str, Any]:
        pairs = []
        for split in ("train", "test"):
            for i, p in enumerate(getattr(task, split)):
                out = fn(p.input)
                pairs.append({"split": split, "index": i, "output": out, "error": None,
                              "status": "pass" if out == p.output else "fail"})
        return {"pairs": pairs, "duration_s": 0.01}

    good = SampleRecord(
        run_id=RUN_ID, kind="code", task_id=task.id, task_version=0, sample=0, model="builtin/dsl",
        reasoning="Every object moves **one row down**.",
        code="def solve_task(grid):\n"
        "    return [[0] * len(grid[0])] + grid[:-1]  # <b>not bold</b>\n",
        verification=verdicts(shift_down), tries=1, latency_s=0.4,
    )
    bad = SampleRecord(
        run_id=RUN_ID, kind="code", task_id=task.id, task_version=0, sample=1, model="builtin/dsl",
        reasoning="Keep the grid as it is.", code="def solve_task(grid):\n    return grid\n",
        verification=verdicts(lambda g: [row[:] for row in g]), tries=1, latency_s=0.3,
    )
    with (folder / JOURNAL).open("w") as f:
        for record in (good, bad):
            f.write(json.dumps(record.to_dict()) + "\n")


@contextmanager
def running_studio(root: Path, private: bool = False, task_ids: list[str] = TASK_IDS,
                   **rules: Any) -> Iterator[Studio]:
    """Serve a fresh studio from ``root`` (tasks, runs and store are created there) with the
    bundled tasks ``task_ids``; ``rules`` change studio settings (the study protocol...)."""
    import uvicorn

    from arcforge.data import load_tasks
    from arcforge.web.app import create_app
    from arcforge.web.settings import WebSettings

    data = root / "tasks"
    data.mkdir()
    tasks = {t.id: t for t in load_tasks("arc-agi-1/training", task_ids=task_ids)}
    for tid, task in tasks.items():
        (data / f"{tid}.json").write_text(json.dumps(task.content()))
    runs = root / "runs"
    if "25ff71a9" in tasks:
        write_run_folder(runs, tasks)
    else:
        runs.mkdir()
    settings = WebSettings(
        store_url=f"sqlite:///{root / 'studio.db'}", data=(str(data),), runs_dir=runs,
        secret_file=root / "studio.secret", private=private,
        signup_limit_per_ip=1000,  # every test's browser signs up from 127.0.0.1
        **rules,
    )
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, ws="websockets-sansio",
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the studio server did not start")
        time.sleep(0.05)
    try:
        yield Studio(url=f"http://127.0.0.1:{port}", root=root, tasks=tasks, app=app)
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    ARTIFACTS.mkdir(exist_ok=True)
    with running_studio(tmp_path_factory.mktemp("studio")) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (make system-browser installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageWatch:
    """JavaScript errors and dialogs seen by the pages of one context."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda m: m.type == "error" and not _expected_console(m.text)
                and self.errors.append(f"{page.url}: console: {m.text}"))

        def on_dialog(d: Any) -> None:
            self.dialogs.append(f"{d.type}: {d.message}")
            d.accept() if d.type == "confirm" else d.dismiss()

        page.on("dialog", on_dialog)
        return page


def _expected_console(text: str) -> bool:
    # the browser logs the HTTP status of refused requests that the page then explains itself
    return "Failed to load resource" in text


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def context(browser: Browser, watch: PageWatch) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1500, "height": 950})
    ctx.set_default_timeout(10_000)
    ctx.on("page", watch.watch)
    yield ctx
    ctx.close()
    assert not watch.errors, "JavaScript errors:\n" + "\n".join(watch.errors)


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def api_signup(page: Page, base: str, name: str) -> None:
    """Create an account and log this page's context in, through the JSON API."""
    token = page.request.get(f"{base}/api/me").json()["csrf_token"]
    r = page.request.post(f"{base}/api/auth/signup", headers={"X-CSRF-Token": token},
                          data={"username": name, "password": PASSWORD})
    assert r.ok, r.text()


def cell_point(page: Page, grid: str, r: int, c: int) -> tuple[float, float]:
    """Page coordinates of the centre of cell (r, c) of the grid named ``grid``."""
    info = page.evaluate(
        """([name, r, c]) => {
            const view = document.querySelector(`.grid-view[data-grid="${name}"]`).gridView;
            const box = view.canvas.getBoundingClientRect();
            return [box.left + (c + 0.5) * view.cssCell, box.top + (r + 0.5) * view.cssCell];
        }""",
        [grid, r, c],
    )
    return info[0], info[1]


def click_cell(page: Page, grid: str, r: int, c: int, **kwargs: Any) -> None:
    x, y = cell_point(page, grid, r, c)
    page.mouse.click(x, y, **kwargs)


def read_grid(page: Page, name: str = "output") -> list[list[int]]:
    """The grid the page shows, read back from the canvas pixels (not from page state)."""
    return page.evaluate(
        """(name) => {
            const palette = ["#000000","#0074d9","#ff4136","#2ecc40","#ffdc00",
                             "#aaaaaa","#f012be","#ff851b","#7fdbff","#870c25"];
            const view = document.querySelector(`.grid-view[data-grid="${name}"]`).gridView;
            const ctx = view.canvas.getContext("2d");
            const hex = (d) => "#" + [d[0], d[1], d[2]]
                .map((v) => v.toString(16).padStart(2, "0")).join("");
            const rows = [];
            for (let r = 0; r < view.rows; r++) {
                const row = [];
                for (let c = 0; c < view.cols; c++) {
                    // clear of a marked cell's frame and of a symbol number
                    const inset = Math.floor((view.cs - view.line) * 0.3);
                    const x = c * view.cs + view.line + inset, y = r * view.cs + view.line + inset;
                    row.push(palette.indexOf(hex(ctx.getImageData(x, y, 1, 1).data)));
                }
                rows.push(row);
            }
            return rows;
        }""",
        name,
    )
