"""Creating a run folder (``run.json`` and a snapshot ``tasks.json``) or reopening one."""

from __future__ import annotations

import fcntl
import hashlib
import platform
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from arcforge.agents import make_agent
from arcforge.errors import UsageError
from arcforge.models.factory import split_spec
from arcforge.runs.config import RunConfig
from arcforge.runs.folder import load_records, read_run_info, utc_now, write_json_atomic
from arcforge.runs.records import RUN_INFO, SampleRecord
from arcforge.runs.verify import sandbox_settings
from arcforge.tasks import Task

TASKS = "tasks.json"  # the tasks of the run (dataset.json form), so resume and scoring
# never depend on where the data came from


LOCK = ".lock"


@dataclass(slots=True)
class Prepared:
    run_dir: Path
    info: dict[str, Any]
    tasks: list[Task]
    records: list[SampleRecord]
    base_url: str | None
    lock: IO[bytes]  # held while the session runs; closing it releases the run folder


def lock_run(run_dir: Path) -> IO[bytes]:
    """Hold the run folder for this process (two sessions on one journal would duplicate
    samples). The lock goes with the process, even on SIGKILL."""
    fh = (run_dir / LOCK).open("ab")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise UsageError(f"{run_dir}: the run is in use by another arcforge process") from None
    return fh


def package_version() -> str:
    try:
        return version("arcforge")
    except PackageNotFoundError:
        return "unknown"


def tasks_hash(tasks: list[Task]) -> str:
    """sha256 over every task's key and content hash, in order."""
    digest = hashlib.sha256()
    for task in tasks:
        digest.update(f"{task.id}\0{task.version}\0{task.content_hash()}\n".encode())
    return digest.hexdigest()


def _run_id(kind: str, model: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", model.split("/", 1)[-1]).strip("-")[:40] or "model"
    prefix = "codegen" if kind == "code" else "traces"
    return f"{prefix}-{stamp}-{slug}-{secrets.token_hex(2)}"


def _session(config: RunConfig, resumed: bool) -> dict[str, Any]:
    s = config.settings
    return {
        "started_at": utc_now(),
        "resumed": resumed,
        "arcforge_version": package_version(),
        "concurrency": s.concurrency,
        "max_cost": s.max_cost,
    }


def new_run(config: RunConfig) -> Prepared:
    from arcforge.data import load_tasks

    s = config.settings
    split_spec(s.model)
    agent = make_agent(config.kind, config.prompt, s.encoding)
    tasks = config.tasks if config.tasks is not None else load_tasks(
        s.data, config.task_ids, config.max_tasks)
    if not tasks:
        raise UsageError("no tasks to run")
    agent.messages(tasks[0])  # a template that cannot be rendered fails before any folder
    run_id = _run_id(config.kind, s.model)
    run_dir = Path(s.out) / run_id
    try:
        run_dir.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise UsageError(f"--out {s.out}: cannot create the run folder: {exc.strerror}") from None
    info: dict[str, Any] = {
        "run_id": run_id,
        "kind": config.kind,
        "created_at": utc_now(),
        "arcforge_version": package_version(),
        "python": platform.python_version(),
        "model": s.model,
        "base_url": s.base_url,
        "data": s.data if config.tasks is None else "(tasks given in-process)",
        "task_ids": [[t.id, t.version] for t in tasks],
        "tasks_file": TASKS,
        "tasks_sha256": tasks_hash(tasks),
        "samples": s.samples,
        "temperature": s.temperature,
        "max_tokens": s.max_tokens,
        "encoding": s.encoding,
        "prompt": {
            "source": agent.template.source,
            "sha256": agent.template.sha256,
            "text": agent.template.text,
        },
        "settings": s.public_dict(),
        "sessions": [_session(config, resumed=False)],
    }
    if config.kind == "code" and config.verify:
        info["sandbox"] = sandbox_settings()  # resume verifies under the same settings
    lock = lock_run(run_dir)
    write_json_atomic(run_dir / TASKS, [t.to_dict() for t in tasks], indent=None)
    write_json_atomic(run_dir / RUN_INFO, info)
    return Prepared(run_dir, info, list(tasks), [], s.base_url, lock)


def load_run_tasks(run_dir: Path, info: dict[str, Any]) -> list[Task]:
    """The tasks snapshot of a run, checked against the hash in ``run.json``."""
    from arcforge.data import load_tasks

    path = run_dir / info.get("tasks_file", TASKS)
    if not path.is_file():
        raise UsageError(f"{run_dir}: the run has no {path.name}; it cannot be resumed")
    tasks = load_tasks(str(path))
    if tasks_hash(tasks) != info.get("tasks_sha256"):
        raise UsageError(f"{path}: the tasks differ from the ones the run started with "
                         "(tasks_sha256 in run.json)")
    return tasks


def resume_run(config: RunConfig) -> Prepared:
    assert config.resume is not None
    run_dir = Path(config.resume)
    info = read_run_info(run_dir)
    if info.get("kind") != config.kind:
        command = "codegen" if info.get("kind") == "code" else "traces"
        raise UsageError(f"--resume {run_dir}: this is a {info.get('kind')} run; "
                         f"resume it with arcforge {command}")
    tasks = load_run_tasks(run_dir, info)
    lock = lock_run(run_dir)
    try:
        records = load_records(run_dir)
        info.setdefault("sessions", []).append(_session(config, resumed=True))
        write_json_atomic(run_dir / RUN_INFO, info)
    except BaseException:
        lock.close()
        raise
    base_url = config.settings.base_url or info.get("base_url")
    return Prepared(run_dir, info, tasks, records, base_url, lock)
