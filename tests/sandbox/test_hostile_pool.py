"""Every hostile program is contained by the pool the codegen runner uses, and the pool
stays healthy: a normal program run right after it still passes, and no worker broke."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from pathlib import Path

import pytest
from tests.sandbox.conftest import GOOD, TRAIN, mirror_task
from tests.sandbox.hostile import AFTER, HOSTILE, LOOP, Hostile

from arcforge.sandbox import SandboxPool
from arcforge.tasks import Task

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _assert_healthy(pool: SandboxPool, task: Task) -> None:
    after = await pool.verify(AFTER, task)
    assert [p.status for p in after.pairs] == ["pass", "pass", "pass"], after


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name)
async def test_hostile_program_is_contained(pool: SandboxPool, task: Task,
                                            hostile: Hostile) -> None:
    verification = await pool.verify(hostile.code, task)
    statuses = {p.status for p in verification.pairs}
    assert len(verification.pairs) == 3
    assert statuses <= hostile.expect, verification
    if hostile.error:
        assert all(hostile.error in (p.error or "") for p in verification.pairs), verification
    await _assert_healthy(pool, task)
    assert pool.replaced == 0, "a hostile program broke a worker"


async def test_host_file_system_is_out_of_reach(pool: SandboxPool, task: Task,
                                                tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("api-key")
    target = tmp_path / "written.txt"
    code = f"""
def solve_task(grid):
    errors = []
    try:
        open({str(secret)!r}).read()
    except OSError as exc:
        errors.append(type(exc).__name__)
    try:
        open({str(target)!r}, "w").write("x")
    except OSError as exc:
        errors.append(type(exc).__name__)
    if len(errors) != 2:
        raise AssertionError("reached the host file system")
    with open("scratch.txt", "w") as f:  # its own scratch folder is writable
        f.write("ok")
    return [row[::-1] for row in grid]
"""
    verification = await pool.verify(code, task)
    assert [p.status for p in verification.pairs] == ["pass", "pass", "pass"], verification
    assert not target.exists()
    assert secret.read_text() == "api-key"


async def test_socket_to_a_local_listener_never_arrives(pool: SandboxPool, task: Task) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    seen: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                seen.append(listener.accept())
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    code = f"""
import socket
def solve_task(grid):
    socket.create_connection(("127.0.0.1", {port}), timeout=0.5).sendall(b"leak")
    return [row[::-1] for row in grid]
"""
    try:
        verification = await pool.verify(code, task)
        await _assert_healthy(pool, task)
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert {p.status for p in verification.pairs} == {"error"}
    assert seen == []


async def test_input_mutation_never_leaks(pool: SandboxPool) -> None:
    shared = [[1, 2], [3, 4]]
    from arcforge.tasks import Pair

    task = Task("shared", (Pair(shared, [[2, 1], [4, 3]]), Pair(shared, [[2, 1], [4, 3]])),
                (Pair(shared, [[2, 1], [4, 3]]),))
    code = """
kept = []
def solve_task(grid):
    kept.append(grid)
    out = [row[::-1] for row in grid]
    for earlier in kept:
        earlier[0][0] = 9
    grid.append([5, 5])
    return out
"""
    verification = await pool.verify(code, task)
    assert [p.status for p in verification.pairs] == ["pass", "pass", "pass"], verification
    assert shared == [[1, 2], [3, 4]]


async def test_a_timeout_on_one_input_leaves_the_others_answered(pool: SandboxPool,
                                                                 task: Task) -> None:
    code = f"""
def solve_task(grid):
    if grid == {TRAIN[1][0]!r}:
        while True:
            pass
    return [row[::-1] for row in grid]
"""
    verification = await pool.verify(code, task)
    assert [p.status for p in verification.pairs] == ["pass", "timeout", "pass"]


async def test_unknown_test_output_is_unchecked(pool: SandboxPool) -> None:
    verification = await pool.verify(GOOD, mirror_task(with_test_output=False))
    assert [p.status for p in verification.pairs] == ["pass", "pass", "unchecked"]
    assert verification.pairs[2].output == [[0, 0, 1], [0, 2, 2]]


async def test_load_errors_name_the_line(pool: SandboxPool, task: Task) -> None:
    syntax = await pool.verify("def solve_task(grid)\n    return grid\n", task)
    assert {p.status for p in syntax.pairs} == {"error"}
    assert "SyntaxError" in (syntax.pairs[0].error or "")
    missing = await pool.verify("def solve(grid):\n    return grid\n", task)
    assert "no solve_task" in (missing.pairs[0].error or "")
    raises = await pool.verify("def solve_task(grid):\n    x = 1\n    return grid[5]\n", task)
    assert raises.pairs[0].error == "IndexError: list index out of range (line 3)"


async def test_numpy_results_are_converted(pool: SandboxPool, task: Task) -> None:
    code = """
import numpy as np
def solve_task(grid):
    out = np.array(grid, dtype=np.int8)[:, ::-1]
    return [list(row) for row in out]  # rows of numpy int8 scalars
"""
    verification = await pool.verify(code, task)
    assert [p.status for p in verification.pairs] == ["pass", "pass", "pass"]


async def test_a_killed_worker_is_replaced(task: Task) -> None:
    async with SandboxPool(workers=1, timeout_s=1.0) as pool:
        (worker,) = list(pool._all)
        os.kill(worker.proc.pid, 9)
        await worker.proc.wait()
        broken = await pool.verify(GOOD, task)
        assert {p.status for p in broken.pairs} == {"error"}
        assert "replaced" in (broken.pairs[0].error or "")
        healed = await pool.verify(GOOD, task)
        assert [p.status for p in healed.pairs] == ["pass", "pass", "pass"]
        assert pool.replaced == 1


async def test_a_hanging_program_stops_after_two_timeouts(pool: SandboxPool) -> None:
    from arcforge.tasks import Pair

    task = Task("long", tuple(Pair([[i]], [[i]]) for i in range(5)), (Pair([[9]], [[9]]),))
    verification = await pool.verify("def solve_task(grid):\n    while True:\n        pass\n",
                                     task)
    assert [p.status for p in verification.pairs] == ["timeout"] * 6
    assert [p.error for p in verification.pairs[:2]] == [None, None]
    assert all("not run" in (p.error or "") for p in verification.pairs[2:])


async def test_scratch_files_never_reach_the_next_program(pool: SandboxPool,
                                                          task: Task) -> None:
    writer = """
import os
def solve_task(grid):
    with open("left-behind.txt", "w") as f:
        f.write("secret")
    try:
        open(os.path.join("..", "shared.txt"), "w").write("secret")
    except OSError:
        pass
    return [row[::-1] for row in grid]
"""
    reader = """
import os
def solve_task(grid):
    found = [name for _, _, files in os.walk("..") for name in files]
    if found:
        raise AssertionError(f"files of another program: {found}")
    return [row[::-1] for row in grid]
"""
    for _ in range(2):  # both workers see a writer first
        written = await pool.verify(writer, task)
        assert [p.status for p in written.pairs] == ["pass", "pass", "pass"], written
    for _ in range(2):
        read = await pool.verify(reader, task)
        assert [p.status for p in read.pairs] == ["pass", "pass", "pass"], read


async def test_a_cancelled_request_leaves_a_working_pool(task: Task) -> None:
    async with SandboxPool(workers=1, timeout_s=5.0) as pool:
        hanging = asyncio.ensure_future(pool.verify(LOOP, task))
        await asyncio.sleep(0.3)
        hanging.cancel()
        with pytest.raises(asyncio.CancelledError):
            await hanging
        healed = await pool.verify(GOOD, task)
        assert [p.status for p in healed.pairs] == ["pass", "pass", "pass"]
        assert len(pool._all) == 1
