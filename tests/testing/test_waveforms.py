"""Test-audio generators: lengths, determinism, the properties each one promises."""

from __future__ import annotations

import numpy as np
import pytest

from vona.errors import ConfigError
from vona.testing import waveforms as wf


@pytest.mark.parametrize("ms", [0, 1, 19.99, 20, 1000])
def test_lengths(ms: float) -> None:
    n = wf.ms_to_samples(ms, 16_000)
    assert wf.tone(ms, 16_000).shape == (n,)
    assert wf.silence(ms, 16_000, channels=2).shape == (2 * n,)
    assert wf.gaussian_noise(ms, 16_000, seed=1).shape == (n,)
    assert wf.utterance(ms, 16_000).shape == (n,)
    if ms:
        assert wf.chirp(ms, 16_000, 100, 4000).shape == (n,)


def test_tone_matches_numpy_sine() -> None:
    x = wf.tone(100, 8000, 1000, 16383.5, phase_samples=0, avoid_zero=False)
    ref = np.rint(16383.5 * np.sin(2 * np.pi * 1000 * np.arange(800) / 8000))
    np.testing.assert_array_equal(x, ref.astype(np.int16))
    assert (wf.tone(100, 8000, 1000) != 0).all()  # default: no zero samples


def test_chirp_sweeps_up() -> None:
    x = wf.chirp(1000, 16_000, 200, 4000).astype(np.float64)
    # zero crossings per 100 ms grow along the sweep
    crossings = [int(np.sum(np.diff(np.sign(x[i : i + 1600])) != 0)) for i in (0, 14_400)]
    assert crossings[0] < crossings[1]


def test_gaussian_noise_seeded_and_bounded() -> None:
    a = wf.gaussian_noise(500, 16_000, seed=3, level=0.5)
    np.testing.assert_array_equal(a, wf.gaussian_noise(500, 16_000, seed=3, level=0.5))
    assert not np.array_equal(a, wf.gaussian_noise(500, 16_000, seed=4, level=0.5))
    assert np.abs(a.astype(np.int32)).max() <= round(0.5 * 32767)


def test_utterance_has_syllables_and_silent_edges() -> None:
    x = wf.utterance(2000, 16_000, seed=5, amplitude=9000)
    np.testing.assert_array_equal(x, wf.utterance(2000, 16_000, seed=5, amplitude=9000))
    assert np.abs(x.astype(np.int32)).max() == 9000
    assert not x[:900].any()
    assert not x[-900:].any()
    # energy comes in bursts: 20 ms frames alternate between loud and quiet
    rms = np.sqrt(np.mean(x[: 32_000 // 320 * 320].reshape(-1, 320).astype(np.float64) ** 2, 1))
    loud = rms > 0.25 * rms.max()
    assert 4 <= int(np.sum(np.diff(loud.astype(int)) == 1)) <= 10


@pytest.mark.parametrize(
    "call",
    [
        lambda: wf.tone(10, 8000, amplitude=0),
        lambda: wf.tone(10, 8000, amplitude=40_000),
        lambda: wf.chirp(0, 8000, 1, 2),
        lambda: wf.gaussian_noise(10, 8000, seed=0, level=0),
        lambda: wf.utterance(10, 0),
        lambda: wf.ms_to_samples(-1, 8000),
    ],
)
def test_bad_arguments(call: object) -> None:
    with pytest.raises(ConfigError):
        call()  # type: ignore[operator]
