"""VadSegmenter hysteresis on EnergyVad and Silero, with synthetic and spoken audio."""

from __future__ import annotations

import numpy as np
import pytest

from vona.errors import AudioFormatError, ConfigError
from vona.vad import EnergyVad, VadEvent, VadParams, VadSegmenter

CHUNK = 512


def _tone(n_chunks: int, amp: float = 0.3) -> np.ndarray:
    t = np.arange(n_chunks * CHUNK) / 16_000
    return (amp * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _silence(n_chunks: int) -> np.ndarray:
    return np.zeros(n_chunks * CHUNK, dtype=np.float32)


def _events(seg: VadSegmenter, audio: np.ndarray) -> list[tuple[VadEvent, int]]:
    out = []
    for i in range(0, audio.shape[0], CHUNK):
        ev = seg.push(audio[i : i + CHUNK])
        if ev is not None:
            out.append((ev, i // CHUNK))
    return out


def test_energy_vad_start_and_end_with_padding():
    params = VadParams(min_speech_ms=64, min_silence_ms=320, speech_pad_ms=64)
    seg = VadSegmenter(EnergyVad(), params)
    audio = np.concatenate([_silence(10), _tone(20), _silence(20)])
    (start, at_s), (end, at_e) = _events(seg, audio)
    assert start.kind == "start"
    assert at_s == 11  # two chunks above threshold (64 ms) complete at chunk 11
    assert start.sample == 10 * CHUNK - 1024  # first voiced sample minus 64 ms of pad
    assert end.kind == "end"
    assert at_e == 30 + 9  # 320 ms = 10 chunks of silence, the 10th completes it
    assert end.sample == 30 * CHUNK + 1024
    assert not seg.speaking


def test_short_gap_does_not_end_turn_and_single_spike_does_not_start_one():
    params = VadParams(min_speech_ms=64, min_silence_ms=320, speech_pad_ms=0)
    seg = VadSegmenter(EnergyVad(), params)
    spike = np.concatenate([_silence(5), _tone(1), _silence(5)])
    assert _events(seg, spike) == []
    audio = np.concatenate([_tone(10), _silence(5), _tone(10), _silence(12)])
    kinds = [ev.kind for ev, _ in _events(seg, audio)]
    assert kinds == ["start", "end"]


def test_hysteresis_keeps_turn_open_between_thresholds():
    class Scripted:
        sample_rate_hz = 16_000
        chunk_samples = CHUNK

        def __init__(self, probs: list[float]) -> None:
            self.probs = iter(probs)

        def probability(self, chunk: np.ndarray) -> float:
            return next(self.probs)

        def reset(self) -> None:
            pass

    # 0.4 is below threshold 0.5 but above neg_threshold 0.35: speech continues.
    probs = [0.9, 0.9] + [0.4] * 30 + [0.1] * 10
    seg = VadSegmenter(Scripted(probs), VadParams(min_silence_ms=300, speech_pad_ms=0))
    events = _events(seg, _silence(len(probs)))
    assert [(e.kind, at) for e, at in events] == [("start", 1), ("end", 41)]
    assert events[1][0].sample == 32 * CHUNK


def test_reset_and_position():
    seg = VadSegmenter(EnergyVad())
    _events(seg, _tone(5))
    assert seg.speaking
    assert seg.position == 5 * CHUNK
    seg.reset()
    assert not seg.speaking
    assert seg.position == 0


def test_int16_chunks_are_accepted():
    seg = VadSegmenter(EnergyVad(), VadParams(min_speech_ms=32))
    tone = (_tone(1) * 32767).astype(np.int16)
    assert seg.push(tone) is not None


@pytest.mark.parametrize("n", [0, 1, CHUNK - 1, CHUNK + 1])
def test_wrong_chunk_size_is_rejected(n):
    with pytest.raises(AudioFormatError, match="exactly 512"):
        EnergyVad().probability(np.zeros(n, np.float32))


def test_bad_chunk_layout_and_dtype():
    with pytest.raises(AudioFormatError, match="1-D"):
        EnergyVad().probability(np.zeros((2, CHUNK), np.float32))
    with pytest.raises(AudioFormatError, match="int16 or float32"):
        EnergyVad().probability(np.zeros(CHUNK, np.float64))


def test_bad_params():
    with pytest.raises(ConfigError, match="threshold"):
        VadParams(threshold=0.0)
    with pytest.raises(ConfigError, match="neg_threshold"):
        VadParams(threshold=0.5, neg_threshold=0.6)
    with pytest.raises(ConfigError, match="min_silence_ms"):
        VadParams(min_silence_ms=-1)
    with pytest.raises(ConfigError, match="width_db"):
        EnergyVad(width_db=0)


def test_silero_separates_speech_from_silence_and_noise(model_cache, question_16k):
    from vona.adapters.silero_vad import SileroVad, find_model

    vad = SileroVad(model_cache / "models" / "silero-vad" / "silero_vad.onnx")
    assert find_model().name == "silero_vad.onnx"
    assert (vad.sample_rate_hz, vad.chunk_samples) == (16_000, CHUNK)
    noise = np.random.default_rng(0).normal(0, 0.01, 40 * CHUNK).astype(np.float32)
    audio = np.concatenate([_silence(10), noise, question_16k, _silence(20)])
    audio = audio[: audio.shape[0] // CHUNK * CHUNK]
    probs = np.array([vad.probability(audio[i : i + CHUNK]) for i in range(0, len(audio), CHUNK)])
    speech = slice(50 + 4, 50 + question_16k.shape[0] // CHUNK - 4)
    assert probs[:50].max() < 0.3
    assert np.median(probs[speech]) > 0.8
    # State and context make the result depend on history; reset restores it exactly.
    vad.reset()
    again = np.array([vad.probability(audio[i : i + CHUNK]) for i in range(0, len(audio), CHUNK)])
    np.testing.assert_array_equal(probs, again)
    seg = VadSegmenter(vad, VadParams(min_silence_ms=300))
    kinds = [ev.kind for ev, _ in _events(seg, audio)]
    assert kinds[0] == "start"
    assert kinds[-1] == "end"


def test_silero_rejects_other_rates_and_missing_file(tmp_path):
    from vona.adapters.silero_vad import SileroVad

    from vona.errors import ProvisioningError

    with pytest.raises(ConfigError, match="8000 or 16000"):
        SileroVad(sample_rate_hz=44_100)
    with pytest.raises(ProvisioningError, match="not found"):
        SileroVad(tmp_path / "none.onnx")
    vad8 = SileroVad(sample_rate_hz=8_000)
    assert vad8.chunk_samples == 256
    assert 0.0 <= vad8.probability(np.zeros(256, np.float32)) <= 1.0
