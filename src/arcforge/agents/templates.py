"""Prompt templates: package files a user can replace with ``--prompt FILE``.

A template is Jinja2 text with ``### system`` and ``### user`` section headers (without
headers the whole file is the user message). Variables: ``train``, ``test_inputs``,
``encoding_note``, ``task_id``; direct-answer prompts (one test input each) also get
``test_input``, ``test_index`` (1-based) and ``test_count``. An unknown variable is an
error naming the file.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from arcforge.errors import UsageError

_SECTION = re.compile(r"^###[ \t]*(system|user)[ \t]*$", re.M | re.I)


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    source: str  # a file path, or package:<name> for a bundled template
    text: str
    option: str = "--prompt"  # the option that replaces it, named in errors

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def render(self, **values: Any) -> list[dict[str, str]]:
        """The chat messages of this template with ``values`` filled in."""
        import jinja2

        try:
            text = _compiled(self.text).render(**values)
        except jinja2.TemplateError as exc:
            raise UsageError(f"{self.option} {self.source}: {exc}") from None
        parts = _SECTION.split(text)
        if len(parts) == 1:
            return [{"role": "user", "content": text.strip()}]
        messages = [
            {"role": role.lower(), "content": body.strip()}
            for role, body in zip(parts[1::2], parts[2::2], strict=True)
            if body.strip()
        ]
        if parts[0].strip() or not any(m["role"] == "user" for m in messages):
            raise UsageError(f"{self.option} {self.source}: text must sit under a '### system' or "
                             "'### user' header, and a user section is required")
        return messages


@functools.lru_cache(maxsize=32)
def _compiled(text: str) -> Any:
    """A template compiled once (compiling costs far more than rendering)."""
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    return env.from_string(text)


def bundled_template(name: str, option: str = "--prompt") -> PromptTemplate:
    text = resources.files("arcforge.agents").joinpath("prompts", f"{name}.txt").read_text("utf-8")
    return PromptTemplate(f"package:{name}", text, option)


def load_template(path: str | Path, option: str = "--prompt") -> PromptTemplate:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{option} {path}: cannot read: {exc}") from None
    if not text.strip():
        raise UsageError(f"{option} {path}: the template is empty")
    template = PromptTemplate(str(path), text, option)
    import jinja2

    try:
        jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise UsageError(f"{option} {path}: line {exc.lineno}: {exc.message}") from None
    return template
