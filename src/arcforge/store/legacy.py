"""The legacy exchange files: ``traces_store.json`` and ``dataset.json``.

``traces_store.json`` is ``{task_id: [{trace_id, task_id, username, text, score, timestamp,
voters: {name: +1|-1}}]}``. Importing then exporting gives the file back (same traces,
order, ids, texts, timestamps, voters and scores; written as ``json.dumps(indent=2)``).
Names become users marked ``imported`` (no password): authors whose name holds a ``/``
(``google/gemini-2.5-pro``) are models, everyone else is a person. A trace on a variation
carries an extra ``"version"`` field (the legacy file had none). Removed traces are not
exported. A file is checked whole before anything is written, and written in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from arcforge.store.bulk import ensure_task_rows, ensure_users, existing_values
from arcforge.store.errors import ConflictError
from arcforge.store.files import dump_json, load_json_file, problems_error, write_new_file
from arcforge.store.schema import MAX_NAME, MAX_TRACE_ID, Trace, User, Vote
from arcforge.store.store import Store
from arcforge.store.tasks import TaskImport, chunks
from arcforge.store.traces import text_hash
from arcforge.store.users import name_key
from arcforge.store.views import Kind
from arcforge.taskfiles import dataset_file
from arcforge.tasks import Problem

FIELDS = ("trace_id", "task_id", "username", "text", "score", "timestamp", "voters")


@dataclass
class TracesImport:
    tasks: int = 0
    traces_added: int = 0
    traces_present: int = 0
    votes_added: int = 0
    users_added: int = 0


def author_kind(username: str) -> Kind:
    """Legacy files do not say who is a model; model names look like ``provider/model``."""
    return "model" if "/" in username else "human"


def _is_int(v: Any) -> bool:
    return type(v) is int


def _entry_problems(entry: Any, key: str, where: str, file: str) -> list[Problem]:
    if not isinstance(entry, dict):
        return [Problem(file, where, f"expected a trace object, got {type(entry).__name__}")]
    out = [Problem(file, f"{where}.{f}", "missing") for f in FIELDS if f not in entry]
    checks = {
        "trace_id": lambda v: isinstance(v, str) and 0 < len(v) <= MAX_TRACE_ID,
        "task_id": lambda v: v == key,
        "username": lambda v: isinstance(v, str) and 0 < len(v.strip()) <= MAX_NAME,
        "text": lambda v: isinstance(v, str),
        "score": _is_int,
        "timestamp": lambda v: type(v) in (int, float),
        "voters": lambda v: isinstance(v, dict),
        "version": lambda v: _is_int(v) and v >= 0,
    }
    wants = {
        "trace_id": f"a non-empty string of at most {MAX_TRACE_ID} characters",
        "task_id": f"the task id it is filed under ({key!r})",
        "username": f"a name of 1 to {MAX_NAME} characters",
        "text": "a string",
        "score": "an int",
        "timestamp": "a number of seconds",
        "voters": "an object {name: +1 or -1}",
        "version": "an int >= 0",
    }
    for name, ok in checks.items():
        if name in entry and not ok(entry[name]):
            out.append(Problem(file, f"{where}.{name}", f"{entry[name]!r} is not {wants[name]}"))
    voters = entry.get("voters")
    if isinstance(voters, dict):
        seen: dict[str, str] = {}
        for voter, value in voters.items():
            if not 0 < len(voter.strip()) <= MAX_NAME:
                out.append(
                    Problem(file, f"{where}.voters", f"{voter!r}: a name of 1 to {MAX_NAME} chars")
                )
            elif value not in (1, -1) or not _is_int(value):
                out.append(Problem(file, f"{where}.voters.{voter}", f"{value!r} is not +1 or -1"))
            other = seen.setdefault(name_key(voter.strip()), voter)
            if other != voter:
                out.append(
                    Problem(file, f"{where}.voters", f"{other!r} and {voter!r} are the same user")
                )
    return out


def check_traces_file(data: Any, file: str) -> list[Problem]:
    """Every problem of a parsed ``traces_store.json``."""
    if not isinstance(data, dict):
        return [
            Problem(
                file, "", f"expected an object {{task_id: [traces]}}, got {type(data).__name__}"
            )
        ]
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for key, entries in data.items():
        if not 0 < len(key.strip()) <= MAX_NAME:
            problems.append(Problem(file, repr(key), f"a task id has 1 to {MAX_NAME} characters"))
        if not isinstance(entries, list):
            problems.append(
                Problem(file, key, f"expected a list of traces, got {type(entries).__name__}")
            )
            continue
        for i, entry in enumerate(entries):
            where = f"{key}[{i}]"
            problems += _entry_problems(entry, key, where, file)
            tid = entry.get("trace_id") if isinstance(entry, dict) else None
            if isinstance(tid, str):
                if tid in seen:
                    problems.append(
                        Problem(file, f"{where}.trace_id", f"{tid!r} also at {seen[tid]}")
                    )
                seen.setdefault(tid, where)
    return problems


def _apply_traces(session: Session, data: dict[str, list[dict[str, Any]]]) -> TracesImport:
    report = TracesImport(tasks=len(data))
    entries = [e for items in data.values() for e in items]
    wanted: dict[str, Kind] = {}
    for e in entries:
        wanted.setdefault(e["username"], author_kind(e["username"]))
    for e in entries:
        for voter in e["voters"]:
            wanted.setdefault(voter, "human")
    before = set(session.scalars(select(User.name_key)))
    users = ensure_users(session, wanted, imported=True)
    report.users_added = len(set(users) - before)
    present = existing_values(session, "trace_id", [e["trace_id"] for e in entries])
    if present:
        _check_same(session, [e for e in entries if e["trace_id"] in present], users)
    fresh = [e for e in entries if e["trace_id"] not in present]
    report.traces_present = len(entries) - len(fresh)
    ensure_task_rows(session, [e["task_id"] for e in fresh])
    rows = []
    for e in fresh:
        author = users[name_key(e["username"].strip())]
        votes = sum(e["voters"].values())
        rows.append(
            {
                "trace_id": e["trace_id"],
                "task_id": e["task_id"],
                "task_version": e.get("version", 0),
                "author_id": author.id,
                "source": author.kind,
                "run_id": None,
                "sample": None,
                "text": e["text"],
                "text_hash": text_hash(e["text"]),
                "merge_key": None,
                "created_at": float(e["timestamp"]),
                "score_base": e["score"] - votes,
                "score": e["score"],
                "removed": False,
            }
        )
    if rows:
        session.execute(Trace.__table__.insert(), rows)
    ids: dict[str, int] = {}
    for part in chunks([e["trace_id"] for e in fresh]):
        query = select(Trace.trace_id, Trace.id).where(Trace.trace_id.in_(part))
        ids.update((tid, pk) for tid, pk in session.execute(query))
    votes_rows = [
        {
            "trace_id": ids[e["trace_id"]],
            "user_id": users[name_key(voter.strip())].id,
            "value": value,
            "created_at": float(e["timestamp"]),
        }
        for e in fresh
        for voter, value in e["voters"].items()
    ]
    if votes_rows:
        session.execute(Vote.__table__.insert(), votes_rows)
    report.traces_added, report.votes_added = len(rows), len(votes_rows)
    return report


def _check_same(session: Session, entries: list[dict[str, Any]], users: dict[str, User]) -> None:
    """Traces already stored must be the same traces (task, author, text), else refuse."""
    stored = {
        t.trace_id: t
        for part in chunks([e["trace_id"] for e in entries])
        for t in session.scalars(select(Trace).where(Trace.trace_id.in_(part)))
    }
    clashes = []
    for e in entries:
        t = stored[e["trace_id"]]
        author = users[name_key(e["username"].strip())]
        if (t.task_id, t.author_id, t.text) != (e["task_id"], author.id, e["text"]):
            clashes.append(
                f"trace {e['trace_id']!r}: the store holds a different trace with this id"
            )
    if clashes:
        raise ConflictError(
            "\n".join([*clashes[:20], "nothing was imported; the store is unchanged"])
        )


def import_traces(store: Store, path: Path) -> TracesImport:
    """Import a legacy ``traces_store.json``; traces already present (same id) are skipped."""
    data = load_json_file(path)
    problems = check_traces_file(data, str(path))
    if problems:
        raise problems_error(problems, "imported")
    return store.transact(lambda session: _apply_traces(session, data), retries=0)


def export_traces_data(store: Store) -> dict[str, list[dict[str, Any]]]:
    """The legacy ``traces_store.json`` content: live traces grouped by task, oldest first."""
    author = aliased(User)
    out: dict[str, list[dict[str, Any]]] = {}
    with store.reading() as session:
        voters: dict[int, dict[str, int]] = {}
        query = select(Vote.trace_id, User.username, Vote.value).join(User, User.id == Vote.user_id)
        for trace_pk, username, value in session.execute(query.order_by(Vote.id)):
            voters.setdefault(trace_pk, {})[username] = value
        rows = session.execute(
            select(Trace, author.username)
            .join(author, author.id == Trace.author_id)
            .where(Trace.removed.is_(False))
            .order_by(Trace.id)
        )
        for trace, username in rows:
            entry: dict[str, Any] = {
                "trace_id": trace.trace_id,
                "task_id": trace.task_id,
                "username": username,
                "text": trace.text,
                "score": trace.score,
                "timestamp": trace.created_at,
                "voters": voters.get(trace.id, {}),
            }
            if trace.task_version:
                entry["version"] = trace.task_version
            out.setdefault(trace.task_id, []).append(entry)
    return out


def export_traces(store: Store, path: Path, force: bool = False) -> int:
    """Write the legacy ``traces_store.json``; return the number of traces written."""
    data = export_traces_data(store)
    write_new_file(path, dump_json(data), force=force)
    return sum(len(v) for v in data.values())


def import_dataset(store: Store, path: Path) -> TaskImport:
    """Import a legacy ``dataset.json`` (tasks and numbered variations with ``signed_by``).

    The whole file is checked first; a version whose number or content clashes with the
    store refuses the import, and nothing is written.
    """
    data = load_json_file(path)
    if not isinstance(data, list):
        raise problems_error(
            [Problem(str(path), "", f"expected a list of tasks, got {type(data).__name__}")],
            "imported",
        )
    tasks, problems = dataset_file(path, data)
    if problems:
        raise problems_error(problems, "imported")
    try:
        return store.import_tasks(tasks, source=path.name, on_conflict="error")
    except ConflictError as exc:
        raise ConflictError(
            f"{path}:\n{exc}\nnothing was imported; the store is unchanged"
        ) from None


def export_dataset(store: Store, path: Path, force: bool = False) -> int:
    """Write every live version of every task as a legacy ``dataset.json``; return the count."""
    tasks = store.all_tasks()
    write_new_file(path, dump_json([t.to_dict() for t in tasks], indent=None), force=force)
    return len(tasks)
