"""Entry point of the ``vona`` command: one subcommand per module in ``COMMANDS``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

import vona

# Each module defines add_parser(subparsers) and sets ``func(args) -> int`` as the default.
COMMANDS = ("vona.cli.info", "vona.cli.bench", "vona.cli.demo")

# Commands that own their argument parsing: name -> (module, function, help).
# The function takes the arguments after the command name and returns an exit code.
DELEGATED = {
    "run": (
        "vona.cli.run",
        "run_main",
        "answer a spoken question from a WAV file offline",
    ),
    "models": ("vona.provisioning", "models_main", "list, plan, fetch, verify, gc local models"),
    "sidecar": ("vona.sidecar", "sidecar_main", "serve a backend over HTTP and a Unix socket"),
}


def _delegate(name: str, argv: Sequence[str]) -> int:
    module, func, _ = DELEGATED[name]
    fn: Callable[[list[str]], int] = getattr(importlib.import_module(module), func)
    return int(fn(list(argv)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vona", description="Vona speech-to-speech runtime")
    parser.add_argument("--version", action="version", version=f"vona {vona.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(sub)
    for name, (_, _, help_text) in DELEGATED.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:
        try:
            return _delegate(argv[0], argv[1:])
        except vona.errors.VonaError as exc:
            print(f"vona {argv[0]}: {exc}", file=sys.stderr)
            return 1
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
