"""The studio under load: 1 server process against 2 and 4 workers, on SQLite and PostgreSQL.

Each configuration is a real ``arcforge serve`` (the 1-process baseline without
``--workers``, measured in the same run) on 127.0.0.1 with a fresh store of 40 ARC-AGI-1
tasks. ``--people`` simulated people, each with its own connections and signed in, spend
``--seconds`` browsing the task list, opening tasks and their traces, making practice and
study attempts, adding traces and voting, with a think time of 0 to ``2 * --think`` seconds
between actions, while a WebSocket page follows the task each one has open. ``--observers``
more pages follow the 20 tasks with traces for the whole run: every vote and every trace
acknowledged must reach each of them (event delivery latency: from sending a trace until an
observer has it; "at rest": 20 traces added one at a time before the load starts, which
shows the cost of passing events between processes without the queueing of the load).

Afterwards the store is checked against what the server acknowledged (lost writes: votes
by each trace's score, attempts and traces by their counts). Errors: any 5xx, refused or
broken connection, or status the script did not expect. PostgreSQL runs on a throw-away
cluster (``tests/pgcluster.py``: fsync off, like SQLite's synchronous=NORMAL it does not
wait for the disk at each commit).

    python benchmarks/bench_studio_scale.py [--people 200] [--seconds 60] [--workers 1 2 4]
        [--databases sqlite postgresql] [--think 0.25] [--observers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from argon2 import PasswordHasher
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from yarl import URL

from arcforge.data import load_tasks
from arcforge.store import Store, open_store
from arcforge.store.answers import unlock_in
from arcforge.store.schema import ALL_ANSWERS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from pgcluster import Cluster, ClusterUnavailable  # noqa: E402  (the tests' cluster)

ARCFORGE = str(Path(sys.executable).with_name("arcforge"))
TASKS = 40  # the first 20 have traces to read and vote on; people study the other 20
HOT = 20
SEED_TRACES = 4  # per task with traces, by authors who are not among the people
SESSION = "arcforge_session"
WRONG = [[0]]  # never the answer: every attempt is counted, none unlocks early
ACTIONS = {"list": 15, "task": 25, "traces": 15, "practice": 10, "study": 8, "trace": 5,
           "vote": 22}
GOAL_SPEEDUP, GOAL_VOTE_P99_MS = 1.7, 50.0
PROBES = 20  # traces added one at a time before the load: event latency at rest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ticks(pid: int) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    return 0


def _processes() -> dict[int, tuple[int, bytes]]:
    """Every process: its parent and command line."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                with open(f"/proc/{entry}/stat") as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    found[int(entry)] = (parent, fh.read())
    return found


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU time used so far by the server's processes, PostgreSQL's and this client, and
    by the whole machine (busy, all cores)."""
    table = _processes()
    tree, grew = {server_pid}, True
    while grew:
        more = {p for p, (parent, _) in table.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    database = {p for p, (_, cmd) in table.items()  # the server and its backends
                if cmd.startswith(b"postgres:") or cmd.split(b"\0")[0].endswith(b"/postgres")}
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as fh:
        cpu = [int(v) for v in fh.readline().split()[1:]]
    me = os.times()
    return {"server": sum(map(_ticks, tree)) / hz, "database": sum(map(_ticks, database)) / hz,
            "client": me.user + me.system, "busy": (sum(cpu) - cpu[3] - cpu[4]) / hz}


@dataclass
class World:
    """What the store holds before the run: people with sessions, tasks, seeded traces."""

    people: list[str]  # session tokens, by person
    observers: list[str]
    hot: list[str]
    study: list[str]
    traces: dict[str, list[int]]  # hot task -> its seeded traces


def prepare(store: Store, tasks: list[Any], folder: Path, people: int, observers: int
            ) -> World:
    store.import_tasks(tasks, source=str(folder))
    ids = [t.id for t in tasks]
    hot, study = ids[:HOT], ids[HOT:]
    cheap = PasswordHasher(time_cost=1, memory_cost=1024).hash("not used: sessions are made")

    def person(name: str) -> tuple[int, str]:
        user = store.create_user(name, password_hash=cheap)
        return user.id, store.start_session(user.id, 6 * 3600)

    made = [person(f"p{i:03d}") for i in range(people + observers)]
    with store.writing() as session:  # everyone may read (and vote on) the hot tasks' traces
        for uid, _ in made:
            for tid in hot:
                unlock_in(session, uid, tid, ALL_ANSWERS, "revealed")
    authors = [store.create_user(f"author{n}", password_hash=cheap).id
               for n in range(SEED_TRACES)]
    traces = {tid: [store.add_trace(tid, 0, a, f"idea {n} for {tid}").id
                    for n, a in enumerate(authors)] for tid in hot}
    tokens = [t for _, t in made]
    return World(tokens[:people], tokens[people:], hot, study, traces)


@dataclass
class Tally:
    """What the clients saw."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    votes: dict[tuple[int, int], int] = field(default_factory=dict)  # (person, trace) -> value
    voted: Counter[int] = field(default_factory=Counter)  # acknowledged votes per trace
    added: dict[str, float] = field(default_factory=dict)  # trace text -> time sent
    attempts: int = 0
    event_ms: list[float] = field(default_factory=list)  # under load
    rest_ms: list[float] = field(default_factory=list)  # one trace at a time, nothing else
    loaded: bool = False
    observed: list[Counter[str]] = field(default_factory=list)  # per observer

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latency.values())


class Person:
    """One simulated person: own connections and cookies, a page following one task."""

    def __init__(self, n: int, base: str, token: str, world: World, tally: Tally) -> None:
        self.n, self.base, self.world, self.tally = n, base, world, tally
        jar = aiohttp.CookieJar(unsafe=True)
        jar.update_cookies({SESSION: token}, URL(base))
        self.http = aiohttp.ClientSession(
            base, cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60),
            connector=aiohttp.TCPConnector(limit=2))
        self.csrf: dict[str, str] = {}
        self.used: Counter[str] = Counter()  # study attempts by task
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    async def call(self, name: str, method: str, path: str, expect: int = 200,
                   **kw: Any) -> Any:
        start = time.perf_counter()
        try:
            async with self.http.request(method, path, headers=self.csrf, **kw) as r:
                body = await r.json(content_type=None)
                status = r.status
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            self.tally.errors[f"{name}: {type(exc).__name__}"] += 1
            return None
        self.tally.latency[name].append((time.perf_counter() - start) * 1000)
        if status != expect:
            self.tally.errors[f"{name}: {status}"] += 1
            return None
        return body

    async def follow(self, task_id: str) -> None:
        if self.ws is None or self.ws.closed:
            self.ws = await self.http.ws_connect("/api/ws", origin=self.base)
            asyncio.get_running_loop().create_task(self.drain(self.ws))
        await self.ws.send_str(json.dumps({"subscribe": [task_id]}))

    async def drain(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        with contextlib.suppress(aiohttp.ClientError, asyncio.CancelledError):
            async for _ in ws:
                pass

    async def act(self, action: str) -> None:
        w = self.world
        if action == "list":
            await self.call("GET /api/tasks", "GET", "/api/tasks",
                            params={"source": "tasks", "limit": "20", "thumbnails": "true"})
        elif action == "task":
            tid = random.choice(w.hot + w.study)
            await self.call("GET /api/tasks/{id}", "GET", f"/api/tasks/{tid}")
            await self.follow(tid)
        elif action == "traces":
            tid = random.choice(w.hot)
            await self.call("GET /api/tasks/{id}/traces", "GET", f"/api/tasks/{tid}/traces")
        elif action == "practice":
            body = {"version": 0, "test_index": 0, "grid": WRONG, "mode": "practice"}
            if await self.call("POST attempt (practice)", "POST",
                               f"/api/tasks/{random.choice(w.study)}/attempts", json=body):
                self.tally.attempts += 1
        elif action == "study":
            left = [t for t in w.study if self.used[t] < 2]
            if left:
                tid = random.choice(left)
                self.used[tid] += 1
                body = {"version": 0, "test_index": 0, "grid": WRONG, "mode": "study"}
                if await self.call("POST attempt (study)", "POST", f"/api/tasks/{tid}/attempts",
                                   json=body):
                    self.tally.attempts += 1
        elif action == "trace":
            await self.add_trace("POST trace")
        else:
            trace = random.choice(w.traces[random.choice(w.hot)])
            value = random.choice((1, 1, -1, 0))
            if await self.call("POST vote", "POST", f"/api/traces/{trace}/vote",
                               json={"value": value}) is not None:
                self.tally.votes[(self.n, trace)] = value
                self.tally.voted[trace] += 1

    async def add_trace(self, name: str) -> None:
        words = f"bench {uuid.uuid4().hex}"
        self.tally.added[words] = time.perf_counter()
        body = {"version": 0, "text": words}
        if not await self.call(name, "POST", f"/api/tasks/{random.choice(self.world.hot)}/traces",
                               201, json=body):
            del self.tally.added[words]

    async def start(self) -> bool:
        me = await self.call("GET /api/me", "GET", "/api/me")
        if me is not None:
            self.csrf = {"X-CSRF-Token": me["csrf_token"]}
        return me is not None

    async def run(self, until: float, think: float) -> None:
        if not self.csrf and not await self.start():
            return
        names, weights = list(ACTIONS), list(ACTIONS.values())
        while time.perf_counter() < until:
            await self.act(random.choices(names, weights)[0])
            await asyncio.sleep(random.uniform(0, 2 * think))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self.http.close()


async def observe(base: str, token: str, world: World, tally: Tally, ready: asyncio.Event,
                  done: asyncio.Event) -> None:
    """A page following every task with traces for the whole run."""
    got: Counter[str] = Counter()
    tally.observed.append(got)
    jar = aiohttp.CookieJar(unsafe=True)
    jar.update_cookies({SESSION: token}, URL(base))
    async with aiohttp.ClientSession(base, cookie_jar=jar) as http, \
            http.ws_connect("/api/ws", origin=base) as ws:
        await ws.send_str(json.dumps({"subscribe": world.hot}))
        await ws.receive_json()  # subscribed
        ready.set()
        while not done.is_set():
            try:
                msg = await asyncio.wait_for(ws.receive(), 0.5)
            except TimeoutError:
                continue
            if msg.type != aiohttp.WSMsgType.TEXT:
                tally.errors["observer: connection closed"] += 1
                return
            event = json.loads(msg.data)
            if event["type"] == "trace_voted":
                got[f"vote {event['trace_id']}"] += 1
            elif event["type"] == "trace_added":
                words = event["trace"]["text"]
                sent = tally.added.get(words)
                if sent is not None:
                    late = (time.perf_counter() - sent) * 1000
                    (tally.event_ms if tally.loaded else tally.rest_ms).append(late)
                got[f"added {words}"] += 1


async def load(base: str, pid: int, world: World, seconds: float, think: float
               ) -> tuple[Tally, float, dict[str, float]]:
    """Run the people against the server; what they saw, how long they ran and the cores
    each part kept busy meanwhile on average."""
    tally = Tally()
    done = asyncio.Event()
    ready = [asyncio.Event() for _ in world.observers]
    watchers = [asyncio.create_task(observe(base, t, world, tally, r, done))
                for t, r in zip(world.observers, ready, strict=True)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 60)
    people = [Person(n, base, t, world, tally) for n, t in enumerate(world.people)]
    await people[0].start()
    for _ in range(PROBES):  # event latency at rest, each probe alone
        await people[0].add_trace("POST trace (at rest)")
        await asyncio.sleep(0.3)
    tally.loaded = True
    before = cpu_seconds(pid)
    start = time.perf_counter()
    await asyncio.gather(*(p.run(start + seconds, think) for p in people))
    elapsed = time.perf_counter() - start
    after = cpu_seconds(pid)
    cpu = {k: (after[k] - before[k]) / elapsed for k in after}
    cpu["other"] = cpu["busy"] - cpu["server"] - cpu["database"] - cpu["client"]
    expected = sum(tally.voted.values()) + len(tally.added)
    deadline = time.perf_counter() + 10  # the last events are on their way
    while time.perf_counter() < deadline and any(sum(o.values()) < expected
                                                 for o in tally.observed):
        await asyncio.sleep(0.1)
    done.set()
    await asyncio.gather(*watchers)
    await asyncio.gather(*(p.close() for p in people))
    return tally, elapsed, cpu


def missed_events(tally: Tally) -> int:
    """Events acknowledged by the server that some observer never got (summed)."""
    want = Counter({f"vote {t}": n for t, n in tally.voted.items()})
    want.update({f"added {w}": 1 for w in tally.added})
    return sum(sum((want - got).values()) for got in tally.observed)


def lost_writes(store: Store, world: World, tally: Tally) -> int:
    """Acknowledged writes the store does not hold (votes by score, attempts, traces)."""
    expected: Counter[int] = Counter()
    for (_, trace), value in tally.votes.items():
        expected[trace] += value
    with store.engine.connect() as conn:
        scores = dict(conn.execute(text("SELECT id, score FROM traces")).all())
        attempts = conn.execute(text("SELECT count(*) FROM attempts")).scalar_one()
        traces = conn.execute(text(
            "SELECT count(*) FROM traces WHERE text LIKE 'bench %'")).scalar_one()
    seeded = [t for ts in world.traces.values() for t in ts]
    lost = sum(abs(scores[t] - expected[t]) for t in seeded)
    return lost + abs(attempts - tally.attempts) + abs(traces - len(tally.added))


@contextlib.contextmanager
def server(url: str, folder: Path, workers: int, tmp: Path) -> Any:
    """``arcforge serve`` (``--workers N`` above 1) on a free port, once every worker is up:
    its address and process id."""
    port = free_port()
    log = tmp / f"serve-{workers}-{port}.log"
    flags = ["--workers", str(workers)] if workers > 1 else []
    limits = {"ARCFORGE_STUDIO__PRACTICE_PER_HOUR": "1000000",
              "ARCFORGE_STUDIO__PRACTICE_PER_OUTPUT": "1000000"}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [ARCFORGE, "serve", "--port", str(port), "--data", str(folder), "--store", url,
             *flags],
            env={**os.environ, **limits, "XDG_DATA_HOME": str(tmp / "xdg")}, cwd=tmp,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while log.read_text().count("Application startup complete.") < workers:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"arcforge serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@dataclass
class Result:
    database: str
    workers: int
    rps: float
    tally: Tally
    lost: int
    missed: int
    cpu: dict[str, float]  # cores busy on average during the load, by part ("other": the
    # rest of the machine: the kernel, other jobs)


def measure(database: str, url: str, workers: int, args: argparse.Namespace,
            tasks: list[Any], folder: Path, tmp: Path) -> Result:
    store = open_store(url)
    try:
        world = prepare(store, tasks, folder, args.people, args.observers)
        with server(url, folder, workers, tmp) as (base, pid):
            tally, elapsed, cpu = asyncio.run(load(base, pid, world, args.seconds, args.think))
        return Result(database, workers, tally.requests / elapsed, tally,
                      lost_writes(store, world, tally), missed_events(tally), cpu)
    finally:
        store.dispose()


def report(results: list[Result], console: Console, args: argparse.Namespace) -> None:
    table = Table(title=f"{args.people} people, {args.seconds:g} s, think 0-"
                  f"{2 * args.think:g} s, {os.cpu_count()} CPUs")
    for col in ("database", "processes", "requests/s", "x 1 process", "errors",
                "lost writes", "events missed", "event at rest p50 / p99 ms",
                "event p50 / p99 ms",
                "cores: server / db / client / other"):
        table.add_column(col, justify="right")
    base = {r.database: r.rps for r in results if r.workers == 1}
    for r in results:
        t = r.tally
        table.add_row(r.database, str(r.workers), f"{r.rps:.0f}",
                      f"{r.rps / base[r.database]:.2f}" if r.database in base else "",
                      str(sum(t.errors.values())), str(r.lost), str(r.missed),
                      f"{percentile(t.rest_ms, 0.5):.0f} / {percentile(t.rest_ms, 0.99):.0f}",
                      f"{percentile(t.event_ms, 0.5):.0f} / {percentile(t.event_ms, 0.99):.0f}",
                      " / ".join(f"{r.cpu[k]:.2f}" for k in ("server", "database", "client",
                                                              "other")))
    console.print(table)
    names = sorted({n for r in results for n in r.tally.latency})
    per = Table(title="p50 / p99 ms per endpoint")
    per.add_column("endpoint")
    for r in results:
        per.add_column(f"{r.database} x{r.workers}", justify="right")
    for name in names:
        per.add_row(name, *(f"{percentile(r.tally.latency[name], 0.5):.0f} / "
                            f"{percentile(r.tally.latency[name], 0.99):.0f}" for r in results))
    console.print(per)
    for r in results:
        if r.tally.errors:
            console.print(f"{r.database} x{r.workers} errors: {dict(r.tally.errors)}")
    pg = {r.workers: r.rps for r in results if r.database == "postgresql"}
    if 1 in pg and 2 in pg:
        console.print(f"goal: 2 workers >= {GOAL_SPEEDUP}x one process on PostgreSQL: "
                      f"{pg[2] / pg[1]:.2f}x")
    worst = max((percentile(r.tally.latency["POST vote"], 0.99), f"{r.database} x{r.workers}")
                for r in results)
    console.print(f"goal: vote p99 <= {GOAL_VOTE_P99_MS:g} ms: worst {worst[0]:.0f} ms "
                  f"({worst[1]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=0.25, help="mean think time (s)")
    parser.add_argument("--observers", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    console = Console(width=160)
    tasks = load_tasks("arc-agi-1/training")[:TASKS]
    results = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        folder = tmp / "tasks"
        folder.mkdir()
        for t in tasks:
            (folder / f"{t.id}.json").write_text(json.dumps(t.content()))
        cluster = Cluster()
        if "postgresql" in args.databases:
            try:
                cluster.start()
            except ClusterUnavailable as exc:
                console.print(f"PostgreSQL left out: {exc}")
                args.databases.remove("postgresql")
        try:
            for database in args.databases:
                for workers in args.workers:
                    url = (f"sqlite:///{tmp / f'{workers}.db'}" if database == "sqlite"
                           else cluster.empty_database())
                    console.print(f"{database}, {workers} process(es)...")
                    results.append(measure(database, url, workers, args, tasks, folder, tmp))
        finally:
            cluster.stop()
    report(results, console, args)


if __name__ == "__main__":
    main()
