"""Sandbox throughput: programs/s and grids/s next to in-process exec and a subprocess per call.

Every method runs the same programs on the same task (3 input grids per program) in the
same run, so the baselines share the machine's load. Usage::

    python benchmarks/bench_sandbox.py [--seconds 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from arcforge.sandbox import SandboxPool, check
from arcforge.tasks import Pair, Task

TRIVIAL = "def solve_task(grid):\n    return [row[::-1] for row in grid]\n"
NUMPY = """
import numpy as np
def solve_task(grid):
    a = np.array(grid, dtype=np.int64)
    for _ in range(20):
        a = np.rot90(a)
        a = (a + np.roll(a, 1, axis=0) * 3 + np.roll(a, -1, axis=1)) % 10
    big = np.kron(a, np.ones((2, 2), dtype=np.int64))[: a.shape[0], : a.shape[1]]
    labels = np.cumsum(big == big.max(), axis=1) % 10
    return labels.tolist()
"""
PROGRAMS = {"trivial": TRIVIAL, "numpy-heavy": NUMPY}


def _grid(seed: int, side: int) -> list[list[int]]:
    return [[(seed * 7 + r * 3 + c * 5) % 10 for c in range(side)] for r in range(side)]


TASK = Task("bench", tuple(Pair(_grid(i, 30), _grid(i + 1, 30)) for i in range(2)),
            (Pair(_grid(9, 30)),))
INPUTS = [p.input for p in (*TASK.train, *TASK.test)]
SUBPROCESS_RUNNER = """
import json, sys
request = json.load(sys.stdin)
sys.path.append(request["path"])
namespace = {}
exec(compile(request["code"], "<solution>", "exec"), namespace)
print(json.dumps([namespace["solve_task"]([list(r) for r in g]) for g in request["inputs"]]))
"""


def cpu_seconds() -> float:
    """CPU time of this process and of every child it has reaped (workers included)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(seconds: float, step: Callable[[], int]) -> tuple[int, float]:
    """Call ``step`` (returns programs done) until ``seconds`` pass; (programs, elapsed)."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += step()
    return done, time.perf_counter() - start


def in_process(code: str, seconds: float) -> tuple[int, float]:
    def step() -> int:
        namespace: dict = {}
        exec(compile(code, "<solution>", "exec"), namespace)
        for grid in INPUTS:
            namespace["solve_task"]([list(r) for r in grid])
        return 1

    return timed(seconds, step)


def subprocess_per_call(code: str, seconds: float) -> tuple[int, float]:
    payload = json.dumps({"code": code, "inputs": INPUTS, "path": _numpy_path()})

    def step() -> int:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", SUBPROCESS_RUNNER],
                              input=payload, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"subprocess baseline failed: {done.stderr[-500:]}")
        return 1

    return timed(seconds, step)


def _numpy_path() -> str:
    import numpy

    return os.path.dirname(os.path.dirname(numpy.__file__))


def descendants_cpu() -> float:
    """CPU seconds used so far by every live descendant process (and the children each
    has reaped), read from /proc: bubblewrap workers are reaped inside their namespace."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = sum(int(x) for x in fields[11:15]) / tick
    own, total, frontier = os.getpid(), 0.0, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid != own:
                total += times[pid]
                frontier.append(pid)
    return total


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


async def pooled(code: str, seconds: float, workers: int, isolation: str | None,
                 in_flight: int) -> tuple[int, float, float]:
    """Programs run, seconds taken and CPU seconds per program (host and workers), with
    ``in_flight`` requests kept waiting on the pool."""
    async with SandboxPool(workers=workers, timeout_s=10, isolation=isolation) as pool:
        check_run = await pool.verify(code, TASK)
        bad = [p for p in check_run.pairs if p.status not in ("pass", "fail", "unchecked")]
        if bad:
            raise SystemExit(f"sandbox run failed: {bad[0]}")
        done = 0
        cpu = own_cpu() + descendants_cpu()
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            await asyncio.gather(*(pool.verify(code, TASK) for _ in range(in_flight)))
            done += in_flight
        elapsed = time.perf_counter() - start
        cpu = own_cpu() + descendants_cpu() - cpu
        return done, elapsed, cpu / done


def measure(run: Callable[[], tuple[int, float]]) -> tuple[int, float, float]:
    """(programs, seconds, CPU seconds per program) of one measurement."""
    before = cpu_seconds()
    done, elapsed = run()
    return done, elapsed, (cpu_seconds() - before) / max(done, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="time per measurement")
    parser.add_argument("--workers", type=int, default=2, help="sandbox workers")
    args = parser.parse_args()
    console = Console()
    report = check()
    active = ", ".join(layer.name for layer in report.layers if layer.active)
    console.print(f"cores: {os.cpu_count()}, load average at start: "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    console.print(f"sandbox protections active: {active}")
    table = Table(title=f"sandbox throughput ({len(INPUTS)} grids of 30x30 per program)")
    cores = os.cpu_count() or 1
    for column in ("program", "method", "programs/s", "grids/s", "vs in-process",
                   "CPU ms/prog", f"prog/s if {cores} cores idle"):
        table.add_column(column, justify="left" if column in ("program", "method") else "right")
    for name, code in PROGRAMS.items():
        results: list[tuple[str, int, float, float]] = []
        results.append(("in-process exec, unsafe",
                        *measure(lambda code=code: in_process(code, args.seconds))))
        results.append(("subprocess per call",
                        *measure(lambda code=code: subprocess_per_call(code, args.seconds))))
        for isolation, label in (("process", "pool, plain process"),
                                 ("bwrap", "pool, bwrap + all layers")):
            if isolation == "bwrap" and report.isolation != "bwrap":
                continue

            results.append((f"{label} ({args.workers} workers)", *asyncio.run(
                pooled(code, args.seconds, args.workers, isolation, 4 * args.workers))))
        base = results[0][1] / results[0][2]
        for method, done, elapsed, cpu in results:
            rate = done / elapsed
            table.add_row(name, method, f"{rate:,.0f}", f"{rate * len(INPUTS):,.0f}",
                          f"{rate / base:.3f}x", f"{cpu * 1000:.2f}",
                          f"{cores / cpu:,.0f}" if cpu else "-")
    console.print(table)
    console.print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
