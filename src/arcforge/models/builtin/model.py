"""``builtin/dsl``: an offline model that answers by program search instead of sampling.

It ignores the prompt and answers from ``context.task``: the search runs in a worker
process (so the event loop stays free), and the answer is written like a language
model's: a step-by-step explanation and, for code requests, a standalone ``solve_task``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import os
import signal
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from arcforge.config import Price
from arcforge.errors import UsageError
from arcforge.models.base import ModelError, ModelResponse, RequestContext, Usage
from arcforge.models.builtin.codegen import generate_code
from arcforge.models.builtin.explain import explain_failure, explain_program
from arcforge.models.builtin.search import SearchResult, search_task
from arcforge.tasks import Task

SPEC = "builtin/dsl"
MAX_DEPTH_LIMIT = 4
_CACHE_SIZE = 1024
# finished searches by (task content, budget, depth), shared by every instance of the
# process: a trace run and a code run over the same tasks search each task once
_RESULTS: OrderedDict[str, SearchResult] = OrderedDict()


@dataclass(frozen=True, slots=True)
class Effort:
    """How far one search goes: CPU seconds, candidates (None: no limit), program length,
    and how much longer than usual a program an inferred operation may end."""

    budget_s: float
    candidates: int | None
    depth: int
    prefix_extra: int = 0

    def after(self, result: SearchResult) -> Effort:
        """The next round's search after this one failed: twice the budget, and one
        operation longer when this one searched every program up to its length."""
        grow = not result.exhausted and self.depth < MAX_DEPTH_LIMIT
        return Effort(self.budget_s * 2, None if self.candidates is None else self.candidates * 2,
                      self.depth + grow, self.prefix_extra + grow)


def _task_key(task: Task, effort: Effort) -> str:
    content = {
        "train": [[p.input, p.output] for p in task.train],
        "test": [p.input for p in task.test],
        "budget": effort.budget_s,
        "depth": effort.depth,
        **({"prefix_extra": effort.prefix_extra} if effort.prefix_extra else {}),
        **({"candidates": effort.candidates} if effort.candidates is not None else {}),
    }
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the runner, which stops them through ``aclose``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class BuiltinDSLModel:
    """Deterministic program search over a DSL of grid operations, as a :class:`Model`.

    ``time_budget_s`` bounds the search of each task (CPU seconds of the worker, so a
    busy machine does not change the answer); ``max_depth`` the program length;
    ``workers`` the size of the process pool (default: the number of CPUs).
    Sample ``k`` answers with the ``k``-th program with distinct test predictions (the
    best one again, saying so, when fewer fit). ``temperature`` and ``max_tokens`` are
    ignored; usage is 0 tokens and cost 0.0.

    ``max_candidates`` bounds each search by the number of candidate programs tried, a
    budget that is the same on every machine (None: only the time budget).

    Refinement (``codegen --rounds``): a later round is asked only because the previous
    answer failed, so each round searches further than the one before (see
    :meth:`Effort.after`): twice the budgets, and programs one operation longer (up to
    :data:`MAX_DEPTH_LIMIT`, with inferred operations ending longer programs) once every
    shorter program was tried. It never reads the test outputs, which it is not given.
    """

    provider = "builtin"
    price = Price(input=0.0, output=0.0)  # runs on this machine: free

    def __init__(
        self,
        spec: str = SPEC,
        time_budget_s: float = 10.0,
        max_depth: int = 3,
        *,
        workers: int | None = None,
        max_candidates: int | None = None,
    ) -> None:
        if spec != SPEC:
            raise UsageError(f"--model {spec}: the only builtin model is {SPEC}")
        if not time_budget_s > 0:
            raise UsageError(f"time_budget_s must be positive, got {time_budget_s}")
        if not 1 <= max_depth <= MAX_DEPTH_LIMIT:
            raise UsageError(f"max_depth must be 1-{MAX_DEPTH_LIMIT}, got {max_depth}")
        if workers is not None and workers < 1:
            raise UsageError(f"workers must be at least 1, got {workers}")
        if max_candidates is not None and max_candidates < 1:
            raise UsageError(f"max_candidates must be at least 1, got {max_candidates}")
        self.spec = spec
        self.name = spec.partition("/")[2]
        self.time_budget_s = float(time_budget_s)
        self.max_depth = max_depth
        self.max_candidates = max_candidates
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._running: dict[str, asyncio.Future[SearchResult]] = {}
        self._closing = False

    async def generate(
        self,
        messages: list[dict[str, Any]],
        context: RequestContext,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ModelResponse:
        """Search the task (once per task and settings) and answer sample ``context.sample``."""
        start = time.perf_counter()
        result = await self.search(context.task, context.round)
        text, code, extra = self.compose(context.task, result, context.sample, context.kind,
                                         context.test_index)
        if context.round > 1:
            extra["round"] = context.round
            text = (f"Round {context.round}: my previous program did not fit every example, "
                    f"so I searched further (programs of up to {result.max_depth} steps).\n\n"
                    + text)
        return ModelResponse(
            text=text,
            model=self.name,
            provider=self.provider,
            usage=Usage(),
            finish_reason="stop",
            cost=0.0,
            latency_s=time.perf_counter() - start,
            tries=1,
            code=code,
            extra=extra,
        )

    async def search(self, task: Task, round_: int = 1) -> SearchResult:
        """The search of a round (the ones before it from the cache, or searched again)."""
        effort = Effort(self.time_budget_s, self.max_candidates, self.max_depth)
        result = await self._search(task, effort)
        for _ in range(round_ - 1):
            effort = effort.after(result)
            result = await self._search(task, effort)
        return result

    async def _search(self, task: Task, effort: Effort) -> SearchResult:
        """The search result for a task, from the cache or a worker process."""
        key = _task_key(task, effort)
        if key in _RESULTS:
            _RESULTS.move_to_end(key)
            return _RESULTS[key]
        if key not in self._running:
            self._running[key] = asyncio.ensure_future(self._run(task, key, effort))
        return await asyncio.shield(self._running[key])

    async def _run(self, task: Task, key: str, effort: Effort) -> SearchResult:
        train = [(p.input, p.output) for p in task.train]
        tests = [p.input for p in task.test]
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(
                self._executor(), search_task, train, tests, effort.budget_s, effort.depth,
                effort.prefix_extra, effort.candidates,
            )
        except BrokenProcessPool as exc:
            if self._closing:
                raise ModelError("cancelled", f"model closed while searching {task.key}") from exc
            self._pool = None
            raise ModelError(
                "internal", f"the search worker died on task {task.key}: {exc}"
            ) from exc
        except Exception as exc:  # a bug in an operation: recorded, never a dead run
            raise ModelError("internal", f"search failed on task {task.key}: {exc!r}") from exc
        finally:
            self._running.pop(key, None)
        _RESULTS[key] = result
        if len(_RESULTS) > _CACHE_SIZE:
            _RESULTS.popitem(last=False)
        return result

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_ignore_interrupts,
            )
        return self._pool

    def compose(
        self, task: Task, result: SearchResult, sample: int, kind: str,
        test_index: int | None = None,
    ) -> tuple[str, str | None, dict[str, Any]]:
        """The answer text, the code (None when nothing fits) and search figures; a direct
        answer (``predict``) ends with the predicted grid of ``test_index`` in ``\\boxed{}``."""
        programs = result.distinct()
        extra: dict[str, Any] = {
            "programs_found": len(programs),
            "budget_exhausted": result.exhausted,
            "search_s": round(result.elapsed_s, 3),
            "candidates": result.candidates,
        }
        if not programs:
            return explain_failure(task, result), None, extra
        rank = sample if 0 <= sample < len(programs) else 0
        program = programs[rank]
        extra["program"] = [step.op for step in program.steps]
        text = explain_program(task, result, program, rank, repeated=rank != sample)
        if kind == "predict" and test_index is not None:
            grid = program.test_outputs[test_index]
            return f"{text}\n\n\\boxed{{{json.dumps(grid)}}}\n", None, extra
        if kind != "code":
            return text, None, extra
        code = generate_code(program.steps)
        return f"{text}\n\n## Code\n```python\n{code}```\n", code, extra

    async def aclose(self) -> None:
        """Stop the worker processes now; searches in progress end as ``cancelled``."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        self._closing = True
        try:
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:  # searches are pure computation: safe to stop
                process.terminate()
            for process in processes:
                await asyncio.to_thread(process.join, 10)
            await asyncio.gather(*self._running.values(), return_exceptions=True)
        finally:
            self._closing = False


def build(spec: str, provider: Any, name: str, settings: Any, base_url: str | None,
          key: str | None) -> BuiltinDSLModel:
    """The registry's builder (see :mod:`arcforge.models.registry`)."""
    return BuiltinDSLModel(spec, time_budget_s=settings.builtin_time_budget_s,
                           max_candidates=settings.builtin_search_candidates)
