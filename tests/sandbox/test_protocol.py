"""The host's checks on what workers send back, and on the limits it is given."""

from __future__ import annotations

import pytest

from arcforge.errors import UsageError
from arcforge.sandbox import SandboxPool
from arcforge.sandbox.pool import WorkerFailure, _parse_results


def test_well_formed_results_are_validated_again() -> None:
    reply = {"results": [
        {"s": "ok", "out": [[1, 2]]},
        {"s": "ok", "out": [[1, True]]},  # a bool the child let through
        {"s": "ok", "out": [[10]]},
        {"s": "error", "err": "ValueError: x" * 200},
        {"s": "timeout", "err": None},
    ]}
    results = _parse_results(reply, 5)
    assert [r.status for r in results] == ["ok", "invalid_output", "invalid_output", "error",
                                           "timeout"]
    assert results[0].output == [[1, 2]]
    assert "bool" in (results[1].error or "") and "outside 0-9" in (results[2].error or "")
    assert len(results[3].error or "") == 600


@pytest.mark.parametrize("reply", [
    {},
    {"results": [{"s": "ok", "out": [[1]]}]},  # one result for two inputs
    {"results": [{"s": "pass", "out": [[1]]}, {"s": "ok", "out": [[1]]}]},
    {"results": ["ok", "ok"]},
])
def test_malformed_replies_condemn_the_worker(reply: dict) -> None:
    with pytest.raises(WorkerFailure):
        _parse_results(reply, 2)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"timeout_s": 0}, "timeout_s"),
    ({"memory_mb": 100}, "memory_mb"),
    ({"workers": 0}, "workers"),
    ({"isolation": "docker"}, "isolation"),
])
def test_bad_limits_are_usage_errors(kwargs: dict, name: str) -> None:
    with pytest.raises(UsageError, match=name):
        SandboxPool(**kwargs)


def test_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCFORGE_SANDBOX_TIMEOUT_S", "2.5")
    monkeypatch.setenv("ARCFORGE_SANDBOX_MEMORY_MB", "512")
    pool = SandboxPool()
    assert (pool.timeout_s, pool.memory_mb) == (2.5, 512)
    assert SandboxPool(timeout_s=1).timeout_s == 1.0  # an argument wins
    monkeypatch.setenv("ARCFORGE_SANDBOX_TIMEOUT_S", "soon")
    with pytest.raises(UsageError, match="ARCFORGE_SANDBOX_TIMEOUT_S"):
        SandboxPool()
