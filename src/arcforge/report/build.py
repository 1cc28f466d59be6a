"""Gather a run's records, tasks and scores, and render ``report.html`` from a template.

The report is one file with no outside resources: inline CSS, inline SVG grids and a few
lines of script that show links into the studio's run viewer when the studio answers.
Grids a sample produced are drawn only where they differ from the expected grid, which
keeps reports of full 400-task runs small.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from arcforge.atomic import write_bytes_atomic
from arcforge.render import differing_cells, grid_svg
from arcforge.runfiles import (
    REPORT,
    SampleRecord,
    error_counts,
    latest_rounds,
    read_results,
    read_tasks,
)
from arcforge.tasks import Task

DEFAULT_STUDIO = "http://127.0.0.1:8000"


def _svg(grid: Any, title: str, marks: list[tuple[int, int]] | None = None) -> Markup:
    """A grid about 60-180 px wide: small grids get bigger cells."""
    side = max(len(grid), len(grid[0]))
    cell = max(6, min(24, 150 // side))
    return Markup(grid_svg(grid, cell=cell, title=title, marks=marks))


@dataclass
class PairView:
    split: str
    index: int
    expected: Markup | None
    produced: Markup | None  # drawn only when it differs from the expected grid
    status: str
    error: str | None
    differing: int = 0  # cells of the produced grid that differ (same shapes only)


@dataclass
class SampleView:
    sample: int
    label: str  # "sample 2", "sample 2 · test 1", "sample 2 · rot90"
    error: dict[str, str] | None
    reasoning: str
    code: str | None
    pairs: list[PairView] = field(default_factory=list)
    tokens: int = 0
    latency_s: float = 0.0
    cost: float | None = None
    round: int | None = None  # refining runs: the round of the sample
    chosen: bool = False  # this round's program is the sample's answer
    feedback: str | None = None  # what the model was told after this round


@dataclass
class TaskView:
    key: str
    task_id: str
    n_tests: int
    samples: list[SampleView]
    samples_expected: int
    errors: int
    fraction: float | None  # pass@2 share of test outputs, code runs only
    attempts: list[dict[str, Any]]  # per test input: expected + both attempts with verdicts
    best_train: float | None
    finished: int = 0  # samples recorded (a refined sample's rounds count once)


def _sample_view(record: SampleRecord, task: Task | None, chosen: bool = False) -> SampleView:
    label = f"sample {record.sample}"
    if record.round is not None:
        label += f" · round {record.round}"
    if record.test_index is not None:
        label += f" · test {record.test_index + 1}"
    if record.augment:
        label += f" · seen as {record.augment}"
    view = SampleView(
        sample=record.sample,
        label=label,
        error=record.error.model_dump() if record.error is not None else None,
        reasoning=record.reasoning or record.response or "",
        code=record.code,
        tokens=record.usage.total,
        latency_s=record.latency_s,
        cost=record.cost,
        round=record.round,
        chosen=chosen,
        feedback=record.feedback,
    )
    if record.answer is not None and record.test_index is not None:  # a direct answer
        return _answer_view(view, record.answer, record.test_index, task)
    pairs = record.verification.pairs if record.verification is not None else []
    for pair in pairs:
        split, index = pair.split, pair.index
        expected = None
        if task is not None:
            known = task.train if split == "train" else task.test
            if 0 <= index < len(known):
                expected = known[index].output
        output = pair.output
        produced, marks = None, []
        if output is not None and output != expected and pair.status != "invalid_output":
            marks = differing_cells(output, expected)
            produced = _svg(output, f"{split}[{index}] produced", marks)
        view.pairs.append(
            PairView(
                split=split,
                index=index,
                expected=_svg(expected, f"{split}[{index}] expected") if expected else None,
                produced=produced,
                status=pair.status,
                error=pair.error,
                differing=len(marks),
            )
        )
    return view


def _answer_view(view: SampleView, answer: Any, index: int, task: Task | None) -> SampleView:
    expected = task.test[index].output if task is not None and index < len(task.test) else None
    status = "unchecked" if expected is None else "pass" if answer == expected else "fail"
    view.pairs.append(PairView(
        split="test", index=index,
        expected=_svg(expected, f"test[{index}] expected") if expected else None,
        produced=None if status == "pass" else _svg(answer, f"test[{index}] answer"),
        status=status, error=None))
    return view


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _totals(records: list[SampleRecord]) -> dict[str, Any]:
    latencies = [r.latency_s for r in records if r.latency_s]
    costs = [r.cost for r in records if r.cost is not None]
    usage = {
        k: sum(getattr(r.usage, k) for r in records)
        for k in ("input_tokens", "output_tokens", "reasoning_tokens")
    }
    latest = latest_rounds(records).values()
    return {
        "samples": len(latest),
        "answered": sum(r.error is None for r in latest),
        "requests": len(records),
        "errors": error_counts(records),
        "usage": usage,
        "cost": sum(costs) if costs else None,
        "priced": len(costs),
        "latency_total": sum(latencies),
        "latency_mean": statistics.fmean(latencies) if latencies else None,
        "latency_p50": _percentile(latencies, 0.5),
        "latency_p95": _percentile(latencies, 0.95),
        "tries": sum(r.tries for r in records),
    }


def _attempts(test: Any) -> dict[str, Any]:
    def one(grid: Any, correct: bool | None, samples: list[int], n: int) -> dict[str, Any]:
        return {
            "n": n,
            "svg": _svg(grid, f"attempt {n}") if grid is not None else None,
            "correct": correct,
            "samples": samples,
        }

    return {
        "index": test.index,
        "expected": _svg(test.expected, "expected") if test.expected is not None else None,
        "attempts": [
            one(test.attempt_1, test.correct_1, test.attempt_1_samples, 1),
            one(test.attempt_2, test.correct_2, test.attempt_2_samples, 2),
        ],
        "oracle": test.oracle,
    }


def build_context(run_dir: Path, studio_url: str | None = DEFAULT_STUDIO) -> dict[str, Any]:
    """Everything the template shows, for a trace run or a code run."""
    results = read_results(run_dir)
    info = results.info
    assert info is not None  # a run folder always has its run.json
    records = results.records
    tasks = read_tasks(run_dir, info)
    by_key = {(t.id, t.version): t for t in tasks}
    per_task: dict[tuple[str, int], list[SampleRecord]] = {k: [] for k in by_key}
    for record in records:
        per_task.setdefault((record.task_id, record.task_version), []).append(record)

    scores = None
    task_scores: dict[tuple[str, int], Any] = {}
    if info.kind != "reasoning":
        from arcforge.scoring import score_run

        scores = score_run(run_dir, tasks)
        task_scores = {(t.task_id, t.version): t for t in scores.tasks}

    samples_per_task = info.samples
    views = []
    for key, recs in per_task.items():
        task = by_key.get(key)
        recs = sorted(recs, key=lambda r: (r.sample, r.test_index or 0, r.round_number))
        score = task_scores.get(key)
        chosen = {(s.sample, s.round) for s in score.samples} if score else set()
        train = [s.train_accuracy for s in score.samples] if score else []
        views.append(
            TaskView(
                key=task.key if task else key[0],
                task_id=key[0],
                n_tests=len(task.test) if task else 0,
                samples=[_sample_view(r, task, r.round is not None
                                      and (r.sample, r.round) in chosen) for r in recs],
                samples_expected=max(samples_per_task, len({r.sample for r in recs})),
                errors=sum(r.error is not None for r in latest_rounds(recs).values()),
                fraction=score.fraction("pass@2") if score else None,
                attempts=[_attempts(t) for t in score.tests] if score else [],
                best_train=max(train) if train else None,
                finished=len(latest_rounds(recs)),
            )
        )
    return {
        "info": info,
        "kind": info.kind,
        "scores": scores,
        "counts": scores.counts() if scores else None,
        "costs": scores.costs() if scores else None,
        "augmentations": scores.augmentations() if scores else {},
        "rounds": scores.rounds if scores else [],
        "totals": _totals(records),
        "tasks": views,
        "studio_url": studio_url.rstrip("/") if studio_url else None,
    }


def _environment() -> jinja2.Environment:
    template = resources.files("arcforge.report").joinpath("report.html").read_text("utf-8")
    env = jinja2.Environment(
        loader=jinja2.DictLoader({"report.html": template}),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"
    env.filters["num"] = lambda v: f"{v:,}"
    env.filters["secs"] = lambda v: "n/a" if v is None else f"{v:.2f} s"
    env.filters["usd"] = lambda v: "n/a" if v is None else f"${v:.4f}"
    return env


def render_report(run_dir: Path, studio_url: str | None = DEFAULT_STUDIO) -> str:
    return _environment().get_template("report.html").render(build_context(run_dir, studio_url))


def write_report(run_dir: str | Path, studio_url: str | None = DEFAULT_STUDIO) -> Path:
    """Write ``report.html`` into the run folder (atomically) and return its path."""
    run_dir = Path(run_dir)
    html = render_report(run_dir, studio_url)
    path = run_dir / REPORT
    write_bytes_atomic(path, html.encode("utf-8"))
    return path
