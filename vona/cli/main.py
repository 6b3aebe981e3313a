"""Entry point of the ``vona`` command: one subcommand per module in ``COMMANDS``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

import vona

# Each module defines add_parser(subparsers) and sets ``func(args) -> int`` as the default.
COMMANDS = ("vona.cli.info", "vona.cli.bench", "vona.cli.demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vona", description="Vona speech-to-speech runtime")
    parser.add_argument("--version", action="version", version=f"vona {vona.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except vona.errors.VonaError as exc:
        print(f"vona {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
