"""Without bubblewrap (a plain process): seccomp, Landlock and rlimits still contain programs."""

from __future__ import annotations

import shutil

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
    assert plain.ready
    layers = {layer.name: layer for layer in plain.layers}
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
                 "mnt namespace", "unprivileged uid", "seccomp", "no new privileges"):
        assert named[name].active, named[name]
