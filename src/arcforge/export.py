"""Submission files from a scored code run: ARC Prize harness files and a Kaggle file.

``export_arcprize`` writes one ``<task>.json`` per task of the run in the schema of the
public ARC Prize benchmarking harness (arcprize/arc-agi-benchmarking): a list with one
object per test input, ``{"attempt_1": Attempt | null, "attempt_2": Attempt | null}``,
an Attempt being ``{answer, correct, metadata}``. ``export_kaggle`` writes the
competition's ``submission.json``: ``{task_id: [{attempt_1: grid, attempt_2: grid}, ...]}``.
Both use the attempts :func:`arcforge.scoring.score_run` selected, so they agree with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from arcforge.atomic import write_json_atomic
from arcforge.errors import UsageError
from arcforge.grids import Grid
from arcforge.runfiles import (
    KAGGLE_SUBMISSION,
    RunInfo,
    SampleRecord,
    read_run_info,
    task_groups,
)
from arcforge.scoring import RunScores, TaskScore, score_run
from arcforge.tasks import Task

KAGGLE_PLACEHOLDER: Grid = [[0]]  # Kaggle wants two grids per test input, even unanswered


def _provider(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else model


def _choices(record: SampleRecord) -> list[dict[str, Any]]:
    """The prompt's last user message and the answer, as the harness records them."""
    choices = []
    users = [m for m in record.messages if isinstance(m, dict) and m.get("role") == "user"]
    if users:
        content = users[-1].get("content")
        choices.append({"index": 0, "message": {
            "role": "user", "content": content if isinstance(content, str) else str(content)}})
    choices.append({"index": len(choices), "message": {
        "role": "assistant", "content": record.response or ""}})
    return choices


def _metadata(record: SampleRecord, info: RunInfo, task: TaskScore,
              pair_index: int) -> dict[str, Any]:
    usage = record.usage
    prompt, completion = usage.input_tokens, usage.output_tokens
    started = record.started_at or info.created_at
    return {
        "model": record.model or info.model,
        "provider": _provider(record.model or info.model),
        "start_timestamp": started,
        "end_timestamp": record.finished_at or started,
        "choices": _choices(record),
        "reasoning_summary": record.provider_reasoning,
        "kwargs": {k: v for k, v in (("temperature", info.temperature),
                                     ("max_tokens", info.max_tokens)) if v is not None},
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "completion_tokens_details": {
                "reasoning_tokens": usage.reasoning_tokens,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        # arcforge records a sample's total cost only; the split is not known
        "cost": {"prompt_cost": 0.0, "completion_cost": 0.0, "reasoning_cost": None,
                 "total_cost": float(record.cost or 0.0)},
        "task_id": task.key,
        "pair_index": pair_index,
        "test_id": info.run_id,
        "sample": record.sample,
        **({"round": record.round} if record.round is not None else {}),
    }


def _answering(rounds: list[SampleRecord], chosen: int | None) -> SampleRecord:
    """The record behind a sample's answer: of a refined sample, its chosen round, with
    the tokens, cost and time of all its rounds (what the answer took)."""
    if len(rounds) == 1:
        return rounds[0]
    rounds = sorted(rounds, key=lambda r: r.round_number)
    record = next((r for r in rounds if r.round_number == chosen), rounds[-1])
    usage = record.usage.model_copy(update={
        name: sum(getattr(r.usage, name) for r in rounds)
        for name in ("input_tokens", "output_tokens", "reasoning_tokens")})
    costs = [r.cost for r in rounds if r.cost is not None]
    return record.model_copy(update={
        "usage": usage, "cost": sum(costs) if costs else None,
        "started_at": rounds[0].started_at, "finished_at": rounds[-1].finished_at})


def _attempt(answer: Grid | None, correct: bool | None, samples: list[int],
             records: dict[tuple[int, int | None], SampleRecord], info: RunInfo,
             task: TaskScore, pair_index: int) -> dict[str, Any] | None:
    if answer is None:
        return None
    # a direct answer's record is the one for this test input; a program's, the sample's
    record = records.get((samples[0], pair_index)) or records[(samples[0], None)]
    return {"answer": answer, "correct": correct,
            "metadata": _metadata(record, info, task, pair_index)}


def iter_arcprize_files(run_dir: Path, scores: RunScores,
                        ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(file stem, content)`` of each ``<task>.json`` of the ARC Prize export, one task
    at a time (the run's records are read task by task)."""
    info = read_run_info(run_dir)
    by_key = {(t.task_id, t.version): t for t in scores.tasks}
    done: set[tuple[str, int]] = set()
    for key, group in task_groups(run_dir):
        task = by_key.get(key)
        if task is not None:
            done.add(key)
            yield task.key, _task_file(task, group, info)
    for key, task in by_key.items():  # tasks without a record still get their file
        if key not in done:
            yield task.key, _task_file(task, [], info)


def arcprize_files(run_dir: Path, scores: RunScores) -> dict[str, list[dict[str, Any]]]:
    """The content of each ``<task>.json`` of the ARC Prize export, by file stem."""
    return dict(iter_arcprize_files(run_dir, scores))


def _task_file(task: TaskScore, group: list[SampleRecord], info: RunInfo,
               ) -> list[dict[str, Any]]:
    rounds: dict[tuple[int, int | None], list[SampleRecord]] = {}
    for record in group:
        rounds.setdefault((record.sample, record.test_index), []).append(record)
    chosen = {s.sample: s.round for s in task.samples}
    records = {key: _answering(rs, chosen.get(key[0])) for key, rs in rounds.items()}
    return [
        {
            "attempt_1": _attempt(t.attempt_1, t.correct_1, t.attempt_1_samples, records,
                                  info, task, t.index),
            "attempt_2": _attempt(t.attempt_2, t.correct_2, t.attempt_2_samples, records,
                                  info, task, t.index),
        }
        for t in task.tests
    ]


def _out_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: exists and is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def export_arcprize(run_dir: Path, out_dir: Path, tasks: list[Task] | None = None,
                    scores: RunScores | None = None) -> list[Path]:
    """Write one ARC Prize harness file per task of the run into ``out_dir``; their paths."""
    run_dir = Path(run_dir)
    scores = scores or score_run(run_dir, tasks)
    out_dir = _out_dir(out_dir)
    paths = []
    for stem, content in iter_arcprize_files(run_dir, scores):
        path = out_dir / f"{stem}.json"
        write_json_atomic(path, content)
        paths.append(path)
    return paths


def kaggle_submission(scores: RunScores) -> dict[str, list[dict[str, Grid]]]:
    """``{task: [{attempt_1, attempt_2}, ...]}`` with a 1x1 placeholder where no answer."""
    return {
        task.key: [
            {"attempt_1": t.attempt_1 or KAGGLE_PLACEHOLDER,
             "attempt_2": t.attempt_2 or KAGGLE_PLACEHOLDER}
            for t in task.tests
        ]
        for task in scores.tasks
    }


def export_kaggle(run_dir: Path, out_path: Path, tasks: list[Task] | None = None,
                  scores: RunScores | None = None) -> Path:
    """Write a Kaggle ``submission.json`` for the run; ``out_path`` may be a folder."""
    run_dir = Path(run_dir)
    scores = scores or score_run(run_dir, tasks)
    out_path = Path(out_path)
    if out_path.is_dir():
        out_path = out_path / KAGGLE_SUBMISSION
    out_path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out_path, kaggle_submission(scores))
    return out_path
