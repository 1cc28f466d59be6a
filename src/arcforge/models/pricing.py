"""The cost of an answer: the provider's reported cost, else the price table."""

from __future__ import annotations

from arcforge.config import Price
from arcforge.models.base import Usage


def cost_of(usage: Usage, price: Price | None, reported: float | None = None) -> float | None:
    """USD for one answer; ``None`` when the provider reports none and no price is known.

    Reasoning tokens are part of the output tokens (as providers bill them).
    """
    if reported is not None:
        return float(reported)
    if price is None:
        return None
    return (usage.input_tokens * price.input + usage.output_tokens * price.output) / 1_000_000
