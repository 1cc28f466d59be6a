"""Official-style scores of a code or direct-answer run: attempt selection, pass@k, ARC
Prize and Kaggle scores, accuracy by augmentation, cost.

Selection: for each test input, the distinct output grids the task's samples produced
(across every augmentation, mapped back to the task's frame) are ranked by (a program
producing it passes every train pair, its best train accuracy, how many samples produced
it, earliest sample); the top two are attempt 1 and attempt 2. Direct answers have no
program, so the most common answer comes first.

Scores, each as a mean over tasks (ARC Prize harness: a task scores the fraction of its
test outputs solved) and over all test outputs (Kaggle):

- ``pass@1``: attempt 1 is right; ``pass@2``: either attempt is right (the official score);
- ``oracle``: any sample produced the right output.

Every task of the run counts, with samples that errored or never finished counted wrong.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from arcforge.atomic import atomic_file
from arcforge.errors import ArcforgeError
from arcforge.grids import Grid, grid_problem
from arcforge.runfiles import SUMMARY, RunInfo, SampleRecord, read_run_info, read_tasks, task_groups
from arcforge.tasks import Task

SCORES_VERSION = 1
METRICS = ("pass@1", "pass@2", "oracle")


class ScoringError(ArcforgeError):
    """A run that cannot be scored as given."""


@dataclass(slots=True)
class SampleScore:
    """One sample of a task: how its program did on the train pairs, and its test outputs."""

    sample: int
    error: dict[str, str] | None  # {"kind", "message"} as summary.json holds it
    train_passed: int
    train_total: int
    passes_train: bool
    test_status: list[str]
    test_outputs: list[Grid | None]
    augment: str | None = None  # the frame the sample saw (None: the task's own)
    round: int | None = None  # refined samples: the round whose program is the answer
    rounds: int | None = None  # refined samples: how many rounds it took

    @property
    def train_accuracy(self) -> float:
        return self.train_passed / self.train_total if self.train_total else 0.0


@dataclass(slots=True)
class TestScore:
    """One test input of a task: the expected output, both attempts and whether they are right."""

    index: int
    expected: Grid | None
    attempt_1: Grid | None = None
    attempt_2: Grid | None = None
    attempt_1_samples: list[int] = field(default_factory=list)
    attempt_2_samples: list[int] = field(default_factory=list)
    correct_1: bool | None = None
    correct_2: bool | None = None
    oracle: bool | None = None
    distinct_outputs: int = 0

    @property
    def solved(self) -> bool | None:
        if self.correct_1 is None:
            return None
        return bool(self.correct_1 or self.correct_2)


@dataclass(slots=True)
class TaskScore:
    task_id: str
    version: int
    key: str
    samples_expected: int
    samples: list[SampleScore] = field(default_factory=list)
    tests: list[TestScore] = field(default_factory=list)

    @property
    def scorable(self) -> bool:
        return all(t.expected is not None for t in self.tests)

    def fraction(self, metric: str) -> float | None:
        """The share of this task's test outputs right under ``metric`` (None: unknown)."""
        if not self.scorable or not self.tests:
            return None
        return sum(_right(t, metric) for t in self.tests) / len(self.tests)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["scorable"] = self.scorable
        d["scores"] = {m: self.fraction(m) for m in METRICS}
        for s, sample in zip(d["samples"], self.samples, strict=True):
            s["train_accuracy"] = sample.train_accuracy
            for name in ("augment", "round", "rounds"):
                if s[name] is None:
                    del s[name]  # only augmented or refining runs say them
        for t, test in zip(d["tests"], self.tests, strict=True):
            t["solved"] = test.solved
        return d


def _right(test: TestScore, metric: str) -> bool:
    if metric == "pass@1":
        return bool(test.correct_1)
    if metric == "pass@2":
        return bool(test.solved)
    return bool(test.oracle)


@dataclass(slots=True)
class RunScores:
    """Scores of one run with per-task detail; ``to_dict`` is the ``summary.json`` content."""

    run_id: str
    model: str
    kind: str
    tasks: list[TaskScore]
    samples_per_task: int
    errors: dict[str, int] = field(default_factory=dict)
    cost: float | None = None  # USD of every finished sample; None when none was priced
    tokens: dict[str, int] = field(default_factory=dict)
    rounds: list[dict[str, Any]] = field(default_factory=list)  # refining runs: by round

    @property
    def scored_tasks(self) -> list[TaskScore]:
        return [t for t in self.tasks if t.scorable]

    def task_mean(self, metric: str) -> float | None:
        """ARC Prize style: mean over tasks of each task's fraction of test outputs right."""
        scored = self.scored_tasks
        if not scored:
            return None
        return sum(t.fraction(metric) or 0.0 for t in scored) / len(scored)

    def output_share(self, metric: str) -> float | None:
        """Kaggle style: share of all test outputs right."""
        tests = [test for t in self.scored_tasks for test in t.tests]
        if not tests:
            return None
        return sum(_right(test, metric) for test in tests) / len(tests)

    @property
    def arcprize_score(self) -> float | None:
        return self.task_mean("pass@2")

    @property
    def kaggle_score(self) -> float | None:
        return self.output_share("pass@2")

    def counts(self) -> dict[str, int]:
        samples = [s for t in self.tasks for s in t.samples]
        return {
            "tasks": len(self.tasks),
            "tasks_scored": len(self.scored_tasks),
            "test_outputs": sum(len(t.tests) for t in self.tasks),
            "samples_expected": sum(t.samples_expected for t in self.tasks),
            "samples_finished": len(samples),
            "samples_errored": sum(s.error is not None for s in samples),
            "samples_passing_train": sum(s.passes_train for s in samples),
            "tasks_solved": sum(t.fraction("pass@2") == 1.0 for t in self.scored_tasks),
        }

    def augmentations(self) -> dict[str, dict[str, Any]]:
        """Per frame: how many of its samples' outputs (one per scored test input) were
        right. Samples that never answered count as wrong."""
        table: dict[str, list[int]] = {}
        for task in self.scored_tasks:
            for sample in task.samples:
                if sample.augment is None:
                    continue
                right = table.setdefault(sample.augment, [0, 0])
                for test, output in zip(task.tests, sample.test_outputs, strict=True):
                    right[0] += output is not None and output == test.expected
                    right[1] += 1
        return {name: {"right": r, "outputs": n, "accuracy": r / n if n else None}
                for name, (r, n) in sorted(table.items())}

    def costs(self) -> dict[str, Any]:
        """USD in all, per task and per solved task (ARC Prize style: all tests right)."""
        solved = self.counts()["tasks_solved"]
        per_task = self.cost / len(self.tasks) if self.cost is not None and self.tasks else None
        return {"total": self.cost, "per_task": per_task,
                "per_solved_task": self.cost / solved if self.cost is not None and solved
                else None}

    def to_dict(self, tasks: bool = True) -> dict[str, Any]:
        """``summary.json``'s content (``tasks=False``: all but the per-task entries)."""
        data = {
            "scores_version": SCORES_VERSION,
            "run_id": self.run_id,
            "model": self.model,
            "kind": self.kind,
            "samples_per_task": self.samples_per_task,
            "arcprize_score": self.arcprize_score,
            "kaggle_score": self.kaggle_score,
            "per_task": {m: self.task_mean(m) for m in METRICS},
            "per_test_output": {m: self.output_share(m) for m in METRICS},
            "counts": self.counts(),
            "errors": dict(self.errors),
            "cost": self.costs(),
            "tokens": dict(self.tokens),
            "augmentations": self.augmentations(),
            "rounds": self.rounds,
        }
        if tasks:
            data["tasks"] = [t.to_dict() for t in self.tasks]
        return data


# --- reading a run ----------------------------------------------------------------------


def _sample_score(record: SampleRecord, task: Task) -> SampleScore:
    """A code sample: its program's verdicts on every pair."""
    n_train, n_test = len(task.train), len(task.test)
    status = {("train", i): "missing" for i in range(n_train)}
    status.update({("test", i): "missing" for i in range(n_test)})
    outputs: list[Grid | None] = [None] * n_test
    passed = 0
    pairs = record.verification.pairs if record.verification is not None else []
    for pair in pairs:
        key = (pair.split, pair.index)
        if key not in status:
            continue
        status[key] = pair.status
        output = pair.output
        if status[key] not in ("pass", "fail", "unchecked") or grid_problem(output) is not None:
            continue
        if key[0] == "test":
            outputs[key[1]] = output
        else:  # train outputs are judged again against the task, not taken on trust
            passed += output == task.train[key[1]].output
    if record.error is not None:  # an errored sample is wrong everywhere, whatever it holds
        outputs, passed = [None] * n_test, 0
    return SampleScore(
        sample=record.sample,
        error=record.error.model_dump() if record.error is not None else None,
        train_passed=passed,
        train_total=n_train,
        passes_train=n_train > 0 and passed == n_train,
        test_status=[status[("test", i)] for i in range(n_test)],
        test_outputs=outputs,
        augment=record.augment,
    )


def _best_round(rounds: list[SampleRecord], task: Task) -> SampleScore:
    """A refined sample's answer: its round whose program passed the most train pairs
    (the later round on a tie; a round that ended in an error only when all did)."""
    scored = [(_sample_score(r, task), r.round_number) for r in rounds]
    best, number = max(scored, key=lambda s: (s[0].train_passed, s[0].error is None, s[1]))
    best.round, best.rounds = number, max(n for _, n in scored)
    return best


def answering_rounds(records: list[SampleRecord], task: Task) -> dict[int, int]:
    """Of a task's records in a refining run: each sample's round that is its answer."""
    by_sample: dict[int, list[SampleRecord]] = {}
    for record in records:
        if record.round is not None and record.kind == "code":
            by_sample.setdefault(record.sample, []).append(record)
    return {sample: _best_round(group, task).round or 1
            for sample, group in by_sample.items()}


def _answers_score(records: list[SampleRecord], task: Task) -> SampleScore:
    """A direct-answer sample: one answer (or error) per test input, no program."""
    n_test = len(task.test)
    outputs: list[Grid | None] = [None] * n_test
    status = ["missing"] * n_test
    errors = []
    for record in records:
        i = record.test_index
        if i is None or not 0 <= i < n_test:
            continue
        if record.error is not None:
            status[i] = record.error.kind
            errors.append(record.error)
        elif record.answer is not None and grid_problem(record.answer) is None:
            status[i], outputs[i] = "answered", record.answer
    unanswered = bool(errors) and all(o is None for o in outputs)
    return SampleScore(
        sample=records[0].sample,
        error=errors[0].model_dump() if unanswered else None,
        train_passed=0,
        train_total=len(task.train),
        passes_train=False,
        test_status=status,
        test_outputs=outputs,
        augment=records[0].augment,
    )


def _canonical(grid: Grid) -> str:
    return json.dumps(grid, separators=(",", ":"))


def select_attempts(samples: list[SampleScore], test_index: int) -> list[tuple[Grid, list[int]]]:
    """Distinct outputs for one test input, best first, each with the samples producing it."""
    groups: dict[str, list[SampleScore]] = {}
    for s in sorted(samples, key=lambda s: s.sample):
        output = s.test_outputs[test_index]
        if output is not None:
            groups.setdefault(_canonical(output), []).append(s)

    def rank(item: tuple[str, list[SampleScore]]) -> tuple[Any, ...]:
        members = item[1]
        return (
            -max(s.passes_train for s in members),
            -max(s.train_accuracy for s in members),
            -len(members),
            min(s.sample for s in members),
        )

    ranked = sorted(groups.items(), key=rank)
    return [(json.loads(text), [s.sample for s in members]) for text, members in ranked]


def _score_sample(group: list[SampleRecord], task: Task) -> SampleScore:
    if group[0].kind == "predict":
        return _answers_score(group, task)
    if group[0].round is not None:
        return _best_round(group, task)
    return _sample_score(group[0], task)


def score_task(task: Task, records: list[SampleRecord], samples_expected: int,
               max_round: int | None = None, pool: dict[str, Grid] | None = None) -> TaskScore:
    """Select attempts and judge them for one task from its finished samples (of a
    refining run: as if it had stopped after ``max_round`` rounds). Equal output grids
    are kept once in ``pool`` (a run's samples repeat their answers)."""
    by_sample: dict[int, list[SampleRecord]] = {}
    for record in records:
        if max_round is None or record.round_number <= max_round:
            by_sample.setdefault(record.sample, []).append(record)
    samples = [_score_sample(group, task) for _, group in sorted(by_sample.items())]
    if pool is not None:
        for sample in samples:
            sample.test_outputs = [None if g is None else pool.setdefault(_canonical(g), g)
                                   for g in sample.test_outputs]
    result = TaskScore(task.id, task.version, task.key, samples_expected, samples)
    for i, pair in enumerate(task.test):
        ranked = select_attempts(samples, i)
        test = TestScore(i, pair.output, distinct_outputs=len(ranked))
        if ranked:
            test.attempt_1, test.attempt_1_samples = ranked[0]
        if len(ranked) > 1:
            test.attempt_2, test.attempt_2_samples = ranked[1]
        if pair.output is not None:
            test.correct_1 = test.attempt_1 == pair.output
            test.correct_2 = test.attempt_2 == pair.output
            test.oracle = any(s.test_outputs[i] == pair.output for s in samples)
        result.tests.append(test)
    return result


def _run_tasks(run_dir: Path, info: RunInfo) -> list[Task]:
    if (run_dir / info.tasks_file).is_file():
        return read_tasks(run_dir, info)
    if not info.data:
        raise ScoringError(f"{run_dir / 'run.json'}: no 'data' spec to load the tasks from; "
                           "pass the tasks explicitly")
    from arcforge.data import load_tasks

    return load_tasks(info.data)


def score_run(run_dir: Path, tasks: list[Task] | None = None) -> RunScores:
    """Score a run folder. ``tasks`` (with expected test outputs) defaults to the run's own.

    The journal is read one task at a time (:func:`arcforge.runfiles.task_groups`), so
    memory holds the scores, not the records: a million samples score in well under 1 GB.
    """
    run_dir = Path(run_dir)
    info = read_run_info(run_dir)
    if info.kind == "reasoning":
        raise ScoringError(f"{run_dir}: a reasoning-trace run has no answers to score; "
                           "code runs (arcforge codegen) and direct-answer runs (arcforge "
                           "predict) are scored")
    if tasks is None:
        tasks = _run_tasks(run_dir, info)
    by_key = {(t.id, t.version): t for t in tasks}
    keys = info.task_keys or list(by_key)
    missing = [f"{tid}@{v}" if v else tid for tid, v in keys if (tid, v) not in by_key]
    if missing:
        raise ScoringError(f"{run_dir}: the tasks given lack {len(missing)} task(s) of the run: "
                           f"{', '.join(missing[:5])}")
    rounds = info.rounds or 1
    wanted = set(keys)
    pool: dict[str, Grid] = {}
    scored: dict[tuple[str, int], TaskScore] = {}
    whole = _Spent()
    by_round = [_RoundTotals(n) for n in range(1, rounds + 1)] if rounds > 1 else []
    for key, records in task_groups(run_dir):
        if key not in wanted:
            continue
        task = by_key[key]
        expected = max(info.samples, len({r.sample for r in records}))
        scored[key] = score_task(task, records, expected, pool=pool)
        whole.add(records)
        for totals in by_round:
            totals.add(score_task(task, records, expected, totals.round), records)
    result = RunScores(
        run_id=info.run_id, model=info.model, kind=info.kind,
        tasks=[scored.get(k) or score_task(by_key[k], [], info.samples) for k in keys],
        samples_per_task=info.samples, errors=dict(whole.errors), cost=whole.total(),
        tokens=dict(whole.tokens))
    result.rounds = _by_round(by_round, result)
    return result


@dataclass(slots=True)
class _Spent:
    """Cost, tokens and errors of the records seen so far."""

    cost: float = 0.0
    priced: bool = False
    errors: Counter[str] = field(default_factory=Counter)
    tokens: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("input_tokens", "output_tokens", "reasoning_tokens"), 0))

    def add(self, records: list[SampleRecord]) -> None:
        for r in records:
            if r.cost is not None:
                self.cost += r.cost
                self.priced = True
            if r.error is not None:
                self.errors[r.error.kind] += 1
            for name in self.tokens:
                self.tokens[name] += getattr(r.usage, name)

    def total(self) -> float | None:
        return round(self.cost, 6) if self.priced else None


@dataclass(slots=True)
class _RoundTotals:
    """What the run would score had every sample stopped after ``round``."""

    round: int
    fractions: float = 0.0  # sum over scored tasks of the task's pass@2 share
    right: int = 0  # test outputs right at pass@2
    solved: int = 0
    requests: int = 0
    spent: _Spent = field(default_factory=_Spent)

    def add(self, task: TaskScore, records: list[SampleRecord]) -> None:
        self.requests += sum(r.round_number == self.round for r in records)
        self.spent.add([r for r in records if r.round_number <= self.round])
        if task.scorable:
            fraction = task.fraction("pass@2") or 0.0
            self.fractions += fraction
            self.right += sum(_right(t, "pass@2") for t in task.tests)
            self.solved += fraction == 1.0


def _by_round(totals: list[_RoundTotals], run: RunScores) -> list[dict[str, Any]]:
    """The run's scores had every sample stopped after round 1, 2, ... R: what each
    extra round solved, and what it cost."""
    scored = run.scored_tasks
    outputs = sum(len(t.tests) for t in scored)
    table: list[dict[str, Any]] = []
    for at in totals:
        cost = at.spent.total()
        before = table[-1] if table else None
        table.append({
            "round": at.round,
            "requests": at.requests,
            "arcprize_score": at.fractions / len(scored) if scored else None,
            "kaggle_score": at.right / outputs if outputs else None,
            "tasks_solved": at.solved,
            "newly_solved": at.solved - (before["tasks_solved"] if before else 0),
            "cost": cost,
            "cost_of_round": (round(cost - (before["cost"] or 0.0), 6)
                              if cost is not None and before else cost),
            "cost_per_task": cost / len(run.tasks) if cost is not None and run.tasks else None,
        })
    return table


def write_summary(run_dir: Path, scores: RunScores) -> Path:
    """Write ``summary.json`` (atomically) and return its path. Tasks are written one at a
    time (one line each), so a large run's summary is never whole in memory."""
    path = Path(run_dir) / SUMMARY
    head = scores.to_dict(tasks=False)
    text = json.dumps(head, indent=1, ensure_ascii=False)
    with atomic_file(path) as tmp, tmp.open("w", encoding="utf-8") as out:
        out.write(text[:-2] + ',\n "tasks": [')
        for i, task in enumerate(scores.tasks):
            out.write(("\n  " if i == 0 else ",\n  ")
                      + json.dumps(task.to_dict(), ensure_ascii=False, separators=(",", ":")))
        out.write("\n ]\n}\n")
    return path


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def render_scores_table(scores: RunScores) -> Any:
    """A rich table of the run's scores (ARC Prize per-task mean and Kaggle per-output)."""
    from rich.table import Table

    counts = scores.counts()
    table = Table(title=f"scores: {scores.run_id} ({scores.model})")
    table.add_column("metric")
    table.add_column("per task (ARC Prize)", justify="right")
    table.add_column("per test output (Kaggle)", justify="right")
    for metric, label in (("pass@2", "pass@2 (official)"), ("pass@1", "pass@1"),
                          ("oracle", "oracle (any sample)")):
        table.add_row(label, _pct(scores.task_mean(metric)), _pct(scores.output_share(metric)))
    table.caption = (
        f"{counts['tasks_scored']}/{counts['tasks']} tasks scored, "
        f"{counts['test_outputs']} test outputs, "
        f"{counts['samples_finished']}/{counts['samples_expected']} samples finished, "
        f"{counts['samples_errored']} errored, {counts['samples_passing_train']} pass all train"
    )
    if not scores.rounds:
        return table
    from rich.console import Group

    return Group(table, render_rounds_table(scores))


def render_rounds_table(scores: RunScores) -> Any:
    """A rich table of a refining run by round: the scores had every sample stopped there,
    the tasks each round solved, and what it cost."""
    from rich.table import Table

    table = Table(title="by refinement round")
    for column in ("after round", "requests", "ARC Prize", "Kaggle", "tasks solved",
                   "newly solved", "cost of round"):
        table.add_column(column, justify="right")
    for n in scores.rounds:
        cost = n["cost_of_round"]
        table.add_row(str(n["round"]), str(n["requests"]), _pct(n["arcprize_score"]),
                      _pct(n["kaggle_score"]), str(n["tasks_solved"]),
                      f"+{n['newly_solved']}" if n["round"] > 1 else str(n["newly_solved"]),
                      "unknown" if cost is None else f"${cost:.4f}")
    return table


def render_tasks_table(scores: RunScores) -> Any:
    """A rich table with one row per task: its scores, samples and best train accuracy."""
    from rich.table import Table

    table = Table(title=f"tasks of {scores.run_id}")
    for column in ("task", "tests", "pass@1", "pass@2", "oracle", "samples", "errored",
                   "best train"):
        table.add_column(column, justify="left" if column == "task" else "right")
    for task in scores.tasks:
        best = max((s.train_accuracy for s in task.samples), default=None)
        cells = [_fraction_cell(task, metric) for metric in METRICS]
        table.add_row(task.key, str(len(task.tests)), *cells,
                      f"{len(task.samples)}/{task.samples_expected}",
                      str(sum(s.error is not None for s in task.samples)),
                      "-" if best is None else f"{best:.0%}")
    return table


def _fraction_cell(task: TaskScore, metric: str) -> str:
    value = task.fraction(metric)
    if value is None:
        return "n/a"
    right = round(value * len(task.tests))
    colour = "green" if value == 1 else "yellow" if value > 0 else "red"
    return f"[{colour}]{right}/{len(task.tests)}[/]"
