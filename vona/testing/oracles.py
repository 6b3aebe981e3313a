"""Test oracles that run the same library code as Vona, for bit-exact comparisons.

``opuslib`` (a ctypes binding) loads whatever libopus the system has. Vona's build links
the vendored libopus statically (``third_party/``), which may be another version, and two
libopus versions need not produce the same packets. ``import_opuslib()`` therefore binds
opuslib to a shared copy of the very archive Vona linked, made once from the build tree of
a source checkout; with a system-codecs build, opuslib's own lookup already finds the
library Vona linked.
"""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from vona.errors import ConfigError

__all__ = ["import_opuslib", "vendored_codec_archives", "vendored_libopus_shared"]


def _checkout_root() -> Path:
    return Path(__file__).resolve().parents[2]


def vendored_codec_archives(root: Path | None = None) -> list[Path]:
    """The vendored libopus archives of the build trees under ``root``/build, oldest
    first; sanitizer and fuzzing trees only when there is no other (their code needs the
    sanitizer's runtime loaded)."""
    found = sorted(
        ((root or _checkout_root()) / "build").glob("*/third_party/opus/libopus.a"),
        key=lambda p: p.stat().st_mtime,
    )
    plain = [p for p in found if not p.parents[2].name.startswith(("asan", "fuzz"))]
    return plain or found


def vendored_libopus_shared() -> Path | None:
    """A shared library made from the libopus archive Vona's build linked (cached beside
    it), or None when Vona links the system's libopus."""
    from vona._native._build_info import build_info

    if build_info()["codecs"] != "vendored":
        return None
    archives = vendored_codec_archives()
    if not archives:
        raise ConfigError(
            "Vona links a vendored libopus but no build tree holds its archive: run the "
            "tests from a source checkout built with `make build`"
        )
    archive = archives[-1]
    shared = archive.with_name("libopus-oracle.so")
    if not shared.exists() or shared.stat().st_mtime < archive.stat().st_mtime:
        cc = shutil.which("cc") or shutil.which("gcc") or "cc"
        whole = ["-Wl,-all_load"] if sys.platform == "darwin" else ["-Wl,--whole-archive"]
        tmp = shared.with_suffix(".tmp")
        subprocess.run(
            [cc, "-shared", "-o", str(tmp), *whole, str(archive), *(
                [] if sys.platform == "darwin" else ["-Wl,--no-whole-archive"]
            ), "-lm"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        tmp.replace(shared)
    return shared


def import_opuslib() -> ModuleType:
    """``opuslib``, bound to the libopus Vona runs."""
    if "opuslib" in sys.modules:
        return sys.modules["opuslib"]
    shared = vendored_libopus_shared()
    if shared is None:
        import opuslib

        return sys.modules["opuslib"]
    original = ctypes.util.find_library

    def find(name: str) -> str | None:
        return str(shared) if name == "opus" else original(name)

    ctypes.util.find_library = find
    try:
        import opuslib  # noqa: F401
    finally:
        ctypes.util.find_library = original
    return sys.modules["opuslib"]
