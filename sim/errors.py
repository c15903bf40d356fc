"""The one error type users see: a one-line message naming file, key, value and what is allowed."""

from __future__ import annotations

import difflib
import errno
import json
import math


class InputError(Exception):
    """Bad user input. ``str(exc)`` is the whole one-line message; the CLI exits 2 on it."""


#: Errors of a file system that cannot take what is written: reported in one line, exit 2.
WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)


def suggest(key: str, known) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or an empty string."""
    if not isinstance(key, str):
        return ""
    close = difflib.get_close_matches(key, [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def show(value, limit: int = 60) -> str:
    """A value as it is written in TOML, on one short line (``true``, ``"text"``, ``nan``)."""
    if value is None:
        text = "(missing)"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        if math.isnan(value):
            text = "nan"
        elif math.isinf(value):
            text = "inf" if value > 0 else "-inf"
        else:
            text = repr(value)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {show(v, limit)}" for k, v in value.items()) + "}"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(show(v, limit) for v in value) + "]"
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
