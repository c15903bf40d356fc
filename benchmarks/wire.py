"""The dashboard's websocket as a client sees it: Jupyter kernel messages, as Solara's page
sends them and reads them back. Shared by the room benchmark (``benchmarks.room_load``) and
the security tests' client (``tests/robustness/wsclient.py``)."""

from __future__ import annotations

import struct
import uuid
from datetime import UTC, datetime


def message(session: str, msg_type: str, content: dict) -> dict:
    """A message from the page (client id ``session``) on the shell channel."""
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "",
            "session": session,
            "date": datetime.now(UTC).isoformat(),
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": "shell",
        "buffers": [],
    }


def json_part(raw: bytes) -> str:
    """The JSON text of a binary message: a big-endian count of parts and their offsets, then
    the parts (JSON first, then the buffers). Raises ``struct.error``, ``IndexError`` or
    ``UnicodeDecodeError`` on a malformed frame."""
    (n,) = struct.unpack("!i", raw[:4])
    offsets = list(struct.unpack("!" + "I" * n, raw[4 : 4 * (n + 1)]))
    return raw[offsets[0] : offsets[1] if n > 1 else len(raw)].decode("utf-8")
