"""``vona info``: versions, native build flags, libopus/libsoxr versions, SIMD path, and
the names the registry knows (read from entry points; nothing is loaded)."""

from __future__ import annotations

import argparse
import platform
from importlib import metadata
from typing import Any

from vona.cli.output import print_json, print_mapping

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
    return info


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
