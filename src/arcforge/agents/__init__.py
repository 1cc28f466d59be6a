"""The two agents: reasoning traces and reasoning plus code. :func:`make_agent` builds one."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from arcforge.agents.base import Agent, Parsed, prompt_hash
from arcforge.agents.encoding import check_encoding, encode_grid
from arcforge.agents.extract import extract_code
from arcforge.agents.reasoning_code import ReasoningCodeAgent
from arcforge.agents.reasoning_trace import ReasoningTraceAgent
from arcforge.agents.templates import PromptTemplate, bundled_template, load_template

__all__ = [
    "Agent",
    "Parsed",
    "PromptTemplate",
    "ReasoningCodeAgent",
    "ReasoningTraceAgent",
    "encode_grid",
    "extract_code",
    "make_agent",
    "prompt_hash",
]


def make_agent(
    kind: Literal["reasoning", "code"],
    prompt: str | Path | None = None,
    encoding: str = "json",
    template: PromptTemplate | None = None,
) -> Agent:
    """The agent for ``kind`` with ``template``, the template file ``prompt``, or the
    bundled template."""
    enc = check_encoding(encoding)
    if template is None:
        bundled = "reasoning_trace" if kind == "reasoning" else "reasoning_code"
        template = load_template(prompt) if prompt else bundled_template(bundled)
    if kind == "reasoning":
        return ReasoningTraceAgent("reasoning", template, enc)
    return ReasoningCodeAgent("code", template, enc)
