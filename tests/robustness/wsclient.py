"""A minimal client of the dashboard's websocket, speaking Solara's Jupyter widget protocol.

It does what a hostile page or script could do: open the kernel websocket (with any
``Origin``), start the app, read the widgets the server creates, and send a widget any value.
"""

from __future__ import annotations

import json
import struct
import time
import urllib.request
import uuid

from benchmarks import wire

websockets_sync = __import__("websockets.sync.client", fromlist=["connect"])


def session_cookie(base: str) -> str:
    """The cookie the page gets with its first request."""
    with urllib.request.urlopen(base, timeout=30) as r:
        cookies = r.headers.get_all("Set-Cookie") or []
    return "; ".join(c.split(";", 1)[0] for c in cookies)


def open_ws(base: str, origin: str | None, cookie: str = ""):
    """Open the kernel websocket of a new page; raises on a refused handshake."""
    ws_url = base.replace("http://", "ws://").rstrip("/")
    kernel, page = uuid.uuid4().hex, uuid.uuid4().hex
    headers = {"Cookie": cookie} if cookie else {}
    return websockets_sync.connect(
        f"{ws_url}/jupyter/api/kernels/{kernel}/channels?session_id={page}",
        origin=origin,
        additional_headers=headers,
        open_timeout=30,
        max_size=None,
    )


class Page:
    """The widgets of one page, kept up to date from the server's messages."""

    def __init__(self, ws):
        self.ws = ws
        self.session = uuid.uuid4().hex
        self.state: dict[str, dict] = {}
        self.texts: list[str] = []  # every text message the server sent

    def send(self, msg_type: str, content: dict) -> None:
        self.ws.send(json.dumps(wire.message(self.session, msg_type, content)))

    def pump(self, seconds: float) -> None:
        """Read what the server sends for ``seconds`` (a wait for its answer, not a timing)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                raw = self.ws.recv(timeout=left)
            except TimeoutError:
                return
            if isinstance(raw, bytes):
                raw = _text_of_binary(raw)
                if raw is None:
                    continue
            self.texts.append(raw)
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            content = msg.get("content") or {}
            data = content.get("data") or {}
            comm = content.get("comm_id")
            if msg.get("header", {}).get("msg_type") == "comm_open" and comm:
                self.state[comm] = dict(data.get("state") or {})
            elif msg.get("header", {}).get("msg_type") == "comm_msg" and comm:
                if data.get("method") in ("update", "echo_update"):
                    self.state.setdefault(comm, {}).update(data.get("state") or {})

    def until(self, text: str, seconds: float = 20.0) -> bool:
        """Read until a message holds ``text`` (or ``seconds`` pass); whether it came."""
        end = time.monotonic() + seconds
        while text not in self.all_text() and time.monotonic() < end:
            self.pump(0.2)
        return text in self.all_text()

    def start(self) -> None:
        """Start the app as the page's script does, and wait for its widgets."""
        control = uuid.uuid4().hex
        self.send(
            "comm_open",
            {"comm_id": control, "target_name": "solara.control", "data": {}},
        )
        self.send(
            "comm_msg",
            {
                "comm_id": control,
                "data": {"method": "run", "args": {"path": "", "appName": "__default__"}},
            },
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.find("gpps-month") is None:
            self.pump(1.0)

    def find(self, css_class: str) -> str | None:
        """The comm id of the widget with ``css_class``."""
        for comm, state in self.state.items():
            if css_class in str(state.get("class_") or "").split():
                return comm
        return None

    def set(self, comm: str, **state) -> None:
        """Send a widget's new state, as the browser does when a person changes it."""
        self.send(
            "comm_msg",
            {"comm_id": comm, "data": {"method": "update", "state": state, "buffer_paths": []}},
        )

    def all_text(self) -> str:
        return "\n".join(self.texts)


def _text_of_binary(raw: bytes) -> str | None:
    """The JSON part of a binary Jupyter message, or None if the frame is malformed."""
    try:
        return wire.json_part(raw)
    except (struct.error, IndexError, UnicodeDecodeError):
        return None
