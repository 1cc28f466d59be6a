"""The run's progress bar: done/total, rate, ETA, tokens, cost, errors and in-flight limit."""

from __future__ import annotations

import time
from collections import Counter

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class RunProgress:
    """A rich progress bar fed by finished samples (disabled when ``enabled`` is False)."""

    def __init__(self, label: str, total: int, done: int, console: Console, enabled: bool) -> None:
        self.tokens = 0
        self.cost = 0.0
        self.cost_known = False
        self.errors: Counter[str] = Counter()
        self.limit = 0
        self._started = time.monotonic()
        self._done_here = 0
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[stats]}"),
            console=console,
            disable=not enabled,
            refresh_per_second=2,  # each refresh costs about 2 ms of CPU
        )
        self._task = self._progress.add_task(label, total=total, completed=done, rate="",
                                             stats="")

    @property
    def console(self) -> Console:
        return self._progress.console

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.refresh()
        self._progress.stop()

    def advance(self, tokens: int, cost: float | None, error_kind: str | None, limit: int,
                finished: bool = True) -> None:
        """One answer recorded; ``finished`` when it ends its sample (a refinement round
        that goes on adds its tokens and cost only)."""
        self.tokens += tokens
        self.cost += cost or 0.0
        if error_kind:
            self.errors[error_kind] += 1
        self.limit = limit
        elapsed = time.monotonic() - self._started
        self._done_here += finished
        speed = self._done_here / elapsed if elapsed > 0 else 0.0
        if cost is not None:
            self.cost_known = True
        errors = sum(self.errors.values())
        cost_text = f"${self.cost:.4f}" if self.cost_known else "$?"
        self._progress.update(
            self._task,
            advance=int(finished),
            rate=f"{speed:.1f}/s" if speed else "",
            stats=f"tok {self.tokens:,} {cost_text} err {errors} limit {limit}",
        )

    def note(self, message: str) -> None:
        self.console.print(message)
