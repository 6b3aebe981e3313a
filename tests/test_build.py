"""The package under test is the built one, with compiled native modules."""

import importlib
import importlib.machinery

import vona


def test_native_modules_are_compiled_files() -> None:
    mod = importlib.import_module("vona._native._build_info")
    assert mod.__file__ is not None
    assert mod.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def test_build_info_reports_linked_libraries() -> None:
    from vona._native._build_info import build_info

    info = build_info()
    assert info["opus_version"].startswith("libopus ")
    assert "-O3" in info["build_flags"]
    assert info["simd_path"] in {"avx2", "sse2", "neon", "scalar"}
    assert info["soxr_version"]


def test_import_needs_no_extras() -> None:
    assert vona.__version__
