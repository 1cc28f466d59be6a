"""Synchronous API for scripts: one background event loop owns the pools it starts."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from arcforge.errors import ArcforgeError
from arcforge.grids import Grid
from arcforge.sandbox.pool import ProgramResult, SandboxPool
from arcforge.sandbox.protections import SandboxCheck, build_report
from arcforge.tasks import Task
from arcforge.verification import Verification

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_pools: dict[tuple[Any, ...], SandboxPool] = {}


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="arcforge-sandbox",
                             daemon=True).start()
            atexit.register(shutdown)
        return _loop


def _call(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run_coroutine_threadsafe(coro, _background_loop()).result()


async def _pool(workers: int | None, timeout_s: float | None, memory_mb: int | None,
                isolation: str | None) -> SandboxPool:
    key = (workers, timeout_s, memory_mb, isolation)
    pool = _pools.get(key)
    if pool is None:
        pool = SandboxPool(workers, timeout_s, memory_mb, isolation)
        await pool.start()
        _pools[key] = pool
    return pool


def verify(code: str, task: Task, *, workers: int | None = 1,
           timeout_s: float | None = None, memory_mb: int | None = None,
           isolation: str | None = None) -> Verification:
    """Run ``solve_task`` on every pair of ``task`` in the sandbox and judge each output.

    The first call starts a pool for these limits; later calls reuse it until exit.
    """

    async def go() -> Verification:
        pool = await _pool(workers, timeout_s, memory_mb, isolation)
        return await pool.verify(code, task)

    return _call(go())


def run(code: str, inputs: list[Grid], *, timeout_s: float | None = None,
        memory_mb: int | None = None, isolation: str | None = None) -> list[ProgramResult]:
    """Run ``solve_task`` on each input grid in the sandbox; one result per input."""

    async def go() -> list[ProgramResult]:
        pool = await _pool(1, timeout_s, memory_mb, isolation)
        return await pool.run(code, inputs)

    return _call(go())


def check(isolation: str | None = None, timeout_s: float | None = None,
          memory_mb: int | None = None) -> SandboxCheck:
    """Start one worker, probe what a program can and cannot do and read here, report it.

    Unlike :class:`SandboxPool`, this never raises when required layers are missing: the
    report says so (``ready`` is False).
    """

    async def go() -> SandboxCheck:
        pool = SandboxPool(1, timeout_s, memory_mb, isolation)
        try:
            await pool.start(require_limits=False)
            probe = await pool.probe(walk=True)
        finally:
            await pool.aclose()
        return build_report(pool.isolation, probe, pool.timeout_s, pool.memory_mb,
                            await _stops_a_loop(pool))

    return _call(go())


LOOP = "def solve_task(grid):\n    while True:\n        pass\n"


async def _stops_a_loop(checked: SandboxPool) -> bool | None:
    """Whether a program that never returns is stopped (a short timeout, same isolation);
    None when no program may run here."""
    pool = SandboxPool(1, 0.3, checked.memory_mb, checked.isolation,
                       packages=list(checked.packages))
    try:
        await pool.start()
        [result] = await pool.run(LOOP, [[[0]]])
    except ArcforgeError:
        return None
    finally:
        await pool.aclose()
    return result.status == "timeout"


def shutdown() -> None:
    """Stop every pool the synchronous API started (registered at exit)."""
    loop = _loop
    if loop is None or not loop.is_running():
        return

    async def close_all() -> None:
        for pool in list(_pools.values()):
            await pool.aclose()
        _pools.clear()

    # at interpreter shutdown this may fail: the workers die with us anyway
    with contextlib.suppress(Exception):
        asyncio.run_coroutine_threadsafe(close_all(), loop).result(timeout=10)
