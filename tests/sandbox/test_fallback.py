"""Without bubblewrap (a plain process): seccomp, Landlock and rlimits still contain programs."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from tests.sandbox.hostile import AFTER, HOSTILE

from arcforge.sandbox import SandboxPool, check
from arcforge.tasks import Task

SUBSET = {"fork bomb", "subprocess", "reads /etc/passwd", "lists the home folder",
          "signals the worker", "10 GB allocation", "threads", "patches stdlib and numpy",
          "returns int subclasses"}


@pytest.mark.asyncio(loop_scope="module")
async def test_process_isolation_contains_the_dangerous_cases(task: Task) -> None:
    async with SandboxPool(workers=1, timeout_s=1.0, isolation="process") as pool:
        for hostile in (h for h in HOSTILE if h.name in SUBSET):
            verification = await pool.verify(hostile.code, task)
            statuses = {p.status for p in verification.pairs}
            assert statuses <= hostile.expect, (hostile.name, verification)
            after = await pool.verify(AFTER, task)
            assert [p.status for p in after.pairs] == ["pass"] * 3, (hostile.name, after)
        assert pool.replaced == 0


def test_check_reports_every_layer_of_both_isolations() -> None:
    plain = check("process")
    layers = {layer.name: layer for layer in plain.layers}
    assert plain.ready == (layers["landlock"].active and layers["seccomp"].active)
    assert not layers["bubblewrap"].active
    assert not layers["net namespace"].active
    assert layers["seccomp"].active and layers["resource limits"].active
    assert layers["landlock"].active == ("ABI" in layers["landlock"].detail)
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    wrapped = check("bwrap")
    named = {layer.name: layer for layer in wrapped.layers}
    assert wrapped.ready
    for name in ("bubblewrap", "net namespace", "pid namespace", "user namespace",
                 "mnt namespace", "no capabilities", "seccomp", "no new privileges",
                 "clean parent", "answers unreadable", "private scratch"):
        assert named[name].active, named[name]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("isolation", ["process", "bwrap"])
async def test_host_secrets_in_the_environment_stay_out(isolation: str, task: Task,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if isolation == "bwrap" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-host-secret-123")
    code = """
import os
def solve_task(grid):
    seen = " ".join(os.environ.values())
    for pid in ("self", "1", str(os.getppid())):
        try:
            seen += open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace")
        except OSError:
            pass
    if "sk-host-secret" in seen:
        raise AssertionError("found the host's key")
    return [row[::-1] for row in grid]
"""
    async with SandboxPool(workers=1, timeout_s=1.0, isolation=isolation) as pool:
        verification = await pool.verify(code, task)
    assert [p.status for p in verification.pairs] == ["pass"] * 3, verification


@pytest.mark.asyncio(loop_scope="module")
async def test_plain_process_cannot_reach_a_local_listener_or_host_files(
        task: Task, tmp_path: Path) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    target = tmp_path / "written.txt"
    code = f"""
import socket
def solve_task(grid):
    for attempt in (lambda: socket.create_connection(("127.0.0.1", {port}), timeout=0.5),
                    lambda: open({str(target)!r}, "w").write("x")):
        try:
            attempt()
        except OSError:
            continue
        raise AssertionError("escaped")
    return [row[::-1] for row in grid]
"""
    try:
        async with SandboxPool(workers=1, timeout_s=1.0, isolation="process") as pool:
            verification = await pool.verify(code, task)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody ever connected
    finally:
        listener.close()
    assert [p.status for p in verification.pairs] == ["pass"] * 3, verification
    assert not target.exists()
