"""Start the dashboard's Solara server (uvicorn), offline and without telemetry.

Solara reads its settings from the environment when it is first imported, so ``serve`` sets
them before importing it: production mode, no usage telemetry, front-end assets from the
``solara-assets`` package (its files sit in Solara's CDN cache folder, so nothing is fetched
from the network), and the app module ``sim.dashboard.app``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import warnings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP = "sim.dashboard.app"

#: Solara settings for a local, offline workshop server (only set when not set already).
SOLARA_ENV = {
    "SOLARA_MODE": "production",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_THEME_TITLE": "gpps dashboard",
    # a closed tab's session (and its model) is dropped after this; a reconnect within it resumes
    "SOLARA_KERNEL_CULL_TIMEOUT": "2h",
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def port_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port that is free on ``host`` now (the OS picks it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def configure(scenario: str | None, host: str, port: int) -> None:
    """Set the environment Solara and the app read (call before importing Solara)."""
    for key, value in SOLARA_ENV.items():
        os.environ.setdefault(key, value)
    os.environ["SOLARA_APP"] = APP
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    if scenario:
        os.environ["GPPS_DASHBOARD_SCENARIO"] = scenario
    else:
        os.environ.pop("GPPS_DASHBOARD_SCENARIO", None)


def assets_installed() -> bool:
    """Whether Solara's front-end files are installed locally (``solara-assets``)."""
    import importlib.util

    return importlib.util.find_spec("solara_assets") is not None


def serve(scenario: str | None, host: str, port: int, log_level: str = "warning") -> int:
    """Run the server until interrupted; print the address once it listens. Returns 0."""
    configure(scenario, host, port)
    import uvicorn

    if not assets_installed():
        print(
            "gpps dashboard: solara-assets is not installed: the page will fetch its front-end "
            "from the internet (pip install 'gpps[dashboard]' installs it for offline use)",
            file=sys.stderr,
            flush=True,
        )

    # plain http on a workshop machine: solara's advice about https cookies is noise here
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    address = url(host, port)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.started:
                print(f"gpps dashboard: {address}  (Ctrl+C stops it)", flush=True)
                if not is_loopback(host):
                    print(
                        f"gpps dashboard: listening on {host}: anyone who can reach this machine "
                        "can open it",
                        file=sys.stderr,
                        flush=True,
                    )

    config = uvicorn.Config(
        "solara.server.starlette:app",
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        loop="asyncio",
    )
    server = Server(config)
    server.run()
    return 0 if server.started else 1
