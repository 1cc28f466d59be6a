"""How many ARC tasks the offline baseline ``builtin/dsl`` solves, and how long a run takes.

Each task is answered like the codegen runner asks a model (samples 0 and 1, code
kind, test outputs hidden from the model); every answer's code runs in the sandbox
against the train and test pairs. A task counts as solved when every test output is
right (pass@1: sample 0; pass@2: either sample). Single operations (``max_depth=1``)
run as the baseline beside the full search.

    python benchmarks/bench_builtin.py [--data arc-agi-1/training ...] [--depth 1 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from arcforge.data import load_tasks
from arcforge.models.base import RequestContext
from arcforge.models.builtin import BuiltinDSLModel
from arcforge.sandbox import SandboxPool
from arcforge.tasks import Task

SAMPLES = 2


@dataclass
class Row:
    data: str
    depth: int
    tasks: int = 0
    fit: int = 0  # a program reproduced every train pair
    pass1: int = 0
    pass2: int = 0
    exhausted: int = 0
    wall_s: float = 0.0


async def answer(model: BuiltinDSLModel, pool: SandboxPool, task: Task, row: Row) -> None:
    solved = []
    for sample in range(SAMPLES):
        context = RequestContext(task.without_test_outputs(), sample, "code", "benchmark")
        response = await model.generate([], context)
        if sample == 0:
            row.fit += response.code is not None
            row.exhausted += bool(response.extra["budget_exhausted"])
        if response.code is None:
            solved.append(False)
            continue
        verification = await pool.verify(response.code, task)
        solved.append(all(p.status == "pass" for p in verification.split("test")))
    row.pass1 += solved[0]
    row.pass2 += any(solved)


async def run(data: str, depth: int, budget: float, limit: int | None, console: Console) -> Row:
    tasks = load_tasks(data)[:limit]
    row = Row(data, depth, tasks=len(tasks))
    model = BuiltinDSLModel(time_budget_s=budget, max_depth=depth)
    columns = (TextColumn(f"{data} depth {depth}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("solved {task.fields[solved]}"), TimeRemainingColumn())
    start = time.perf_counter()
    async with SandboxPool() as pool:
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task("tasks", total=len(tasks), solved=0)
            limiter = asyncio.Semaphore(2 * model.workers)

            async def one(task: Task) -> None:
                async with limiter:
                    await answer(model, pool, task, row)
                progress.update(bar, advance=1, solved=row.pass2)

            try:
                await asyncio.gather(*(one(t) for t in tasks))
            finally:
                await model.aclose()
    row.wall_s = time.perf_counter() - start
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", nargs="+", default=["arc-agi-1/training", "arc-agi-1/evaluation"])
    parser.add_argument("--depth", nargs="+", type=int, default=[1, 3])
    parser.add_argument("--budget", type=float, default=10.0, help="seconds of search per task")
    parser.add_argument("--limit", type=int, default=None, help="only the first N tasks")
    args = parser.parse_args()
    console = Console(width=110)
    rows = [asyncio.run(run(data, depth, args.budget, args.limit, console))
            for data in args.data for depth in args.depth]
    table = Table(title=f"builtin/dsl, {args.budget:g} s budget per task, {SAMPLES} samples")
    for name in ("data", "max depth", "tasks", "fit train", "pass@1", "pass@2",
                 "budget exhausted", "wall time"):
        table.add_column(name, justify="left" if name == "data" else "right")
    for r in rows:
        table.add_row(r.data, str(r.depth), str(r.tasks), str(r.fit), str(r.pass1),
                      str(r.pass2), str(r.exhausted), f"{r.wall_s:.0f} s")
    console.print(table)


if __name__ == "__main__":
    main()
