"""What the studio tells about its own setup: data sources and run settings without the
server's paths, addresses or hints about API keys."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from arcforge.data.bundled import BUNDLED

# run.json fields shown as they are; everything else (output folders, base URLs, which key
# variables are set, the prompt's text) stays on the server
RUN_FIELDS = ("run_id", "kind", "created_at", "started_at", "finished_at", "status",
              "arcforge_version", "model", "samples", "temperature", "max_tokens", "encoding",
              "rounds", "augment", "tasks_sha256")


def data_name(spec: Any) -> str | None:
    """A data spec as shown: a bundled set's name, else a file or folder's base name."""
    if not isinstance(spec, str) or not spec:
        return None
    if spec in BUNDLED or spec == "store" or spec.startswith("("):
        return spec
    return PurePath(spec.replace("\\", "/")).name or None


def run_info(info: Any) -> dict[str, Any]:
    """The public part of a ``run.json`` (or of a merged run's record)."""
    if not isinstance(info, dict):
        return {}
    public = {k: info[k] for k in RUN_FIELDS if k in info}
    if "data" in info:
        public["data"] = data_name(info["data"])
    if isinstance(info.get("task_ids"), list):
        public["tasks"] = len(info["task_ids"])
    prompt = info.get("prompt")
    if isinstance(prompt, dict):
        source = prompt.get("source")
        public["prompt"] = {
            "source": source if isinstance(source, str) and source.startswith("package:")
            else data_name(source),
            "sha256": prompt.get("sha256"),
        }
    return public
