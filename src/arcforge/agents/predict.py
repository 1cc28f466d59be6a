"""The direct-answer agent: train pairs and one test input in, the output grid out (the
protocol of the ARC Prize leaderboard: one request per test input per sample)."""

from __future__ import annotations

from dataclasses import dataclass

from arcforge.agents.answers import extract_grid
from arcforge.agents.base import Agent, Parsed
from arcforge.models.base import ModelResponse

TEMPLATE = "predict"


@dataclass(frozen=True, slots=True)
class PredictAgent(Agent):
    def parse(self, response: ModelResponse) -> Parsed:
        found = extract_grid(response.text)
        text = response.text.strip()
        if found.grid is None:
            return Parsed(reasoning=text, error=found.message, error_kind=found.error)
        return Parsed(reasoning=text, answer=found.grid, answer_method=found.method)
