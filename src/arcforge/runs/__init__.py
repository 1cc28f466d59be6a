"""The runner core: run folders, the journal, resume, signals, progress.

Public API (imported lazily so that reading records stays light)::

    run_traces(config) -> Path          run_codegen(config) -> Path
    run(config) -> RunResult            arun(config) -> RunResult (async)
    load_records(run_dir) -> list[SampleRecord]
    read_run_info(run_dir) -> dict
"""

from __future__ import annotations

from typing import Any

from arcforge.runs.folder import load_records, read_run_info
from arcforge.runs.records import SampleRecord

_LAZY = {
    "RunConfig": "arcforge.runs.config",
    "RunResult": "arcforge.runs.runner",
    "Runner": "arcforge.runs.runner",
    "arun": "arcforge.runs.runner",
    "run": "arcforge.runs.runner",
    "run_codegen": "arcforge.runs.runner",
    "run_traces": "arcforge.runs.runner",
    "load_run_tasks": "arcforge.runs.info",
}

__all__ = ["SampleRecord", "load_records", "read_run_info", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'arcforge.runs' has no attribute {name!r}")
