"""Verdicts of running a candidate ``solve_task`` on every pair of a task.

Shared by the sandbox (which produces them), the runners (which record them) and
scoring (which reads them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from arcforge.grids import Grid

Status = Literal[
    "pass",  # output equals the expected grid
    "fail",  # a valid grid that differs from the expected one
    "error",  # solve_task raised, or the program did not load
    "timeout",  # the time limit ran out
    "invalid_output",  # returned something that is not a valid grid
    "unchecked",  # a valid grid, but the expected output is unknown
    "pending",  # not run (no sandbox used)
]


@dataclass(slots=True)
class PairVerdict:
    split: Literal["train", "test"]
    index: int
    status: Status
    output: Grid | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "index": self.index,
            "status": self.status,
            "output": self.output,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PairVerdict:
        return cls(d["split"], d["index"], d["status"], d.get("output"), d.get("error"))


@dataclass(slots=True)
class Verification:
    """The verdict of one program on every train and test pair of one task."""

    pairs: list[PairVerdict] = field(default_factory=list)
    duration_s: float = 0.0

    def split(self, name: str) -> list[PairVerdict]:
        return [p for p in self.pairs if p.split == name]

    @property
    def train_accuracy(self) -> float:
        train = self.split("train")
        return sum(p.status == "pass" for p in train) / len(train) if train else 0.0

    @property
    def passes_train(self) -> bool:
        train = self.split("train")
        return bool(train) and all(p.status == "pass" for p in train)

    def to_dict(self) -> dict[str, Any]:
        return {"pairs": [p.to_dict() for p in self.pairs], "duration_s": self.duration_s}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Verification:
        return cls([PairVerdict.from_dict(p) for p in d.get("pairs", [])], d.get("duration_s", 0.0))
