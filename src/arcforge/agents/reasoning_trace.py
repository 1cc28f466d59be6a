"""The reasoning-trace agent: train pairs in, an explanation of the rule out."""

from __future__ import annotations

from dataclasses import dataclass

from arcforge.agents.base import Agent, Parsed
from arcforge.models.base import ModelResponse

TEMPLATE = "reasoning_trace"


@dataclass(frozen=True, slots=True)
class ReasoningTraceAgent(Agent):
    def parse(self, response: ModelResponse) -> Parsed:
        return Parsed(reasoning=response.text.strip())
