"""Exceptions shared by every part of arcforge.

Every error meant for a person derives from :class:`ArcforgeError`; the CLI prints
its message (no traceback) and exits with its ``exit_code``.
"""

from __future__ import annotations


class ArcforgeError(Exception):
    """An error with a message meant for the user."""

    exit_code: int = 1


class UsageError(ArcforgeError):
    """Bad command-line arguments or options (exit code 2)."""

    exit_code = 2
