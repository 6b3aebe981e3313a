"""read_audio: any format libsndfile reads, written here by sox (an independent tool)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vona.errors import AudioFormatError, ConfigError
from vona.wavio import read_audio, read_wav, write_wav

RATE = 22_050


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, np.ndarray]:
    t = np.arange(RATE // 2) / RATE
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    right = 0.25 * np.sin(2 * np.pi * 660 * t)
    pcm = np.rint(np.stack([left, right], axis=1).reshape(-1) * 32767).astype(np.int16)
    path = tmp_path / "src.wav"
    write_wav(path, pcm, RATE, channels=2)
    return path, pcm


def _sox(src: Path, dst: Path, *fmt: str) -> Path:
    sox = shutil.which("sox")
    assert sox is not None, "sox is installed by make (scripts/ensure-system-deps.sh)"
    subprocess.run([sox, str(src), *fmt, str(dst)], check=True, capture_output=True)
    return dst


@pytest.mark.parametrize(
    ("name", "fmt", "exact"),
    [
        ("f32.wav", ("-e", "floating-point", "-b", "32"), False),
        ("s24.wav", ("-e", "signed-integer", "-b", "24"), True),
        ("s32.wav", ("-e", "signed-integer", "-b", "32"), True),
        ("a.flac", (), True),
        ("a.ogg", (), False),
    ],
)
def test_formats_read_like_the_source(source, tmp_path, name, fmt, exact) -> None:
    src, pcm = source
    path = _sox(src, tmp_path / name, *fmt)
    got, rate, channels = read_audio(path)
    assert (rate, channels) == (RATE, 2)
    assert got.dtype == np.int16
    if exact:
        np.testing.assert_array_equal(got, pcm)
    else:  # lossy or float: same signal within a small error
        n = min(len(got), len(pcm))
        err = np.abs(got[:n].astype(np.int32) - pcm[:n])
        assert np.percentile(err, 50) < 400
        assert np.corrcoef(got[:n], pcm[:n])[0, 1] > 0.99


def test_float_wav_saturates_instead_of_wrapping(tmp_path) -> None:
    import soundfile

    loud = np.array([[1.5], [-1.5], [0.5]], dtype=np.float32)
    soundfile.write(tmp_path / "loud.wav", loud, 8000, subtype="FLOAT")
    got, _, _ = read_audio(tmp_path / "loud.wav")
    assert got[0] == 32767
    assert got[1] == -32768
    assert abs(int(got[2]) - 16384) <= 1


def test_bad_files_have_one_line_errors(tmp_path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioFormatError, match="empty file"):
        read_audio(empty)
    with pytest.raises(AudioFormatError, match="cannot read"):
        read_audio(tmp_path / "missing.wav")
    with pytest.raises(AudioFormatError, match="not a file"):
        read_audio(tmp_path)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF this is not audio at all" * 10)
    with pytest.raises(AudioFormatError, match="libsndfile"):
        read_audio(junk)


def test_without_soundfile_pcm_wav_still_reads_and_others_name_the_extra(
    source, tmp_path, monkeypatch
) -> None:
    src, pcm = source
    flac = _sox(src, tmp_path / "a.flac")
    monkeypatch.setitem(sys.modules, "soundfile", None)  # import soundfile -> ImportError
    got, rate, channels = read_wav(src)
    np.testing.assert_array_equal(got, pcm)
    assert (rate, channels) == (RATE, 2)
    with pytest.raises(ConfigError, match=r"vona\[cli\]"):
        read_audio(flac)
