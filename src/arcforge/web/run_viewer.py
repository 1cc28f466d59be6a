"""What the run viewer shows: runs from a runs folder and runs merged into the store.

A run folder (``<runs>/<run_id>/``) is read with the bench's own loaders
(:func:`arcforge.runfiles.task_groups`: one task's records at a time, through an index of
the journal kept while the journal does not change); a run known only from the store
shows its merged traces. Expected grids come from the run's own task snapshot (the tasks
it was scored against, checked against the hash in ``run.json``), else from the task
version in the store.

Every answer goes through :mod:`arcforge.web.visibility`: a viewer who may not see a task's
answers gets its run view without test outputs, reasoning and code, and the run's summary
without its grids; run settings are shown without paths or key hints
(:mod:`arcforge.web.public`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arcforge.errors import ArcforgeError
from arcforge.runfiles import (
    JOURNAL,
    RUN_INFO,
    SUMMARY,
    JournalIndex,
    SampleRecord,
    goes_on,
    index_journal,
    latest_rounds,
    read_results,
    read_run_info,
    read_tasks,
    task_groups,
)
from arcforge.scoring import answering_rounds
from arcforge.store import Store, UserView
from arcforge.store.errors import NotFoundError
from arcforge.tasks import Task
from arcforge.verification import PairVerdict
from arcforge.web import public, visibility
from arcforge.web.ids import is_safe_id
from arcforge.web.markdown import render_markdown
from arcforge.web.timefmt import iso_time
from arcforge.web.visibility import Visibility


class RunNotFound(ArcforgeError):
    """No run (folder or stored) by that id."""


@dataclass(frozen=True, slots=True)
class RunRef:
    id: str
    folder: Path | None  # None: known only from the store


def _verdicts(record: SampleRecord, expected: Task | None) -> list[PairVerdict]:
    """A program's verdicts on every pair, or a direct answer as the verdict on its test."""
    if record.verification is not None:
        return record.verification.pairs
    if record.answer is None or record.test_index is None:
        return []
    want = None
    if expected is not None and record.test_index < len(expected.test):
        want = expected.test[record.test_index].output
    status = "unchecked" if want is None else "pass" if record.answer == want else "fail"
    return [PairVerdict("test", record.test_index, status, record.answer)]


def _costs(priced: float | None, tasks: int) -> dict[str, float | None]:
    """USD of a run's finished samples (``priced``: their sum, None when none was priced),
    in all and per task."""
    total = round(priced, 6) if priced is not None else None
    return {"cost": total, "cost_per_task": total / tasks if total is not None and tasks
            else None}


def _stamp(folder: Path) -> tuple[int, ...]:
    """Sizes and modification times of the files a run's summary line is made from."""
    stamp: list[int] = []
    for name in (RUN_INFO, JOURNAL):
        try:
            stat = (folder / name).stat()
            stamp += [stat.st_size, stat.st_mtime_ns]
        except FileNotFoundError:
            stamp += [-1, -1]
    return tuple(stamp)


def _add_cost(priced: float | None, records: list[SampleRecord]) -> float | None:
    for record in records:
        if record.cost is not None:
            priced = (priced or 0.0) + record.cost
    return priced


def _passes(record: SampleRecord, split: str, expected: Task | None = None) -> bool:
    pairs = [p for p in _verdicts(record, expected) if p.split == split]
    return bool(pairs) and all(p.status == "pass" for p in pairs)


class RunViewer:
    """Reads runs for the API; caches each run's data source once loaded."""

    def __init__(self, store: Store, runs_dir: Path | None) -> None:
        self.store = store
        self.visibility = Visibility(store)
        self.runs_dir = runs_dir.resolve() if runs_dir is not None else None
        self._snapshots: dict[Path, tuple[float, dict[tuple[str, int], Task]]] = {}
        self._indexes: dict[Path, JournalIndex] = {}
        self._summaries: dict[Path, tuple[tuple[int, ...], dict[str, Any]]] = {}
        self._lock = threading.Lock()

    # --- finding runs ------------------------------------------------------------------

    def _folders(self) -> Iterable[Path]:
        if self.runs_dir is None or not self.runs_dir.is_dir():
            return []
        return sorted(p for p in self.runs_dir.iterdir() if self._is_run_folder(p))

    def _is_run_folder(self, folder: Path) -> bool:
        """A folder right inside the runs folder (no link out of it) with a ``run.json``."""
        return (
            is_safe_id(folder.name)
            and folder.resolve().parent == self.runs_dir
            and folder.is_dir()
            and (folder / RUN_INFO).is_file()
        )

    def find(self, run_id: str) -> RunRef:
        """The run with that (already validated) id; a folder wins over a stored run."""
        if self.runs_dir is not None and self._is_run_folder(self.runs_dir / run_id):
            return RunRef(run_id, self.runs_dir / run_id)
        try:
            self.store.get_run(run_id)
        except NotFoundError:
            raise RunNotFound(f"no run {run_id!r}") from None
        return RunRef(run_id, None)

    def problem(self, exc: Exception) -> str:
        """What is wrong with a run folder, without the server's path to the runs folder."""
        text = str(exc)
        if self.runs_dir is not None:
            text = text.replace(f"{self.runs_dir}/", "").replace(str(self.runs_dir), "runs")
        return text

    def list_runs(self) -> list[dict[str, Any]]:
        items: dict[str, dict[str, Any]] = {}
        for folder in self._folders():
            try:
                items[folder.name] = self._folder_summary(folder)
            except ArcforgeError as exc:  # a damaged folder is listed with its problem
                items[folder.name] = {"id": folder.name, "origin": "folder",
                                      "error": self.problem(exc)}
        for run in self.store.list_runs():
            if run.id in items:
                items[run.id]["merged"] = True
                continue
            items[run.id] = {
                "id": run.id,
                "origin": "store",
                "kind": run.kind,
                "model": run.model,
                "data": public.data_name((run.info or {}).get("data")),
                "started_at": iso_time(run.created_at),
                "samples": run.traces,
                "tasks": None,
                "errors": None,
                "status": "merged",
                "merged": True,
            }
        return sorted(items.values(), key=lambda r: r.get("started_at") or "", reverse=True)

    def _index(self, folder: Path) -> JournalIndex | None:
        """The index of a folder's journal, made again only when the journal changed."""
        try:
            stat = (folder / JOURNAL).stat()
        except FileNotFoundError:
            return None
        with self._lock:
            held = self._indexes.get(folder)
        if held is not None and (held.size, held.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            return held
        index = index_journal(folder, strict=False)
        if index is not None:
            with self._lock:
                self._indexes[folder] = index
        return index

    def _groups(self, folder: Path) -> Any:
        """A run folder's records, one task at a time."""
        return task_groups(folder, strict=False, index=self._index(folder))

    def _folder_summary(self, folder: Path) -> dict[str, Any]:
        """A run folder's line in the runs list, made again only when its files changed."""
        stamp = _stamp(folder)
        with self._lock:
            held = self._summaries.get(folder)
        if held is not None and held[0] == stamp:
            return dict(held[1])
        summary = self._summarise(folder)
        with self._lock:
            self._summaries[folder] = (stamp, summary)
        return dict(summary)

    def _summarise(self, folder: Path) -> dict[str, Any]:
        info = read_run_info(folder)
        total = len(info.task_ids) * info.samples if info.task_ids is not None else None
        samples = finished = errors = tasks = 0
        priced: float | None = None
        model = info.model
        for _, records in self._groups(folder):
            latest = latest_rounds(records).values()  # a refined sample's last round
            tasks += 1
            samples += len(latest)
            finished += sum(not goes_on(r, info.rounds) for r in latest)
            errors += sum(not r.ok for r in latest)
            priced = _add_cost(priced, records)
            model = model or records[0].model
        status = "unknown" if total is None else (
            "complete" if finished >= total else "incomplete")
        return {
            "id": folder.name,
            "origin": "folder",
            "kind": info.kind,
            "model": model,
            "data": public.data_name(info.data),
            "started_at": info.created_at,
            "samples": samples,
            "tasks": tasks,
            "errors": errors,
            "total_samples": total,
            "rounds": info.rounds or 1,
            "status": status,
            "merged": False,
            **_costs(priced, tasks),
        }

    # --- one run -----------------------------------------------------------------------

    def run_detail(self, ref: RunRef, viewer: UserView | None) -> dict[str, Any]:
        """A run's public settings, scores (its summary's grids only where ``viewer`` may
        see them) and per-task verdicts."""
        if ref.folder is None:
            run = self.store.get_run(ref.id)
            by_task: dict[tuple[str, int], int] = defaultdict(int)
            for trace in self.store.traces_of_run(ref.id):
                by_task[(trace.task_id, trace.task_version)] += 1
            tasks = [
                {"task_id": t, "version": v, "samples": n, "errors": 0,
                 "passed_train": None, "passed_test": None}
                for (t, v), n in sorted(by_task.items())
            ]
            info = {"run_id": run.id, "model": run.model, "kind": run.kind, **(run.info or {})}
            return {"id": ref.id, "origin": "store", "info": public.run_info(info),
                    "scores": {"samples": run.traces, "tasks": len(tasks)}, "tasks": tasks}
        info = read_run_info(ref.folder).to_dict()
        tasks = []
        samples = errors = 0
        priced: float | None = None
        code = info.get("kind") == "code"
        direct = info.get("kind") == "predict"
        for (tid, version), recs in self._groups(ref.folder):
            expected = self._expected_task(ref, tid, version) if direct else None
            latest = latest_rounds(recs).values()  # a refined sample counts once
            samples += len(latest)
            errors += sum(not r.ok for r in latest)
            priced = _add_cost(priced, recs)
            tasks.append({
                "task_id": tid,
                "version": version,
                "samples": len({r.sample for r in recs}),
                "errors": sum(not r.ok for r in latest),
                "passed_train": any(_passes(r, "train") for r in recs) if code else None,
                "passed_test": any(_passes(r, "test", expected) for r in recs)
                if code or direct else None,
            })
        tasks.sort(key=lambda t: (t["task_id"], t["version"]))
        scores: dict[str, Any] = {"samples": samples, "tasks": len(tasks), "errors": errors}
        if code:
            scores["tasks_passed_train"] = sum(bool(t["passed_train"]) for t in tasks)
        if code or direct:
            scores["tasks_passed_test"] = sum(bool(t["passed_test"]) for t in tasks)
        scores.update(_costs(priced, len(tasks)))
        summary_file = ref.folder / SUMMARY
        if summary_file.is_file():
            from arcforge.taskfiles import read_json

            summary, problem = read_json(summary_file)
            scores["summary"] = (
                {"error": "summary.json cannot be read"} if problem is not None
                else self._public_summary(ref, summary, viewer)
            )
        return {"id": ref.id, "origin": "folder", "info": public.run_info(info),
                "scores": scores, "tasks": tasks}

    def _public_summary(self, ref: RunRef, summary: Any, viewer: UserView | None) -> Any:
        entries = summary.get("tasks") if isinstance(summary, dict) else None
        ids = [t["task_id"] for t in entries or [] if isinstance(t, dict)
               and isinstance(t.get("task_id"), str)]
        access = self.visibility.tasks(viewer, ids)

        def visible(task_id: str, version: int) -> bool:
            if access[task_id].admin:
                return True
            expected = self._expected_task(ref, task_id, version)
            content = None if expected is None else expected.content()
            return access[task_id].sees_content(self.visibility.copy_keys(task_id, content))

        return visibility.summary(summary, visible)

    def run_task(
        self, ref: RunRef, task_id: str, version: int, viewer: UserView | None = None
    ) -> dict[str, Any]:
        """One task of a run: its pairs and every sample, with the answers and what is derived
        from them (reasoning, code, test outputs) only where ``viewer`` may see them."""
        expected = self._expected_task(ref, task_id, version)
        if ref.folder is None:
            samples = [
                self._trace_sample(t) for t in self.store.traces_of_run(ref.id)
                if t.task_id == task_id and t.task_version == version
            ]
            kind = self.store.get_run(ref.id).kind
        else:
            index = self._index(ref.folder)
            if index is not None:
                records = index.records((task_id, version), strict=False)
            else:  # no journal: the final file
                records = [r for r in read_results(ref.folder, strict=False).records
                           if r.task_id == task_id and r.task_version == version]
            chosen = answering_rounds(records, expected) if expected is not None else {}
            samples = [self._record_sample(r, expected, chosen.get(r.sample) == r.round)
                       for r in records]
            kind = read_run_info(ref.folder).kind
        if not samples:
            raise RunNotFound(f"run {ref.id} has no samples of task {task_id} version {version}")
        access = self.visibility.task(viewer, task_id)
        copy = self.visibility.copy_keys(
            task_id, None if expected is None else expected.content()
        )
        body = {
            "run_id": ref.id,
            "task_id": task_id,
            "version": version,
            "kind": kind,
            "train": [] if expected is None else [p.to_dict() for p in expected.train],
            "test": [] if expected is None
            else [{"input": p.input, "output": p.output} for p in expected.test],
            "expected_known": expected is not None,
            "samples": sorted(samples, key=lambda s: (-1 if s["sample"] is None else s["sample"],
                                                      s.get("round") or 0)),
        }
        if access.sees_content(copy):
            return visibility.run_task(body, True, None)
        reason = access.copy_reason(copy)
        return visibility.run_task(body, False, reason, train_visible=access.sees_train(copy))

    @staticmethod
    def _trace_sample(trace: Any) -> dict[str, Any]:
        return {
            "sample": trace.sample,
            "model": trace.author,
            "reasoning": trace.text,
            "reasoning_html": render_markdown(trace.text),
            "provider_reasoning": None,
            "code": None,
            "error": None,
            "usage": None,
            "latency_s": None,
            "pairs": [],
        }

    @staticmethod
    def _record_sample(record: SampleRecord, expected: Task | None,
                       chosen: bool = False) -> dict[str, Any]:
        pairs = []
        for p in _verdicts(record, expected):
            want = None
            if expected is not None:
                group = expected.train if p.split == "train" else expected.test
                if 0 <= p.index < len(group):
                    want = group[p.index].output
            pairs.append({**p.to_dict(), "expected": want})
        text = record.reasoning or ""
        return {
            "sample": record.sample,
            "test_index": record.test_index,
            "augment": record.augment,
            "round": record.round,
            "chosen": chosen and record.round is not None,
            "feedback": record.feedback,
            "model": record.model,
            "reasoning": record.reasoning,
            "reasoning_html": render_markdown(text) if text else "",
            "provider_reasoning": record.provider_reasoning,
            "code": record.code,
            "error": record.error.model_dump() if record.error is not None else None,
            "usage": record.usage.model_dump(),
            "latency_s": record.latency_s,
            "pairs": pairs,
        }

    def _expected_task(self, ref: RunRef, task_id: str, version: int) -> Task | None:
        if ref.folder is not None:
            snapshot = self._snapshot(ref.folder)
            if snapshot is not None:
                return snapshot.get((task_id, version))
        try:
            return self.store.get_task(task_id, version)
        except NotFoundError:
            return None

    def _snapshot(self, folder: Path) -> dict[tuple[str, int], Task] | None:
        """The run's ``tasks.json`` (cached while unchanged), or None when it has none."""
        info = read_run_info(folder)
        path = folder / info.tasks_file
        if not path.is_file():
            return None
        stamp = path.stat().st_mtime
        with self._lock:
            cached = self._snapshots.get(folder)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        tasks = {(t.id, t.version): t for t in read_tasks(folder, info)}
        with self._lock:
            self._snapshots[folder] = (stamp, tasks)
        return tasks
