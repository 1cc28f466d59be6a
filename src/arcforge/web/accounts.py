"""Rules for names and passwords of studio accounts (shared by the API and the CLI)."""

from __future__ import annotations

import re

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$"
_USERNAME = re.compile(USERNAME_PATTERN)
MIN_PASSWORD = 8
MAX_PASSWORD = 256


def username_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a new account name, or None."""
    if not _USERNAME.fullmatch(name):
        return (
            "username: 2-32 characters of letters, digits, '_', '-' and '.', "
            "starting with a letter or digit"
        )
    return None


def password_problem(password: str) -> str | None:
    """What is wrong with ``password`` as a new password, or None."""
    if len(password) < MIN_PASSWORD:
        return f"password: at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"password: at most {MAX_PASSWORD} characters"
    return None
