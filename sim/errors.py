"""The one error type users see: a one-line message naming file, key, value and what is allowed."""

from __future__ import annotations

import difflib


class InputError(Exception):
    """Bad user input. ``str(exc)`` is the whole one-line message; the CLI exits 2 on it."""


def suggest(key: str, known) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or an empty string."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
