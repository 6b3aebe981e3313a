"""pytest plugin for `make asan-py` (loaded with `-p asan_py_plugin` from the ASan tree).

Fails the run before any test if a `vona._native` module would come from anywhere but the
ASan+UBSan build, so a broken tree can never pass as a clean sanitizer run.
"""

from __future__ import annotations

import importlib
import os
import pkgutil

import pytest


def pytest_configure(config: pytest.Config) -> None:
    tree = os.path.dirname(os.path.abspath(__file__))
    import vona._native as native
    from vona._native._build_info import build_info

    loaded = []
    for info in pkgutil.iter_modules(native.__path__):
        module = importlib.import_module(f"vona._native.{info.name}")
        path = os.path.abspath(module.__file__ or "")
        if not path.startswith(tree + os.sep):
            raise pytest.UsageError(f"{module.__name__} loaded from {path}, not from {tree}")
        if path.endswith(".so"):
            loaded.append(info.name)
    if not loaded:
        raise pytest.UsageError(f"no compiled vona._native modules found in {tree}")
    flags = build_info()["build_flags"]
    if "asan+ubsan" not in flags:
        raise pytest.UsageError(f"vona._native was not built with sanitizers: {flags!r}")
    print(f"asan-py: {len(loaded)} extension modules from {tree} ({flags})")
