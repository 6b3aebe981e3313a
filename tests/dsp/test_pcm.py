"""vona.dsp PCM functions against numpy references, at edge sizes and with hypothesis."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vona import errors
from vona.dsp import (
    db_to_gain,
    deinterleave,
    downmix,
    gain_db,
    interleave,
    peak_dbfs,
    rms_dbfs,
    to_float32,
    to_int16,
)

SIZES = (0, 1, 7, 8, 15, 16, 17, 959, 960, 961, 1 << 18)


def ref_to_int16(x: npt.NDArray[np.float32]) -> npt.NDArray[np.int16]:
    with np.errstate(invalid="ignore", over="ignore"):
        y = np.clip(np.rint(x * np.float32(32768)), -32768, 32767)
    return np.nan_to_num(y, nan=0.0).astype(np.int16)


def _int16(n: int, seed: int = 0) -> npt.NDArray[np.int16]:
    return np.random.default_rng(seed).integers(-32768, 32768, n).astype(np.int16)


@pytest.mark.parametrize("n", SIZES)
def test_to_float32_matches_numpy(n: int) -> None:
    x = _int16(n)
    y = to_float32(x)
    assert y.dtype == np.float32
    assert y.shape == (n,)
    assert np.array_equal(y, x.astype(np.float32) / np.float32(32768))


def test_every_int16_round_trips() -> None:
    x = np.arange(-32768, 32768, dtype=np.int16)
    f = to_float32(x)
    assert f[0] == -1.0
    assert f[-1] == np.float32(32767 / 32768)
    assert np.array_equal(to_int16(f), x)


@pytest.mark.parametrize("n", SIZES)
def test_to_int16_matches_numpy_rint_clip(n: int) -> None:
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 0.7).astype(np.float32)
    x[::3] = ((rng.integers(-40000, 40000, x[::3].size) + 0.5) / 32768).astype(np.float32)  # ties
    assert np.array_equal(to_int16(x), ref_to_int16(x))


def test_to_int16_special_values() -> None:
    x = np.array(
        [0.0, -0.0, 1.0, -1.0, 1.0001, -1.0001, np.inf, -np.inf, np.nan, 1e30, -1e30,
         0.5 / 32768, 1.5 / 32768, 2.5 / 32768, -0.5 / 32768, -1.5 / 32768,
         32767.5 / 32768, -32768.5 / 32768, 1e-45],
        dtype=np.float32,
    )  # fmt: skip
    got = to_int16(x)
    assert np.array_equal(got, ref_to_int16(x))
    assert got[8] == 0  # NaN -> 0
    assert got[11:16].tolist() == [0, 2, 2, 0, -2]  # ties to even


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float32, st.integers(0, 300), elements=st.floats(width=32)))
def test_to_int16_hypothesis(x: npt.NDArray[np.float32]) -> None:
    assert np.array_equal(to_int16(x), ref_to_int16(x))


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 6])
def test_downmix_is_rounded_mean(channels: int) -> None:
    x = _int16(960 * channels, seed=channels)
    x[:8] = 32767
    expect = np.rint(x.reshape(-1, channels).astype(np.float64).mean(axis=1)).astype(np.int16)
    assert np.array_equal(downmix(x, channels), expect)
    assert downmix(np.zeros(0, np.int16), channels).size == 0


def test_downmix_ties_go_to_even() -> None:
    assert downmix(np.array([1, 2, -1, -2, 3, 4], np.int16), 2).tolist() == [2, -2, 4]


@pytest.mark.parametrize("channels", [1, 2, 3, 5])
@pytest.mark.parametrize("frames", [0, 1, 321])
def test_interleave_round_trip(channels: int, frames: int) -> None:
    planes = [_int16(frames, seed=k) for k in range(channels)]
    inter = interleave(planes)
    assert np.array_equal(inter, np.stack(planes, axis=1).reshape(-1))
    back = deinterleave(inter, channels)
    assert len(back) == channels
    for a, b in zip(back, planes, strict=True):
        assert np.array_equal(a, b)
        assert a.flags.c_contiguous


def test_layout_errors() -> None:
    with pytest.raises(errors.AudioFormatError, match="multiple of channels=2"):
        downmix(np.zeros(3, np.int16), 2)
    with pytest.raises(errors.AudioFormatError, match="multiple of channels=3"):
        deinterleave(np.zeros(4, np.int16), 3)
    with pytest.raises(errors.ConfigError, match=r"channels must be 1\.\.64"):
        downmix(np.zeros(4, np.int16), 0)
    with pytest.raises(errors.ConfigError, match="channels must be an int"):
        downmix(np.zeros(4, np.int16), "2")  # type: ignore[arg-type]
    with pytest.raises(errors.AudioFormatError, match="equal-length"):
        interleave([np.zeros(3, np.int16), np.zeros(4, np.int16)])
    with pytest.raises(errors.AudioFormatError, match=r"planes\[1\] must have dtype int16"):
        interleave([np.zeros(3, np.int16), np.zeros(3, np.float32)])
    with pytest.raises(errors.ConfigError, match=r"1\.\.64 channel arrays"):
        interleave([])
    with pytest.raises(errors.AudioFormatError, match="dtype float32"):
        to_int16(np.zeros(3, np.float64))
    with pytest.raises(errors.AudioFormatError, match="C-contiguous"):
        to_float32(np.zeros(6, np.int16)[::2])
    with pytest.raises(errors.AudioFormatError, match="int16 or float32"):
        gain_db(np.zeros(3, np.float64), 1.0)


@pytest.mark.parametrize("db", [0.0, 6.0, -6.0, 20.0, -120.0, 3.3])
def test_gain_db_int16_and_float32(db: float) -> None:
    g = np.float32(10.0 ** (db / 20.0))
    assert db_to_gain(db) == g
    x = _int16(1001)
    expect = np.clip(np.rint(x.astype(np.float32) * g), -32768, 32767).astype(np.int16)
    assert np.array_equal(gain_db(x, db), expect)
    f = to_float32(x)
    out = gain_db(f, db)
    assert out.dtype == np.float32
    assert np.array_equal(out, f * g)


def test_levels() -> None:
    assert peak_dbfs(np.zeros(10, np.int16)) == -np.inf
    assert rms_dbfs(np.zeros(0, np.int16)) == -np.inf
    assert peak_dbfs(np.array([-32768], np.int16)) == 0.0
    x = _int16(4000)
    ref_peak = 20 * np.log10(np.abs(x.astype(np.float64)).max() / 32768)
    ref_rms = 20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)) / 32768)
    assert peak_dbfs(x) == pytest.approx(ref_peak, abs=1e-9)
    assert rms_dbfs(x) == pytest.approx(ref_rms, abs=1e-9)
    f = np.array([0.5, -0.25], np.float32)
    assert peak_dbfs(f) == pytest.approx(20 * np.log10(0.5))
    assert rms_dbfs(f) == pytest.approx(10 * np.log10((0.25 + 0.0625) / 2))
    sine = (np.sin(np.arange(16000) * 2 * np.pi * 440 / 16000) * 16384).astype(np.int16)
    assert rms_dbfs(sine) == pytest.approx(-6.02 - 3.01, abs=0.01)


def test_kernels_from_many_threads() -> None:
    """The GIL is released inside; results must be right under concurrency."""
    x = _int16(1 << 16)
    f = to_float32(x)

    def job(k: int) -> bool:
        return bool(np.array_equal(to_int16(to_float32(x)), x) and np.array_equal(to_float32(x), f))

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(job, range(32)))
