"""Who may see which answers: the studio's one rule, applied to every answer, page and event.

A person sees a hidden test output of a task, and everything derived from it (its expected
grid; model traces and reasoning; the code and the outputs of samples; ``attempt_1/2`` and
sample outputs of run summaries; versions that show it among their train pairs, that is a
train/test swap and anything derived from one), only once they solved it in study mode, used
up its study attempts, or revealed the task (a recorded action that ends their study attempts
there). Admins see everything; anonymous visitors see none of it. Human traces follow the same
rule (blind solving), except one's own; a studio may keep other people's traces closed even
then (``traces_after_solving = false``). A check by use is the one exception, chosen and
recorded like a reveal: its checker (someone new to the task, whose study attempts there end
when the check starts) reads that one description and the test input, never the
demonstrations, and the answer only once the check is over.

Answers are identified by answer keys (:mod:`arcforge.lineage`), so the rule covers every
version of a task and a run's own copy of it alike. The routes ask a :class:`TaskAccess` and
use the redactions below; nothing else decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from arcforge.lineage import Keys, hidden_keys, match_keys
from arcforge.store import CheckView, NotFoundError, Store, TraceView, UserView
from arcforge.store.answers import FOREIGN, TaskAnswers
from arcforge.store.schema import ALL_ANSWERS

ANONYMOUS_REASON = "log in, then solve this task in study mode or reveal it to see its answers"
LOCKED_REASON = (
    "solve this task in study mode, use up its study attempts or reveal it to see its answers"
)
FOREIGN_REASON = "this copy of the task is not the studio's: only admins see its answers"
CLOSED_REASON = "this studio does not show other people's traces"


@dataclass(frozen=True, slots=True)
class TaskAccess:
    """What one viewer may see of one task."""

    task_id: str
    viewer: UserView | None
    answers: TaskAnswers | None  # None: the task has no stored versions
    unlocked: frozenset[str]

    @property
    def admin(self) -> bool:
        return self.viewer is not None and self.viewer.role == "admin"

    def sees(self, keys: Iterable[str]) -> bool:
        """True when every one of these answers is unlocked for the viewer."""
        if self.admin:
            return True
        if self.viewer is None:
            return not any(True for _ in keys)
        return ALL_ANSWERS in self.unlocked or set(keys) <= self.unlocked

    def sees_version(self, version: int) -> bool:
        """The version itself: its train pairs may hold a hidden answer (a swap)."""
        return self.answers is not None and self.sees(self.answers.shows(version))

    def sees_answers(self, version: int) -> bool:
        """Everything derived from a version's answers: traces, runs, its test outputs."""
        return self.sees_version(version) and self.sees(self.answers.asks(version))  # type: ignore[union-attr]

    def needs(self, copy: Keys | None) -> frozenset[str] | None:
        """Answers one must have unlocked to see a copy of the task (a run's snapshot);
        None when it is not a copy of this task as the studio knows it."""
        if copy is None or self.answers is None:
            return None
        return self.answers.needed_for(copy)

    def sees_content(self, copy: Keys | None) -> bool:
        """A copy of the task with every grid in it: admins only when it is not this task."""
        needed = self.needs(copy)
        return self.admin or (needed is not None and self.sees(needed))

    def sees_train(self, copy: Keys | None) -> bool:
        """The copy's train pairs (they hold a hidden answer when it is a swap)."""
        return copy is None or self.sees(hidden_keys(copy[0]))

    def reason(self) -> str:
        """Why answers are hidden from this viewer."""
        return ANONYMOUS_REASON if self.viewer is None else LOCKED_REASON

    def copy_reason(self, copy: Keys | None) -> str:
        """Why a copy of the task (a run's) is hidden from this viewer."""
        return FOREIGN_REASON if self.needs(copy) is None else self.reason()


class Visibility:
    """Builds :class:`TaskAccess` objects from the store (one or many tasks at once)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def tasks(self, viewer: UserView | None, task_ids: Sequence[str],
              answers: dict[str, TaskAnswers] | None = None) -> dict[str, TaskAccess]:
        """The viewer's access to these tasks (``answers``: their answer keys, when known)."""
        if answers is None:
            answers = self.store.task_answers(task_ids)
        unlocked: dict[str, frozenset[str]] = {}
        if viewer is not None and viewer.role != "admin":
            unlocked = self.store.unlocked_answers(viewer.id, task_ids)
        return {
            tid: TaskAccess(tid, viewer, answers.get(tid), unlocked.get(tid, frozenset()))
            for tid in task_ids
        }

    def task(self, viewer: UserView | None, task_id: str) -> TaskAccess:
        return self.tasks(viewer, [task_id])[task_id]

    def copy_keys(self, task_id: str, content: dict[str, Any] | None) -> Keys | None:
        """The answer keys of a copy of a task (a run's own), matched with the stored
        original; None without a copy."""
        if content is None:
            return None
        try:
            original = self.store.get_version(task_id, 0).content
        except NotFoundError:
            original = {"train": [], "test": []}
        return match_keys(original, content, own=FOREIGN)


# --- redactions: what each kind of answer keeps for a viewer who may not see -------------


def test_pairs(
    access: TaskAccess, version: int, content: dict[str, Any], keys: Sequence[str | None]
) -> list[dict[str, Any]]:
    """The test pairs of a version: inputs, and the outputs the viewer unlocked."""
    pairs = []
    shown = access.sees_version(version)
    for pair, key in zip(content["test"], keys, strict=False):
        out = pair.get("output")
        visible = shown and out is not None and key is not None and access.sees([key])
        pairs.append({"input": pair["input"], "output": out} if visible else
                     {"input": pair["input"]})
    return pairs


def reads_traces(access: TaskAccess, version: int, open_after_solving: bool = True) -> bool:
    """Whether the viewer reads other people's traces of a version: admins always, others
    once they may see its answers, unless the studio keeps traces closed."""
    return access.admin or (open_after_solving and access.sees_answers(version))


def reads_exports(viewer: UserView | None) -> bool:
    """Data exports hold every answer and every action log: admins only."""
    return viewer is not None and viewer.role == "admin"


def thumbnail(access: TaskAccess, content: dict[str, Any] | None) -> dict[str, Any] | None:
    """The first demonstration of a task's original, when the viewer may see it."""
    if content is None or not content["train"] or not access.sees_version(0):
        return None
    pair = content["train"][0]
    return {"input": pair["input"], "output": pair["output"]}


def traces(
    access: TaskAccess, version: int, items: Iterable[TraceView], open_after_solving: bool = True
) -> tuple[list[TraceView], bool]:
    """The traces of a version the viewer may read (their own always), and whether others
    were held back."""
    if reads_traces(access, version, open_after_solving):
        return list(items), False
    me = access.viewer.id if access.viewer is not None else None
    return [t for t in items if t.author_id == me], True


def traces_reason(access: TaskAccess, version: int, open_after_solving: bool = True) -> str:
    """Why other people's traces of a version are held back from this viewer."""
    if access.sees_answers(version) and not open_after_solving:
        return CLOSED_REASON
    return access.reason()


def check_view(
    access: TaskAccess, check: CheckView, description: TraceView, content: dict[str, Any],
    keys: Sequence[str | None],
) -> dict[str, Any]:
    """A check by use for its checker (the store hands a check only to its owner): the
    description's parts and its test input, never the demonstrations; the test output only
    once the checker may see it (the check is over)."""
    assert access.viewer is not None and access.viewer.id == check.user_id
    assert description.description is not None
    index = description.description.test_index
    pair = test_pairs(access, check.task_version, content, keys)[index]
    return {"fields": dict(description.description.fields), "test_input": pair["input"],
            "output": pair.get("output")}


_SAMPLE_DERIVED = ("reasoning", "reasoning_html", "provider_reasoning", "code", "feedback")


def run_task(
    body: dict[str, Any], visible: bool, reason: str | None, train_visible: bool = True
) -> dict[str, Any]:
    """A run's view of one task; unless ``visible``: no test output (expected or produced, nor
    the text of a program's error on a test input), no reasoning and no code (a passing
    program recomputes the answer); unless ``train_visible`` (a swapped copy), no train
    outputs either."""
    if visible:
        return {**body, "test_outputs_hidden": False, "hidden_reason": None}
    hidden = {"output": None, "expected": None, "error": None}
    samples = []
    for sample in body["samples"]:
        pairs = [p if p["split"] == "train" and train_visible else {**p, **hidden}
                 for p in sample["pairs"]]
        samples.append({**sample, **dict.fromkeys(_SAMPLE_DERIVED), "pairs": pairs})
    return {
        **body,
        "train": body["train"] if train_visible else [],
        "test": [{"input": p["input"], "output": None} for p in body["test"]],
        "samples": samples,
        "test_outputs_hidden": True,
        "hidden_reason": reason,
    }


_SUMMARY_FIELDS = ("scores_version", "run_id", "model", "kind", "samples_per_task",
                   "arcprize_score", "kaggle_score", "per_task", "per_test_output", "counts",
                   "errors", "rounds")
_TASK_FIELDS = ("task_id", "version", "key", "samples_expected", "scorable", "scores")
_TEST_FIELDS = ("index", "correct_1", "correct_2", "oracle", "solved", "distinct_outputs",
                "attempt_1_samples", "attempt_2_samples")
_SCORE_FIELDS = ("sample", "error", "train_passed", "train_total", "passes_train",
                 "test_status", "train_accuracy", "round", "rounds")


def _pick(item: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {k: item[k] for k in fields if k in item} if isinstance(item, dict) else {}


def summary(data: Any, visible: Callable[[str, int], bool]) -> Any:
    """A run's ``summary.json``: the run's scores, and per task every grid (expected,
    attempts, sample outputs) only where ``visible(task_id, version)``."""
    if not isinstance(data, dict):
        return {"error": "summary.json is not an object"}
    tasks = []
    for task in data.get("tasks") or []:
        if not isinstance(task, dict):
            continue
        tid, version = task.get("task_id"), task.get("version")
        if isinstance(tid, str) and type(version) is int and visible(tid, version):
            tasks.append(task)
            continue
        tasks.append({
            **_pick(task, _TASK_FIELDS),
            "tests": [_pick(t, _TEST_FIELDS) for t in task.get("tests") or []],
            "samples": [_pick(s, _SCORE_FIELDS) for s in task.get("samples") or []],
            "answers_hidden": True,
        })
    return {**_pick(data, _SUMMARY_FIELDS), "tasks": tasks}


class Audiences:
    """Which live subscribers (by session token) may receive each event of a batch: a
    ``trace_*`` event those who read that version's traces (:func:`reads_traces`) and the
    trace's author, a ``variation_*`` event those who see that version; any other kind nobody.

    Viewers and their access are looked up once per batch (the events of one moment), so a
    subscriber is judged by what it may see when the batch is sent."""

    def __init__(self, visibility: Visibility, who: Callable[[str | None], UserView | None],
                 open_after_solving: bool = True, private: bool = False) -> None:
        self.visibility = visibility
        self.private = private  # a private studio shows nothing to anonymous visitors
        self.who = who
        self.open_after_solving = open_after_solving
        self._viewers: dict[str | None, UserView | None] = {}
        self._access: dict[tuple[int | None, str], TaskAccess] = {}
        self._answers: dict[str, TaskAnswers | None] = {}

    def prefetch(self, tokens: Iterable[str | None], task_ids: Iterable[str]) -> None:
        """Look up these subscribers and their access to these tasks in a few queries (what
        is not prefetched is looked up one at a time when asked)."""
        store, tasks = self.visibility.store, list(dict.fromkeys(task_ids))
        wanted = [t for t in dict.fromkeys(tokens) if t not in self._viewers]
        found = store.session_users(wanted)
        self._viewers.update({t: found.get(t) for t in wanted})  # None: no live session
        missing = [t for t in tasks if t not in self._answers]
        answers = store.task_answers(missing)
        self._answers.update({t: answers.get(t) for t in missing})
        viewers = {v.id: v for v in self._viewers.values() if v is not None}
        people = [i for i, v in viewers.items() if v.role != "admin"]
        unlocked = store.unlocked_answers_of(people, tasks)
        for tid in tasks:
            known = self._answers[tid]
            self._access.setdefault((None, tid), TaskAccess(tid, None, known, frozenset()))
            for uid, v in viewers.items():
                self._access.setdefault((uid, tid), TaskAccess(
                    tid, v, known, unlocked.get((uid, tid), frozenset())))

    def viewer(self, token: str | None) -> UserView | None:
        if token not in self._viewers:
            self._viewers[token] = self.who(token)
        return self._viewers[token]

    def access(self, viewer: UserView | None, task_id: str) -> TaskAccess:
        key = (None if viewer is None else viewer.id, task_id)
        if key not in self._access:
            if task_id not in self._answers:  # the same for every viewer
                self._answers.update(self.visibility.store.task_answers([task_id]))
                self._answers.setdefault(task_id, None)
            known = self._answers[task_id]
            found = {} if known is None else {task_id: known}
            self._access[key] = self.visibility.tasks(viewer, [task_id], found)[task_id]
        return self._access[key]

    def allowed(self, event: dict[str, Any]) -> Callable[[TaskAccess], bool]:
        """The rule for one event, by its kind (unknown kinds reach nobody)."""
        kind, version = str(event.get("type", "")), event.get("version")
        if type(version) is not int:
            return lambda _access: False
        if kind.startswith("trace_"):
            open_ = self.open_after_solving
            return lambda access: reads_traces(access, version, open_)
        if kind.startswith("variation_"):
            return lambda access: access.sees_version(version)
        return lambda _access: False

    def of(self, event: dict[str, Any], author: str | None = None) -> Callable[[str | None], bool]:
        """Whether the subscriber with a session token may receive ``event`` (about the task
        ``event["task_id"]``); ``author`` is the trace's author, who always may."""
        task_id, allowed = str(event.get("task_id")), self.allowed(event)

        def may(token: str | None) -> bool:
            viewer = self.viewer(token)
            if author is not None and viewer is not None and viewer.username == author:
                return True
            if viewer is None and self.private:  # e.g. a page whose session ended meanwhile
                return False
            return allowed(self.access(viewer, task_id))

        return may
