"""What the sandbox refuses and repairs: process isolation without file-system
confinement, scratch folders a program locked or filled, oversized results, and
workers that cannot be replaced."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.conftest import GOOD, TRAIN

from arcforge.sandbox import SandboxError, SandboxPool, check
from arcforge.sandbox import pool as pool_module
from arcforge.sandbox.inside.gridcodec import encode
from arcforge.sandbox.launch import ENV_TEST_NO_LANDLOCK
from arcforge.sandbox.protections import confinement_problem
from arcforge.tasks import Task

ARCFORGE = str(Path(sys.executable).with_name("arcforge"))
ISOLATIONS = [
    "process",
    pytest.param("bwrap", marks=pytest.mark.skipif(shutil.which("bwrap") is None,
                                                   reason="bubblewrap is not installed")),
]
aio = pytest.mark.asyncio(loop_scope="module")


def _statuses(verification: Any) -> list[str]:
    return [p.status for p in verification.pairs]


# --- process isolation needs Landlock and seccomp ----------------------------------------

@aio
async def test_process_isolation_refuses_to_run_without_landlock(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TEST_NO_LANDLOCK, "1")
    with pytest.raises(SandboxError, match="Landlock is not active") as caught:
        async with SandboxPool(workers=1, timeout_s=1.0, isolation="process"):
            pass
    assert "Install bubblewrap" in str(caught.value)
    report = check("process")
    assert not report.ready
    assert "Landlock" in (report.refusal or "")
    layers = {layer.name: layer for layer in report.layers}
    assert layers["landlock"].required and not layers["landlock"].active


def test_sandbox_check_says_not_ready_and_why() -> None:
    env = {**os.environ, ENV_TEST_NO_LANDLOCK: "1"}
    done = subprocess.run([ARCFORGE, "sandbox", "check", "--isolation", "process", "--json"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["ready"] is False
    assert "install bubblewrap" in report["refusal"].lower()


@aio
async def test_process_isolation_refuses_a_probe_without_seccomp_or_blocked_files(
        task: Task, monkeypatch: pytest.MonkeyPatch) -> None:
    async with SandboxPool(workers=1, timeout_s=1.0, isolation="process") as pool:
        assert _statuses(await pool.verify(GOOD, task)) == ["pass"] * 3  # every layer there
        good = dict(pool.probe_report)
        limits = (pool.timeout_s, pool.memory_mb)
    assert confinement_problem(good, "process", *limits) is None
    no_seccomp = {**good, "seccomp_mode": 0, "fork": "allowed"}
    reads = {**good, "read_etc_passwd": "allowed"}
    writes = {**good, "write_outside_scratch": "allowed"}
    for report, fragment in ((no_seccomp, "seccomp is not active"),
                             (reads, "reading outside files"),
                             (writes, "writing outside the scratch folder")):
        assert fragment in (confinement_problem(report, "process", *limits) or "")
    # inside bubblewrap the namespaces hide the host's files; seccomp is required everywhere
    assert confinement_problem(reads, "bwrap", *limits) is None
    assert confinement_problem(writes, "bwrap", *limits) is None
    assert "seccomp is not active" in (confinement_problem(no_seccomp, "bwrap", *limits) or "")

    async def probe_without_seccomp(self: SandboxPool) -> dict[str, Any]:
        return {**await real_probe(self), "seccomp_mode": 0}

    real_probe = SandboxPool.probe
    monkeypatch.setattr(SandboxPool, "probe", probe_without_seccomp)
    with pytest.raises(SandboxError, match="seccomp is not active"):
        await SandboxPool(workers=1, timeout_s=1.0, isolation="process").start()


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
@aio
async def test_bwrap_keeps_its_rules_without_landlock(task: Task,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TEST_NO_LANDLOCK, "1")
    async with SandboxPool(workers=1, timeout_s=1.0, isolation="bwrap") as pool:
        assert _statuses(await pool.verify(GOOD, task)) == ["pass"] * 3


# --- scratch folders: locked, filled ------------------------------------------------------

LOCKS_ITS_SCRATCH = """
import os
def solve_task(grid):
    if not os.path.exists("locked"):
        os.mkdir("locked", 0o300)  # chmod is denied, but a mode given at creation stays
        os.mkdir("locked/inner", 0o300)
        for i in range(3):
            with open(f"locked/f{i}", "wb") as f:
                f.write(b"x" * (10 << 20))
        with open("locked/inner/note", "w") as f:
            f.write("from an earlier program")
        os.mkdir("locked/inner/shut", 0)
        with open("sealed", "w") as f:
            f.write("x")
        os.umask(0o777)
        os.mkdir("locked/inner/closed")
    return [row[::-1] for row in grid]
"""

WRITES_50_MB = """
import os
def solve_task(grid):
    here = os.path.basename(os.getcwd())
    if os.listdir(".") or os.listdir("..") != [here]:
        raise AssertionError(f"left behind: {os.listdir('.')} {os.listdir('..')}")
    for i in range(4):
        with open(f"part{i}", "wb") as f:
            f.write(b"y" * (25 << 19))  # 12.5 MB, under the 16 MB file limit
    for i in range(4):
        os.remove(f"part{i}")
    return [row[::-1] for row in grid]
"""


@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_locked_scratch_folder_is_removed_all_the_same(isolation: str,
                                                                task: Task) -> None:
    async with SandboxPool(workers=1, timeout_s=2.0, isolation=isolation) as pool:
        locked = await pool.verify(LOCKS_ITS_SCRATCH, task)
        assert _statuses(locked) == ["pass"] * 3, locked
        after = await pool.verify(WRITES_50_MB, task)
        assert _statuses(after) == ["pass"] * 3, after


@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_scratch_space_is_capped_while_the_program_runs(isolation: str,
                                                              task: Task) -> None:
    code = """
import os
def solve_task(grid):
    if not os.path.exists("f0"):
        for i in range(5):
            with open(f"f{i}", "wb") as f:
                f.write(b"x" * (15 << 20))
    return [row[::-1] for row in grid]
"""
    async with SandboxPool(workers=1, timeout_s=2.0, isolation=isolation) as pool:
        filled = await pool.verify(code, task)
        first = filled.pairs[0]
        assert first.status == "error" and "No space left" in (first.error or ""), filled
        after = await pool.verify(WRITES_50_MB, task)
        assert _statuses(after) == ["pass"] * 3, after
        assert pool.replaced == 0


# --- replies stay small ------------------------------------------------------------------

@aio
async def test_oversized_errors_and_outputs_never_reach_the_reply(pool: SandboxPool) -> None:
    code = """
import json, os
LINES = [{"i": 0, "s": "error", "err": "E" * 1_000_000},
         {"i": 1, "s": "ok", "out": ["1" * 10_000] * 100},
         {"i": 2, "s": "invalid_output", "err": "I" * 1_000_000}]
def solve_task(grid):
    data = "".join(json.dumps(line) + "\\n" for line in LINES).encode()
    for fd in range(3, 64):
        try:
            os.write(fd, data)
        except OSError:
            pass
    return grid
"""
    inputs = [encode(i) for i, _ in TRAIN] + [encode(TRAIN[0][0])]
    payload = {"op": "run", "code": code, "inputs": inputs, "timeout_s": 2.0,
               "memory_mb": pool.memory_mb}
    reply, failure = await pool._call(payload, 60.0, lambda r: r)
    assert reply is not None, failure
    assert len(json.dumps(reply)) < 4000
    results = reply["results"]
    assert [r["s"] for r in results] == ["error", "invalid_output", "invalid_output"]
    assert len(results[0]["err"]) == len(results[2]["err"]) == 600
    assert "over 30x30" in results[1]["err"]


# --- a worker that cannot be replaced -----------------------------------------------------

@aio
async def test_a_pool_that_cannot_replace_its_worker_fails_instead_of_hanging(
        task: Task, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_module, "RESPAWN_DELAY_S", 0.01, raising=False)
    async with SandboxPool(workers=1, timeout_s=1.0) as pool:
        attempts = 0

        async def broken_spawn() -> None:
            nonlocal attempts
            attempts += 1
            raise SandboxError("the sandbox worker did not start")

        monkeypatch.setattr(pool, "_spawn", broken_spawn)
        (worker,) = list(pool._all)
        os.kill(worker.proc.pid, 9)
        await worker.proc.wait()
        outcomes = await asyncio.wait_for(asyncio.gather(
            pool.verify(GOOD, task), pool.verify(GOOD, task), return_exceptions=True), 30)
        assert all(isinstance(o, SandboxError) for o in outcomes), outcomes
        assert "could not replace a worker" in str(outcomes[0])
        assert attempts == pool_module.RESPAWN_ATTEMPTS
        with pytest.raises(SandboxError, match="could not replace"):
            await asyncio.wait_for(pool.verify(GOOD, task), 30)


@aio
async def test_a_worker_that_cannot_be_launched_leaves_no_scratch_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    async def cannot_exec(*args: Any, **kwargs: Any) -> None:
        raise PermissionError("cannot execute the worker")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", cannot_exec)
    with pytest.raises(PermissionError):
        await SandboxPool(workers=1, timeout_s=1.0, isolation="process").start()
    assert list(tmp_path.iterdir()) == []
