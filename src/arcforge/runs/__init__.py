"""The runner core behind ``arcforge traces`` and ``arcforge codegen``: concurrency, the
journal, resume, signals, progress. It only runs: finishing a run (scores, exports, the
report) is :func:`arcforge.finish.finish_run`, reading one is :mod:`arcforge.runfiles`.

    run(config) -> RunResult            arun(config) -> RunResult (async)
"""

from arcforge.runs.config import RunConfig
from arcforge.runs.runner import Runner, RunResult, arun, run

__all__ = ["RunConfig", "RunResult", "Runner", "arun", "run"]
