"""Refinement rounds: ``builtin/dsl`` codegen on ARC-AGI-1 evaluation with ``--rounds 1``
and with ``--rounds 3``, on the same tasks with the same search budget.

Per run: tasks solved (pass@2, per round for the refining run), wall time, the search
time per round (summed over requests; concurrency equals the search workers, so it is the
workers' busy time) and the runner's own CPU per request (the main process from start to
end of ``Runner.run``: prompts, feedback, journal, bookkeeping; the sandbox and the search
run in other processes). Each run starts with an empty search cache. The progress bar is
hidden: its CPU grows with wall time, not with requests (its idle cost is measured apart
and printed). The goal: the runner's CPU per request of a refining run (later rounds
carry the conversation and render feedback) stays within 10% of a single-round run's.

Usage: python benchmarks/bench_rounds.py [--max-tasks 400] [--candidates 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table


def one_run(rounds: int, args: argparse.Namespace, out: Path) -> dict:
    from arcforge.config import load_settings
    from arcforge.data import load_tasks
    from arcforge.finish import finish_run
    from arcforge.models.builtin import model
    from arcforge.runfiles import load_records
    from arcforge.runs.config import RunConfig
    from arcforge.runs.runner import Runner

    model._RESULTS.clear()  # every run searches afresh
    settings = load_settings(overrides={
        "model": "builtin/dsl", "out": str(out), "samples": args.samples, "rounds": rounds,
        "concurrency": os.cpu_count() or 1, "builtin_time_budget_s": args.budget,
        "builtin_search_candidates": args.candidates,
    }, env_file=None)
    tasks = load_tasks("arc-agi-1/evaluation", max_tasks=args.max_tasks)
    # the progress bar costs CPU per second of wall time, not per request (measured apart)
    config = RunConfig("code", settings, tasks=tasks, progress=False)
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = asyncio.run(Runner(config, console=console).run())
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    scores = finish_run(result.run_dir)
    assert scores is not None
    records = load_records(result.run_dir)
    search = {}
    for r in records:
        search[r.round or 1] = search.get(r.round or 1, 0.0) + r.latency_s
    return {"rounds": rounds, "scores": scores, "wall": wall, "cpu": cpu,
            "requests": len(records), "search_s": search}


def progress_idle_cost(seconds: float = 5.0) -> float:
    """CPU milliseconds per wall second of the run's progress bar drawing on a terminal."""
    from arcforge.runs.progress import RunProgress

    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    cpu0 = time.process_time()
    with RunProgress("codegen", 1000, 0, console, True):
        time.sleep(seconds)
    return 1000 * (time.process_time() - cpu0) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-tasks", type=int, default=400)
    parser.add_argument("--samples", type=int, default=1)
    parser.add_argument("--candidates", type=int, default=10_000,
                        help="builtin/dsl's first search budget in candidate programs")
    parser.add_argument("--budget", type=float, default=10.0, help="and in CPU seconds")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench-rounds-"))
    import arcforge.runs.runner  # imports are not a run's cost
    import arcforge.sandbox  # noqa: F401

    runs = [one_run(1, args, out), one_run(3, args, out)]
    idle = progress_idle_cost()
    load = os.getloadavg()[0]
    title = (f"builtin/dsl codegen, ARC-AGI-1 evaluation ({args.max_tasks} tasks), "
             f"{args.samples} sample(s), first search {args.candidates:,} candidates / "
             f"{args.budget:g} s; {os.cpu_count()} cores, load {load:.1f}")
    table = Table(title=title)
    for column in ("run", "after round", "requests", "tasks solved", "newly solved",
                   "ARC Prize", "search s (wall, summed)", "run wall s",
                   "runner CPU ms/request", "vs 1 round"):
        table.add_column(column, justify="left" if column == "run" else "right")
    base = runs[0]["cpu"] / runs[0]["requests"]
    for r in runs:
        per = r["cpu"] / r["requests"]
        scores = r["scores"]
        rows = scores.rounds or [{
            "round": 1, "requests": r["requests"], "tasks_solved":
            scores.counts()["tasks_solved"], "newly_solved": scores.counts()["tasks_solved"],
            "arcprize_score": scores.arcprize_score}]
        for i, n in enumerate(rows):
            first = i == 0
            table.add_row(f"--rounds {r['rounds']}" if first else "", str(n["round"]),
                          str(n["requests"]), str(n["tasks_solved"]),
                          f"+{n['newly_solved']}" if n["round"] > 1 else str(n["newly_solved"]),
                          f"{n['arcprize_score']:.1%}",
                          f"{r['search_s'].get(n['round'], 0.0):.1f}",
                          f"{r['wall']:.1f}" if first else "",
                          f"{1000 * per:.2f}" if first else "",
                          f"{per / base - 1:+.1%}" if first else "")
    Console(width=200).print(table)
    print(f"the progress bar, when shown, costs {idle:.1f} ms of CPU per second of wall time "
          "whatever the requests")


if __name__ == "__main__":
    main()
