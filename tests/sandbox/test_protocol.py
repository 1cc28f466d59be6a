"""The host's checks on what workers send back, and on the limits it is given."""

from __future__ import annotations

import pytest

from arcforge.errors import ArcforgeError, UsageError
from arcforge.sandbox import SandboxPool
from arcforge.sandbox.pool import WorkerFailure, _parse_results


def test_well_formed_results_are_validated_again() -> None:
    malformed = [[[1, 2]], ["1", "23"], ["1a"], ["²"], [""], ["1" * 31], ["1"] * 31, "12"]
    reply = {"results": [
        {"s": "ok", "out": ["12", "90"]},
        *({"s": "ok", "out": rows} for rows in malformed),
        {"s": "error", "err": "ValueError: x" * 200},
        {"s": "timeout", "err": None},
    ]}
    results = _parse_results(reply, len(malformed) + 3)
    assert [r.status for r in results] == ["ok", *["invalid_output"] * len(malformed),
                                           "error", "timeout"]
    assert results[0].output == [[1, 2], [9, 0]]
    assert all("malformed" in (r.error or "") for r in results[1:-2])
    assert len(results[-2].error or "") == 600


@pytest.mark.parametrize("reply", [
    {},
    {"results": [{"s": "ok", "out": ["1"]}]},  # one result for two inputs
    {"results": [{"s": "pass", "out": ["1"]}, {"s": "ok", "out": ["1"]}]},
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
    with pytest.raises(ArcforgeError, match="ARCFORGE_SANDBOX_TIMEOUT_S"):
        SandboxPool()


def test_limits_from_the_settings_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TIMEOUT_S", "MEMORY_MB", "PACKAGES", "ISOLATION"):
        monkeypatch.delenv(f"ARCFORGE_SANDBOX_{name}", raising=False)
    (tmp_path / "arcforge.toml").write_text(
        'sandbox_timeout_s = 3\nsandbox_memory_mb = 700\nsandbox_isolation = "process"\n'
        'sandbox_packages = "numpy,idna"\n')
    assert SandboxPool().settings == {"isolation": "process", "timeout_s": 3.0,
                                      "memory_mb": 700, "packages": ["numpy", "idna"]}
    monkeypatch.setenv("ARCFORGE_SANDBOX_TIMEOUT_S", "4")  # the environment beats the file
    assert SandboxPool().timeout_s == 4.0


def test_grid_codec_round_trip() -> None:
    from arcforge.sandbox.inside.gridcodec import decode, encode

    grid = [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert encode(grid) == ["01234", "56789"]
    decoded = decode(encode(grid))
    assert decoded == grid and decoded is not grid and decoded[0] is not grid[0]
    assert all(type(c) is int for row in decoded for c in row)


@pytest.mark.parametrize("bad", [
    [], [[]], [[1, 2], [3]], [[True, 1]], [[10]], [[-1]], [[256]], [[1.0]], [(1, 2)],
    [[0] * 31], [[0]] * 31, "12", [["1"]], [[1], None],
])
def test_checked_encoding_takes_only_plain_grids(bad: object) -> None:
    from arcforge.grids import grid_problem
    from arcforge.sandbox.inside.gridcodec import encode, encode_checked

    assert encode_checked(bad) is None and grid_problem(bad) is not None
    for good in ([[0]], [[9, 0, 5]] * 3, [[7] * 30] * 30):
        assert encode_checked(good) == encode(good)


async def test_malformed_inputs_are_refused_before_the_sandbox() -> None:
    pool = SandboxPool(workers=1)  # never started: the check comes first
    for bad in ([[True]], [[10]], [[1, 2], [3]]):
        with pytest.raises(UsageError, match="sandbox input 0"):
            await pool.run("def solve_task(g):\n    return g\n", [bad])


async def test_a_run_verifies_under_its_recorded_sandbox_settings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from arcforge.runs.verifier import Verifier

    monkeypatch.setenv("ARCFORGE_SANDBOX_TIMEOUT_S", "9")
    recorded = {"isolation": "process", "timeout_s": 2.0, "memory_mb": 512,
                "packages": ["numpy"]}
    async with Verifier(1, True, recorded) as verifier:
        settings = verifier._pool.settings
        assert {k: settings[k] for k in ("timeout_s", "memory_mb", "packages")} == {
            "timeout_s": 2.0, "memory_mb": 512, "packages": ["numpy"]}
