"""``vona run`` and the offline demo on the real models, plus WAV reading edge cases."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from vona.backends.cascade.wer import word_error_rate
from vona.cli import main
from vona.cli.run import DEMO_QUESTION, run_main
from vona.dsp import Resampler
from vona.errors import AudioFormatError
from vona.wavio import read_wav, resample_int16, to_mono, write_wav


def test_demo_then_run_on_a_stereo_44k_copy(model_cache, tmp_path, capsys):
    out = tmp_path / "demo"
    # `vona demo` without --mock is the offline model demo
    status = main(["demo", "--cache-dir", str(model_cache), "--out-dir", str(out), "--json"])
    assert status == 0
    demo = json.loads(capsys.readouterr().out)
    assert word_error_rate(DEMO_QUESTION, demo["transcript"]) <= 0.10
    assert demo["tool_calls"][0]["name"] == "get_weather"
    assert demo["reply"].startswith("Right now in Paris it is sunny")
    lat = demo["turns"][0]["latency_ms"]
    assert 0 < lat["stt_ms"] <= lat["first_tts_ms"] <= lat["first_audio_ms"]
    assert demo["metrics"]["vad_us_per_chunk"] > 0
    pcm, rate, channels = read_wav(out / "reply.wav")
    assert (rate, channels) == (24_000, 1)
    assert pcm.shape[0] / rate == pytest.approx(demo["metrics"]["reply_audio_s"], abs=0.01)

    # The same question as 44.1 kHz stereo through `vona run`.
    q, q_rate, _ = read_wav(out / "question.wav")
    q44 = resample_int16(q, q_rate, 44_100)
    stereo = np.stack([q44, q44 // 2], axis=1).reshape(-1)
    write_wav(tmp_path / "q44.wav", stereo, 44_100, 2)
    reply = tmp_path / "reply.wav"
    argv = ["--input", str(tmp_path / "q44.wav"), "--output", str(reply), "--json"]
    assert run_main([*argv, "--cache-dir", str(model_cache), "--vad", "energy"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["input"] == {
        "path": str(tmp_path / "q44.wav"),
        "sample_rate_hz": 44_100,
        "channels": 2,
    }
    assert word_error_rate(DEMO_QUESTION, report["transcript"]) <= 0.10
    assert report["reply"] == demo["reply"]
    assert [c["name"] for c in report["tool_calls"]] == ["get_weather"]
    # Hibari with seed 0 is deterministic: the same reply gives the same audio.
    assert np.array_equal(read_wav(reply)[0], pcm)


def test_demo_without_out_dir_leaves_no_temporary_folder(
    model_cache, tmp_path, monkeypatch, capsys
):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["demo", "--cache-dir", str(model_cache)]) == 0
    out = capsys.readouterr().out
    assert "pass --out-dir DIR to keep" in out
    assert list(tmp_path.iterdir()) == []


def test_run_errors_are_clear(tmp_path, capsys):
    missing = tmp_path / "none.wav"
    assert run_main(["--input", str(missing), "--output", str(tmp_path / "o.wav")]) == 2
    assert "cannot read" in capsys.readouterr().err
    write_wav(tmp_path / "q.wav", np.zeros(1600, np.int16), 16_000)
    argv = ["--input", str(tmp_path / "q.wav"), "--output", str(tmp_path / "o.wav")]
    assert run_main([*argv, "--cache-dir", str(tmp_path / "empty-cache")]) == 2
    assert "vona models fetch whisper-base" in capsys.readouterr().err


def _write_raw(path: Path, raw: bytes, width: int, channels: int, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_read_wav_sample_widths(tmp_path, width):
    ref = np.array([0, 256, -256, 32512, -32768], dtype=np.int16)
    if width == 1:
        raw = ((ref >> 8) + 128).astype(np.uint8).tobytes()
    elif width == 2:
        raw = ref.astype("<i2").tobytes()
    elif width == 3:
        v = ref.astype(np.int32) << 8
        raw = b"".join(int(x).to_bytes(3, "little", signed=True) for x in v)
    else:
        raw = (ref.astype(np.int32) << 16).astype("<i4").tobytes()
    _write_raw(tmp_path / "a.wav", raw, width, 1)
    pcm, rate, channels = read_wav(tmp_path / "a.wav")
    assert (rate, channels) == (8000, 1)
    np.testing.assert_array_equal(pcm, ref)


def test_downmix_and_bad_files(tmp_path):
    stereo = np.array([100, 300, -5, -6, 32767, 32767], dtype=np.int16)
    np.testing.assert_array_equal(to_mono(stereo, 2), np.array([200, -6, 32767], np.int16))
    (tmp_path / "junk.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(AudioFormatError, match="not an audio file"):
        read_wav(tmp_path / "junk.wav")
    with pytest.raises(AudioFormatError, match="int16"):
        write_wav(tmp_path / "f.wav", np.zeros(3, np.float32), 16_000)  # type: ignore[arg-type]
    assert resample_int16(np.zeros(0, np.int16), 16_000, 16_000).shape == (0,)
    assert resample_int16(np.ones(16_000, np.int16), 16_000, 24_000).shape[0] == 24_000
    # 1,000 frames at 24k -> 44.1k end half-way between output frames (1837.5 -> 1838)
    tone = (8000 * np.sin(np.arange(1000) * 0.05)).astype(np.int16)
    up = resample_int16(tone, 24_000, 44_100)
    assert up.shape == (1838,)
    assert up.dtype == np.int16
    ref = Resampler(24_000, 44_100)
    np.testing.assert_array_equal(up, np.concatenate([ref.process(tone), ref.flush()]))
