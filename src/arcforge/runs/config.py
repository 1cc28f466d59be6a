"""What a run is asked to do: :class:`RunConfig` (built from settings plus command-line
choices that are not settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from arcforge.config import Settings
from arcforge.runfiles import Kind
from arcforge.tasks import Task


@dataclass(slots=True)
class RunConfig:
    """One run of ``arcforge traces`` (kind ``reasoning``) or ``arcforge codegen`` (``code``).

    Model, data, samples, concurrency, temperature, max tokens, output folder, cost limit,
    base URL and encoding come from ``settings``. With ``resume`` the run folder's own
    ``run.json`` decides the model, data, tasks, samples, prompt and sampling parameters;
    concurrency, ``max_cost`` and the base URL may change.
    """

    kind: Kind = "reasoning"
    settings: Settings = field(default_factory=Settings)
    task_ids: list[str] | None = None
    max_tasks: int | None = None
    prompt: Path | None = None
    feedback_prompt: Path | None = None  # code runs with rounds > 1: the feedback template
    resume: Path | None = None
    verbose: bool = False
    progress: bool = True  # show the progress bar (on stderr)
    verify: bool = True  # code runs: run the code in the sandbox when it is available
    tasks: list[Task] | None = None  # already loaded tasks (in-process callers); else --data
