"""Checking code answers: the sandbox pool when it is installed, else "pending" verdicts.

Verification runs outside the request gate (no model slot is held while code runs) and is
bounded by ``verify_concurrency``. Without a sandbox every pair is recorded ``pending``:
no pass is ever reported that was not checked.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Any

from arcforge.tasks import Task
from arcforge.verification import PairVerdict, Verification


def pending(task: Task) -> Verification:
    """Every pair of ``task`` marked ``pending`` (not run)."""
    pairs = [PairVerdict("train", i, "pending") for i in range(len(task.train))]
    pairs += [PairVerdict("test", i, "pending") for i in range(len(task.test))]
    return Verification(pairs)


def sandbox_settings() -> dict[str, Any] | None:
    """The sandbox settings a code run records (they change verdicts); None without one."""
    if not sandbox_available():
        return None
    from arcforge.sandbox import SandboxPool

    return SandboxPool().settings


def sandbox_available() -> bool:
    try:
        from arcforge.sandbox import SandboxPool  # noqa: F401
    except ImportError:
        return False
    return True


class Verifier:
    """``async with Verifier(n) as v: verification = await v.verify(code, task)``."""

    def __init__(self, concurrency: int, enabled: bool = True,
                 sandbox: dict[str, Any] | None = None) -> None:
        self._semaphore = asyncio.Semaphore(concurrency)
        self._sandbox = sandbox or {}  # the run's recorded sandbox settings
        self._concurrency = concurrency
        self._enabled = enabled and sandbox_available()
        self._stack = contextlib.AsyncExitStack()
        self._pool: Any = None

    @property
    def active(self) -> bool:
        return self._pool is not None

    async def __aenter__(self) -> Verifier:
        if self._enabled:
            from arcforge.sandbox import SandboxPool

            self._pool = await self._stack.enter_async_context(SandboxPool(**self._sandbox))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

    async def verify(self, code: str, task: Task) -> Verification:
        if self._pool is None:
            return pending(task)
        async with self._semaphore:
            return await self._pool.verify(code, task)
