"""Rules for names and passwords of studio accounts (shared by the API and the CLI).

Passwords are judged by zxcvbn (Dropbox's estimator: common-password lists, names, words,
keyboard patterns, repeats, sequences, dates): at least "safely unguessable" (score 3),
neither one character repeated nor containing the username.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$"
_USERNAME = re.compile(USERNAME_PATTERN)
MIN_PASSWORD = 8
MAX_PASSWORD = 256
MIN_STRENGTH = 3  # zxcvbn's score: 0 (trivial) to 4
_ZXCVBN_LENGTH = 72  # zxcvbn refuses longer input; a weak start makes a weak password


def username_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a new account name, or None."""
    if not _USERNAME.fullmatch(name):
        return (
            "username: 2-32 characters of letters, digits, '_', '-' and '.', "
            "starting with a letter or digit"
        )
    return None


def password_problem(password: str, username: str | None = None) -> str | None:
    """What is wrong with ``password`` as a new password for ``username``, or None."""
    if len(password) < MIN_PASSWORD:
        return f"password: at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"password: at most {MAX_PASSWORD} characters"
    if len(set(password)) == 1:
        return "password: one character repeated is too easy to guess"
    if username and username.casefold() in password.casefold():
        return "password: must not contain the username"
    judged = zxcvbn(password[:_ZXCVBN_LENGTH], user_inputs=[username] if username else [])
    if judged["score"] < MIN_STRENGTH:
        feedback = judged["feedback"]
        hint = feedback.get("warning") or " ".join(feedback.get("suggestions") or [])
        return "password: too easy to guess" + (f" ({hint.rstrip('.')})" if hint else "") + (
            "; a few unusual words make a strong one")
    return None
