"""The reasoning-code agent: train pairs and test inputs in, reasoning plus a
``solve_task(input_grid)`` program out."""

from __future__ import annotations

from dataclasses import dataclass

from arcforge.agents.base import Agent, Parsed
from arcforge.agents.extract import ENTRY, extract_code, strip_code
from arcforge.models.base import ModelResponse

TEMPLATE = "reasoning_code"


@dataclass(frozen=True, slots=True)
class ReasoningCodeAgent(Agent):
    def parse(self, response: ModelResponse) -> Parsed:
        if response.code is not None:  # models that write code themselves hand it over
            return Parsed(reasoning=response.text.strip() or None, code=response.code)
        code = extract_code(response.text)
        if code is None:
            return Parsed(
                reasoning=response.text.strip(),
                error=f"no {ENTRY}(...) function found in the answer",
            )
        return Parsed(reasoning=strip_code(response.text, code), code=code)
