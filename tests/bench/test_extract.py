"""Finding solve_task in a model's answer."""

from __future__ import annotations

from arcforge.agents import make_agent
from arcforge.agents.extract import extract_code, strip_code
from arcforge.models.base import ModelResponse

SOLVE = "def solve_task(input_grid):\n    return input_grid\n"


def test_the_last_block_defining_solve_task_wins():
    text = (
        "First try:\n```python\ndef solve_task(g):\n    return 1\n```\n"
        "A helper:\n```python\ndef helper(x):\n    return x\n```\n"
        "Final:\n```py\nimport numpy as np\n\ndef solve_task(g):\n    return 2\n```\nDone."
    )
    code = extract_code(text)
    assert code == "import numpy as np\n\ndef solve_task(g):\n    return 2\n"


def test_blocks_without_a_language_and_output_blocks():
    text = f"Output:\n```json\n[[1]]\n```\nCode:\n```\n{SOLVE}```\n"
    assert extract_code(text) == SOLVE


def test_an_unclosed_fence_is_read_to_the_end():
    assert extract_code(f"Here:\n```python\n{SOLVE}") == SOLVE


def test_code_without_fences_among_prose():
    text = (
        "The rule flips the grid.\n\nimport numpy as np\n\ndef solve_task(input_grid):\n"
        "    g = np.array(input_grid)\n\n    return g[::-1].tolist()\n\n"
        "This handles every example."
    )
    code = extract_code(text)
    assert code is not None
    assert code.startswith("import numpy as np\n")
    assert "return g[::-1].tolist()" in code and "handles every" not in code
    compile(code, "solve", "exec")


def test_no_solve_task_is_none():
    assert extract_code("I cannot solve this.\n```python\nprint(1)\n```") is None
    assert extract_code("") is None


def test_reasoning_is_the_text_without_the_code():
    text = f"Reasoning here.\n```python\n{SOLVE}```\nThat is all."
    assert strip_code(text, extract_code(text)) == "Reasoning here.\n\nThat is all."


def test_code_agent_records_an_extraction_failure_and_takes_handed_code():
    agent = make_agent("code")
    parsed = agent.parse(ModelResponse(text="no code at all", model="m", provider="p"))
    assert parsed.code is None and parsed.error and "solve_task" in parsed.error
    handed = agent.parse(ModelResponse(text="", model="m", provider="builtin", code=SOLVE))
    assert handed.code == SOLVE and handed.error is None
