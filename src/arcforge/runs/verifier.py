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

from arcforge.config import Settings
from arcforge.tasks import Task
from arcforge.verification import PairVerdict, Verification


def pending(task: Task) -> Verification:
    """Every pair of ``task`` marked ``pending`` (not run)."""
    pairs = [PairVerdict("train", i, "pending") for i in range(len(task.train))]
    pairs += [PairVerdict("test", i, "pending") for i in range(len(task.test))]
    return Verification(pairs)


VERDICT_SETTINGS = ("timeout_s", "memory_mb", "packages")  # what a resumed run keeps


def sandbox_settings(settings: Settings) -> dict[str, Any] | None:
    """The sandbox settings a code run records (isolation, and the ones that decide
    verdicts); None without a sandbox."""
    if not sandbox_available():
        return None
    from arcforge.sandbox import SandboxPool

    return SandboxPool(settings=settings).settings


def sandbox_available() -> bool:
    try:
        from arcforge.sandbox import SandboxPool  # noqa: F401
    except ImportError:
        return False
    return True


class Verifier:
    """``async with Verifier(n) as v: verification = await v.verify(code, task)``."""

    def __init__(self, concurrency: int, enabled: bool = True,
                 sandbox: dict[str, Any] | None = None, settings: Settings | None = None,
                 ) -> None:
        self._settings = settings
        self._semaphore = asyncio.Semaphore(concurrency)
        # the settings of the run that decide verdicts; the isolation is this machine's
        recorded = sandbox or {}
        self._sandbox = {k: recorded[k] for k in VERDICT_SETTINGS if k in recorded}
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

            self._pool = await self._stack.enter_async_context(
                SandboxPool(settings=self._settings, **self._sandbox))
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
