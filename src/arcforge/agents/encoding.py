"""How grids are written into prompts: ``json`` (one JSON row per line) or ``digits``
(one line of digits per row)."""

from __future__ import annotations

from typing import Literal

from arcforge.errors import UsageError
from arcforge.grids import Grid

Encoding = Literal["json", "digits"]
ENCODINGS: dict[str, str] = {
    "json": "Grids are JSON lists of rows; each number 0-9 is a colour.",
    "digits": "Grids are written one row per line; each digit 0-9 is a colour.",
}


def check_encoding(name: str) -> Encoding:
    if name not in ENCODINGS:
        raise UsageError(f"--encoding {name!r}: expected one of {', '.join(ENCODINGS)}")
    return name  # type: ignore[return-value]


def encode_grid(grid: Grid, encoding: Encoding = "json") -> str:
    """A grid as prompt text in the chosen encoding."""
    if encoding == "digits":
        return "\n".join("".join(str(c) for c in row) for row in grid)
    rows = ",\n".join(" [" + ",".join(map(str, row)) + "]" for row in grid)
    return f"[\n{rows}\n]"
