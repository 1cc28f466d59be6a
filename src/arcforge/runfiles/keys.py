"""A compact set of record keys: how readers keep "the first record of a key wins" without
holding a tuple per record (a million keys take about 60 MB instead of 170)."""

from __future__ import annotations

from typing import Any

_LOW = 12  # bits for each of test index + 1 and round in a packed key


class KeySet:
    """Record keys ``(task id, version, sample, test index, round)`` seen so far."""

    def __init__(self) -> None:
        self._by_task: dict[tuple[str, int], set[int]] = {}
        self._other: set[tuple[Any, ...]] = set()  # keys whose numbers do not pack

    def add(self, key: tuple[str, int, int, int | None, int]) -> bool:
        """Note ``key``; whether it was new."""
        task_id, version, sample, test_index, round_ = key
        test = 0 if test_index is None else test_index + 1
        if sample >= 0 and 0 <= test < 1 << _LOW and 0 <= round_ < 1 << _LOW:
            code = (sample << 2 * _LOW) | (test << _LOW) | round_
            bucket = self._by_task.get((task_id, version))
            if bucket is None:
                bucket = self._by_task[(task_id, version)] = set()
            if code in bucket:
                return False
            bucket.add(code)
            return True
        if key in self._other:
            return False
        self._other.add(key)
        return True
