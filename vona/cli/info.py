"""``vona info``: versions, native build flags, libopus/libsoxr versions, SIMD path, and
the names the registry knows (read from entry points; nothing is loaded)."""

from __future__ import annotations

import argparse
import platform
from importlib import metadata
from importlib.metadata import entry_points
from typing import Any

from vona.cli.output import print_json, print_mapping
from vona.errors import ConfigError

INFO_GROUP = "vona.info"

OPTIONAL = ("numpy", "pydantic", "onnxruntime", "websockets", "httpx", "mlx", "rich")


def collect() -> dict[str, Any]:
    """Everything ``vona info`` reports, as JSON-ready data."""
    import vona
    from vona import registry
    from vona._native._build_info import build_info

    info: dict[str, Any] = {
        "vona": vona.__version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
    }
    info.update(build_info())
    for dist in OPTIONAL:
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[dist] = "not installed"
    for group in (registry.BACKENDS, registry.ENGINES, registry.MODELS):
        info[f"registered {group.removeprefix('vona.')}"] = ", ".join(registry.names(group))
    info.update(_reports())
    return info


def _reports() -> dict[str, str]:
    """Lines adapters add (entry-point group ``vona.info``: a callable returning a mapping),
    each skipped when its extra is not installed."""
    out: dict[str, str] = {}
    for ep in sorted(entry_points(group=INFO_GROUP), key=lambda e: e.name):
        try:
            out.update({str(k): str(v) for k, v in ep.load()().items()})
        except (ImportError, ConfigError):
            continue
    return out


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("info", help="versions, native build flags, libopus version, SIMD path")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    info = collect()
    if args.json:
        print_json(info)
    else:
        print_mapping("vona info", info)
    return 0
