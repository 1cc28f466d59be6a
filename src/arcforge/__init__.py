"""arcforge: a studio and a bench for ARC-AGI."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """``__version__`` is read from the installed metadata on first use only (reading it
    costs more than the rest of ``import arcforge``)."""
    if name != "__version__":
        raise AttributeError(f"module 'arcforge' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("arcforge")
    except PackageNotFoundError:  # running from a source tree without install
        value = "0.0.0"
    globals()["__version__"] = value
    return value
