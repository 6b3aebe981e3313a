"""Committed fixtures match their checksums and regenerate byte for byte."""

import hashlib
import importlib.util
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("make_fixtures", ROOT / "fixtures/make_fixtures.py")
assert spec is not None
assert spec.loader is not None
make_fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_fixtures)


def test_committed_fixtures_match_sha256sums() -> None:
    _, sums = make_fixtures.read_sums()
    assert len(sums) >= 10
    for name, digest in sums.items():
        data = (make_fixtures.AUDIO / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name


def test_fixtures_are_pcm16_wavs() -> None:
    for path in make_fixtures.AUDIO.glob("*.wav"):
        with wave.open(str(path)) as w:
            assert w.getsampwidth() == 2
            assert w.getframerate() in {16_000, 24_000, 48_000}
            assert w.getnframes() > 0


def test_synthetic_fixtures_regenerate_identically(tmp_path: Path) -> None:
    fresh = make_fixtures.generate(tmp_path, speech=False)
    _, sums = make_fixtures.read_sums()
    assert fresh == {name: sums[name] for name in fresh}


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_check_mode_passes() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "fixtures/make_fixtures.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
