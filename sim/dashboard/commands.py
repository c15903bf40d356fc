"""The ``dashboard`` subcommand; ``register`` adds it to an argparse parser.

``sim/cli.py`` adds it the way it adds ``sweep`` (``from .dashboard.commands import register``).
``python -m sim.dashboard`` runs the same command on its own.
"""

from __future__ import annotations

import argparse
import importlib.util

from .server import DEFAULT_HOST, DEFAULT_PORT


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"--port = {text}: expected an integer in [1, 65535]")
    return value


def register(subparsers) -> None:
    """Add ``dashboard`` to ``subparsers`` (from ``add_subparsers``)."""
    p = subparsers.add_parser(
        "dashboard",
        help="start the workshop dashboard in the browser",
        description=(
            "Start the workshop dashboard (a local web page) and print its address. Each "
            "browser session has its own model. Binds to 127.0.0.1 unless --host says otherwise."
        ),
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="scenario to open first: a shipped name or a TOML file (default baseline)",
    )
    p.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}, this machine only; "
        "0.0.0.0 opens it to the network)",
    )
    p.add_argument(
        "--facilitator",
        action="store_true",
        help="also print a facilitator's address (with a secret token) that shows every "
        "participant's session",
    )
    p.set_defaults(func=cmd_dashboard)


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Check the scenario and the address, then serve until interrupted."""
    from sim.errors import InputError
    from sim.scenario import load

    from .server import port_free, serve

    load(args.scenario)  # a bad scenario fails here, with the CLI's one-line message
    # look for Solara without importing it: it reads its settings from the environment on
    # import, and ``serve`` sets them first
    for module in ("solara", "uvicorn"):
        if importlib.util.find_spec(module) is None:
            raise InputError(
                f"gpps dashboard needs the dashboard extra: pip install 'gpps[dashboard]' "
                f"({module} is missing)"
            )
    if not port_free(args.host, args.port):
        raise InputError(
            f"--port = {args.port}: cannot listen on {args.host}:{args.port} (in use, or not an "
            "address of this machine): expected a free port, e.g. --port 8766"
        )
    try:
        return serve(args.scenario, args.host, args.port, facilitator=args.facilitator)
    except KeyboardInterrupt:
        return 0
