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


def test_codecs_origin_is_reported() -> None:
    from vona._native._build_info import build_info

    info = build_info()
    assert info["codecs"] in {"vendored", "system"}
    if info["codecs"] == "vendored":
        # third_party/README.md pins these versions
        assert info["opus_version"] == "libopus 1.5.2"
        assert info["soxr_version"].startswith("libsoxr-0.1.3")


def _linked_libraries(path: str) -> str:
    import shutil
    import subprocess
    import sys

    tool = ["otool", "-L"] if sys.platform == "darwin" else ["ldd"]
    if shutil.which(tool[0]) is None:
        raise AssertionError(f"{tool[0]} is needed to list an extension module's libraries")
    return subprocess.run([*tool, path], capture_output=True, text=True, check=True).stdout


def test_vendored_build_needs_no_system_codec_library() -> None:
    """Wheels link libopus and libsoxr statically: no extension module may load the
    system's copies (a wheel would then need them on the user's machine)."""
    import pathlib

    from vona._native._build_info import build_info

    native = pathlib.Path(importlib.import_module("vona._native._opus").__file__ or "").parent
    modules = [
        p
        for p in native.iterdir()
        if p.name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    ]
    assert len(modules) >= 10
    linked = {p.name: _linked_libraries(str(p)) for p in modules}
    if build_info()["codecs"] == "vendored":
        for name, libs in linked.items():
            assert "libopus" not in libs, name
            assert "libsoxr" not in libs, name
            assert "libspeexdsp" not in libs, name
