"""Showing grids to people: colour grids in the terminal (rich) and SVG for HTML pages."""

from __future__ import annotations

from html import escape

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from arcforge.grids import Grid
from arcforge.tasks import Task

# The ARC palette, colour 0 to 9.
PALETTE = [
    "#000000",
    "#0074D9",
    "#FF4136",
    "#2ECC40",
    "#FFDC00",
    "#AAAAAA",
    "#F012BE",
    "#FF851B",
    "#7FDBFF",
    "#870C25",
]


def grid_text(grid: Grid, numbers: bool = False) -> Text:
    """A grid as coloured terminal cells (two characters wide), optionally with digits."""
    text = Text()
    for r, row in enumerate(grid):
        if r:
            text.append("\n")
        for c in row:
            fg = "black" if c in (4, 5, 8) else "white"
            text.append(f"{c} " if numbers else "  ", style=f"{fg} on {PALETTE[c]}")
    return text


def task_renderable(
    task: Task, show_test_outputs: bool = True, numbers: bool = False
) -> RenderableType:
    """A table per section (train, test): input and output side by side for every pair."""
    parts: list[RenderableType] = []
    for section, pairs in (("train", task.train), ("test", task.test)):
        for i, pair in enumerate(pairs):
            table = Table(
                title=f"{task.key} {section}[{i}]", show_lines=False, box=None, padding=(0, 2)
            )
            h, w = len(pair.input), len(pair.input[0])
            table.add_column(f"input {h}x{w}")
            cells: list[RenderableType] = [grid_text(pair.input, numbers)]
            if pair.output is not None and (section == "train" or show_test_outputs):
                oh, ow = len(pair.output), len(pair.output[0])
                table.add_column(f"output {oh}x{ow}")
                cells.append(grid_text(pair.output, numbers))
            else:
                table.add_column("output")
                cells.append(Text("?" if pair.output is None else "(hidden)"))
            table.add_row(*cells)
            parts.append(table)
    return Group(*parts)


def differing_cells(grid: Grid, other: Grid | None) -> list[tuple[int, int]]:
    """The cells where two grids of one shape differ (none when the shapes differ)."""
    if other is None or len(grid) != len(other) or any(
            len(a) != len(b) for a, b in zip(grid, other, strict=True)):
        return []
    return [(r, c) for r, (a, b) in enumerate(zip(grid, other, strict=True))
            for c, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


def grid_svg(grid: Grid, cell: int = 12, title: str | None = None,
             marks: list[tuple[int, int]] | None = None) -> str:
    """A standalone inline SVG of a grid: one path per colour (runs of cells), thin lines;
    ``marks`` (row, column) cells are outlined (a diff against another grid)."""
    h, w = len(grid), len(grid[0])
    width, height = w * cell, h * cell
    runs: dict[int, list[str]] = {}
    for r, row in enumerate(grid):
        c = 0
        while c < w:
            colour, start = row[c], c
            while c < w and row[c] == colour:
                c += 1
            n = (c - start) * cell
            runs.setdefault(colour, []).append(f"M{start * cell} {r * cell}h{n}v{cell}h-{n}z")
    paths = "".join(
        f'<path fill="{PALETTE[k]}" d="{"".join(v)}"/>' for k, v in sorted(runs.items())
    )
    label = f"<title>{escape(title)}</title>" if title else ""
    outline = ""
    if marks:
        boxes = "".join(f"M{c * cell + 1} {r * cell + 1}h{cell - 2}v{cell - 2}h-{cell - 2}z"
                        for r, c in marks)
        outline = (f'<path class="diff" d="{boxes}" stroke="#ff2d95" stroke-width="2" '
                   'fill="none"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="grid" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" shape-rendering="crispEdges" role="img">{label}{paths}'
        f'<path d="{_lines(w, h, cell)}" stroke="#555" stroke-width="0.5" fill="none"/>'
        f'{outline}</svg>'
    )


def _lines(w: int, h: int, cell: int) -> str:
    vertical = "".join(f"M{x * cell} 0V{h * cell}" for x in range(w + 1))
    horizontal = "".join(f"M0 {y * cell}H{w * cell}" for y in range(h + 1))
    return vertical + horizontal
