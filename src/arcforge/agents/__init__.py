"""The agents: reasoning traces, reasoning plus code, and direct answers (grids).
:func:`make_agent` builds one."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from arcforge.agents.base import Agent, Parsed, prompt_hash
from arcforge.agents.encoding import check_encoding, encode_grid
from arcforge.agents.extract import extract_code
from arcforge.agents.predict import PredictAgent
from arcforge.agents.reasoning_code import ReasoningCodeAgent
from arcforge.agents.reasoning_trace import ReasoningTraceAgent
from arcforge.agents.templates import PromptTemplate, bundled_template, load_template

__all__ = [
    "Agent",
    "Parsed",
    "PredictAgent",
    "PromptTemplate",
    "ReasoningCodeAgent",
    "ReasoningTraceAgent",
    "encode_grid",
    "extract_code",
    "make_agent",
    "prompt_hash",
]


BUNDLED = {"reasoning": "reasoning_trace", "code": "reasoning_code", "predict": "predict"}


def make_agent(
    kind: Literal["reasoning", "code", "predict"],
    prompt: str | Path | None = None,
    encoding: str = "json",
    template: PromptTemplate | None = None,
) -> Agent:
    """The agent for ``kind`` with ``template``, the template file ``prompt``, or the
    bundled template."""
    enc = check_encoding(encoding)
    if template is None:
        template = load_template(prompt) if prompt else bundled_template(BUNDLED[kind])
    if kind == "reasoning":
        return ReasoningTraceAgent("reasoning", template, enc)
    if kind == "predict":
        return PredictAgent("predict", template, enc)
    return ReasoningCodeAgent("code", template, enc)
