"""Start the dashboard's Solara server (uvicorn), offline and without telemetry.

Solara reads its settings from the environment when it is first imported, so ``serve`` sets
them before importing it: production mode, no usage telemetry, front-end assets from the
``solara-assets`` package (its files sit in Solara's CDN cache folder, so nothing is fetched
from the network), and the app module ``sim.dashboard.app``.

Nothing a browser sends is trusted. ``OriginGuard`` wraps Solara's app: a request or websocket
whose ``Origin`` is not one of the addresses the server prints at start is refused (403), so a
web page from elsewhere cannot drive a participant's dashboard, and Solara's ``/resourcez``
status page is not served. The page itself checks every value against what it offered
(``controls.offered``).
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
    # a page whose connection is lost is closed after this (a reconnect within it resumes);
    # its run is then kept for app.SEATS.keep seconds more for a reload, then freed
    "SOLARA_KERNEL_CULL_TIMEOUT": "60s",
    # the renderer walks only the parts of a page whose state changed (a Step re-renders the
    # month, the buttons and the charts, not the controls)
    "REACTON_FAST": "1",
    # not SOLARA_SERVER_SYNC_WS_WRITE (frames written by the rendering thread, with uvicorn's
    # "websockets" protocol): it writes to the socket's file descriptor number, which the
    # system gives to the next connection once a page's socket closes; a closed page's
    # message was seen at the head of another client's HTTP answer (benchmarks.room_load)
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


def is_wildcard(host: str) -> bool:
    """Whether ``host`` means every address of this machine (``0.0.0.0``, ``::``)."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def machine_addresses() -> list[str]:
    """Names and addresses by which other machines may reach this one (best effort)."""
    found: list[str] = []
    names = [socket.gethostname()]
    try:
        names.append(socket.getfqdn())
    except OSError:
        pass
    for name in names:
        found.append(name)
        try:
            for info in socket.getaddrinfo(name, None, type=socket.SOCK_STREAM):
                found.append(str(info[4][0]))
        except OSError:
            pass
    try:  # the address of the default route (a UDP connect sends nothing)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            found.append(s.getsockname()[0])
    except OSError:
        pass
    out = []
    for a in found:
        if a and a not in out and not is_wildcard(a):
            out.append(a)
    return out


def addresses(host: str, port: int) -> list[str]:
    """The addresses the server prints at start, and the only origins its pages may come from.

    A loopback host adds the other loopback names; a wildcard host (``0.0.0.0``) adds this
    machine's names and addresses.
    """
    hosts: list[str] = []
    if is_wildcard(host):
        hosts = [*machine_addresses(), "127.0.0.1", "localhost", "::1"]
    elif is_loopback(host):
        hosts = [host, "127.0.0.1", "localhost", "::1"]
    else:
        hosts = [host]
    out: list[str] = []
    for h in hosts:
        u = url(h, port)
        if u not in out:
            out.append(u)
    return out


def lan_first(shown: list[str]) -> list[str]:
    """``shown`` with the addresses other laptops are most likely to reach first: numeric
    IPv4 addresses outside loopback (a machine's name often does not resolve on a workshop's
    network), then names, then loopback."""

    def rank(address: str) -> int:
        host = address.split("//", 1)[-1].rsplit(":", 1)[0].strip("[]")
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return 2 if is_loopback(host) else 1
        if ip.is_loopback:
            return 3
        return 0 if ip.version == 4 else 1

    return sorted(shown, key=rank)


def origins(host: str, port: int) -> frozenset[str]:
    """Allowed ``Origin`` header values (a browser omits the default port 80)."""
    out = set()
    for address in addresses(host, port):
        origin = address.rstrip("/").lower()
        out.add(origin)
        if origin.endswith(":80"):
            out.add(origin[: -len(":80")])
    return frozenset(out)


#: Paths of the Solara server that are not served (they tell anyone the server's status).
HIDDEN_PATHS = ("/resourcez",)


class OriginGuard:
    """ASGI middleware: refuse requests and websockets from a foreign ``Origin``; hide
    ``HIDDEN_PATHS``.

    A browser always sends ``Origin`` when a script opens a websocket or posts: a page served
    from elsewhere (``http://evil.example``) is refused with 403. A request without ``Origin``
    (the browser's own navigation, a command-line client) cannot be made by another site's
    script, and passes.
    """

    def __init__(self, app, allowed):
        self.app = app
        self.allowed = frozenset(a.lower() for a in allowed)

    def foreign(self, scope) -> bool:
        for key, value in scope.get("headers", ()):
            if key.lower() == b"origin":
                return value.decode("latin-1").strip().rstrip("/").lower() not in self.allowed
        return False

    async def __call__(self, scope, receive, send):
        kind = scope.get("type")
        if kind == "websocket" and self.foreign(scope):
            await receive()  # the websocket.connect event
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
            return
        if kind == "http":
            path = scope.get("path", "").rstrip("/")
            if self.foreign(scope) or path in HIDDEN_PATHS:
                status = 403 if self.foreign(scope) else 404
                body = b"forbidden" if status == 403 else b"not found"
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


#: Environment variable holding the facilitator's secret token (set by ``--facilitator``).
ENV_FACILITATOR = "GPPS_DASHBOARD_FACILITATOR"
#: The query key that asks for the facilitator's page (its value: the secret token).
FACILITATOR_KEY = "facilitator"
#: Environment variable holding the projector's token (set by ``--facilitator``): the
#: projector's page shows the room's summary, no name and nothing secret, so its address can
#: be seen on the wall; it opens nothing else.
ENV_PROJECTOR = "GPPS_DASHBOARD_PROJECTOR"
#: The query key that asks for the projector's page (its value: the projector's token).
PROJECTOR_KEY = "projector"


def facilitator_url(address: str, token: str) -> str:
    """The facilitator's address: the page's address asking for the facilitator's page with
    the secret token."""
    return f"{address}?{FACILITATOR_KEY}={token}"


def projector_url(address: str, token: str) -> str:
    """The projector's address (its own token: it opens only the room's summary)."""
    return f"{address}?{PROJECTOR_KEY}={token}"


def configure(scenario: str | None, host: str, port: int, facilitator: bool = False) -> str | None:
    """Set the environment Solara and the app read (call before importing Solara); returns
    the facilitator's new secret token, if asked for one."""
    import secrets

    for key, value in SOLARA_ENV.items():
        os.environ.setdefault(key, value)
    token = secrets.token_urlsafe(18) if facilitator else None
    if token:
        os.environ[ENV_FACILITATOR] = token
        os.environ[ENV_PROJECTOR] = secrets.token_urlsafe(12)
    else:
        os.environ.pop(ENV_FACILITATOR, None)
        os.environ.pop(ENV_PROJECTOR, None)
    os.environ["SOLARA_APP"] = APP
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    if scenario:
        os.environ["GPPS_DASHBOARD_SCENARIO"] = scenario
    else:
        os.environ.pop("GPPS_DASHBOARD_SCENARIO", None)
    return token


def assets_installed() -> bool:
    """Whether Solara's front-end files are installed locally (``solara-assets``)."""
    import importlib.util

    return importlib.util.find_spec("solara_assets") is not None


def serve(
    scenario: str | None,
    host: str,
    port: int,
    log_level: str = "warning",
    facilitator: bool = False,
) -> int:
    """Run the server until interrupted; print the address once it listens (and the
    facilitator's, with ``facilitator``). Returns 0."""
    token = configure(scenario, host, port, facilitator)
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
    shown = addresses(host, port)
    from solara.server.starlette import app as solara_app

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.started:
                first = lan_first(shown)[0] if is_wildcard(host) and shown else address
                print(f"gpps dashboard: {first}  (Ctrl+C stops it)", flush=True)
                if token:
                    print(
                        f"gpps dashboard: facilitator: {facilitator_url(first, token)}  "
                        "(keep it to yourself: it shows every participant's session and sets "
                        "the room)",
                        flush=True,
                    )
                    print(
                        "gpps dashboard: projector: "
                        f"{projector_url(first, os.environ[ENV_PROJECTOR])}  "
                        "(the room's summary for the wall: no names)",
                        flush=True,
                    )
                if not is_loopback(host):
                    print(
                        f"gpps dashboard: listening on {host}: anyone who can reach this machine "
                        "can open it; pages opened at another address than "
                        f"{', '.join(shown)} are refused",
                        file=sys.stderr,
                        flush=True,
                    )

    config = uvicorn.Config(
        OriginGuard(solara_app, origins(host, port)),
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        loop="asyncio",
    )
    server = Server(config)
    server.run()
    return 0 if server.started else 1
