"""Running untrusted ``solve_task`` programs: a pool of warm, isolated workers.

:class:`SandboxPool` is the async API used by the runners; :func:`verify`, :func:`run`
and :func:`check` are the synchronous ones for scripts and the CLI.
"""

from arcforge.sandbox.pool import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    ProgramResult,
    SandboxError,
    SandboxPool,
)
from arcforge.sandbox.protections import Layer, ProtectionReport
from arcforge.sandbox.sync import check, run, shutdown, verify

__all__ = [
    "DEFAULT_MEMORY_MB",
    "DEFAULT_TIMEOUT_S",
    "Layer",
    "ProgramResult",
    "ProtectionReport",
    "SandboxError",
    "SandboxPool",
    "check",
    "run",
    "shutdown",
    "verify",
]
