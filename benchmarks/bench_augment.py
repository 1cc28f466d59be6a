"""What augmentation costs the runner: CPU time per request of ``arcforge predict`` with and
without ``--augment identity,rot90,transpose,colours``.

The fake model server (its own process, so it does not share the runner's CPU) answers like
a model that found the rule in whatever frame it is shown (tests/bench/scripted.py), so both
runs read, map back, score and vote on real grids. Each run asks ``--samples`` answers per
test input of N dihedral tasks; the runs are interleaved, and the table shows medians. The
goal: the augmented run's CPU per request stays within 10% of the plain one.

Usage: python benchmarks/bench_augment.py [--tasks 200] [--samples 4] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.scripted import dihedral_tasks  # noqa: E402
from bench_runner import Server  # noqa: E402

AUGMENT = "identity,rot90,transpose,colours"


def run_predict(url: str, tasks: list, samples: int, augment: str | None,
                out: Path) -> tuple[float, float, int, float, float]:
    """CPU seconds of the runner, wall seconds, requests, score, and CPU seconds of
    finishing (scores, summary, exports, report) of one predict run."""
    from arcforge.config import load_settings
    from arcforge.finish import finish_run
    from arcforge.runs.config import RunConfig
    from arcforge.runs.runner import Runner

    settings = load_settings(overrides={
        "model": "openai-compatible/bench", "base_url": url, "concurrency": 32,
        "samples": samples, "augment": augment, "out": str(out), "request_timeout_s": 60.0,
    }, env_file=None)
    config = RunConfig("predict", settings, tasks=tasks)
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = asyncio.run(Runner(config, console=console).run())
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    scores = finish_run(result.run_dir)
    finish = time.process_time() - cpu0 - cpu
    if result.errors or scores is None:
        raise RuntimeError(f"the run had errors: {result.errors}")
    return cpu, wall, result.finished, scores.arcprize_score or 0.0, finish


def frame_work(tasks: list, samples: int) -> float:
    """CPU seconds per request of the augmentation work alone, as the runner does it: the
    frame's spec, the task shown in it, the answer mapped back."""
    import hashlib

    from arcforge.transforms import apply, augmentation_spec, parse_augment, unmap_grid

    names = parse_augment(AUGMENT)
    cpu0, n = time.process_time(), 0
    for task in tasks:
        visible = task.without_test_outputs()
        for sample in range(samples):
            seed = int(hashlib.sha256(f"bench\0{task.key}\0{sample}".encode())
                       .hexdigest()[:16], 16)
            spec = augmentation_spec(names[sample % len(names)], seed)
            for test in task.test:
                if spec:
                    apply(visible, spec)
                    unmap_grid(test.output, spec)
                n += 1
    return (time.process_time() - cpu0) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=7, help="interleaved runs per case")
    args = parser.parse_args()
    tasks = dihedral_tasks(args.tasks)
    out = Path(tempfile.mkdtemp(prefix="bench-augment-"))

    cases = {"no augmentation": None, f"--augment {AUGMENT}": AUGMENT}
    runs: dict[str, list[tuple[float, float, int, float, float]]] = {n: [] for n in cases}
    server = Server(args.latency, None, "0", "--scripted")
    try:
        for augment in cases.values():  # warm-up, not counted (first-use caches, imports)
            run_predict(server.url, tasks[:10], args.samples, augment, out)
        order = list(cases.items())
        for _ in range(args.repeat):  # interleaved (ABBA), so that load hits both alike
            for name, augment in order:
                gc.collect()  # the previous run's garbage is not this run's cost
                runs[name].append(run_predict(server.url, tasks, args.samples, augment, out))
            order.reverse()
    finally:
        server.close()
    load = os.getloadavg()[0]
    table = Table(title=f"arcforge predict, {args.tasks} dihedral tasks x {args.samples} "
                        f"samples, latency {args.latency}s, median of {args.repeat} "
                        f"interleaved runs; {os.cpu_count()} cores, load {load:.1f}")
    for column in ("case", "requests", "score", "wall s", "runner CPU ms/request", "range",
                   "vs plain", "finishing CPU s"):
        table.add_column(column, justify="left" if column == "case" else "right")
    base = None
    for name, results in runs.items():
        per = [r[0] / r[2] for r in results]
        cpu = statistics.median(per)
        base = base or cpu
        wall = statistics.median(r[1] for r in results)
        table.add_row(name, str(results[0][2]), f"{results[0][3]:.3f}", f"{wall:.2f}",
                      f"{1000 * cpu:.3f}", f"{1000 * min(per):.3f}-{1000 * max(per):.3f}",
                      f"{cpu / base - 1:+.1%}", f"{statistics.median(r[4] for r in results):.2f}")
    Console(width=160).print(table)
    work = frame_work(tasks, args.samples)
    print(f"augmentation work alone (spec, task in its frame, answer mapped back): "
          f"{1e6 * work:.1f} us/request = {work / base:.1%} of the plain run's CPU/request")


if __name__ == "__main__":
    main()
