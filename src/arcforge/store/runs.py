"""Runs whose traces were merged: where a model trace came from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arcforge.store.engine import StoreBase, now
from arcforge.store.errors import NotFoundError
from arcforge.store.schema import Run, Trace
from arcforge.store.views import RunView


def ensure_run(
    session: Session,
    run_id: str,
    model: str,
    kind: str,
    source_file: str,
    created_at: float | None = None,
    info: dict[str, Any] | None = None,
) -> Run:
    """The run's row, recorded on first sight (later merges of the same run keep it)."""
    run = session.get(Run, run_id)
    if run is None:
        stamp = now()
        run = Run(
            id=run_id,
            model=model,
            kind=kind,
            source_file=source_file,
            created_at=created_at if created_at is not None else stamp,
            imported_at=stamp,
            info=info,
        )
        session.add(run)
        session.flush()
    return run


class RunRepository(StoreBase):
    def record_run(
        self,
        run_id: str,
        model: str,
        kind: str,
        source_file: str,
        created_at: float | None = None,
        info: dict[str, Any] | None = None,
    ) -> RunView:
        """Record a run (idempotent: an already recorded run is returned unchanged)."""

        def run(session: Session) -> RunView:
            ensure_run(session, run_id, model, kind, source_file, created_at, info)
            return _get(session, run_id)

        return self.transact(run)

    def get_run(self, run_id: str) -> RunView:
        with self.reading() as session:
            return _get(session, run_id)

    def list_runs(self) -> list[RunView]:
        """Every recorded run, newest first, with its number of live traces."""
        with self.reading() as session:
            ids = session.scalars(select(Run.id).order_by(Run.created_at.desc(), Run.id))
            return [_get(session, i) for i in ids]


def _get(session: Session, run_id: str) -> RunView:
    run = session.get(Run, run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id!r} in the store")
    traces = session.scalar(
        select(func.count()).where(Trace.run_id == run_id, Trace.removed.is_(False))
    )
    return RunView(
        id=run.id,
        model=run.model,
        kind=run.kind,
        source_file=run.source_file,
        created_at=run.created_at,
        imported_at=run.imported_at,
        traces=traces or 0,
        info=run.info,
    )
