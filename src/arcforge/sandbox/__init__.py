"""Running untrusted ``solve_task`` programs: a pool of warm, isolated workers.

:class:`SandboxPool` is the async API used by the runners; :func:`verify`, :func:`run`
and :func:`check` are the synchronous ones for scripts and the CLI.
"""

from arcforge.sandbox.pool import (
    ProgramResult,
    SandboxError,
    SandboxPool,
)
from arcforge.sandbox.protections import Layer, SandboxCheck
from arcforge.sandbox.sync import check, run, shutdown, verify

__all__ = [
    "Layer",
    "ProgramResult",
    "SandboxCheck",
    "SandboxError",
    "SandboxPool",
    "check",
    "run",
    "shutdown",
    "verify",
]
