"""The store against the legacy JSON trace store, at 100,000 traces over 10,000 tasks.

Measures p50/p99 latency of vote, add, list-traces-of-a-task and a 50-task page of the task
browser (with trace, version and attempt counts) through the public
``Store`` methods (each a full transaction on a SQLite file in WAL mode), next to the
legacy approach measured in the same run on a file of the same size: load the whole
``traces_store.json``, change it, and rewrite it (for a list: load it and pick the task).
Then merges a 10,000-record run journal with ``arcforge merge``'s code (and again, to
show the idempotent second pass).

Goals: p99 <= 10 ms, >= 100x faster than the legacy rewrite, merge of 10,000 <= 3 s.
Trace texts are ~1,900 characters, the mean of the legacy reference file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from arcforge.runfiles import SampleRecord
from arcforge.store import Store, open_store
from arcforge.store.merge import merge_files
from arcforge.store.schema import TaskRow, TaskVersion, Trace, User, Vote
from arcforge.tasks import parse_task

GOAL_P99_MS = 10.0
GOAL_SPEEDUP = 100.0
GOAL_MERGE_S = 3.0
GOAL_OPS = ("vote", "add", "list traces of a task")  # the browser page is shown, not a goal
WORDS = [
    "the",
    "grid",
    "shows",
    "a",
    "shape",
    "that",
    "moves",
    "right",
    "until",
    "it",
    "meets",
    "a",
    "wall",
    "then",
    "the",
    "colour",
    "of",
    "each",
    "object",
    "changes",
    "to",
    "match",
    "the",
    "largest",
    "region",
    "while",
    "the",
    "background",
    "stays",
    "black",
    "and",
    "every",
    "row",
    "is",
    "copied",
    "twice",
    "so",
    "the",
    "output",
    "doubles",
    "in",
    "height",
]
console = Console()


def text(rng: random.Random, length: int = 1900) -> str:
    out: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)


def build(store: Store, tasks: int, traces: int, users: int, rng: random.Random) -> dict:
    """Bulk-load the store and return the same content as a legacy traces_store dict."""
    content = parse_task(
        {
            "train": [{"input": [[1, 0], [0, 2]], "output": [[2, 0], [0, 1]]}],
            "test": [{"input": [[3, 0], [0, 4]]}],
        },
        task_id="x",
    )
    stamp = time.time()
    names = [f"user{i}" for i in range(users)]
    task_ids = [f"{i:08x}" for i in range(tasks)]
    legacy: dict[str, list[dict]] = {t: [] for t in task_ids}
    with store.writing() as s:
        s.execute(
            User.__table__.insert(),
            [
                {
                    "username": n,
                    "name_key": n,
                    "role": "user",
                    "kind": "human",
                    "imported": False,
                    "created_at": stamp,
                }
                for n in names
            ],
        )
        s.execute(
            TaskRow.__table__.insert(),
            [{"id": t, "source": "bench", "created_at": stamp} for t in task_ids],
        )
        s.execute(
            TaskVersion.__table__.insert(),
            [
                {
                    "task_id": t,
                    "version": 0,
                    "content": content.content(),
                    "content_hash": content.content_hash(),
                    "test_count": 1,
                    "created_at": stamp,
                    "removed": False,
                }
                for t in task_ids
            ],
        )
    batch = 10_000
    with Progress(console=console, transient=True) as bar:
        job = bar.add_task("building the store", total=traces)
        for start in range(0, traces, batch):
            rows, votes = [], []
            for i in range(start, min(start + batch, traces)):
                task = task_ids[i % tasks]
                author = rng.randrange(users)
                body = text(rng)
                voters = {names[v]: rng.choice((1, -1)) for v in rng.sample(range(users), 2)}
                tid = f"{task}_{names[author]}_{i:08x}"
                rows.append(
                    {
                        "id": i + 1,
                        "trace_id": tid,
                        "task_id": task,
                        "task_version": 0,
                        "author_id": author + 1,
                        "source": "human",
                        "text": body,
                        "text_hash": "",
                        "created_at": stamp + i,
                        "score_base": 0,
                        "score": sum(voters.values()),
                        "removed": False,
                    }
                )
                votes += [
                    {
                        "trace_id": i + 1,
                        "user_id": names.index(n) + 1,
                        "value": v,
                        "created_at": stamp,
                    }
                    for n, v in voters.items()
                ]
                legacy[task].append(
                    {
                        "trace_id": tid,
                        "task_id": task,
                        "username": names[author],
                        "text": body,
                        "score": sum(voters.values()),
                        "timestamp": stamp + i,
                        "voters": voters,
                    }
                )
            with store.writing() as s:
                s.execute(Trace.__table__.insert(), rows)
                s.execute(Vote.__table__.insert(), votes)
            bar.advance(job, len(rows))
    return legacy


def timings(fn: Callable[[int], object], n: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each call (CPU time leaves out waiting for a core)."""
    wall, cpu = [], []
    for i in range(n):
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn(i)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def legacy_ops(path: Path, task_ids: list[str], rng: random.Random) -> dict[str, Callable]:
    def load() -> dict:
        with path.open() as fh:
            return json.load(fh)

    def save(data: dict) -> None:
        with path.open("w") as fh:
            json.dump(data, fh, indent=2)

    def vote(_i: int) -> None:
        data = load()
        entry = rng.choice(data[rng.choice(task_ids)])
        entry["voters"]["bench-voter"] = 1
        entry["score"] = sum(entry["voters"].values())
        save(data)

    def add(i: int) -> None:
        data = load()
        task = rng.choice(task_ids)
        data[task].append(
            {
                "trace_id": f"{task}_bench_{i}",
                "task_id": task,
                "username": "bench",
                "text": text(rng),
                "score": 0,
                "timestamp": time.time(),
                "voters": {},
            }
        )
        save(data)

    def listing(_i: int) -> None:
        data = load()
        sorted(data[rng.choice(task_ids)], key=lambda e: (-e["score"], e["timestamp"]))

    def browse(_i: int) -> None:
        data = load()
        start = rng.randrange(len(task_ids) - 50)
        [(t, len(data[t])) for t in sorted(data)[start : start + 50]]

    return {"vote": vote, "add": add, "list traces of a task": listing, "task browser page": browse}


def store_ops(store: Store, task_ids: list[str], users: int, rng: random.Random) -> dict:
    first_user = store.get_user_by_name("user0")
    assert first_user is not None
    n_traces = len(task_ids) * 10

    def vote(_i: int) -> None:
        store.vote(rng.randrange(1, n_traces + 1), rng.randrange(1, users + 1), rng.choice((1, -1)))

    def add(_i: int) -> None:
        store.add_trace(rng.choice(task_ids), 0, rng.randrange(1, users + 1), text(rng))

    def listing(_i: int) -> None:
        store.list_traces(rng.choice(task_ids), 0, viewer_id=first_user.id)

    def browse(_i: int) -> None:
        offset = rng.randrange(len(task_ids) - 50)
        store.list_tasks(viewer_id=first_user.id, limit=50, offset=offset)

    return {"vote": vote, "add": add, "list traces of a task": listing, "task browser page": browse}


def write_journal(path: Path, records: int, tasks: list[str], rng: random.Random) -> None:
    with path.open("w") as fh:
        for i in range(records):
            rec = SampleRecord(
                run_id="bench-run",
                kind="reasoning",
                task_id=tasks[i % len(tasks)],
                task_version=0,
                sample=i // len(tasks),
                model="bench/model",
                reasoning=text(rng),
                started_at="2026-01-01T00:00:00+00:00",
            )
            fh.write(json.dumps(rec.to_dict()) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--traces", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--samples", type=int, default=1000, help="store operations per kind")
    parser.add_argument("--legacy-samples", type=int, default=5, help="legacy rewrites per kind")
    parser.add_argument("--merge", type=int, default=10_000, help="records in the merged journal")
    args = parser.parse_args()
    rng = random.Random(7)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = open_store(f"sqlite:///{folder / 'bench.db'}")
        legacy = build(store, args.tasks, args.traces, args.users, rng)
        task_ids = list(legacy)
        legacy_path = folder / "traces_store.json"
        legacy_path.write_text(json.dumps(legacy, indent=2))
        legacy_mb = legacy_path.stat().st_size / 1e6
        del legacy
        db_mb = (folder / "bench.db").stat().st_size / 1e6
        ours = store_ops(store, task_ids, args.users, rng)
        theirs = legacy_ops(legacy_path, task_ids, rng)
        rows = []
        with Progress(console=console, transient=True) as bar:
            job = bar.add_task("measuring", total=4 * (args.samples + args.legacy_samples))
            for name in ours:
                mine, mine_cpu = timings(
                    lambda i, f=ours[name]: (f(i), bar.advance(job)), args.samples
                )
                old, _ = timings(
                    lambda i, f=theirs[name]: (f(i), bar.advance(job)), args.legacy_samples
                )
                rows.append((name, mine, mine_cpu, old))
        journal = folder / "results.jsonl"
        write_journal(journal, args.merge, task_ids, rng)
        start, start_cpu = time.perf_counter(), time.process_time()
        report = merge_files(store, [journal])
        merge_s, merge_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        start, start_cpu = time.perf_counter(), time.process_time()
        again = merge_files(store, [journal])
        remerge_s, remerge_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        store.dispose()

    title = (
        f"Store (SQLite, WAL) vs legacy JSON rewrite: {args.traces:,} traces over "
        f"{args.tasks:,} tasks (db {db_mb:,.0f} MB, legacy file {legacy_mb:,.0f} MB)"
    )
    table = Table(title=title)
    for col in (
        "operation",
        "store p50 ms",
        "store p99 ms",
        "store p99 CPU ms",
        "n",
        "legacy p50 ms",
        "legacy p99 ms",
        "n",
        "speed-up (p50)",
    ):
        table.add_column(col, justify="left" if col == "operation" else "right")
    verdicts = []
    for name, mine, mine_cpu, old in rows:
        speedup = statistics.median(old) / statistics.median(mine)
        table.add_row(
            name,
            f"{pct(mine, 0.5):.2f}",
            f"{pct(mine, 0.99):.2f}",
            f"{pct(mine_cpu, 0.99):.2f}",
            f"{len(mine):,}",
            f"{pct(old, 0.5):,.0f}",
            f"{pct(old, 0.99):,.0f}",
            f"{len(old)}",
            f"{speedup:,.0f}x",
        )
        if name in GOAL_OPS:
            verdicts.append(pct(mine, 0.99) <= GOAL_P99_MS and speedup >= GOAL_SPEEDUP)
    console.print(table)
    merge_table = Table(title=f"arcforge merge of a {args.merge:,}-record journal")
    for col in ("pass", "seconds", "CPU seconds", "traces added", "already present"):
        merge_table.add_column(col, justify="right")
    for label, secs, cpu, rep in (
        ("first", merge_s, merge_cpu, report),
        ("again", remerge_s, remerge_cpu, again),
    ):
        merge_table.add_row(
            label, f"{secs:.2f}", f"{cpu:.2f}", f"{rep.added:,}", f"{rep.present:,}"
        )
    console.print(merge_table)
    load = os.getloadavg()
    console.print(
        f"machine: {os.cpu_count()} cores, load average {load_before[0]:.1f} at start and "
        f"{load[0]:.1f} at the end (other work running when above {os.cpu_count()})"
    )
    ok_ops = "meets" if all(verdicts) else "misses"
    ok_merge = "meets" if merge_s <= GOAL_MERGE_S and report.added == args.merge else "misses"
    console.print(f"goal p99 <= {GOAL_P99_MS:.0f} ms and >= {GOAL_SPEEDUP:.0f}x: {ok_ops}")
    console.print(f"goal merge <= {GOAL_MERGE_S:.0f} s: {ok_merge} ({merge_s:.2f} s)")


if __name__ == "__main__":
    main()
