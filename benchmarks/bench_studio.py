"""How fast the studio's solve view is in headless Chromium on loopback.

1. Time until a task is interactive: from navigation start to the moment the solve view has
   drawn the task and its output editor (the page's ``arcforge:task-interactive`` mark),
   median over several cold loads (a fresh browser context each, so nothing is cached).
   Baseline, in the same run: a bare static HTML page from Python's ``http.server`` on
   loopback (its DOMContentLoaded), the floor of any page load on this machine.
2. Time of one edit on a 30x30 output grid: a colour key and a pointer click dispatched on the
   output canvas, then a one-pixel read of the canvas (which waits for the drawing), timed in
   the page with ``performance.now()`` over batches of 20 edits. The click goes through the
   editor's real path (cell lookup, paint, undo snapshot, action log, toolbar update) and
   redraws only the changed cell. Baseline, in the same page: the same edits followed by a
   redraw of the whole grid, what an editor that re-renders everything does; batches of
   the two alternate so that both see the same load.

    python benchmarks/bench_studio.py [--loads 15] [--edits 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rich.console import Console
from rich.table import Table

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
BARE_PAGE = "<!doctype html><html><head><meta charset='utf-8'><title>bare</title></head>" \
    "<body><p>bare page</p></body></html>"
BIG_TASK = "bench30x30"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def big_task(seed: int = 7) -> dict:
    rng = random.Random(seed)

    def grid() -> list[list[int]]:
        return [[rng.randrange(10) for _ in range(30)] for _ in range(30)]

    return {
        "train": [{"input": grid(), "output": grid()} for _ in range(3)],
        "test": [{"input": grid(), "output": grid()}],
    }


def start_studio(root: Path) -> tuple[str, object]:
    import uvicorn

    from arcforge.data import load_tasks
    from arcforge.web.app import create_app
    from arcforge.web.settings import WebSettings

    data = root / "tasks"
    data.mkdir()
    for task in load_tasks("arc-agi-1/training", task_ids=["007bbfb7"]):
        (data / f"{task.id}.json").write_text(json.dumps(task.content()))
    (data / f"{BIG_TASK}.json").write_text(json.dumps(big_task()))
    app = create_app(WebSettings(store_url=f"sqlite:///{root / 'studio.db'}", data=(str(data),),
                                 secret_file=root / "studio.secret"))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           ws="websockets-sansio"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def start_static(root: Path) -> tuple[str, ThreadingHTTPServer]:
    folder = root / "bare"
    folder.mkdir()
    (folder / "index.html").write_text(BARE_PAGE)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/index.html", httpd


def load_times(browser, url: str, loads: int, interactive: bool) -> list[float]:
    times = []
    for _ in range(loads):
        context = browser.new_context(viewport={"width": 1500, "height": 950})
        page = context.new_page()
        page.goto(url)
        if interactive:
            page.wait_for_selector("body[data-ready=true]")
            t = page.evaluate(
                "performance.getEntriesByName('arcforge:task-interactive')[0].startTime")
        else:
            page.wait_for_load_state("domcontentloaded")
            t = page.evaluate(
                "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
        times.append(t)
        context.close()
    return times


EDIT_SCRIPT = """([edits, batch]) => {
  // Chromium rounds performance.now() to 0.1 ms: time batches of edits, report per edit.
  // Each edit ends with a 1-pixel read of the canvas, which waits until the cell is drawn.
  // Batches alternate between the two ways, so both see the same load on the machine.
  const view = document.querySelector('.grid-view[data-grid="output"]').gridView;
  const canvas = view.canvas;
  const ctx = canvas.getContext("2d");
  const box = canvas.getBoundingClientRect();
  const times = { changedOnly: [], fullRedraw: [] };
  let i = 0;
  const runBatch = (fullRedraw) => {
    const t0 = performance.now();
    for (let k = 0; k < batch; k++, i++) {
      const r = (i * 7) % view.rows, c = (i * 13) % view.cols;
      const colour = 1 + (i % 9);
      document.dispatchEvent(new KeyboardEvent("keydown", { key: String(colour), bubbles: true }));
      const at = { clientX: box.left + (c + 0.5) * view.cssCell,
                   clientY: box.top + (r + 0.5) * view.cssCell,
                   bubbles: true, pointerId: 1, button: 0, buttons: 1, isPrimary: true };
      canvas.dispatchEvent(new PointerEvent("pointerdown", at));
      canvas.dispatchEvent(new PointerEvent("pointerup", { ...at, buttons: 0 }));
      if (fullRedraw) view.drawAll();
      ctx.getImageData(c * view.cs + view.line + 1, r * view.cs + view.line + 1, 1, 1);
      if (view.grid[r][c] !== colour) throw new Error(`edit ${i} did not reach the grid`);
    }
    return (performance.now() - t0) / batch;
  };
  while (i < 2 * edits) {
    times.changedOnly.push(runBatch(false));
    times.fullRedraw.push(runBatch(true));
  }
  return { ...times, rows: view.rows, cols: view.cols };
}"""


def edit_times(browser, url: str, edits: int) -> dict:
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    page.evaluate(EDIT_SCRIPT, [60, 20])  # warm up the code paths
    result = page.evaluate(EDIT_SCRIPT, [edits, 20])
    context.close()
    return result


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=15, help="page loads per measurement")
    parser.add_argument("--edits", type=int, default=1000, help="edits on the 30x30 grid")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        root = Path(tmp)
        studio, server = start_studio(root)
        bare, httpd = start_static(root)
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        load_times(browser, f"{studio}/task/007bbfb7", 2, True)  # warm the server up
        bare_ms = load_times(browser, bare, args.loads, False)
        small_ms = load_times(browser, f"{studio}/task/007bbfb7", args.loads, True)
        big_ms = load_times(browser, f"{studio}/task/{BIG_TASK}", args.loads, True)
        edits = edit_times(browser, f"{studio}/task/{BIG_TASK}", args.edits)
        browser.close()
        httpd.shutdown()
        server.should_exit = True
    assert edits["rows"] == 30 and edits["cols"] == 30

    load = os.getloadavg()[0]
    table = Table(title=f"Studio in headless Chromium on loopback ({args.loads} cold loads, "
                        f"{args.edits} edits; load average {load:.1f} on {os.cpu_count()} cores)")
    for col in ("measurement", "median ms", "p90 ms", "min ms"):
        table.add_column(col, justify="right" if col != "measurement" else "left")

    def row(name: str, values: list[float]) -> None:
        table.add_row(name, f"{statistics.median(values):.2f}", f"{pct(values, 0.9):.2f}",
                      f"{min(values):.2f}")

    row("baseline: bare static page, DOMContentLoaded", bare_ms)
    row("task 007bbfb7 (3x3 -> 9x9) interactive", small_ms)
    row("task 30x30 (3 pairs + test) interactive", big_ms)
    row("baseline: one edit + full 30x30 redraw (per edit, batches of 20)", edits["fullRedraw"])
    row("one edit on a 30x30 grid, changed cell only (per edit)", edits["changedOnly"])
    console.print(table)


if __name__ == "__main__":
    main()
