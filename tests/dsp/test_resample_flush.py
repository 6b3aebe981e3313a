"""Resampler.flush() across every rate pair: succeeds, exact length, chunked == one-shot.

Regression for flush failing with CodecError when total_in * out / in ends exactly
half-way between two output frames (24k -> 44.1k after 1,000 frames): soxr ends its
stream at a double-rounded length one frame short of Vona's round-half-up length.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from vona.dsp import Resampler

RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)
LENGTHS = (0, 1, 2, 7, 160, 999, 1000, 1001, 4410, 44100)
PAIRS = [(a, b) for a in RATES for b in RATES]


def _expected_len(n: int, a: int, b: int) -> int:
    return (2 * n * b + a) // (2 * a)  # floor(n * b / a + 1/2)


def _half_frame_lengths(a: int, b: int, count: int = 2) -> list[int]:
    """The first input lengths whose exact output length ends at k + 1/2."""
    return [n for n in range(1, 4 * a) if (2 * n * b) % (2 * a) == a][:count]


def _signal(n: int, channels: int, dtype: type) -> npt.NDArray[np.generic]:
    x = 0.6 * np.sin(np.arange(n * channels) * 0.013)
    if dtype is np.int16:
        return (x * 20000).astype(np.int16)
    return x.astype(np.float32)


def _stream(r: Resampler, x: npt.NDArray[np.generic], cuts: list[int]) -> npt.NDArray[np.generic]:
    ch = r.channels
    bounds = [0, *cuts, len(x) // ch]
    parts = [r.process(x[i * ch : j * ch]) for i, j in itertools.pairwise(bounds)]
    parts.append(r.flush())  # raised CodecError before the fix
    return np.concatenate(parts)


def _check(r: Resampler, n: int, channels: int, dtype: type) -> None:
    a, b = r.in_rate, r.out_rate
    x = _signal(n, channels, dtype)
    one_shot = _stream(r, x, [])
    assert one_shot.dtype == dtype
    assert len(one_shot) == _expected_len(n, a, b) * channels, (a, b, n, channels, dtype)
    chunked = _stream(r, x, sorted({n // 3, n // 2, max(n - 1, 0)}))
    np.testing.assert_array_equal(chunked, one_shot, err_msg=f"{a}->{b} n={n}")
    assert r.delay == 0.0


@pytest.mark.parametrize(("a", "b"), PAIRS)
@pytest.mark.parametrize("quality", ["low", "hq"])
def test_flush_every_pair_length_layout_dtype(a: int, b: int, quality: str) -> None:
    lengths = (*LENGTHS, *_half_frame_lengths(a, b))
    for low_latency in (False, True) if quality == "hq" else (False,):
        for channels, dtype in itertools.product((1, 2), (np.float32, np.int16)):
            r = Resampler(a, b, channels, quality, low_latency=low_latency)
            for n in lengths:
                _check(r, n, channels, dtype)


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_flush_vhq_subset(a: int, b: int) -> None:
    lengths = (0, 1, 999, 1000, 1001, *_half_frame_lengths(a, b))
    for low_latency, channels, dtype in ((False, 1, np.float32), (True, 2, np.int16)):
        r = Resampler(a, b, channels, "vhq", low_latency=low_latency)
        for n in lengths:
            _check(r, n, channels, dtype)


def test_reported_case_24k_to_44k1_after_1000_frames() -> None:
    r = Resampler(24000, 44100)
    assert len(r.process(np.zeros(1000, np.float32))) + len(r.flush()) == 1838  # 1837.5 up
