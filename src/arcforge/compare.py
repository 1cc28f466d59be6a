"""``arcforge compare``: runs side by side, and score against cost per task as a chart.

Any mix of run kinds: code and direct-answer runs are scored (both styles); traces runs
show their cost and tokens only. The chart plots the ARC Prize score against the cost per
task (log scale) and joins the runs nobody beats on both (the Pareto front), as the ARC
Prize leaderboard shows models.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from arcforge.runfiles import read_run_info, task_groups
from arcforge.scoring import score_run


@dataclass(slots=True)
class RunRow:
    run_id: str
    path: str
    model: str
    kind: str
    samples: int
    augment: str
    rounds: int
    arcprize_score: float | None
    kaggle_score: float | None
    tasks: int
    tasks_solved: int | None
    cost: float | None
    cost_per_task: float | None
    tokens: int
    seconds: float | None
    by_round: list[dict[str, Any]] = field(default_factory=list)  # refining code runs

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _seconds(started: list[str], finished: list[str]) -> float | None:
    try:
        first = min(datetime.fromisoformat(s.replace("Z", "+00:00")) for s in started if s)
        last = max(datetime.fromisoformat(s.replace("Z", "+00:00")) for s in finished if s)
    except ValueError:  # no times recorded
        return None
    return round((last - first).total_seconds(), 1)


def run_row(run_dir: Path) -> RunRow:
    """One run's line of the comparison (the run is read one task at a time)."""
    info = read_run_info(run_dir)
    priced: float | None = None
    seen_tasks = tokens = 0
    started: list[str] = []
    finished: list[str] = []
    for _, records in task_groups(run_dir):
        seen_tasks += 1
        for r in records:
            if r.cost is not None:
                priced = (priced or 0.0) + r.cost
            tokens += r.usage.total
        started.append(min((r.started_at for r in records if r.started_at), default=""))
        finished.append(max((r.finished_at for r in records if r.finished_at), default=""))
    cost = round(priced, 6) if priced is not None else None
    tasks = len(info.task_keys or []) or seen_tasks
    arcprize = kaggle = solved = None
    by_round: list[dict[str, Any]] = []
    if info.kind != "reasoning":
        scores = score_run(run_dir)
        arcprize, kaggle = scores.arcprize_score, scores.kaggle_score
        solved = scores.counts()["tasks_solved"]
        by_round = scores.rounds
    return RunRow(
        run_id=info.run_id, path=str(run_dir), model=info.model, kind=info.kind,
        samples=info.samples, augment=",".join(info.augment or []) or "-",
        rounds=info.rounds or 1, arcprize_score=arcprize,
        kaggle_score=kaggle, tasks=tasks, tasks_solved=solved, cost=cost,
        cost_per_task=cost / tasks if cost is not None and tasks else None,
        tokens=tokens,
        seconds=_seconds(started, finished),
        by_round=by_round,
    )


def pareto_front(rows: list[RunRow]) -> list[RunRow]:
    """The scored, priced runs that no other run beats on both score and cost per task,
    cheapest first."""
    points = [r for r in rows if r.arcprize_score is not None and r.cost_per_task is not None]
    front = [
        r for r in points
        if not any(o is not r and o.cost_per_task <= r.cost_per_task  # type: ignore[operator]
                   and (o.arcprize_score or 0) >= (r.arcprize_score or 0)
                   and (o.cost_per_task, o.arcprize_score) != (r.cost_per_task,
                                                              r.arcprize_score)
                   for o in points)
    ]
    return sorted(front, key=lambda r: r.cost_per_task or 0.0)


def render_table(rows: list[RunRow]) -> Any:
    """A rich table: one row per run."""
    from rich.table import Table

    pct, usd = _pct, _usd
    table = Table(title="runs compared")
    for column in ("run", "model", "method", "samples", "augment", "rounds", "ARC Prize",
                   "Kaggle", "cost / task", "tokens", "time"):
        table.add_column(column, justify="left" if column in ("run", "model", "method",
                                                               "augment") else "right")
    front = {id(r) for r in pareto_front(rows)}
    for r in rows:
        table.add_row(("* " if id(r) in front else "") + r.run_id, r.model, r.kind,
                      str(r.samples), r.augment, str(r.rounds), pct(r.arcprize_score),
                      pct(r.kaggle_score), usd(r.cost_per_task), f"{r.tokens:,}",
                      "-" if r.seconds is None else f"{r.seconds:,.0f} s")
    table.caption = "* on the Pareto front: no run scores higher for less per task"
    return table


def render_rounds_table(rows: list[RunRow]) -> Any:
    """A rich table of what each refinement round added (None when no run refined)."""
    from rich.table import Table

    refined = [r for r in rows if r.by_round]
    if not refined:
        return None
    table = Table(title="by refinement round")
    for column in ("run", "round", "requests", "ARC Prize", "tasks solved", "newly solved",
                   "cost of round", "cost / task so far"):
        table.add_column(column, justify="left" if column == "run" else "right")
    for r in refined:
        for n in r.by_round:
            table.add_row(r.run_id if n["round"] == 1 else "", str(n["round"]),
                          str(n["requests"]), _pct(n["arcprize_score"]),
                          str(n["tasks_solved"]), f"+{n['newly_solved']}",
                          _usd(n["cost_of_round"]), _usd(n["cost_per_task"]))
    return table


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1%}"


def _usd(v: float | None) -> str:
    return "unknown" if v is None else f"${v:.4f}"


def chart_svg(rows: list[RunRow], width: int = 720, height: int = 440) -> str:
    """Score (ARC Prize, pass@2) against cost per task, log scale; the front joined."""
    left, right, top, bottom = 70, 30, 30, 60
    plotted = [r for r in rows if r.arcprize_score is not None and r.cost_per_task is not None]
    costs = [max(r.cost_per_task or 0.0, 1e-6) for r in plotted] or [1e-3, 1.0]
    low = 10 ** math.floor(math.log10(min(costs)))
    high = 10 ** math.ceil(math.log10(max(costs)) + (1e-9 if max(costs) == low else 0))
    if high <= low:
        high = low * 10

    def x(cost: float) -> float:
        span = math.log10(high) - math.log10(low)
        return left + (math.log10(max(cost, low)) - math.log10(low)) / span * (
            width - left - right)

    def y(score: float) -> float:
        return top + (1 - score) * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" role="img">',
        "<title>ARC Prize score against cost per task</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for score in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(score):.1f}" '
                     f'y2="{y(score):.1f}" stroke="#ddd"/><text x="{left - 8}" '
                     f'y="{y(score) + 4:.1f}" text-anchor="end">{score:.0%}</text>')
    decade = low
    free = any(r.cost_per_task == 0 for r in plotted)
    while decade <= high * 1.0001:
        tick = "free" if free and decade == low else f"${decade:g}"
        parts.append(f'<line x1="{x(decade):.1f}" x2="{x(decade):.1f}" y1="{top}" '
                     f'y2="{height - bottom}" stroke="#eee"/><text x="{x(decade):.1f}" '
                     f'y="{height - bottom + 18}" text-anchor="middle">{tick}</text>')
        decade *= 10
    parts.append(f'<text x="{(left + width - right) / 2:.0f}" y="{height - 15}" '
                 'text-anchor="middle">cost per task (USD, log scale)</text>')
    parts.append(f'<text x="18" y="{(top + height - bottom) / 2:.0f}" text-anchor="middle" '
                 f'transform="rotate(-90 18 {(top + height - bottom) / 2:.0f})">'
                 "ARC Prize score (pass@2)</text>")
    front = pareto_front(rows)
    if len(front) > 1:
        points = " ".join(f"{x(r.cost_per_task or 0):.1f},{y(r.arcprize_score or 0):.1f}"
                          for r in front)
        parts.append(f'<polyline class="front" points="{points}" fill="none" '
                     'stroke="#0074D9" stroke-width="1.5" stroke-dasharray="4 3"/>')
    on_front = {id(r) for r in front}
    for r in plotted:  # a refining run's rounds: where it stood after each, joined
        steps = [n for n in r.by_round
                 if n["arcprize_score"] is not None and n["cost_per_task"] is not None]
        if len(steps) > 1:
            points = " ".join(f"{x(n['cost_per_task']):.1f},{y(n['arcprize_score']):.1f}"
                              for n in steps)
            parts.append(f'<polyline class="rounds" points="{points}" fill="none" '
                         'stroke="#FF851B" stroke-width="1"/>')
            parts += [f'<circle class="round" cx="{x(n["cost_per_task"]):.1f}" '
                      f'cy="{y(n["arcprize_score"]):.1f}" r="2.5" fill="#FF851B">'
                      f'<title>{escape(r.run_id)}: after round {n["round"]}</title></circle>'
                      for n in steps[:-1]]
    for r in plotted:
        cx, cy = x(r.cost_per_task or 0), y(r.arcprize_score or 0)
        colour = "#0074D9" if id(r) in on_front else "#888"
        label = escape(f"{r.model} ({r.kind}, k={r.samples}"
                       + (f", {r.augment}" if r.augment != "-" else "")
                       + (f", {r.rounds} rounds" if r.rounds > 1 else "") + ")")
        anchor, dx = ("end", -8) if cx > width * 0.55 else ("start", 8)
        parts.append(f'<circle class="run" cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{colour}">'
                     f"<title>{escape(r.run_id)}: {label}</title></circle>"
                     f'<text x="{cx + dx:.1f}" y="{cy - 8:.1f}" text-anchor="{anchor}">'
                     f"{label}</text>")
    parts.append("</svg>")
    return "\n".join(parts)
