"""Creating a run folder (``run.json`` and a snapshot ``tasks.json``) or reopening one."""

from __future__ import annotations

import fcntl
import platform
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from arcforge.agents import make_agent
from arcforge.agents.feedback import feedback_template, feedback_values, render_feedback
from arcforge.agents.templates import PromptTemplate
from arcforge.errors import UsageError
from arcforge.models.factory import split_spec
from arcforge.runfiles import (
    FORMAT_VERSION,
    JOURNAL,
    TASKS,
    PromptInfo,
    RunFileError,
    RunInfo,
    SampleRecord,
    iter_journal,
    load_records,
    read_run_info,
    read_tasks,
    tasks_hash,
    utc_now,
    write_run_info,
    write_tasks,
)
from arcforge.runs.config import RunConfig
from arcforge.runs.verifier import pending as pending_verification
from arcforge.runs.verifier import sandbox_settings
from arcforge.tasks import Task
from arcforge.transforms import parse_augment

LOCK = ".lock"


@dataclass(slots=True)
class Prepared:
    run_dir: Path
    info: RunInfo
    tasks: list[Task]
    records: Iterable[SampleRecord]  # what the run recorded so far (read once, streamed)
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


def _run_id(kind: str, model: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", model.split("/", 1)[-1]).strip("-")[:40] or "model"
    prefix = {"code": "codegen", "predict": "predict"}.get(kind, "traces")
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
    augment = parse_augment(s.augment, "--augment")  # bad options fail before any folder
    agent = make_agent(config.kind, config.prompt, s.encoding)
    tasks = config.tasks if config.tasks is not None else load_tasks(
        s.data, config.task_ids, config.max_tasks)
    if not tasks:
        raise UsageError("no tasks to run")
    # a template that cannot be rendered fails before any folder
    agent.messages(tasks[0], 0 if config.kind == "predict" else None)
    feedback = _feedback_template(config, tasks[0])
    run_id = _run_id(config.kind, s.model)
    run_dir = Path(s.out) / run_id
    try:
        run_dir.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise UsageError(f"--out {s.out}: cannot create the run folder: {exc.strerror}") from None
    info = RunInfo(
        format_version=FORMAT_VERSION,
        run_id=run_id,
        kind=config.kind,
        created_at=utc_now(),
        arcforge_version=package_version(),
        python=platform.python_version(),
        model=s.model,
        base_url=s.base_url,
        data=s.data if config.tasks is None else "(tasks given in-process)",
        task_ids=[(t.id, t.version) for t in tasks],
        tasks_file=TASKS,
        tasks_sha256=tasks_hash(tasks),
        samples=s.samples,
        temperature=s.temperature,
        max_tokens=s.max_tokens,
        encoding=s.encoding,
        prompt=PromptInfo(source=agent.template.source, sha256=agent.template.sha256,
                          text=agent.template.text),
        settings=s.public_dict(),
        sessions=[_session(config, resumed=False)],
    )
    if config.kind == "code" and config.verify:
        info.sandbox = sandbox_settings(s)  # resume verifies under the same settings
    if augment:
        info.augment = augment
    if feedback is not None:
        info.rounds = s.rounds
        info.feedback_prompt = PromptInfo(source=feedback.source, sha256=feedback.sha256,
                                          text=feedback.text)
    lock = lock_run(run_dir)
    write_tasks(run_dir, tasks)
    write_run_info(run_dir, info)
    return Prepared(run_dir, info, list(tasks), [], s.base_url, lock)


def _feedback_template(config: RunConfig, task: Task) -> PromptTemplate | None:
    """The feedback template of a refining code run (checked by rendering it once)."""
    rounds = config.settings.rounds
    if config.kind != "code":  # the setting is codegen's: traces and answers run no program
        return None
    if config.feedback_prompt is not None and rounds == 1:
        raise UsageError("--feedback-prompt: needs --rounds 2 or more (feedback is what a "
                         "later round is told)")
    if rounds == 1:
        return None
    template = feedback_template(None if config.feedback_prompt is None
                                 else str(config.feedback_prompt))
    render_feedback(template, feedback_values(task, None, "a check of the template",
                                              config.settings.encoding), 1, rounds)
    render_feedback(template, feedback_values(task, pending_verification(task), None,
                                              config.settings.encoding), 1, rounds)
    return template


def load_run_tasks(run_dir: Path, info: RunInfo) -> list[Task]:
    """The tasks snapshot of a run, checked against the hash in ``run.json``."""
    try:
        return read_tasks(run_dir, info)
    except RunFileError as exc:
        raise UsageError(f"{exc}; the run cannot be resumed") from None


def resume_run(config: RunConfig) -> Prepared:
    assert config.resume is not None
    run_dir = Path(config.resume)
    try:
        info = read_run_info(run_dir)
    except RunFileError as exc:
        raise UsageError(f"--resume {run_dir}: {exc}") from None
    if info.kind != config.kind:
        command = {"code": "codegen", "predict": "predict"}.get(info.kind, "traces")
        raise UsageError(f"--resume {run_dir}: this is a {info.kind} run; "
                         f"resume it with arcforge {command}")
    tasks = load_run_tasks(run_dir, info)
    lock = lock_run(run_dir)
    try:
        journal = run_dir / JOURNAL
        records: Iterable[SampleRecord] = (
            iter_journal(journal) if journal.is_file() else load_records(run_dir))
        info.sessions = [*info.sessions, _session(config, resumed=True)]
        write_run_info(run_dir, info)
    except BaseException:
        lock.close()
        raise
    base_url = config.settings.base_url or info.base_url
    return Prepared(run_dir, info, tasks, records, base_url, lock)
