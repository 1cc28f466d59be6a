"""Tasks and their versions: importing originals, signing and removing variations, browsing.

Version numbers: the original is 0; a new variation gets the highest number the task
has ever had plus one. Removal is soft, so numbers are never reused or renumbered.
Signing content identical to an existing version signs that version; a removed one is
restored when its creator or an admin signs it (anyone else gets a :class:`ConflictError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import and_, distinct, exists, func, select
from sqlalchemy.orm import Session

from arcforge.lineage import Keys, follow_spec, match_keys, original_keys
from arcforge.store.engine import StoreBase, now
from arcforge.store.errors import ConflictError, NotFoundError, StoreError
from arcforge.store.schema import (
    CHECK_MODE,
    MAX_NAME,
    MAX_SOURCE,
    Attempt,
    Signature,
    TaskRow,
    TaskVersion,
    Trace,
    User,
)
from arcforge.store.users import ensure_user, get_user_row
from arcforge.store.views import RemovedVersion, SignResult, TaskPage, TaskSummary, VersionView
from arcforge.tasks import Task, TaskFormatError, task_problems
from arcforge.transforms import apply

CHUNK = 500


@dataclass
class TaskImport:
    """What :meth:`TaskRepository.import_tasks` did."""

    tasks_added: int = 0
    versions_added: int = 0
    signatures_added: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # one message per conflict
    conflicting: list[tuple[str, int]] = field(default_factory=list)  # (task id, version)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def signers(session: Session, version_ids: Sequence[int]) -> dict[int, list[str]]:
    """Signer names of each version, in signing order."""
    names: dict[int, list[str]] = {}
    for part in chunks(list(version_ids)):
        rows = session.execute(
            select(Signature.version_id, User.username)
            .join(User, User.id == Signature.user_id)
            .where(Signature.version_id.in_(part))
            .order_by(Signature.id)
        )
        for vid, name in rows:
            names.setdefault(vid, []).append(name)
    return names


def version_view(
    session: Session, row: TaskVersion, signed: list[str] | None = None
) -> VersionView:
    if signed is None:
        signed = signers(session, [row.id]).get(row.id, [])
    creator = session.get(User, row.created_by) if row.created_by is not None else None
    parent = None
    if row.parent_task_id is not None and row.parent_version is not None:
        parent = (row.parent_task_id, row.parent_version)
    return VersionView(
        task_id=row.task_id,
        version=row.version,
        content=row.content,
        content_hash=row.content_hash,
        signed_by=tuple(signed),
        parent=parent,
        transform=tuple(row.transform or ()),
        created_by=creator.username if creator else None,
        created_at=row.created_at,
        removed=row.removed,
        train_keys=tuple(row.train_keys or ()),
        test_keys=tuple(row.test_keys or ()),
    )


def view_to_task(view: VersionView) -> Task:
    """The :class:`arcforge.tasks.Task` of a stored version (content was checked on the way in)."""
    task, problems = task_problems(view.content, "store", task_id=view.task_id, path=view.task_id)
    if problems:
        raise TaskFormatError(problems)
    assert task is not None
    return task.with_(
        version=view.version,
        signed_by=view.signed_by,
        parent=view.parent,
        transform=view.transform,
    )


def lock_task(session: Session, task_id: str) -> None:
    """Serialise writers of one task's versions (PostgreSQL row lock; SQLite writes are
    serialised already), so concurrent signers never race for a version number."""
    session.execute(select(TaskRow.id).where(TaskRow.id == task_id).with_for_update())


def version_row(session: Session, task_id: str, version: int) -> TaskVersion:
    row = session.scalar(
        select(TaskVersion).where(TaskVersion.task_id == task_id, TaskVersion.version == version)
    )
    if row is None:
        if session.get(TaskRow, task_id) is None:
            raise NotFoundError(f"no task {task_id!r} in the store")
        raise NotFoundError(f"task {task_id} has no version {version}")
    return row


def _sign(session: Session, version_id: int, user_id: int) -> bool:
    exists = session.scalar(
        select(Signature.id).where(Signature.version_id == version_id, Signature.user_id == user_id)
    )
    if exists is not None:
        return False
    session.add(Signature(version_id=version_id, user_id=user_id, created_at=now()))
    return True


def new_version_row(task: Task, created_by: int | None, keys: Keys) -> TaskVersion:
    """A version row; ``keys`` are its pairs' answer keys (:mod:`arcforge.lineage`)."""
    content = task.content()
    return TaskVersion(
        task_id=task.id,
        version=task.version,
        content=content,
        train_keys=list(keys[0]),
        test_keys=list(keys[1]),
        content_hash=task.content_hash(),
        test_count=len(task.test),
        parent_task_id=task.parent[0] if task.parent else None,
        parent_version=task.parent[1] if task.parent else None,
        transform=list(task.transform) or None,
        created_by=created_by,
        created_at=now(),
        removed=False,
    )


@dataclass(frozen=True, slots=True)
class _Stored:
    """What an import needs to know of a stored version (its content is not loaded)."""

    row_id: int
    version: int
    content_hash: str


def _import_one(
    session: Session,
    task: Task,
    existing: dict[tuple[str, int], _Stored],
    by_hash: dict[tuple[str, str], _Stored],
    report: TaskImport,
    pending: dict[tuple[str, int], tuple[TaskVersion, list[int]]],
    originals: dict[str, dict[str, Any] | None],
) -> str | None:
    """Add one task version (or its missing signatures); return a conflict message or None."""
    digest = task.content_hash()
    stored = existing.get((task.id, task.version))
    if stored is not None and stored.content_hash != digest:
        return f"task {task.id} version {task.version}: the store holds different content"
    same = by_hash.get((task.id, digest))
    if stored is None and same is not None:
        return f"task {task.id} version {task.version}: identical to stored version {same.version}"
    signer_ids = [ensure_user(session, n, "human", imported=True).id for n in task.signed_by]
    if stored is None:
        row = new_version_row(task, signer_ids[0] if signer_ids else None,
                              _imported_keys(session, task, originals))
        session.add(row)  # inserted with the others in one batch at the next flush
        pending[(task.id, task.version)] = (row, signer_ids)
        stored = _Stored(-1, task.version, digest)
        existing[(task.id, task.version)] = by_hash[(task.id, digest)] = stored
        report.versions_added += 1
        return None
    report.unchanged += 1
    if (task.id, task.version) in pending:  # the same version twice in one import
        pending[(task.id, task.version)][1].extend(signer_ids)
        return None
    for uid in signer_ids:
        report.signatures_added += _sign(session, stored.row_id, uid)
    return None


def _imported_keys(
    session: Session, task: Task, originals: dict[str, dict[str, Any] | None]
) -> Keys:
    """Answer keys of an imported version: its own for an original; for a variation (its
    lineage comes from a file, so it is not trusted) found by comparing it with the original."""
    content = task.content()
    if task.version == 0:
        originals[task.id] = content
        return original_keys(content)
    if task.id not in originals:
        originals[task.id] = session.scalar(select(TaskVersion.content).where(
            TaskVersion.task_id == task.id, TaskVersion.version == 0))
    original = originals[task.id] or {"train": [], "test": []}
    return match_keys(original, content, own=f"v{task.version}")


class TaskRepository(StoreBase):
    def import_tasks(
        self,
        tasks: Sequence[Task],
        source: str | None = None,
        *,
        on_conflict: Literal["error", "skip"] = "error",
    ) -> TaskImport:
        """Add tasks (originals and numbered variations, with their signers) in one transaction.

        A version already stored with the same content only gains missing signers. A version
        whose number holds different content, or whose content is stored under another
        number, is a conflict: with ``on_conflict="error"`` nothing is written and
        :class:`ConflictError` lists them all; with ``"skip"`` the others are added.
        Tasks known only from merged traces get their content here.
        """

        too_long = sorted({t.id for t in tasks if len(t.id) > MAX_NAME})
        if too_long:
            raise StoreError(f"task ids of more than {MAX_NAME} characters: {too_long[:3]}")
        if source is not None and len(source) > MAX_SOURCE:
            raise StoreError(f"source: at most {MAX_SOURCE} characters, got {len(source)}")

        def run(session: Session) -> TaskImport:
            report = TaskImport()
            ids = sorted({t.id for t in tasks})
            existing: dict[tuple[str, int], _Stored] = {}
            by_hash: dict[tuple[str, str], _Stored] = {}
            known: set[str] = set()
            columns = (
                TaskVersion.id,
                TaskVersion.task_id,
                TaskVersion.version,
                TaskVersion.content_hash,
            )
            for part in chunks(ids):
                known.update(session.scalars(select(TaskRow.id).where(TaskRow.id.in_(part))))
                query = select(*columns).where(TaskVersion.task_id.in_(part))
                for row_id, task_id, version, digest in session.execute(query):
                    stored = _Stored(row_id, version, digest)
                    existing[(task_id, version)] = by_hash[(task_id, digest)] = stored
            stamp = now()
            new_rows = [
                {"id": i, "source": source, "created_at": stamp} for i in ids if i not in known
            ]
            if new_rows:
                session.execute(TaskRow.__table__.insert(), new_rows)
            report.tasks_added = len(new_rows)
            pending: dict[tuple[str, int], tuple[TaskVersion, list[int]]] = {}
            originals: dict[str, dict[str, Any] | None] = {}
            for task in sorted(tasks, key=lambda t: (t.id, t.version)):
                conflict = _import_one(
                    session, task, existing, by_hash, report, pending, originals
                )
                if conflict is not None:
                    report.conflicts.append(conflict)
                    report.conflicting.append((task.id, task.version))
            session.flush()
            for row, signer_ids in pending.values():
                for uid in signer_ids:
                    report.signatures_added += _sign(session, row.id, uid)
            if report.conflicts and on_conflict == "error":
                raise ConflictError("\n".join(report.conflicts))
            if source is not None:
                for part in chunks(ids):
                    for row in session.scalars(
                        select(TaskRow).where(TaskRow.id.in_(part), TaskRow.source.is_(None))
                    ):
                        row.source = source
            return report

        return self.transact(run)

    def get_version(self, task_id: str, version: int = 0) -> VersionView:
        """One version (removed ones included; see ``removed``)."""
        with self.reading() as session:
            return version_view(session, version_row(session, task_id, version))

    def get_task(self, task_id: str, version: int = 0) -> Task:
        """A stored version as an :class:`arcforge.tasks.Task` (for checking answers)."""
        return view_to_task(self.get_version(task_id, version))

    def list_versions(
        self, task_id: str, include_removed: bool = True, numbers: Iterable[int] | None = None
    ) -> list[VersionView]:
        """Versions of a task by number (every one, or just ``numbers``), with signers and
        the removed flag."""
        with self.reading() as session:
            if session.get(TaskRow, task_id) is None:
                raise NotFoundError(f"no task {task_id!r} in the store")
            query = select(TaskVersion).where(TaskVersion.task_id == task_id)
            if not include_removed:
                query = query.where(TaskVersion.removed.is_(False))
            if numbers is not None:
                query = query.where(TaskVersion.version.in_(list(numbers)))
            rows = list(session.scalars(query.order_by(TaskVersion.version)))
            names = signers(session, [r.id for r in rows])
            return [version_view(session, r, names.get(r.id, [])) for r in rows]

    def sign_variation(
        self, task_id: str, base_version: int, spec: Any, user_id: int,
        *, max_created: int | None = None,
    ) -> SignResult:
        """Apply a transform spec to a version and sign the result.

        Identical content to an existing version signs it (``"signed"``, or
        ``"already_signed"``; a removed one is brought back, ``"restored"``, but only by its
        creator or an admin: anyone else gets :class:`ConflictError`); new content becomes
        version highest + 1 (``"created"``), unless the user already created ``max_created``
        versions of the task (removed ones count): :class:`ConflictError`. Raises
        :class:`TransformError` for a bad spec and :class:`NotFoundError` for an unknown
        task, version or user.
        """

        return self.transact(
            lambda session: sign_in(session, task_id, base_version, spec, user_id, max_created))

    def sign_version(self, task_id: str, version: int, user_id: int) -> VersionView:
        """Add a signer to an existing live version (nothing changes if already signed)."""

        def run(session: Session) -> VersionView:
            user = get_user_row(session, user_id)
            row = version_row(session, task_id, version)
            if row.removed:
                raise StoreError(f"task {task_id} version {version} was removed")
            _sign(session, row.id, user.id)
            session.flush()
            return version_view(session, row)

        return self.transact(run)

    def remove_variation(self, task_id: str, version: int, by_user_id: int) -> RemovedVersion:
        """Softly remove a variation (its number stays taken); return who made and signed it.

        Permission checks are the caller's. The original (version 0) cannot be removed.
        """
        if version == 0:
            raise StoreError(f"task {task_id} version 0 is the original and cannot be removed")

        def run(session: Session) -> RemovedVersion:
            get_user_row(session, by_user_id)
            row = version_row(session, task_id, version)
            if not row.removed:
                row.removed, row.removed_by, row.removed_at = True, by_user_id, now()
            view = version_view(session, row)
            return RemovedVersion(task_id, version, view.created_by, view.signed_by)

        return self.transact(run)

    def list_tasks(
        self,
        *,
        viewer_id: int | None = None,
        has_traces: bool | None = None,
        has_variations: bool | None = None,
        solved_by: int | None = None,
        source: str | None = None,
        id_prefix: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> TaskPage:
        """A page of tasks by id, with counts, for the task browser.

        ``solved_by`` keeps tasks that user solved: some version with a correct attempt on
        every test input. ``solved_by_viewer`` in each row says the same for ``viewer_id``.
        Counts are per-task index lookups, so a page costs the same in a large store.
        """
        if limit < 1 or offset < 0:
            raise StoreError("limit must be >= 1 and offset >= 0")
        live_traces = and_(Trace.task_id == TaskRow.id, Trace.removed.is_(False))
        live_variations = and_(
            TaskVersion.task_id == TaskRow.id,
            TaskVersion.version > 0,
            TaskVersion.removed.is_(False),
        )
        conditions: list[Any] = []
        if has_traces is not None:
            found = exists().where(live_traces)
            conditions.append(found if has_traces else ~found)
        if has_variations is not None:
            found = exists().where(live_variations)
            conditions.append(found if has_variations else ~found)
        if solved_by is not None:
            conditions.append(TaskRow.id.in_(_solved_ids(solved_by)))
        if source is not None:
            conditions.append(TaskRow.source == source)
        if id_prefix:
            conditions.append(TaskRow.id.startswith(id_prefix, autoescape=True))
        count = func.count()
        n_traces = select(count).where(live_traces).scalar_subquery()
        n_versions = (
            select(count)
            .where(TaskVersion.task_id == TaskRow.id, TaskVersion.removed.is_(False))
            .scalar_subquery()
        )
        n_attempts = select(count).where(Attempt.task_id == TaskRow.id).scalar_subquery()
        has_content = exists().where(TaskVersion.task_id == TaskRow.id, TaskVersion.version == 0)
        page = (
            select(TaskRow.id, TaskRow.source, has_content, n_versions, n_traces, n_attempts)
            .where(*conditions)
            .order_by(TaskRow.id)
            .limit(limit)
            .offset(offset)
        )
        with self.reading() as session:
            total = session.scalar(select(func.count(TaskRow.id)).where(*conditions)) or 0
            rows = session.execute(page).all()
            solved: set[str] = set()
            ids = [r[0] for r in rows]
            if viewer_id is not None and ids:
                solved = set(
                    session.scalars(
                        select(TaskRow.id).where(
                            TaskRow.id.in_(ids), TaskRow.id.in_(_solved_ids(viewer_id))
                        )
                    )
                )
        items = tuple(
            TaskSummary(
                id=tid,
                source=src,
                has_content=bool(content),
                versions=nv,
                traces=nt,
                attempts=na,
                solved_by_viewer=tid in solved,
            )
            for tid, src, content, nv, nt, na in rows
        )
        return TaskPage(total=total, items=items)

    def task_ids(self, with_content: bool = True) -> list[str]:
        """Every task id, sorted; with ``with_content`` only tasks whose original is stored."""
        if with_content:
            query = select(TaskVersion.task_id).where(TaskVersion.version == 0)
        else:
            query = select(TaskRow.id)
        with self.reading() as session:
            return sorted(session.scalars(query))

    def all_tasks(self) -> list[Task]:
        """Every live version of every task with content, by id then version."""
        with self.reading() as session:
            rows = list(
                session.scalars(
                    select(TaskVersion)
                    .where(TaskVersion.removed.is_(False))
                    .order_by(TaskVersion.task_id, TaskVersion.version)
                )
            )
            names = signers(session, [r.id for r in rows])
            views = [version_view(session, r, names.get(r.id, [])) for r in rows]
        return [view_to_task(v) for v in views]


def sign_in(
    session: Session, task_id: str, base_version: int, spec: Any, user_id: int,
    max_created: int | None = None,
) -> SignResult:
    """:meth:`TaskRepository.sign_variation` within a transaction the caller holds."""
    lock_task(session, task_id)
    user = get_user_row(session, user_id)
    base = version_row(session, task_id, base_version)
    if base.removed:
        raise StoreError(f"task {task_id} version {base_version} was removed")
    parent = view_to_task(version_view(session, base, []))
    result = apply(parent, spec)
    digest = result.content_hash()
    same = session.scalar(
        select(TaskVersion).where(
            TaskVersion.task_id == task_id, TaskVersion.content_hash == digest
        )
    )
    if same is not None:
        if same.removed and user.role != "admin" and same.created_by != user.id:
            raise ConflictError(
                f"task {task_id} version {same.version} has this content and was "
                "removed by its author: only its creator or an admin may restore it"
            )
        outcome: Literal["signed", "already_signed", "restored"]
        outcome = "signed" if _sign(session, same.id, user.id) else "already_signed"
        if same.removed:
            same.removed, same.removed_by, same.removed_at = False, None, None
            outcome = "restored"
        session.flush()
        return SignResult(version_view(session, same), outcome)
    if max_created is not None:
        made = session.scalar(
            select(func.count()).where(
                TaskVersion.task_id == task_id, TaskVersion.created_by == user.id
            )
        )
        if (made or 0) >= max_created:
            raise ConflictError(
                f"you created {made} versions of task {task_id}, the most one person "
                "may (removed ones count); you can still sign existing versions"
            )
    highest = session.scalar(
        select(func.max(TaskVersion.version)).where(TaskVersion.task_id == task_id)
    )
    keys = follow_spec((tuple(base.train_keys or ()), tuple(base.test_keys or ())), spec)
    row = new_version_row(result.with_(version=(highest or 0) + 1), user.id, keys)
    session.add(row)
    session.flush()
    _sign(session, row.id, user.id)
    session.flush()
    return SignResult(version_view(session, row), "created")


def _solved_ids(user_id: int) -> Any:
    """Select of task ids where some version has a correct attempt on every test input
    (practice and study attempts alike; not outputs built from a description)."""
    correct = (
        select(
            Attempt.task_id,
            Attempt.task_version,
            func.count(distinct(Attempt.test_index)).label("n"),
        )
        .where(Attempt.user_id == user_id, Attempt.correct.is_(True),
               Attempt.mode != CHECK_MODE)
        .group_by(Attempt.task_id, Attempt.task_version)
        .subquery()
    )
    return (
        select(TaskVersion.task_id)
        .join(
            correct,
            and_(
                correct.c.task_id == TaskVersion.task_id,
                correct.c.task_version == TaskVersion.version,
            ),
        )
        .where(correct.c.n >= TaskVersion.test_count)
    )
