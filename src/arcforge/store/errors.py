"""Errors raised by the store; the web layer maps them to HTTP statuses (404, 409, 400)."""

from __future__ import annotations

from arcforge.errors import ArcforgeError


class StoreError(ArcforgeError):
    """Something the store cannot do as asked (bad value, unusable store)."""


class NotFoundError(StoreError):
    """A user, task, version, trace or run that does not exist."""


class ForbiddenError(StoreError):
    """Something nobody may do as asked (voting on one's own trace)."""


class ConflictError(StoreError):
    """A write that contradicts what is stored (a taken username, different content)."""


class InputFileError(StoreError):
    """An import or merge file that is corrupt or invalid; nothing was written."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or stays busy (a restart, a lost connection): the
    request may succeed if tried again."""
