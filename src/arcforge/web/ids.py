"""Strict patterns for ids that come from URLs (task ids, run ids)."""

from __future__ import annotations

import re

from fastapi import HTTPException

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
_ID = re.compile(ID_PATTERN)


def is_safe_id(value: str) -> bool:
    """True for ids made of letters, digits, ``_.-`` (not first) and without ``..``."""
    return bool(_ID.fullmatch(value)) and ".." not in value


def checked_id(value: str, what: str) -> str:
    """Return ``value`` when it is a safe id, else raise 404 (nothing by that name exists)."""
    if not is_safe_id(value):
        raise HTTPException(404, f"no {what} {value[:100]!r}")
    return value
