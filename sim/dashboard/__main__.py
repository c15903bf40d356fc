"""``python -m sim.dashboard [SCENARIO] [--port P] [--host H]``: the same as ``gpps dashboard``."""

from __future__ import annotations

import argparse
import sys

from sim.errors import InputError

from .commands import register


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="gpps")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(["dashboard", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except InputError as exc:
        print(f"gpps dashboard: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
