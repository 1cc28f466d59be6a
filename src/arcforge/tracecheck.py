"""Checking traces by use with a model (``arcforge check-traces``).

The model is given one trace's text and one test input (never the demonstrations) and asked
for the output grid; the answer is read like a direct answer
(:func:`arcforge.agents.answers.extract_grid`) and compared with the stored test output. A
trace is a successful use when every test input it covers (a description: its own; any
other trace: each one with a known output) came out right, and the result is recorded on
the trace as a check by the model (once per model and trace). A request that fails (network,
refusal after retries) records nothing; an answer without a valid grid is a failed use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from arcforge.agents.answers import extract_grid
from arcforge.agents.base import prompt_hash
from arcforge.agents.encoding import ENCODINGS, Encoding, encode_grid
from arcforge.agents.templates import PromptTemplate, bundled_template
from arcforge.errors import UsageError
from arcforge.models.base import Model, ModelError, RequestContext
from arcforge.store import NotFoundError, Store, TraceView
from arcforge.store.tasks import view_to_task
from arcforge.tasks import Task

TEMPLATE = "check_trace"


@dataclass
class CheckReport:
    """What a pass over the traces did."""

    traces: int = 0  # traces considered
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0  # checked by this model before, or nothing to check (no known output)
    errors: list[str] = field(default_factory=list)  # requests that failed: nothing recorded


@dataclass(frozen=True, slots=True)
class _Job:
    trace: TraceView
    task: Task  # the trace's task version, test outputs included (never sent)
    indexes: tuple[int, ...]


def _jobs(store: Store, traces: list[TraceView], done: set[int]) -> tuple[list[_Job], int]:
    jobs, skipped, tasks = [], 0, {}
    for trace in traces:
        key = (trace.task_id, trace.task_version)
        if trace.id in done:
            skipped += 1
            continue
        if key not in tasks:
            try:
                tasks[key] = view_to_task(store.get_version(*key))
            except NotFoundError:  # a trace on a task without content
                tasks[key] = None
        task = tasks[key]
        known = [] if task is None else [i for i, p in enumerate(task.test)
                                         if p.output is not None]
        if trace.description is not None:
            known = [i for i in known if i == trace.description.test_index]
        if not known:
            skipped += 1
            continue
        jobs.append(_Job(trace, task, tuple(known)))  # type: ignore[arg-type]
    return jobs, skipped


def messages_for(template: PromptTemplate, text: str, test_input: list[list[int]],
                 encoding: Encoding = "json") -> list[dict[str, str]]:
    """The prompt of one use: the trace's text and one test input, nothing else."""
    return template.render(trace=text, test_input=encode_grid(test_input, encoding),
                           encoding_note=ENCODINGS[encoding])


async def _use(model: Model, template: PromptTemplate, job: _Job, index: int,
               encoding: Encoding) -> dict[str, Any]:
    pair = job.task.test[index]
    messages = messages_for(template, job.trace.text, pair.input, encoding)
    context = RequestContext(task=job.task.without_test_outputs(), sample=0, kind="reasoning",
                             prompt_hash=prompt_hash(messages))
    response = await model.generate(messages, context)
    read = extract_grid(response.text)
    grid = None if read.grid is None else [list(row) for row in read.grid]
    return {"index": index, "correct": grid is not None and grid == pair.output, "grid": grid,
            "error": read.error, "tokens": response.usage.to_dict()}


async def check_traces(
    store: Store,
    model: Model,
    *,
    source: str = "model",
    task_ids: list[str] | None = None,
    limit: int | None = None,
    concurrency: int = 4,
    template: PromptTemplate | None = None,
    encoding: Encoding = "json",
    progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """Check the live traces of ``source`` authors (``human``, ``model`` or ``all``) that
    this model has not checked yet; ``progress(done, total)`` after each trace."""
    if model.provider == "builtin":
        raise UsageError(f"--model {model.spec}: builtin/ models answer from a task's "
                         "demonstrations, not from a trace, so they cannot check one")
    template = template or bundled_template(TEMPLATE)
    traces = store.live_traces(None if source == "all" else source,  # type: ignore[arg-type]
                               task_ids)
    jobs, skipped = _jobs(store, traces, store.traces_checked_by(model.spec))
    if limit is not None:
        jobs = jobs[:limit]
    report = CheckReport(traces=len(traces), skipped=skipped)
    gate = asyncio.Semaphore(concurrency)
    finished = 0

    async def one(job: _Job) -> None:
        nonlocal finished
        async with gate:
            try:
                tests = [await _use(model, template, job, i, encoding) for i in job.indexes]
            except ModelError as exc:
                report.errors.append(f"trace {job.trace.id}: {exc.kind}: {exc}")
                tests = None
        if tests is not None:
            ok = all(t["correct"] for t in tests)
            store.record_model_check(
                job.trace.id, model.spec, "success" if ok else "failure",
                {"tests": tests, "template": template.source, "template_sha256": template.sha256},
                job.trace.description.test_index if job.trace.description else None)
            report.succeeded += ok
            report.failed += not ok
        finished += 1
        if progress is not None:
            progress(finished, len(jobs))

    await asyncio.gather(*(one(job) for job in jobs))
    return report
