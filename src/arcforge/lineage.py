"""Answer keys: which pair of the original task each pair of a version is.

Every pair of a task version gets a key naming the original's pair it shows: ``train:<i>``
or ``test:<j>`` (a test pair without an output has no key: there is no answer). Variations
rotate, mirror and recolour pairs and move them between train and test, but never invent
one, so a version's keys follow from its parent's through its transform spec exactly
(:func:`follow_spec`). A version whose lineage is unknown (imported content) is matched to
the original by content (:func:`match_keys`): the same pair, else the same pair up to a
rotation/reflection and a colour permutation, preferring a test pair when both fit; a test
pair that matches nothing is an answer of its own (``<tag>:<i>``).

Keys other than ``train:<i>`` name hidden answers (:func:`is_hidden`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from arcforge.transforms import Reorder, SwapTrainTest, parse_spec

Key = str | None
Keys = tuple[tuple[Key, ...], tuple[Key, ...]]  # (train keys, test keys)

_TURNS = tuple((k, flip) for flip in (False, True) for k in range(4))


def is_hidden(key: Key) -> bool:
    """True for a key naming a test output (an answer); train pairs are public."""
    return key is not None and not key.startswith("train:")


def original_keys(content: dict[str, Any]) -> Keys:
    """The keys of the original's own pairs."""
    return (
        tuple(f"train:{i}" for i in range(len(content["train"]))),
        tuple(None if p.get("output") is None else f"test:{j}"
              for j, p in enumerate(content["test"])),
    )


def follow_spec(parent: Keys, spec: Any) -> Keys:
    """The keys of the variation a spec makes from a version with keys ``parent`` (the
    spec was applied successfully, so its indexes fit)."""
    train, test = list(parent[0]), list(parent[1])
    for op in parse_spec(spec):
        if isinstance(op, SwapTrainTest):
            train[op.train], test[op.test] = test[op.test], train[op.train]
        elif isinstance(op, Reorder):
            train = [train[i] for i in op.train] if op.train is not None else train
            test = [test[i] for i in op.test] if op.test is not None else test
    return tuple(train), tuple(test)


def _canonical(input_grid: Any, output_grid: Any) -> str:
    """A pair's form up to rotation/reflection and colour permutation (applied to both)."""
    grids = [np.asarray(input_grid, dtype=np.uint8), np.asarray(output_grid, dtype=np.uint8)]
    best: bytes | None = None
    for k, flip in _TURNS:
        turned = [np.rot90(g.T if flip else g, k) for g in grids]
        cells = np.concatenate([g.ravel() for g in turned])
        colours, first = np.unique(cells, return_index=True)
        lut = np.zeros(10, dtype=np.uint8)
        lut[colours[np.argsort(first)]] = np.arange(len(colours), dtype=np.uint8)
        form = b"".join(bytes(g.shape) for g in turned) + b"|" + lut[cells].tobytes()
        best = form if best is None or form < best else best
    assert best is not None
    return hashlib.sha256(best).hexdigest()


def match_keys(original: dict[str, Any], content: dict[str, Any], own: str) -> Keys:
    """Keys of ``content`` found by comparing its pairs with the ``original``'s; a test pair
    with an output that matches none gets ``<own>:<index>``."""
    named: list[tuple[str, dict[str, Any]]] = [
        (k, p) for k, p in zip(original_keys(original)[1], original["test"], strict=True) if k
    ] + [(f"train:{i}", p) for i, p in enumerate(original["train"])]  # tests first: the safe side
    exact = {_literal(pair): key for key, pair in reversed(named)}
    loose: dict[str, str] = {}  # filled on the first pair that has no exact match

    def key_of(pair: dict[str, Any]) -> Key:
        if pair.get("output") is None:
            return None
        found = exact.get(_literal(pair))
        if found is not None:
            return found
        if not loose:
            loose.update((_canonical(p["input"], p["output"]), k) for k, p in reversed(named))
        return loose.get(_canonical(pair["input"], pair["output"]))

    train = tuple(key_of(p) for p in content["train"])
    test = tuple(
        None if p.get("output") is None else key_of(p) or f"{own}:{j}"
        for j, p in enumerate(content["test"])
    )
    return train, test


def _literal(pair: dict[str, Any]) -> str:
    return repr((pair["input"], pair.get("output")))


def hidden_keys(keys: Sequence[Key]) -> frozenset[str]:
    return frozenset(k for k in keys if k is not None and is_hidden(k))
