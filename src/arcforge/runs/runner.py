"""The runner core behind ``arcforge traces`` and ``arcforge codegen``.

One :class:`Runner` per run, no global state. It admits at most ``concurrency`` samples at a
time, lets an :class:`AdaptiveLimiter` decide how many requests are on the wire, appends
each finished sample to the journal, and writes the final results file at normal exit, on
SIGINT/SIGTERM and at interpreter exit. A first Ctrl-C stops starting samples and waits for
those in flight; a second one (or SIGTERM) cancels them at once. Samples that were never
finished (cancelled, or not started because ``--max-cost`` was reached) are not recorded,
so ``--resume`` completes them; scores count them as wrong until then.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import logging
import signal
import traceback
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from arcforge.agents import Agent, make_agent, prompt_hash
from arcforge.agents.feedback import OPTION as FEEDBACK_OPTION
from arcforge.agents.templates import PromptTemplate
from arcforge.models.base import Model, ModelError, ModelResponse, RequestContext
from arcforge.runfiles import (
    JOURNAL,
    ErrorInfo,
    Journal,
    RunInfo,
    SampleRecord,
    goes_on,
    utc_now,
    write_final,
)
from arcforge.runs.config import RunConfig
from arcforge.runs.info import new_run, resume_run
from arcforge.runs.limiter import AdaptiveLimiter
from arcforge.runs.logs import attach_run_log
from arcforge.runs.progress import RunProgress
from arcforge.runs.refine import Continued, earns_feedback, feedback_message, reply
from arcforge.runs.verifier import Verifier
from arcforge.tasks import Task
from arcforge.transforms import apply as apply_transform
from arcforge.transforms import augmentation_spec, unmap_grid
from arcforge.verification import Verification

log = logging.getLogger("arcforge.runs")


@dataclass(slots=True)
class RunResult:
    """How a run session ended."""

    run_dir: Path
    status: str  # completed | interrupted | cancelled | budget_reached
    final_path: Path | None
    total: int  # tasks x samples
    finished: int  # samples in the journal (all sessions)
    errors: dict[str, int] = field(default_factory=dict)
    spent: float = 0.0
    cost_known: bool = False  # at least one sample had a known cost


class Runner:
    def __init__(
        self, config: RunConfig, model: Model | None = None, console: Console | None = None
    ) -> None:
        self.config = config
        self.settings = config.settings
        self.console = console or Console(stderr=True)
        self._model = model
        self._stop_starting = False
        self._budget_reached = False
        self._cancelled = False
        self._interrupts = 0
        self._final_path: Path | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._visible: dict[str, Task] = {}
        self._task_spent: dict[str, float] = {}  # cost so far of each task (--max-cost-per-task)
        self._over_task_budget: set[str] = set()
        self._spent = 0.0
        self._cost_known = False
        self._finished = 0
        self._errors: dict[str, int] = {}
        self._prompts: set[str] = set()  # prompt hashes the journal holds the messages of

    # -- preparing -----------------------------------------------------------------------

    def _prepare(self) -> None:
        cfg = self.config
        prepared = resume_run(cfg) if cfg.resume is not None else new_run(cfg)
        self.run_dir: Path = prepared.run_dir
        self.info: RunInfo = prepared.info
        self.run_id: str = self.info.run_id
        self.tasks: list[Task] = prepared.tasks
        prompt = self.info.prompt
        assert prompt is not None, "run.json has no prompt"
        template = PromptTemplate(prompt.source, prompt.text)
        self.agent: Agent = make_agent(cfg.kind, encoding=self.info.encoding, template=template)
        self.samples: int = self.info.samples
        self.temperature = self.info.temperature
        self.max_tokens = self.info.max_tokens
        self.base_url: str | None = prepared.base_url
        self._lock = prepared.lock
        self.rounds: int = self.info.rounds or 1
        self.refining = cfg.kind == "code" and self.rounds > 1
        feedback = self.info.feedback_prompt
        self.feedback_template = (PromptTemplate(feedback.source, feedback.text, FEEDBACK_OPTION)
                                  if feedback is not None else None)
        self.augment: list[str] = list(self.info.augment or [])
        self._recall(prepared.records)

    def _recall(self, records: Iterable[SampleRecord]) -> None:
        """What a resumed run recorded, read in one pass and kept only as far as needed:
        finished samples by key, the rounds of samples that go on, what was spent."""
        last: dict[tuple[str, int, int, int | None], tuple[int, bool]] = {}  # round, goes on
        going: dict[tuple[str, int, int, int | None], list[SampleRecord]] = {}
        errors: Counter[str] = Counter()
        for r in records:
            held = last.get(r.sample_key)
            if held is None or r.round_number > held[0]:
                last[r.sample_key] = (r.round_number, goes_on(r, self.rounds))
            if last[r.sample_key][1]:  # a sample that goes on: its rounds make the prompt
                going.setdefault(r.sample_key, []).append(r)
            elif r.round is not None:
                going.pop(r.sample_key, None)
            if r.prompt_hash and r.messages:
                self._prompts.add(r.prompt_hash)
            self._spent += r.cost or 0.0
            self._cost_known = self._cost_known or r.cost is not None
            if r.error is not None:
                errors[r.error.kind] += 1
            key = _key(r.task_id, r.task_version)
            self._task_spent[key] = self._task_spent.get(key, 0.0) + (r.cost or 0.0)
        self.done = {k for k, (_round, on) in last.items() if not on}
        self._continued = {k: Continued(sorted(rs, key=lambda r: r.round_number))
                           for k, rs in going.items() if k not in self.done}
        self._finished = len(self.done)
        self._errors = dict(errors)

    def _make_model(self) -> Model:
        if self._model is not None:
            return self._model
        from arcforge.models import get_model

        return get_model(self.info.model, self.settings, base_url=self.base_url)

    # -- running -------------------------------------------------------------------------

    async def run(self) -> RunResult:
        model = await self._open()
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(self._lock.close)  # callbacks run last-registered first
            console_handler = None
            if self.config.verbose:
                from rich.logging import RichHandler

                console_handler = RichHandler(console=self.console, show_path=False)
            run_log = attach_run_log(self.run_dir, self.run_id, self.settings.secrets(),
                                     console_handler)
            stack.callback(run_log.close)
            stack.push_async_callback(_close_quietly, model)
            journal = Journal(self.run_dir / JOURNAL, prompts=self._prompts)
            atexit.register(self._finalize_at_exit)
            stack.push(lambda *exc: self._finish(journal, failed=exc[0] is not None))
            stack.callback(self._install_signals())
            await self._session(model, journal)
        return RunResult(self.run_dir, self._status(), self._final_path,
                         self._total(), self._finished, dict(self._errors),
                         self._spent, self._cost_known)

    async def _open(self) -> Model:
        """The model and the run folder (held by a lock); a bad model spec or a missing key
        fails before any run folder is made."""
        if self.config.resume is None and self._model is None:
            from arcforge.models import get_model

            self._model = get_model(self.settings.model, self.settings)
        try:
            self._prepare()
        except BaseException:
            if self._model is not None:
                await self._model.aclose()
            raise
        try:
            return self._make_model()
        except BaseException:
            self._lock.close()
            raise

    async def _session(self, model: Model, journal: Journal) -> None:
        limiter = AdaptiveLimiter(self.settings.concurrency)
        pending = [unit for unit in self._units() if _unit_key(unit) not in self.done]
        total = self._total()
        self._log(f"run {self.run_id}: {len(pending)} of {total} samples to do, "
                  f"model {self.info.model}, concurrency {self.settings.concurrency}")
        max_cost = self.settings.max_cost
        if max_cost is not None and getattr(model, "price", "n/a") is None:
            self._say(f"[yellow]no price is known for {self.info.model}: --max-cost counts "
                      "only costs the provider reports[/]")
        progress = RunProgress("codegen" if self.config.kind == "code" else "traces", total,
                               self._finished, self.console, self.config.progress)
        code = self.config.kind == "code"
        async with Verifier(self.settings.verify_concurrency, code and self.config.verify,
                            self.info.sandbox, self.settings) as v:
            if code and not v.active:
                self._say("[yellow]no sandbox: code is recorded with verification 'pending'[/]")
                if self.refining:
                    self._say(f"[yellow]--rounds {self.rounds}: without a sandbox no program "
                              "is run, so no sample gets feedback: each stops after its "
                              "first round[/]")
            with progress:
                self._progress = progress
                await self._schedule(pending, model, limiter, journal, v, max_cost)

    def _units(self) -> list[tuple[Task, int, int | None]]:
        """Every request of the run: (task, sample, test index); a test index only for
        direct answers, which ask for each test input on its own."""
        direct = self.config.kind == "predict"
        return [(task, s, i) for task in self.tasks for s in range(self.samples)
                for i in (range(len(task.test)) if direct else (None,))]

    def _total(self) -> int:
        per_sample = (lambda t: len(t.test)) if self.config.kind == "predict" else (lambda t: 1)
        return sum(per_sample(t) for t in self.tasks) * self.samples

    def _frame(self, task: Task, sample: int) -> tuple[str | None, list[dict[str, Any]]]:
        """The augmentation sample ``sample`` of ``task`` sees: its name and spec (the
        colours drawn from the run, the task and the sample, so a resume repeats them)."""
        if not self.augment:
            return None, []
        name = self.augment[sample % len(self.augment)]
        seed = int(hashlib.sha256(f"{self.run_id}\0{task.key}\0{sample}".encode())
                   .hexdigest()[:16], 16)
        return name, augmentation_spec(name, seed)

    def _finish(self, journal: Journal, failed: bool) -> bool:
        """Close the journal and write the final results file (also after an error)."""
        journal.close()
        status = "aborted" if failed else self._status()
        self._final_path = self._write_final(status)
        atexit.unregister(self._finalize_at_exit)
        self._log(f"run {self.run_id}: {status}, final results {self._final_path.name}")
        return False  # never swallow the error

    def _status(self) -> str:
        if self._cancelled:
            return "cancelled"
        if self._interrupts:
            return "interrupted"
        if self._budget_reached:
            return "budget_reached"
        return "completed"

    async def _schedule(
        self, pending: list[tuple[Task, int, int | None]], model: Model,
        limiter: AdaptiveLimiter,
        journal: Journal, verifier: Verifier, max_cost: float | None,
    ) -> None:
        admitted = asyncio.Semaphore(self.settings.concurrency)
        per_task = self.settings.max_cost_per_task
        for task, sample, test_index in pending:
            if per_task is not None and self._task_spent.get(task.key, 0.0) >= per_task:
                self._over_task_budget.add(task.key)  # not recorded: --resume may finish it
                continue
            await admitted.acquire()
            if self._stop_starting:
                admitted.release()
                break
            if max_cost is not None and self._spent >= max_cost:
                admitted.release()
                self._budget_reached = self._stop_starting = True
                self._say(f"[yellow]--max-cost {max_cost:g} USD reached (spent "
                          f"{self._spent:.4f}): no more requests are started; the samples "
                          "left are not recorded and --resume can finish them[/]")
                break
            job = asyncio.create_task(self._sample(
                task, sample, test_index, model, limiter, journal, verifier, admitted,
                self._continued.get(_unit_key((task, sample, test_index)))))
            self._inflight.add(job)
            job.add_done_callback(self._inflight.discard)
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)
        if self._over_task_budget:
            self._budget_reached = True
            self._say(f"[yellow]--max-cost-per-task {per_task:g} USD reached on "
                      f"{len(self._over_task_budget)} task(s): their remaining samples were "
                      "not started (--resume with a higher limit finishes them)[/]")

    async def _sample(
        self, task: Task, sample: int, test_index: int | None, model: Model,
        limiter: AdaptiveLimiter, journal: Journal, verifier: Verifier,
        admitted: asyncio.Semaphore, continued: Continued | None = None,
    ) -> None:
        """One sample: its request (held by a place of ``admitted``, taken by the caller)
        and, when refining, its later rounds until one passes every train pair, the rounds
        run out, or the run stops starting requests (``--resume`` then goes on)."""
        name, spec = self._frame(task, sample)
        visible = self._visible.get(task.key)
        if visible is None:  # the task as the model may see it, made once per task
            visible = self._visible[task.key] = task.without_test_outputs()
        if spec:  # the model sees the task in another frame
            visible = apply_transform(visible, spec)
        round_, messages, added = 1, [], []  # the first round's prompt is made in _round
        if continued is not None:
            round_, messages = continued.next_round, continued.conversation()
            added = reply(continued.rounds[-1])
        while True:
            record = SampleRecord(
                run_id=self.run_id, kind=self.config.kind, task_id=task.id,
                task_version=task.version, sample=sample, model=self.info.model,
                started_at=utc_now(), test_index=test_index, augment=name,
                transform=spec if name is not None else None,
                round=round_ if self.refining else None)
            record.messages = added
            try:
                messages = await self._round(record, task, visible, spec, messages, model,
                                             limiter, verifier, admitted)
            except asyncio.CancelledError:
                raise  # not recorded: --resume finishes it
            except Exception as exc:  # a bug must not end the run: record it on this sample
                record.error = ErrorInfo(kind="internal", message=f"{type(exc).__name__}: {exc}")
                record.feedback = None
                log.error("internal error on %s sample %d:\n%s", task.key, sample,
                          traceback.format_exc(), extra={"run_id": self.run_id})
            record.finished_at = utc_now()
            self._keep(record, journal, limiter)
            if record.feedback is None or not await self._next_round(task, admitted):
                return
            added = reply(record)
            messages = messages + added
            round_ += 1

    async def _round(
        self, record: SampleRecord, task: Task, visible: Task, spec: list[dict[str, Any]],
        messages: list[dict[str, Any]], model: Model, limiter: AdaptiveLimiter,
        verifier: Verifier, admitted: asyncio.Semaphore,
    ) -> list[dict[str, Any]]:
        """Ask, read, and for code verify ``record``'s round; give back the place in
        ``admitted`` once the answer is in (verification runs outside it). ``messages``
        is the conversation so far (empty: a first round, whose prompt is made here);
        returns the conversation that was sent."""
        released = False
        try:
            if not messages:
                messages = record.messages = self.agent.messages(visible, record.test_index)
            record.prompt_hash = prompt_hash(messages)
            context = RequestContext(visible, record.sample, self.config.kind,
                                     record.prompt_hash, run_id=self.run_id, gate=limiter,
                                     test_index=record.test_index, round=record.round_number)
            try:
                response = await model.generate(messages, context, temperature=self.temperature,
                                                 max_tokens=self.max_tokens)
            except ModelError as exc:
                self._fill_error(record, exc)
            else:
                self._fill_answer(record, response, spec)
            self._charge(record)  # before verification: budgets see it at once
            admitted.release()
            released = True
            verification = None
            if self.config.kind == "code" and record.code is not None:
                seen = apply_transform(task, spec) if spec else task
                verification = await verifier.verify(record.code, seen)
            if (self.refining and record.round_number < self.rounds
                    and earns_feedback(record, verification)):
                assert self.feedback_template is not None
                record.feedback = feedback_message(record, visible, verification,
                                                   self.feedback_template,
                                                   self.agent.encoding, self.rounds)
            if verification is not None:
                record.verification = _to_task_frame(verification, spec)
        finally:
            if not released:
                admitted.release()
        return messages

    async def _next_round(self, task: Task, admitted: asyncio.Semaphore) -> bool:
        """Take a place for a sample's next round, unless the run or the task's budget
        says stop (the sample is then left for ``--resume``)."""
        max_cost, per_task = self.settings.max_cost, self.settings.max_cost_per_task
        await admitted.acquire()
        if max_cost is not None and self._spent >= max_cost:
            self._budget_reached = self._stop_starting = True
        elif per_task is not None and self._task_spent.get(task.key, 0.0) >= per_task:
            self._over_task_budget.add(task.key)
        elif not self._stop_starting:
            return True
        admitted.release()
        return False

    def _keep(self, record: SampleRecord, journal: Journal, limiter: AdaptiveLimiter) -> None:
        """Append a finished round to the journal (a value JSON cannot hold is recorded as
        an internal error, the sample kept) and count it."""
        try:
            journal.append(record)
        except (TypeError, ValueError) as exc:
            record.error = ErrorInfo(kind="internal", message=f"unrecordable answer: {exc}")
            record.verification = None
            record.feedback = None
            record.response = record.reasoning = record.provider_reasoning = None
            journal.append(record)
        self._count(record, limiter)

    def _fill_answer(self, record: SampleRecord, response: ModelResponse,
                     spec: list[dict[str, Any]]) -> None:
        record.response = response.text
        record.provider_reasoning = response.reasoning
        record.usage = response.usage
        record.cost = response.cost
        record.latency_s = round(response.latency_s, 4)
        record.tries = response.tries
        record.finish_reason = response.finish_reason
        parsed = self.agent.parse(response)
        record.reasoning, record.code = parsed.reasoning, parsed.code
        if parsed.answer is not None:
            record.answer = unmap_grid(parsed.answer, spec) if spec else parsed.answer
            record.answer_method = parsed.answer_method
        if parsed.error:
            record.error = ErrorInfo(kind=parsed.error_kind, message=parsed.error)

    def _fill_error(self, record: SampleRecord, exc: ModelError) -> None:
        record.error = ErrorInfo(kind=exc.kind, message=self.settings.redact(str(exc)))
        record.tries = exc.tries
        record.latency_s = round(exc.latency_s, 4)
        record.usage = exc.usage
        if exc.response is not None:
            record.response = exc.response.text
            record.provider_reasoning = exc.response.reasoning
            record.cost = exc.response.cost
            record.finish_reason = exc.response.finish_reason
        elif exc.text is not None:
            record.response = exc.text

    def _charge(self, record: SampleRecord) -> None:
        """Add an answer's cost to the run's and its task's (the budgets)."""
        self._spent += record.cost or 0.0
        self._cost_known = self._cost_known or record.cost is not None
        task_key = _key(record.task_id, record.task_version)
        self._task_spent[task_key] = self._task_spent.get(task_key, 0.0) + (record.cost or 0.0)

    def _count(self, record: SampleRecord, limiter: AdaptiveLimiter) -> None:
        finished = record.feedback is None  # a round that goes on does not end its sample
        self._finished += finished
        kind = record.error_kind
        if kind:
            self._errors[kind] = self._errors.get(kind, 0) + 1
        self._progress.advance(record.usage.total, record.cost, kind, limiter.current, finished)

    # -- stopping ------------------------------------------------------------------------

    def _install_signals(self) -> Any:
        loop = asyncio.get_running_loop()
        installed = []
        for sig, handler in ((signal.SIGINT, self._on_sigint), (signal.SIGTERM, self._on_sigterm)):
            try:
                loop.add_signal_handler(sig, handler)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread: the caller handles signals

        def restore() -> None:
            for sig in installed:
                loop.remove_signal_handler(sig)

        return restore

    def _on_sigint(self) -> None:
        self._interrupts += 1
        self._stop_starting = True
        if self._interrupts == 1:
            self._say("[yellow]interrupted: finishing the requests in flight (Ctrl-C again "
                      "cancels them)[/]")
        else:
            self._cancel_all("cancelled by a second Ctrl-C")

    def _on_sigterm(self) -> None:
        self._interrupts += 1
        self._stop_starting = True
        self._cancel_all("terminated (SIGTERM)")

    def _cancel_all(self, why: str) -> None:
        self._cancelled = True
        self._say(f"[red]{why}: cancelling {len(self._inflight)} samples in flight[/]")
        for job in list(self._inflight):
            job.cancel()

    def _finalize_at_exit(self) -> None:
        """Interpreter exit before the run wrote its final results (an uncaught error)."""
        if self._final_path is None:
            with contextlib.suppress(Exception):
                self._final_path = self._write_final("aborted")

    def _write_final(self, status: str) -> Path:
        return write_final(self.run_dir, self.info, status, self._total())

    # -- messages ------------------------------------------------------------------------

    def _log(self, message: str) -> None:
        log.info(message, extra={"run_id": self.run_id})

    def _say(self, message: str) -> None:
        self.console.print(message)
        from rich.text import Text

        self._log(Text.from_markup(message).plain)


def _key(task_id: str, version: int) -> str:
    return task_id if version == 0 else f"{task_id}@{version}"


def _to_task_frame(verification: Verification, spec: list[dict[str, Any]]) -> Verification:
    """Program outputs seen under ``spec`` brought back to the task's frame (in place)."""
    for pair in verification.pairs if spec else []:
        if pair.output is not None and pair.status != "invalid_output":
            pair.output = unmap_grid(pair.output, spec)
    return verification


def _unit_key(unit: tuple[Task, int, int | None]) -> tuple[str, int, int, int | None]:
    task, sample, test_index = unit
    return (task.id, task.version, sample, test_index)


async def _close_quietly(model: Model) -> None:
    with contextlib.suppress(Exception):
        await model.aclose()


async def arun(config: RunConfig, model: Model | None = None) -> RunResult:
    """Run (or resume) one run in the running event loop."""
    return await Runner(config, model).run()


def run(config: RunConfig, model: Model | None = None) -> RunResult:
    """Run (or resume) one run; blocks until it ends."""
    return asyncio.run(arun(config, model))


__all__ = ["RunResult", "Runner", "arun", "run"]
