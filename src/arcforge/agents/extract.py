"""Finding the ``solve_task`` program in a model's answer.

Copes with several fenced blocks (the last one defining ``solve_task`` wins), blocks
without a language tag, an unclosed last fence, and code with no fences at all among prose.
"""

from __future__ import annotations

import ast
import re

ENTRY = "solve_task"
_FENCE = re.compile(r"^[ \t]*(```|~~~)[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)",
                    re.M | re.S)
_DEFINES = re.compile(rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{ENTRY}[ \t]*\(", re.M)
_CODE_START = re.compile(r"^(?:import |from \S+ import |def |class |@|#|[A-Za-z_]\w*\s*=)")
_NOT_CODE_LANGS = {"json", "text", "txt", "output", "markdown", "md", "bash", "sh", "console"}


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block, in order."""
    return [(m.group(2).lower(), m.group(3)) for m in _FENCE.finditer(text)]


def _defines_entry(code: str) -> bool:
    return bool(_DEFINES.search(code))


def _unfenced(text: str) -> str | None:
    """Code among prose: from the imports above the last ``def solve_task`` to where the
    indented body and the code lines after it end, trimmed until it parses."""
    matches = list(_DEFINES.finditer(text))
    if not matches:
        return None
    lines = text.splitlines()
    at = text.count("\n", 0, matches[-1].start())
    start = at
    while start > 0 and (not lines[start - 1].strip() or _CODE_START.match(lines[start - 1])):
        start -= 1
    end = at + 1
    while end < len(lines) and (
        not lines[end].strip() or lines[end][:1] in " \t" or _CODE_START.match(lines[end])
    ):
        end += 1
    block = lines[start:end]
    while block:
        code = "\n".join(block).strip("\n")
        try:
            ast.parse(code)
            return code + "\n"
        except SyntaxError:
            block = block[:-1]
    return "\n".join(lines[at:end]).strip("\n") + "\n"


def extract_code(text: str) -> str | None:
    """The program defining ``solve_task`` in ``text``, or None when there is none."""
    blocks = [(lang, body) for lang, body in fenced_blocks(text) if lang not in _NOT_CODE_LANGS]
    defining = [body for _, body in blocks if _defines_entry(body)]
    if defining:
        return defining[-1].strip("\n") + "\n"
    return _unfenced(text)


def strip_code(text: str, code: str | None) -> str:
    """The answer's prose: the text without the fenced block holding ``code``."""
    if not code:
        return text.strip()
    for m in _FENCE.finditer(text):
        if m.group(3).strip("\n") == code.strip("\n"):
            return (text[: m.start()] + text[m.end():]).strip()
    return text.replace(code.strip("\n"), "").strip()
