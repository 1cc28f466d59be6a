"""Memory and file sizes as runs grow: ``arcforge traces`` from the command line with 2,000,
20,000 and 200,000 samples against the fake server (its own process, no latency), and
``arcforge score`` of a generated code-run journal of 1,000,000 samples.

Per run: the peak resident memory of the ``arcforge`` process (``wait4``'s ``ru_maxrss``),
the journal's and the final results file's sizes, and the wall time. The baseline in the
same run is the smallest size: the goals are a peak within 1.3x of the 2,000-sample run's at
20,000 samples, a final file at most 1.2x the journal, and the 1,000,000-sample journal
scored within 1 GB.

Usage: python benchmarks/bench_memory.py [--sizes 2000,20000,200000] [--score 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_runner import Server

TASKS = 400


def tasks_file(folder: Path, n: int = TASKS) -> Path:
    rng = random.Random(3)

    def grid() -> list[list[int]]:
        return [[rng.randrange(10) for _ in range(8)] for _ in range(8)]

    tasks = [{"id": f"m{i:04d}", "train": [{"input": grid(), "output": grid()}
                                           for _ in range(3)],
              "test": [{"input": grid(), "output": grid()}]} for i in range(n)]
    path = folder / "tasks.json"
    path.write_text(json.dumps(tasks))
    return path


def measured(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[int, float, float, str]:
    """Exit code, peak RSS in MB, wall seconds and the last line printed."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {err.decode()[-2000:]}")
    lines = out.decode().strip().splitlines()
    return proc.returncode, usage.ru_maxrss / 1024, wall, lines[-1] if lines else ""


def traces_run(size: int, server: Server, data: Path, work: Path) -> dict:
    env = {**os.environ, "ARCFORGE_BASE_URL": server.url, "COLUMNS": "120"}
    env = {k: v for k, v in env.items() if not k.endswith("_API_KEY")}
    cmd = [sys.executable, "-m", "arcforge", "traces", "--model",
           "openai-compatible/bench", "--data", str(data), "--samples", str(size // TASKS),
           "--concurrency", "64", "--out", str(work / "runs"), "--no-progress"]
    _code, peak, wall, last = measured(cmd, env, work)
    run_dir = work / last
    journal = (run_dir / "results.jsonl").stat().st_size
    final = max(run_dir.glob("results_*.json")).stat().st_size
    return {"case": f"traces, {size:,} samples", "peak": peak, "wall": wall,
            "journal": journal, "final": final}


def code_journal(folder: Path, samples: int) -> Path:
    """A code run of TASKS tasks with ``samples`` samples in all, written as the runner
    writes them (every sample verified on 3 train pairs and 1 test input)."""
    from arcforge.runfiles import RunInfo, SampleRecord, tasks_hash, write_run_info, write_tasks
    from arcforge.tasks import parse_task

    raw = json.loads(tasks_file(folder).read_text())
    tasks = [parse_task(t, task_id=t["id"]) for t in raw]
    run_dir = folder / "code-run"
    run_dir.mkdir()
    info = RunInfo(format_version=4, run_id="code-run", kind="code", model="bench/m",
                   samples=samples // TASKS, task_ids=[(t.id, 0) for t in tasks],
                   tasks_sha256=tasks_hash(tasks))
    write_run_info(run_dir, info)
    write_tasks(run_dir, tasks)
    rng = random.Random(5)
    with (run_dir / "results.jsonl").open("w") as out:
        for s in range(samples // TASKS):
            for task in tasks:
                right = rng.random() < 0.1
                pairs = [{"split": "train", "index": i, "status": "pass" if right else "fail",
                          "output": p.output if right else p.input, "error": None}
                         for i, p in enumerate(task.train)]
                test = task.test[0].output if right else [[rng.randrange(10)] * 3] * 3
                pairs.append({"split": "test", "index": 0, "status": "pass" if right
                              else "fail", "output": test, "error": None})
                record = SampleRecord(
                    run_id="code-run", kind="code", task_id=task.id, task_version=0,
                    sample=s, model="bench/m", prompt_hash=f"{task.id}", code="def f(): pass",
                    reasoning="r", verification={"pairs": pairs, "duration_s": 0.01})
                out.write(record.to_json() + "\n")
    return run_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000,200000")
    parser.add_argument("--score", type=int, default=1_000_000,
                        help="samples of the generated code journal to score (0: skip)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    data = tasks_file(work)
    rows = []
    server = Server(0.0, None, "0")
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            rows.append(traces_run(size, server, data, work))
    finally:
        server.close()
    if args.score:
        (work / "score").mkdir()
        run_dir = code_journal(work / "score", args.score)
        cmd = [sys.executable, "-m", "arcforge", "score", str(run_dir), "--json"]
        _code, peak, wall, _last = measured(cmd, dict(os.environ), work)
        size = (run_dir / "results.jsonl").stat().st_size
        rows.append({"case": f"score, {args.score:,} code samples", "peak": peak,
                     "wall": wall, "journal": size, "final": None})
    load = os.getloadavg()[0]
    table = Table(title=f"memory and files; {os.cpu_count()} cores, load {load:.1f}")
    for column in ("case", "peak MB", "vs smallest", "journal MB", "final MB",
                   "final / journal", "wall s"):
        table.add_column(column, justify="left" if column == "case" else "right")
    base = rows[0]["peak"]
    for r in rows:
        final = r["final"]
        table.add_row(r["case"], f"{r['peak']:.0f}", f"{r['peak'] / base:.2f}x",
                      f"{r['journal'] / 1e6:.1f}",
                      "-" if final is None else f"{final / 1e6:.1f}",
                      "-" if final is None else f"{final / r['journal']:.2f}",
                      f"{r['wall']:.1f}")
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
