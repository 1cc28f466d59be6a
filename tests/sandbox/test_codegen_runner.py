"""Hostile programs through the real codegen runner: each is contained, the run completes,
every sample is recorded with its verdicts, and the run is scored and exported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.conftest import GOOD, mirror_task
from tests.sandbox.hostile import HOSTILE

from arcforge.config import load_settings
from arcforge.finish import finish_run
from arcforge.models.base import ModelResponse, RequestContext
from arcforge.runfiles import load_records
from arcforge.runs import RunConfig, run
from arcforge.tasks import Task

CASES = {h.name: h for h in HOSTILE}
TASK_IDS = {f"h{i:02d}": h.name for i, h in enumerate(HOSTILE)}


class ScriptedModel:
    """A model that answers each task with a fixed program (the hostile one, or a good one)."""

    spec = "scripted/hostile"
    provider = "scripted"
    name = "hostile"

    async def generate(self, messages: list[dict[str, Any]], context: RequestContext, *,
                       temperature: float | None = None,
                       max_tokens: int | None = None) -> ModelResponse:
        name = TASK_IDS.get(context.task.id)
        code = CASES[name].code if name else GOOD
        return ModelResponse(text=f"Mirror each row.\n```python\n{code}\n```",
                             model=self.spec, provider=self.provider)

    async def aclose(self) -> None:
        return None


def test_hostile_answers_are_contained_by_the_codegen_runner(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCFORGE_SANDBOX_TIMEOUT_S", "1")
    base = mirror_task()
    tasks = [Task(tid, base.train, base.test) for tid in [*TASK_IDS, "good1", "good2"]]
    settings = load_settings(overrides={"model": "builtin/dsl", "out": str(tmp_path / "runs"),
                                        "samples": 1, "concurrency": 4,
                                        "verify_concurrency": 2}, env_file=None)
    result = run(RunConfig("code", settings, tasks=tasks, progress=False), ScriptedModel())
    finish_run(result.run_dir)
    assert result.status == "completed" and result.finished == len(tasks)
    records = {r.task_id: r for r in load_records(result.run_dir)}
    for tid, name in TASK_IDS.items():
        statuses = {p.status for p in records[tid].verification.pairs}
        assert statuses <= CASES[name].expect, (name, records[tid].verification)
    for tid in ("good1", "good2"):
        statuses = [p.status for p in records[tid].verification.pairs]
        assert statuses == ["pass", "pass", "pass"]
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["counts"]["tasks"] == len(tasks)
    solved = {t["task_id"] for t in summary["tasks"] if t["scores"]["pass@2"] == 1.0}
    assert {"good1", "good2"} <= solved
    assert len(list((result.run_dir / "submission").glob("*.json"))) == len(tasks)
