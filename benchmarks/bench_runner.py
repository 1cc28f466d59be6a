"""Throughput of the bench runner against the fake model server on loopback.

(a) N requests answered after L seconds each, concurrency C: achieved throughput divided by
    the ideal C/L, and the runner's CPU time per request (journal, log and progress bar
    included), next to a plain semaphore loop over the ``openai`` SDK measured in the same
    run.
(b) A server that serves at most K requests at once and answers 429 beyond that; runner
    started at C: throughput as a fraction of K/L, next to the plain loop with the SDK's own
    retries.
(c) The case of (a) as a user runs it: ``arcforge traces`` in its own process on a folder of
    N task files; start-up (interpreter, imports, loading the tasks) is left out by timing
    from the server's first request to the process's exit (the final results file and
    summary included). Its CPU per request is the whole process's, start-up included.

The server runs in its own process so that it does not share the runner's CPU.
Usage: python benchmarks/bench_runner.py [--n 1000] [--latency 0.5] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "fakeserver.py"


@dataclass
class Result:
    name: str
    n: int
    wall_s: float
    cpu_s: float
    ideal_rps: float
    failures: int
    rejected: int

    @property
    def rps(self) -> float:
        """Answered requests per second (failed ones do not count)."""
        return (self.n - self.failures) / self.wall_s

    @property
    def ratio(self) -> float:
        return self.rps / self.ideal_rps


class Server:
    """The fake server in a child process."""

    def __init__(self, latency: float, max_concurrent: int | None, retry_after: str,
                 *extra: str) -> None:
        args = [sys.executable, str(SERVER), "--latency", str(latency), "--retry-after",
                retry_after, *extra]
        if max_concurrent:
            args += ["--max-concurrent", str(max_concurrent)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"the fake server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def stats(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v1/stats") as response:
            return json.loads(response.read())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def synthetic_tasks(n: int) -> list:
    import random

    from arcforge.tasks import Pair, Task

    rng = random.Random(7)

    def grid() -> list[list[int]]:
        return [[rng.randrange(10) for _ in range(5)] for _ in range(5)]

    return [Task(f"b{i:05d}", (Pair(grid(), grid()), Pair(grid(), grid())), (Pair(grid()),))
            for i in range(n)]


async def plain_loop(url: str, n: int, concurrency: int, sdk_retries: int) -> int:
    """The baseline: one AsyncOpenAI client, a semaphore, ``chat.completions.create``."""
    import openai

    client = openai.AsyncOpenAI(api_key="bench", base_url=url, max_retries=sdk_retries)
    semaphore = asyncio.Semaphore(concurrency)
    failures = 0

    async def one(i: int) -> None:
        nonlocal failures
        async with semaphore:
            try:
                answer = await client.chat.completions.create(
                    model="bench", messages=[{"role": "user", "content": f"task {i}"}])
                assert answer.choices[0].message.content
            except openai.OpenAIError:
                failures += 1

    await asyncio.gather(*(one(i) for i in range(n)))
    await client.close()
    return failures


def measure(name: str, n: int, ideal: float, work) -> tuple[Result, object]:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    outcome = work()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return Result(name, n, wall, cpu, ideal, 0, 0), outcome


def run_runner(url: str, n: int, concurrency: int, out: Path) -> int:
    from arcforge.config import load_settings
    from arcforge.runs.config import RunConfig
    from arcforge.runs.runner import Runner

    settings = load_settings(overrides={
        "model": "openai-compatible/bench", "base_url": url, "concurrency": concurrency,
        "out": str(out), "request_timeout_s": 60.0,
    }, env_file=None)
    config = RunConfig("reasoning", settings, tasks=synthetic_tasks(n))
    # the progress bar is drawn (to a buffer) so that its cost is measured too
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    result = asyncio.run(Runner(config, console=console).run())
    return sum(result.errors.values())


def task_folder(n: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-runner-tasks-"))
    for task in synthetic_tasks(n):
        (folder / f"{task.id}.json").write_text(json.dumps(task.content()))
    return folder


class CliRun:
    """``arcforge traces`` as a user runs it; ``work`` for :func:`cli_phase`."""

    def __init__(self, tasks: Path, concurrency: int, out: Path) -> None:
        self.tasks, self.concurrency, self.out = tasks, concurrency, out

    def __call__(self, server: Server) -> tuple[float, float, int]:
        """(seconds from the first request to exit, CPU seconds, failed samples)."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [sys.executable, "-m", "arcforge", "traces", "-m", "openai-compatible/bench",
             "--base-url", server.url, "--data", str(self.tasks), "-c", str(self.concurrency),
             "--out", str(self.out)],
            capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
        )
        end = time.time()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"arcforge traces failed: {done.stderr[-2000:]}")
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        first = server.stats()["first_request_at"]
        run_dir = max(self.out.iterdir(), key=lambda p: p.stat().st_mtime)
        failed = sum(1 for line in (run_dir / "results.jsonl").open()
                     if json.loads(line).get("error"))
        return end - first, cpu, failed


def cli_phase(name: str, latency: float, n: int, ideal: float, work: CliRun) -> Result:
    server = Server(latency, None, "0")
    try:
        wall, cpu, failed = work(server)
        return Result(name, n, wall, cpu, ideal, failed, server.stats()["rejected_busy"])
    finally:
        server.close()


def phase(name: str, latency: float, max_concurrent: int | None, retry_after: str, n: int,
          ideal: float, work) -> Result:
    server = Server(latency, max_concurrent, retry_after)
    try:
        result, failures = measure(name, n, ideal, lambda: work(server.url))
        result.failures = int(failures)
        result.rejected = server.stats()["rejected_busy"]
    finally:
        server.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--k", type=int, default=20, help="server capacity in (b)")
    parser.add_argument("--n-b", type=int, default=400)
    parser.add_argument("--retry-after", default="1", help="Retry-After of the 429s in (b)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs per case")
    args = parser.parse_args()
    n, lat, c, k = args.n, args.latency, args.concurrency, args.k
    out = Path(tempfile.mkdtemp(prefix="bench-runner-"))
    import aiohttp  # noqa: F401  (imported before timing: neither side pays for imports)
    import openai  # noqa: F401

    import arcforge.runs.runner  # noqa: F401
    cases = [
        ("(a) plain semaphore loop, openai SDK", None, "0", n, c / lat,
         lambda url: asyncio.run(plain_loop(url, n, c, 0))),
        ("(a) arcforge runner", None, "0", n, c / lat,
         lambda url: run_runner(url, n, c, out)),
        (f"(b) plain loop, SDK retries (5), K={k}", k, args.retry_after, args.n_b, k / lat,
         lambda url: asyncio.run(plain_loop(url, args.n_b, c, 5))),
        (f"(b) arcforge runner, K={k}", k, args.retry_after, args.n_b, k / lat,
         lambda url: run_runner(url, args.n_b, c, out)),
    ]
    cli_name = "(c) arcforge traces from the command line (start-up left out)"
    cli = CliRun(task_folder(n), c, out)
    runs: dict[str, list[Result]] = {case[0]: [] for case in cases}
    runs[cli_name] = []
    for _ in range(args.repeat):  # interleaved, so that load changes hit every case alike
        for name, cap, retry_after, count, ideal, work in cases:
            runs[name].append(phase(name, lat, cap, retry_after, count, ideal, work))
        runs[cli_name].append(cli_phase(cli_name, lat, n, c / lat, cli))
    load = os.getloadavg()[0]
    table = Table(title=f"bench runner: L={lat}s C={c}, (a) N={n}, (b) N={args.n_b} K={k} "
                        f"Retry-After={args.retry_after}s; median of {args.repeat} "
                        f"interleaved runs; {os.cpu_count()} cores, load {load:.1f}")
    for column in ("case", "wall s", "answered/s", "ideal/s", "ratio", "ratio range",
                   "CPU ms/req", "failed", "429s"):
        table.add_column(column, justify="left" if column == "case" else "right")
    for name, results in runs.items():
        r = sorted(results, key=lambda x: x.ratio)[len(results) // 2]
        ratios = [x.ratio for x in results]
        cpu = statistics.median(x.cpu_s / x.n for x in results)
        table.add_row(name, f"{r.wall_s:.2f}", f"{r.rps:.1f}", f"{r.ideal_rps:.0f}",
                      f"{r.ratio:.3f}", f"{min(ratios):.3f}-{max(ratios):.3f}",
                      f"{1000 * cpu:.2f}", str(r.failures), str(r.rejected))
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
