"""The model's code passes through the sandbox like any model's code."""

from __future__ import annotations

from arcforge.models.base import RequestContext
from arcforge.models.builtin import BuiltinDSLModel
from arcforge.models.builtin import model as model_module
from arcforge.sandbox import SandboxPool

TASKS = ("3c9b0459", "0d3d703e", "1cf80156", "a416b8f3")


async def test_code_for_known_tasks_passes_every_pair_in_the_sandbox(training: dict) -> None:
    model_module._RESULTS.clear()
    model = BuiltinDSLModel(workers=1)
    try:
        async with SandboxPool(workers=1) as pool:
            for tid in TASKS:
                task = training[tid]
                context = RequestContext(task.without_test_outputs(), 0, "code", "x")
                response = await model.generate([], context)
                assert response.code is not None, response.text
                verification = await pool.verify(response.code, task)
                statuses = [(p.split, p.status) for p in verification.pairs]
                assert verification.split("test"), tid
                assert all(status == "pass" for _, status in statuses), (tid, statuses)
    finally:
        await model.aclose()
