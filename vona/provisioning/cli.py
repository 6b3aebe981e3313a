"""``vona models list | plan | fetch | verify | gc | convert-NAME``: provisioning commands.

The artifacts are the ones adapters register (``vona.registry``), plus ``--manifest``
files; each registered converter adds a ``convert-NAME`` command.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any, TextIO

from vona import registry
from vona.errors import ConfigError, ProvisioningError
from vona.provisioning.fetch import fetch_artifact, source_available
from vona.provisioning.manifest import Manifest, load_manifest, registered_manifest
from vona.provisioning.store import ModelStore

__all__ = ["RichProgress", "main"]


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n = n / 1000  # type: ignore[assignment]
    return str(n)


class RichProgress:
    """A rich progress bar per file; falls back to one line per file without rich."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._bar: Any = None
        self._task: Any = None
        self._label = ""
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TransferSpeedColumn,
            )
        except ImportError:
            self._factory = None
        else:
            console = Console(file=out)

            def factory() -> Any:
                return Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    DownloadColumn(),
                    TransferSpeedColumn(),
                    console=console,
                    transient=not console.is_terminal,
                )

            self._factory = factory

    def start(self, label: str, total: int, done: int) -> None:
        self._label = label
        if self._factory is None:
            return
        self._bar = self._factory()
        self._bar.start()
        self._task = self._bar.add_task(label, total=total, completed=done)

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _store(args: argparse.Namespace) -> ModelStore:
    manifest: Manifest = registered_manifest()
    for path in args.manifest or []:
        manifest = manifest.merged(load_manifest(path))
    return ModelStore(args.cache_dir, manifest)


def _cmd_list(store: ModelStore, args: argparse.Namespace, out: TextIO) -> int:
    print(f"cache: {store.models_dir}", file=out)
    for artifact in store.manifest.select(args.names):
        states = {s.state for s in store.status(artifact)}
        state = "installed" if states == {"installed"} else "/".join(sorted(states))
        print(
            f"{artifact.name:24} {_size(artifact.size):>10}  {state:12} {artifact.description}",
            file=out,
        )
    return 0


def _cmd_plan(store: ModelStore, args: argparse.Namespace, out: TextIO) -> int:
    total = 0
    for artifact in store.manifest.select(args.names):
        for st in store.status(artifact):
            if st.state == "installed":
                print(f"{artifact.name}/{st.file.name}: installed", file=out)
                continue
            usable = [s for s in st.file.sources if args.source in (None, s.kind)]
            local = [s for s in usable if s.kind != "url" and source_available(s)]
            chosen = local[0] if local else next((s for s in usable if s.kind == "url"), None)
            if chosen is None:
                print(f"{artifact.name}/{st.file.name}: NO USABLE SOURCE", file=out)
                continue
            need = st.file.size - (st.have if chosen.kind == "url" else 0)
            total += need
            where = getattr(chosen, "url", None) or getattr(chosen, "path", None)
            where = where or getattr(chosen, "distribution", "")
            print(
                f"{artifact.name}/{st.file.name}: {st.state}, {_size(need)} from "
                f"{chosen.kind} {where}",
                file=out,
            )
    print(f"to transfer: {_size(total)}", file=out)
    return 0


def _cmd_fetch(store: ModelStore, args: argparse.Namespace, out: TextIO) -> int:
    progress = RichProgress(out) if not args.quiet else None
    for artifact in store.manifest.select(args.names):
        results = fetch_artifact(
            store, artifact, source_kind=args.source, progress=progress, retries=args.retries
        )
        for r in results:
            how = f"from {r.source} ({_size(r.transferred)})" if r.action == "installed" else ""
            print(f"{r.artifact}/{r.file}: {r.action} {how}".rstrip(), file=out)
    return 0


def _cmd_verify(store: ModelStore, args: argparse.Namespace, out: TextIO) -> int:
    bad = 0
    for artifact in store.manifest.select(args.names):
        problems = store.verify(artifact)
        for f, problem in problems:
            print(f"{artifact.name}/{f.name}: {problem}", file=out)
        bad += len(problems)
        if not problems:
            print(f"{artifact.name}: ok", file=out)
    return 1 if bad else 0


def _cmd_gc(store: ModelStore, args: argparse.Namespace, out: TextIO) -> int:
    for path in store.garbage():
        print(("would remove " if args.dry_run else "removed ") + str(path), file=out)
        if args.dry_run:
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return 0


def _cmd_convert(store: ModelStore, args: argparse.Namespace, out: TextIO) -> int:
    conv = registry.converter(args.converter)
    src = store.resolve(args.model)
    dst = args.out or store.root / "converted" / f"{args.model}-{args.converter}"
    conv.convert(src, dst, dtype=args.dtype)
    print(f"{args.model}: converted with {args.converter} into {dst}", file=out)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vona models", description="Manage local model files.")
    p.add_argument("--cache-dir", type=Path, default=None, help="default: $VONA_CACHE_DIR")
    p.add_argument("--manifest", action="append", help="extra JSON manifest (repeatable)")
    sub = p.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("list", "artifacts and whether they are installed"),
        ("plan", "what fetch would transfer, and from where"),
        ("fetch", "install missing artifacts (resumable, verified)"),
        ("verify", "re-hash installed artifacts"),
    ):
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument("names", nargs="*", help="artifact names (default: all)")
        if name in ("plan", "fetch"):
            sp.add_argument("--source", choices=("url", "package", "path"), default=None)
        if name == "fetch":
            sp.add_argument("--retries", type=int, default=3)
            sp.add_argument("-q", "--quiet", action="store_true")
    for name in registry.names(registry.CONVERTERS):
        try:
            entry = registry.converter(name)
        except ConfigError:  # a converter whose adapter cannot load is not offered
            continue
        conv = sub.add_parser(
            f"convert-{name}", help=entry.description, description=entry.description
        )
        conv.add_argument("model", nargs="?", default=entry.source)
        conv.add_argument("--out", type=Path, default=None, help="default: <cache>/converted/")
        conv.add_argument("--dtype", choices=entry.dtypes, default=entry.dtypes[0])
        conv.set_defaults(converter=name)
    gc = sub.add_parser("gc", help="remove partial downloads and files no manifest names")
    gc.add_argument("--dry-run", action="store_true")
    return p


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    """Run ``vona models``; errors print one line to stderr and return 2."""
    stream = out or sys.stdout
    args = _parser().parse_args(argv)
    commands = {
        "list": _cmd_list,
        "plan": _cmd_plan,
        "fetch": _cmd_fetch,
        "verify": _cmd_verify,
        "gc": _cmd_gc,
    }
    command = _cmd_convert if args.command.startswith("convert-") else commands[args.command]
    try:
        return command(_store(args), args, stream)
    except (ProvisioningError, ConfigError) as exc:
        print(f"vona models: error: {exc}", file=sys.stderr)
        return 2
