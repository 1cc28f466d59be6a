"""No program run by the bench can see an answer, reach another program or touch the host.

Each program of ``tests/sandbox/breaches.py`` runs the way a codegen run uses the pool (a
worker of its own, then correct programs in the same worker) and through ``arcforge
exec``, in both isolations where it applies. Programs report what they achieved; the
tests also check, from the host, what they could have changed.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import fcntl
import functools
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox import breaches
from tests.sandbox.breaches import NOTHING
from tests.sandbox.conftest import GOOD, mirror_task
from tests.sandbox.hostile import AFTER

from arcforge.data import load_tasks
from arcforge.sandbox import SandboxPool
from arcforge.tasks import Pair, Task
from arcforge.verification import Verification

ARCFORGE = str(Path(sys.executable).with_name("arcforge"))
CHECKOUT = Path(__file__).resolve().parents[2]
HAS_BWRAP = shutil.which("bwrap") is not None
ISOLATIONS = [
    "process",
    pytest.param("bwrap", marks=pytest.mark.skipif(not HAS_BWRAP,
                                                   reason="bubblewrap is not installed")),
]
BUNDLED = ["arc-agi-1/evaluation", "arc-agi-2/evaluation"]
DISK_CAP = 64 << 20
DISK_SLACK = 1 << 20
INODE_CAP = 65536
WORKER_FAILED = "worker failed"  # a worker that crashed or broke the protocol
aio = pytest.mark.asyncio(loop_scope="module")


# --- helpers ------------------------------------------------------------------------------

def _statuses(verification: Verification) -> list[str]:
    return [p.status for p in verification.pairs]


def _verdicts(verification: Verification | dict[str, Any]) -> list[tuple[str, str]]:
    """Each pair's status and error, from a pool or from ``arcforge exec --json``."""
    pairs = verification["pairs"] if isinstance(verification, dict) else [
        {"status": p.status, "error": p.error} for p in verification.pairs]
    return [(p["status"], p["error"] or "") for p in pairs]


def _errors(verification: Verification | dict[str, Any]) -> list[str]:
    return [error for _, error in _verdicts(verification)]


def _achieved_nothing(errors: list[str]) -> bool:
    return all(NOTHING in e for e in errors)


async def _after_passes(pool: SandboxPool, times: int = 1) -> list[list[str]]:
    """Statuses of a correct program (using what hostile ones patch), run ``times`` times."""
    task = mirror_task()
    return [_statuses(await pool.verify(AFTER, task)) for _ in range(times)]


def _all_pass(runs: list[list[str]]) -> bool:
    return all(statuses == ["pass"] * len(statuses) for statuses in runs)


def _exec(code: str, folder: Path, data: str, task_id: str, isolation: str, timeout_s: float,
          env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    """``arcforge exec`` as a user runs it; the finished process and its wall time."""
    folder.mkdir(parents=True, exist_ok=True)
    code_file = folder / "solution.py"
    code_file.write_text(code)
    started = time.monotonic()
    done = subprocess.run(
        [ARCFORGE, "exec", str(code_file), "--data", data, "--task", task_id, "--json",
         "--timeout", str(timeout_s), "--isolation", isolation],
        capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})
    return done, time.monotonic() - started


def _exec_json(code: str, folder: Path, data: str, task_id: str, isolation: str,
               timeout_s: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    done, _ = _exec(code, folder, data, task_id, isolation, timeout_s, env)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture
def task_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tasks"
    folder.mkdir()
    (folder / "mirror.json").write_text(json.dumps(mirror_task().content()))
    return folder


@functools.cache
def _bundled(spec: str, index: int = 0) -> Task:
    """A real task of a bundled set, its test outputs known."""
    task = load_tasks(spec)[index]
    assert all(p.output is not None for p in task.test)
    return task


def _compact(grid: Any) -> str:
    return json.dumps(grid, separators=(",", ":"))


def _ancestors(pid: int) -> list[int]:
    """``pid`` and every process above it, up to pid 1."""
    chain = [pid]
    while pid > 1:
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat[stat.rindex(")") + 2:].split()[1])
        chain.append(pid)
    return chain


HOST_PID_NS = os.readlink("/proc/self/ns/pid")
OUT_OF_BOUNDS = [0, *_ancestors(os.getpid())]  # this test run and everything above it


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temp folder of this test only (workers keep their host scratch folders there);
    whatever is left in it is removed afterwards, also immutable or very deep files."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    yield folder
    _force_remove(folder)


def _force_remove(path: Path) -> None:
    """Clear the immutable and append-only flags under ``path``, then delete it (both
    without recursion in Python: a tree may be deeper than PATH_MAX)."""
    if not path.exists():
        return
    if shutil.which("chattr"):
        subprocess.run(["chattr", "-R", "-f", "-i", "-a", str(path)], capture_output=True,
                       check=False)
    else:
        todo = [str(path)]
        while todo:
            current = todo.pop()
            with contextlib.suppress(OSError):
                _clear_flags(current)
                if os.path.isdir(current) and not os.path.islink(current):
                    todo += [os.path.join(current, n) for n in os.listdir(current)]
    subprocess.run(["rm", "-rf", "--one-file-system", str(path)], capture_output=True,
                   check=False)


def _clear_flags(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(fd, 0x80086601, flags, True)  # FS_IOC_GETFLAGS
        flags[0] &= ~0x30  # immutable, append-only
        fcntl.ioctl(fd, 0x40086602, flags, True)  # FS_IOC_SETFLAGS
    finally:
        os.close(fd)


def _left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- the answer key -----------------------------------------------------------------------

HUNT_BUDGET_S = 40.0
HUNT_TIMEOUT_S = 60.0


@pytest.mark.parametrize("spec", BUNDLED)
@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_program_cannot_read_the_bundled_answers(isolation: str, spec: str) -> None:
    task = _bundled(spec)
    code = breaches.answer_hunt({}, [], HUNT_BUDGET_S)
    async with SandboxPool(workers=1, timeout_s=HUNT_TIMEOUT_S, isolation=isolation) as pool:
        hunted = await pool.verify(code, task)
        after = await _after_passes(pool)
    assert "pass" not in _statuses(hunted), _verdicts(hunted)
    assert all("nothing found" in e for e in _errors(hunted)), _verdicts(hunted)
    assert _all_pass(after), after


@pytest.mark.parametrize("spec", BUNDLED)
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_cannot_read_the_bundled_answers(isolation: str, spec: str,
                                              tmp_path: Path) -> None:
    task = _bundled(spec)
    code = breaches.answer_hunt({}, [], HUNT_BUDGET_S)
    result = _exec_json(code, tmp_path, spec, task.id, isolation, HUNT_TIMEOUT_S)
    assert "pass" not in [p["status"] for p in result["pairs"]], _verdicts(result)
    assert all("nothing found" in e for e in _errors(result)), _verdicts(result)


@pytest.fixture
def answer_places(tmp_path: Path) -> tuple[Task, list[str], dict[str, str]]:
    """A real task with its answers in a run folder and in a store; the places a program
    may look in and the needles it looks for (the test input and output)."""
    task = _bundled(BUNDLED[0], 1)
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "tasks.json").write_text(json.dumps([task.to_dict()]))
    record = {"task_id": task.id, "outputs": [p.output for p in task.test]}
    (run / "results.jsonl").write_text(json.dumps(record) + "\n")
    store = tmp_path / "store"
    store.mkdir()
    with contextlib.closing(sqlite3.connect(store / "arcforge.db")) as db:
        db.execute("create table task_versions (task_id text, content text)")
        db.execute("insert into task_versions values (?, ?)",
                   (task.id, json.dumps(task.content())))
        db.commit()
    places = [str(run), str(store), str(CHECKOUT),
              str(Path.home() / ".local" / "share" / "arcforge")]
    needles = {"the test input": _compact(task.test[0].input),
               "the test output": _compact(task.test[0].output)}
    return task, places, needles


@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_an_answer_hunt_finds_nothing(
        isolation: str, answer_places: tuple[Task, list[str], dict[str, str]]) -> None:
    task, places, needles = answer_places
    code = breaches.answer_hunt(needles, places, HUNT_BUDGET_S)
    async with SandboxPool(workers=1, timeout_s=HUNT_TIMEOUT_S, isolation=isolation) as pool:
        hunted = await pool.verify(code, task)
        after = await _after_passes(pool)
    assert "pass" not in _statuses(hunted), _verdicts(hunted)
    assert all("nothing found" in e for e in _errors(hunted)), _verdicts(hunted)
    assert _all_pass(after), after


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_answer_hunt_finds_nothing(
        isolation: str, tmp_path: Path,
        answer_places: tuple[Task, list[str], dict[str, str]]) -> None:
    task, places, needles = answer_places
    code = breaches.answer_hunt(needles, places, HUNT_BUDGET_S)
    result = _exec_json(code, tmp_path / "exec", places[0] + "/tasks.json", task.id,
                        isolation, HUNT_TIMEOUT_S)
    assert "pass" not in [p["status"] for p in result["pairs"]], _verdicts(result)
    assert all("nothing found" in e for e in _errors(result)), _verdicts(result)


# --- what an earlier program left in the worker -------------------------------------------

def _unique_task() -> Task:
    """A task of random 24-wide rows (mirror them): its rows appear nowhere else."""
    rows = [[b % 10 for b in os.urandom(24)] for _ in range(18)]
    grids = [rows[i:i + 6] for i in (0, 6, 12)]
    pairs = [Pair(g, [r[::-1] for r in g]) for g in grids]
    return Task("unique", tuple(pairs[:2]), (pairs[2],))


@pytest.mark.parametrize("between", [0, 3], ids=["next", "three-later"])
@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_program_finds_nothing_of_the_one_before(isolation: str, between: int) -> None:
    task = _unique_task()
    marker = "residue" + os.urandom(12).hex()
    needles = {"the earlier program's code": marker}
    for i, pair in enumerate([*task.train, *task.test]):
        assert pair.output is not None
        needles[f"its output {i}"] = "".join(map(str, pair.output[0]))
    async with SandboxPool(workers=1, timeout_s=20.0, isolation=isolation) as pool:
        first = await pool.verify(breaches.marked_program(marker), task)
        assert _statuses(first) == ["pass"] * 3, _verdicts(first)
        innocent = [_statuses(await pool.verify(GOOD, mirror_task())) for _ in range(between)]
        hunted = await pool.verify(breaches.residue_hunter(needles), task)
        after = await _after_passes(pool)
    assert _all_pass(innocent), innocent
    assert _statuses(hunted) == ["error"] * 3, _verdicts(hunted)
    assert all("no residue" in e for e in _errors(hunted)), _verdicts(hunted)
    assert _all_pass(after), after


# --- the worker's limits and scheduling ---------------------------------------------------

def _worker_processes(pool: SandboxPool) -> dict[int, dict[str, Any]]:
    """Limits and CPU time used of every process descended from the pool's workers, and
    the nice value, scheduling policy and CPU affinity of each of their threads.

    The only place these tests read the pool's internals (its worker processes).
    """
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(f"/proc/{name}/stat").read_text()
                parent = int(stat[stat.rindex(")") + 2:].split()[1])
                children.setdefault(parent, []).append(int(name))
    state: dict[int, dict[str, Any]] = {}
    todo = [w.proc.pid for w in pool._all]
    while todo:
        pid = todo.pop()
        if pid in state:
            continue
        todo += children.get(pid, [])
        threads, cpu = {}, 0
        try:
            limits = Path(f"/proc/{pid}/limits").read_text()
            tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            cpu = int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        for tid in tids:
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                nice, policy = int(fields[16]), int(fields[38])
                threads[tid] = (nice, policy, frozenset(os.sched_getaffinity(tid)))
        state[pid] = {"limits": limits.splitlines(), "threads": threads, "cpu": cpu}
    return state


def _changes(before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]]) -> list[str]:
    """What differs: a thread whose (nice, policy, affinity) no process had before, or a
    process that was there before with other limits."""
    seen = {sched for proc in before.values() for sched in proc["threads"].values()}
    changes = []
    for pid, proc in after.items():
        for tid, sched in proc["threads"].items():
            if sched not in seen:
                changes.append(f"thread {tid}: (nice, policy, cpus) {sched}, before {seen}")
        if pid in before and proc["limits"] != before[pid]["limits"]:
            lines = sorted(set(proc["limits"]) - set(before[pid]["limits"]))
            changes.append(f"process {pid}: limits now {lines}")
    return changes


@pytest.mark.parametrize("kind", breaches.WORKER_DAMAGE)
@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_program_cannot_change_the_workers_limits_or_scheduling(
        isolation: str, kind: str) -> None:
    task = mirror_task()
    code = breaches.worker_damage(kind, HOST_PID_NS, OUT_OF_BOUNDS, isolation == "bwrap")
    async with SandboxPool(workers=1, timeout_s=2.0, isolation=isolation) as pool:
        assert _all_pass(await _after_passes(pool))  # a child is forked and waiting
        before = _worker_processes(pool)
        damage = await pool.verify(code, task)
        after = await _after_passes(pool, 3)
        changes = _changes(before, _worker_processes(pool))
        replaced = pool.replaced
    problems = [*changes]
    if not _achieved_nothing(_errors(damage)):
        problems.append(f"the program reports: {_errors(damage)[0]}")
    if not _all_pass(after):
        problems.append(f"correct programs after it: {after}")
    if replaced:
        problems.append(f"workers replaced: {replaced}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", ["file size limit", "open files limit"])
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_cannot_change_the_workers_limits(isolation: str, kind: str, tmp_path: Path,
                                               task_dir: Path) -> None:
    code = breaches.worker_damage(kind, HOST_PID_NS, OUT_OF_BOUNDS, isolation == "bwrap")
    result = _exec_json(code, tmp_path, str(task_dir), "mirror", isolation, 2.0)
    assert _achieved_nothing(_errors(result)), _verdicts(result)


# --- the deadline -------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_repeating_the_loaded_line_does_not_extend_the_deadline(isolation: str) -> None:
    timeout_s = 1.0
    async with SandboxPool(workers=1, timeout_s=timeout_s, isolation=isolation) as pool:
        started = time.monotonic()
        held = await asyncio.wait_for(pool.verify(breaches.REPEATS_LOADED, mirror_task()), 20)
        elapsed = time.monotonic() - started
        after = await _after_passes(pool)
    # loading, then two inputs that time out: the rest are not run
    assert elapsed < 3 * timeout_s + 5, f"held the worker {elapsed:.1f} s: {_verdicts(held)}"
    assert set(_statuses(held)) <= {"timeout", "error"}, _verdicts(held)
    assert not any(WORKER_FAILED in e for e in _errors(held)), _verdicts(held)
    assert _all_pass(after), after


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_repeating_the_loaded_line_does_not_extend_the_deadline(
        isolation: str, tmp_path: Path) -> None:
    pairs = [Pair([[i]], [[i]]) for i in range(6)]
    folder = tmp_path / "tasks"
    folder.mkdir()
    (folder / "long.json").write_text(json.dumps(Task("long", tuple(pairs[:5]),
                                                      (pairs[5],)).content()))
    done, elapsed = _exec(breaches.REPEATS_LOADED, tmp_path, str(folder), "long", isolation, 1.0)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert elapsed < 12, f"took {elapsed:.1f} s: {_verdicts(result)}"
    assert {p["status"] for p in result["pairs"]} <= {"timeout", "error"}, _verdicts(result)
    assert not any(WORKER_FAILED in e for e in _errors(result)), _verdicts(result)


# --- host processes -----------------------------------------------------------------------

def _process_state(pid: int) -> tuple[str, int, int, frozenset[int]]:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (Path(f"/proc/{pid}/limits").read_text(), int(fields[16]), int(fields[38]),
            frozenset(os.sched_getaffinity(pid)))


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """A process of this user that no program may touch."""
    proc = subprocess.Popen(["sleep", "300"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_program_cannot_touch_a_host_process(
        isolation: str, bystander: subprocess.Popen[bytes]) -> None:
    before = _process_state(bystander.pid)
    async with SandboxPool(workers=1, timeout_s=2.0, isolation=isolation) as pool:
        touched = await pool.verify(breaches.host_process_damage(bystander.pid), mirror_task())
        after = await _after_passes(pool)
    assert bystander.poll() is None, "the host process was killed"
    assert _process_state(bystander.pid) == before
    assert _achieved_nothing(_errors(touched)), _verdicts(touched)
    assert _all_pass(after), after


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_cannot_touch_a_host_process(isolation: str, tmp_path: Path, task_dir: Path,
                                          bystander: subprocess.Popen[bytes]) -> None:
    before = _process_state(bystander.pid)
    result = _exec_json(breaches.host_process_damage(bystander.pid), tmp_path,
                        str(task_dir), "mirror", isolation, 2.0)
    assert bystander.poll() is None, "the host process was killed"
    assert _process_state(bystander.pid) == before
    assert _achieved_nothing(_errors(result)), _verdicts(result)


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_cannot_touch_the_process_running_it(isolation: str, tmp_path: Path,
                                                  task_dir: Path) -> None:
    """The program is told the pid of the ``arcforge exec`` process that runs its pool."""
    code_file, pid_file = tmp_path / "solution.py", tmp_path / "pid"
    script = 'echo $$ > "$1"; while [ ! -s "$2" ]; do sleep 0.05; done; shift 2; exec "$@"'
    proc = subprocess.Popen(
        ["sh", "-c", script, "sh", str(pid_file), str(code_file), ARCFORGE, "exec",
         str(code_file), "--data", str(task_dir), "--task", "mirror", "--json", "--timeout",
         "2", "--isolation", isolation], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text().strip():
            assert time.monotonic() < deadline and proc.poll() is None, "sh did not start"
            time.sleep(0.02)
        staged = tmp_path / "staged.py"
        staged.write_text(breaches.host_process_damage(int(pid_file.read_text())))
        staged.replace(code_file)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "Traceback" not in err, (proc.returncode, err[-3000:])
    result = json.loads(out)
    assert _achieved_nothing(_errors(result)), _verdicts(result)


# --- host files ---------------------------------------------------------------------------

@pytest.fixture
def host_file(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A small executable and its folder, outside every scratch folder."""
    folder = tmp_path / "host"
    folder.mkdir(mode=0o700)
    tool = folder / "tool"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    try:
        yield tool, folder
    finally:
        for path in (tool, folder):
            with contextlib.suppress(OSError):
                os.chown(path, 0, 0)
                path.chmod(0o700)
            for name in ("user.arcforge", "security.capability"):
                with contextlib.suppress(OSError):
                    os.removexattr(path, name)


def _file_state(path: Path) -> tuple[int, int, int, int, list[str]]:
    info = os.lstat(path)
    return (info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns,
            sorted(os.listxattr(path)))


@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_program_cannot_change_host_files(isolation: str,
                                                   host_file: tuple[Path, Path]) -> None:
    tool, folder = host_file
    before = [_file_state(tool), _file_state(folder)]
    async with SandboxPool(workers=1, timeout_s=2.0, isolation=isolation) as pool:
        changed = await pool.verify(breaches.host_file_damage(str(tool), str(folder)),
                                    mirror_task())
        after = await _after_passes(pool)
    assert [_file_state(tool), _file_state(folder)] == before
    assert _achieved_nothing(_errors(changed)), _verdicts(changed)
    assert _all_pass(after), after


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_cannot_change_host_files(isolation: str, tmp_path: Path, task_dir: Path,
                                       host_file: tuple[Path, Path]) -> None:
    tool, folder = host_file
    before = [_file_state(tool), _file_state(folder)]
    result = _exec_json(breaches.host_file_damage(str(tool), str(folder)), tmp_path / "exec",
                        str(task_dir), "mirror", isolation, 2.0)
    assert [_file_state(tool), _file_state(folder)] == before
    assert _achieved_nothing(_errors(result)), _verdicts(result)


# --- privileged calls ---------------------------------------------------------------------

@pytest.fixture
def throwaway_mount(tmp_path: Path) -> Iterator[Path | None]:
    """A 1 MB tmpfs mounted for this test only (None where mounting is not allowed)."""
    point = tmp_path / "mnt"
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "arcforge-test",
                           str(point)], capture_output=True, check=False)
    if done.returncode != 0:
        yield None
        return
    try:
        yield point
    finally:
        if subprocess.run(["umount", str(point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)


def _writable(point: Path | None) -> bool:
    if point is None:
        return True
    try:
        (point / "probe").write_text("x")
        (point / "probe").unlink()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_program_has_no_privileges(isolation: str,
                                           throwaway_mount: Path | None) -> None:
    hostname = socket.gethostname()
    code = breaches.privileged_calls(hostname, str(throwaway_mount) if throwaway_mount else None)
    async with SandboxPool(workers=1, timeout_s=2.0, isolation=isolation) as pool:
        privileged = await pool.verify(code, mirror_task())
        after = await _after_passes(pool)
    assert socket.gethostname() == hostname
    assert _writable(throwaway_mount), "the mount was made read-only"
    assert _achieved_nothing(_errors(privileged)), _verdicts(privileged)
    assert _all_pass(after), after


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_has_no_privileges(isolation: str, tmp_path: Path, task_dir: Path,
                                throwaway_mount: Path | None) -> None:
    hostname = socket.gethostname()
    code = breaches.privileged_calls(hostname, str(throwaway_mount) if throwaway_mount else None)
    result = _exec_json(code, tmp_path / "exec", str(task_dir), "mirror", isolation, 2.0)
    assert socket.gethostname() == hostname
    assert _writable(throwaway_mount), "the mount was made read-only"
    assert _achieved_nothing(_errors(result)), _verdicts(result)


# --- disk ---------------------------------------------------------------------------------

FILL_STOP = 256 << 20  # what the fill programs write at most, whatever the sandbox allows


@pytest.mark.parametrize("delete", [False, True], ids=["kept", "deleted-before-returning"])
@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_program_cannot_hold_more_than_the_disk_cap(isolation: str, delete: bool,
                                                            private_tmp: Path) -> None:
    code = breaches.disk_fill(DISK_CAP + DISK_SLACK, FILL_STOP, delete)
    async with SandboxPool(workers=1, timeout_s=10.0, isolation=isolation) as pool:
        filled = await pool.verify(code, mirror_task())
        after = await _after_passes(pool, 2)
    assert _statuses(filled) == ["pass"] * 3, _verdicts(filled)
    assert _all_pass(after), after


@pytest.mark.parametrize("delete", [False, True], ids=["kept", "deleted-before-returning"])
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_cannot_hold_more_than_the_disk_cap(isolation: str, delete: bool, tmp_path: Path,
                                                 task_dir: Path, private_tmp: Path) -> None:
    code = breaches.disk_fill(DISK_CAP + DISK_SLACK, FILL_STOP, delete)
    result = _exec_json(code, tmp_path / "exec", str(task_dir), "mirror", isolation, 10.0,
                        env={"TMPDIR": str(private_tmp)})
    assert [p["status"] for p in result["pairs"]] == ["pass"] * 3, _verdicts(result)


EMPTY_SCRATCH = """
import os
def solve_task(grid):
    if os.listdir("."):
        raise AssertionError(f"left behind: {os.listdir('.')}")
    for i in range(4):
        with open(f"part{i}", "wb") as f:
            f.write(b"y" * (25 << 19))  # 12.5 MB
    for i in range(4):
        os.remove(f"part{i}")
    return [row[::-1] for row in grid]
"""


@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_immutable_files_leave_nothing_behind(isolation: str, private_tmp: Path) -> None:
    before = _left_in(private_tmp)
    async with SandboxPool(workers=1, timeout_s=2.0, isolation=isolation) as pool:
        await pool.verify(breaches.IMMUTABLE_FILES, mirror_task())
        after = [_statuses(await pool.verify(EMPTY_SCRATCH, mirror_task())) for _ in range(2)]
    assert _all_pass(after), after
    assert _left_in(private_tmp) == before


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_immutable_files_leave_nothing_behind(isolation: str, tmp_path: Path,
                                                   task_dir: Path, private_tmp: Path) -> None:
    before = _left_in(private_tmp)
    _exec_json(breaches.IMMUTABLE_FILES, tmp_path / "exec", str(task_dir), "mirror",
               isolation, 2.0, env={"TMPDIR": str(private_tmp)})
    assert _left_in(private_tmp) == before


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_locked_tree_deeper_than_path_max_is_removed(isolation: str,
                                                             private_tmp: Path) -> None:
    before = _left_in(private_tmp)
    async with SandboxPool(workers=1, timeout_s=5.0, isolation=isolation) as pool:
        deep = await asyncio.wait_for(pool.verify(breaches.DEEP_LOCKED_TREE, mirror_task()), 60)
        batch = await asyncio.wait_for(asyncio.gather(
            *(pool.verify(EMPTY_SCRATCH, mirror_task()) for _ in range(6))), 120)
    assert not any(WORKER_FAILED in e for e in _errors(deep)), _verdicts(deep)
    assert [_statuses(v) for v in batch] == [["pass"] * 3] * 6, batch
    assert _left_in(private_tmp) == before


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_survives_a_locked_tree_deeper_than_path_max(isolation: str, tmp_path: Path,
                                                          task_dir: Path,
                                                          private_tmp: Path) -> None:
    before = _left_in(private_tmp)
    result = _exec_json(breaches.DEEP_LOCKED_TREE, tmp_path / "exec", str(task_dir), "mirror",
                        isolation, 5.0, env={"TMPDIR": str(private_tmp)})
    assert len(result["pairs"]) == 3
    assert not any(WORKER_FAILED in e for e in _errors(result)), _verdicts(result)
    assert _left_in(private_tmp) == before


# --- inodes -------------------------------------------------------------------------------

INODE_STOP = INODE_CAP + 4464  # what the flood creates at most, whatever the sandbox allows


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_program_cannot_create_files_without_bound(isolation: str,
                                                           private_tmp: Path) -> None:
    async with SandboxPool(workers=1, timeout_s=20.0, isolation=isolation) as pool:
        flooded = await pool.verify(breaches.inode_flood(INODE_CAP, INODE_STOP), mirror_task())
        after = await _after_passes(pool, 2)
    assert _statuses(flooded) == ["pass"] * 3, _verdicts(flooded)
    assert _all_pass(after), after


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_cannot_create_files_without_bound(isolation: str, tmp_path: Path,
                                                task_dir: Path, private_tmp: Path) -> None:
    result = _exec_json(breaches.inode_flood(INODE_CAP, INODE_STOP), tmp_path / "exec",
                        str(task_dir), "mirror", isolation, 20.0,
                        env={"TMPDIR": str(private_tmp)})
    assert [p["status"] for p in result["pairs"]] == ["pass"] * 3, _verdicts(result)


# --- what stays refused -------------------------------------------------------------------

@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_other_routes_to_sockets_processes_and_the_worker_stay_closed(
        isolation: str) -> None:
    task = mirror_task()
    async with SandboxPool(workers=1, timeout_s=2.0, isolation=isolation) as pool:
        routes = await pool.verify(breaches.SYSCALL_ROUTES, task)
        other_abis = [await pool.verify(code, task)
                      for code in (breaches.X32_SOCKET, breaches.INT80_SOCKET)]
        returned = await pool.verify(breaches.CPU_AFTER_RETURNING, task)
        idle = _worker_processes(pool)
        await asyncio.sleep(1.0)
        burnt_s = sum(proc["cpu"] - idle[pid]["cpu"] for pid, proc in
                      _worker_processes(pool).items() if pid in idle) / os.sysconf("SC_CLK_TCK")
        after = await _after_passes(pool)
        replaced = pool.replaced
    assert _achieved_nothing(_errors(routes)), _verdicts(routes)
    assert _statuses(returned) == ["pass"] * 3, _verdicts(returned)
    assert burnt_s < 0.3, f"the pool's processes used {burnt_s:.2f} s of CPU while idle"
    for verification in other_abis:  # refused, or the program killed
        assert _statuses(verification) == ["error"] * 3, _verdicts(verification)
        assert not any("achieved:" in e for e in _errors(verification)), _verdicts(verification)
    assert _all_pass(after), after
    assert replaced == 0


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exec_other_routes_stay_closed(isolation: str, tmp_path: Path, task_dir: Path) -> None:
    result = _exec_json(breaches.SYSCALL_ROUTES, tmp_path, str(task_dir), "mirror",
                        isolation, 2.0)
    assert _achieved_nothing(_errors(result)), _verdicts(result)

