"""Adaptive concurrency and the journal, on their own."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from arcforge.runfiles import Journal, RunFileError, SampleRecord, read_results
from arcforge.runs.limiter import AdaptiveLimiter


async def test_limiter_never_exceeds_its_limit_and_adapts():
    limiter = AdaptiveLimiter(6)
    peak = 0

    async def request(rejected: bool) -> None:
        nonlocal peak
        async with limiter.slot():
            peak = max(peak, limiter.in_flight)
            await asyncio.sleep(0.001)
            if rejected:
                limiter.rate_limited()
            else:
                limiter.succeeded()

    await asyncio.gather(*(request(False) for _ in range(30)))
    assert peak == 6 and limiter.current == 6
    await asyncio.gather(*(request(True) for _ in range(4)))
    assert limiter.current == 2 and limiter.rejections == 4
    peak = 0
    await asyncio.gather(*(request(False) for _ in range(40)))
    assert peak <= 6 and 2 < limiter.current <= 6  # raised again by successes
    for _ in range(20):
        limiter.rate_limited()
    assert limiter.current == 1  # never below one


async def test_a_cancelled_waiter_gives_its_place_back():
    limiter = AdaptiveLimiter(1)
    async with limiter.slot():
        waiter = asyncio.create_task(limiter.slot().__aenter__())
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert limiter.in_flight == 0
    async with limiter.slot():
        assert limiter.in_flight == 1


def record(task: str, sample: int) -> SampleRecord:
    return SampleRecord(run_id="r", kind="reasoning", task_id=task, task_version=0,
                        sample=sample, model="m", response="x" * 50)


def test_journal_appends_and_survives_a_torn_last_line(tmp_path: Path):
    path = tmp_path / "results.jsonl"
    journal = Journal(path)
    for i in range(5):
        journal.append(record("a", i))
    journal.close()
    assert [r.sample for r in read_results(path).records] == [0, 1, 2, 3, 4]
    with path.open("ab") as fh:  # a kill in the middle of a write
        fh.write(json.dumps(record("a", 5).to_dict()).encode()[:40])
    assert len(read_results(path).records) == 5
    journal = Journal(path)  # reopening cuts the torn line before appending
    journal.append(record("a", 6))
    journal.close()
    assert [r.sample for r in read_results(path).records] == [0, 1, 2, 3, 4, 6]


def test_a_damaged_middle_line_is_an_error_naming_it(tmp_path: Path):
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(record("a", 0).to_dict()) + "\n{oops\n"
                    + json.dumps(record("a", 1).to_dict()) + "\n")
    with pytest.raises(RunFileError, match="line 2"):
        read_results(path)


async def test_retries_go_ahead_of_first_tries():
    limiter = AdaptiveLimiter(1)
    order: list[str] = []

    async def request(name: str, retry: bool) -> None:
        async with limiter.slot(retry=retry):
            order.append(name)

    async with limiter.slot():
        first = asyncio.create_task(request("first try", False))
        await asyncio.sleep(0)
        retry = asyncio.create_task(request("retry", True))
        await asyncio.sleep(0)
    await asyncio.gather(first, retry)
    assert order == ["retry", "first try"]


def test_probing_slows_down_near_the_last_rejected_level():
    limiter = AdaptiveLimiter(40)
    for _ in range(20):
        limiter.rate_limited()  # rejected at 21: the server holds about 20
    assert limiter.current == 20
    for _ in range(20):
        limiter.succeeded()
    assert 20.2 < limiter.limit < 20.3  # a quarter of 1/limit per success
    far = AdaptiveLimiter(40)
    far.limit = 10.0
    for _ in range(10):
        far.succeeded()
    assert far.limit > 10.9  # far below any rejection: full speed
