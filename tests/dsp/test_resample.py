"""vona.dsp.Resampler: chunk invariance, lengths, quality against soxr, errors, threads."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
import pytest
import soxr
from hypothesis import given, settings
from hypothesis import strategies as st

from vona import errors
from vona.dsp import Resampler

RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)
PAIRS = ((48000, 16000), (16000, 24000), (24000, 48000), (44100, 16000))
DTYPES = (np.float32, np.int16)


def _signal(n: int, channels: int, dtype: type, seed: int = 0) -> npt.NDArray[np.generic]:
    rng = np.random.default_rng(seed)
    x = 0.5 * np.sin(np.arange(n * channels) * 0.01) + 0.3 * rng.standard_normal(n * channels)
    if dtype is np.int16:
        return np.clip(x * 20000, -32768, 32767).astype(np.int16)
    return x.astype(np.float32)


def _stream(r: Resampler, x: npt.NDArray[np.generic], splits: list[int]) -> npt.NDArray[np.generic]:
    """Feed x cut at the given frame offsets, then flush; concatenate everything."""
    ch = r.channels
    bounds = [0, *sorted(splits), len(x) // ch]
    parts = [r.process(x[a * ch : b * ch]) for a, b in itertools.pairwise(bounds)]
    parts.append(r.flush())
    return np.concatenate(parts)


def _expected_len(n: int, a: int, b: int) -> int:
    return (2 * n * b + a) // (2 * a)  # floor(n * b / a + 1/2)


@settings(max_examples=60, deadline=None)
@given(
    pair=st.sampled_from((*PAIRS, (11025, 48000), (8000, 8000), (32000, 22050))),
    channels=st.sampled_from((1, 2)),
    dtype=st.sampled_from(DTYPES),
    quality=st.sampled_from(("low", "hq", "vhq")),
    low_latency=st.booleans(),
    n=st.integers(0, 3000),
    data=st.data(),
)
def test_any_split_equals_one_shot(
    pair: tuple[int, int],
    channels: int,
    dtype: type,
    quality: str,
    low_latency: bool,
    n: int,
    data: st.DataObject,
) -> None:
    a, b = pair
    x = _signal(n, channels, dtype, seed=n)
    splits = data.draw(st.lists(st.integers(0, n), max_size=40))
    r = Resampler(a, b, channels, quality, low_latency=low_latency)
    ref = _stream(r, x, [])
    got = _stream(r, x, splits)  # flush() reset the stream, so r is reused
    assert got.dtype == dtype
    assert len(ref) == _expected_len(n, a, b) * channels
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize(("a", "b"), [*PAIRS, (8000, 48000)])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("low_latency", [False, True])
def test_one_sample_chunks_equal_one_shot(
    a: int, b: int, dtype: type, channels: int, low_latency: bool
) -> None:
    n = 1500
    x = _signal(n, channels, dtype)
    r = Resampler(a, b, channels, low_latency=low_latency)
    ref = _stream(r, x, [])
    got = _stream(r, x, list(range(1, n)))
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 959, 960, 961, 44099, 44100, 44101])
def test_flush_gives_rounded_length(n: int) -> None:
    for a, b in (*PAIRS, (16000, 24000), (11025, 8000)):
        r = Resampler(a, b)
        out = _stream(r, _signal(n, 1, np.float32), [n // 2])
        assert len(out) == _expected_len(n, a, b), (a, b, n)


def test_odd_half_rounds_up() -> None:
    r = Resampler(16000, 24000)
    assert len(_stream(r, np.zeros(3, np.float32), [])) == 5  # 4.5 -> 5


def test_per_call_count_is_bounded_and_delay_tracks_it() -> None:
    r = Resampler(48000, 16000)
    total_in = total_out = 0
    for _ in range(50):
        y = r.process(np.zeros(960, np.float32))
        total_in += 960
        total_out += len(y)
        assert total_out <= _expected_len(total_in, 48000, 16000)
        assert r.delay == pytest.approx(total_in / 3 - total_out)
    assert len(r.flush()) == _expected_len(total_in, 48000, 16000) - total_out
    assert r.delay == 0.0


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_low_latency_gives_the_same_signal_sooner(a: int, b: int) -> None:
    x = _signal(a, 1, np.float32)
    chunk = a // 50
    normal, low = Resampler(a, b), Resampler(a, b, low_latency=True)
    max_delay = {False: 0.0, True: 0.0}
    outs: dict[bool, list[npt.NDArray[np.generic]]] = {False: [], True: []}
    for i in range(0, len(x), chunk):
        for flag, r in ((False, normal), (True, low)):
            y = r.process(x[i : i + chunk])
            outs[flag].append(y)
            max_delay[flag] = max(max_delay[flag], r.delay)
            if flag:
                assert len(y) > 0  # every 20 ms chunk yields output
    assert max_delay[True] < max_delay[False]
    full = {f: np.concatenate([*outs[f], r.flush()]) for f, r in ((False, normal), (True, low))}
    # same filter; the FFT block size changes float rounding only
    err = full[True].astype(np.float64) - full[False]
    assert np.sqrt(np.mean(err**2)) < 1e-6 * np.sqrt(np.mean(full[False].astype(np.float64) ** 2))


def test_equal_rates_copy_exactly() -> None:
    for dtype in DTYPES:
        x = _signal(777, 2, dtype)
        r = Resampler(24000, 24000, 2)
        y = r.process(x)
        np.testing.assert_array_equal(y, x)
        assert len(r.flush()) == 0


def test_two_dimensional_layout_round_trips() -> None:
    r = Resampler(16000, 48000, 2)
    x = _signal(320, 2, np.int16).reshape(320, 2)
    parts = [r.process(x) for _ in range(5)]
    parts.append(r.flush())
    assert all(p.ndim == 2 and p.shape[1] == 2 for p in parts)
    flat = Resampler(16000, 48000, 2)
    flat_parts = [flat.process(x.reshape(-1)) for _ in range(5)]
    flat_parts.append(flat.flush())
    assert flat_parts[-1].ndim == 1
    np.testing.assert_array_equal(np.concatenate(parts).reshape(-1), np.concatenate(flat_parts))


def test_int16_path_is_float_path_rounded_half_even_and_saturated() -> None:
    # A full-scale square wave: the band-limited output overshoots full scale (Gibbs).
    xi = np.where(np.arange(4000) % 40 < 20, 32767, -32768).astype(np.int16)
    for a, b in ((16000, 48000), (44100, 16000)):
        r = Resampler(a, b)
        yi = _stream(r, xi, [1234])
        yf = _stream(r, xi.astype(np.float32) / np.float32(32768), [777])
        assert yi.min() == -32768
        assert yi.max() == 32767
        expect = np.clip(np.rint(yf * np.float32(32768)), -32768, 32767).astype(np.int16)
        np.testing.assert_array_equal(yi, expect)


def _bandlimited(n: int, rate: int, fmax: float, seed: int = 1) -> npt.NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(n))
    spec[np.fft.rfftfreq(n, 1 / rate) > fmax] = 0
    x = np.fft.irfft(spec, n)
    return 0.5 * x / np.abs(x).max()


def _snr_db(y: npt.NDArray[np.generic], ref: npt.NDArray[np.float64]) -> float:
    """SNR of y against ref at the best alignment within +-4 samples (edges trimmed)."""
    best = -np.inf
    m = min(len(y), len(ref))
    for lag in range(-4, 5):
        a = y[max(lag, 0) : m + min(lag, 0)].astype(np.float64)
        b = ref[max(-lag, 0) : m + min(-lag, 0)]
        a, b = a[500:-500], b[500:-500]
        best = max(best, 10 * np.log10(np.sum(b**2) / np.sum((a - b) ** 2)))
    return float(best)


@pytest.mark.parametrize(("a", "b"), PAIRS)
@pytest.mark.parametrize("low_latency", [False, True])
def test_hq_snr_against_soxr_vhq_at_least_soxr_hq(a: int, b: int, low_latency: bool) -> None:
    x = _bandlimited(a, a, 0.9 * min(a, b) / 2)
    ref = soxr.resample(x, a, b, quality="VHQ")
    r = Resampler(a, b, low_latency=low_latency)
    ours = _stream(r, x.astype(np.float32), list(range(a // 50, a, a // 50)))
    theirs = soxr.resample(x.astype(np.float32), a, b, quality="HQ")
    assert _snr_db(ours, ref) >= _snr_db(theirs, ref) - 0.05
    assert _snr_db(ours, ref) > 80


@pytest.mark.parametrize(("a", "b"), [(48000, 16000), (44100, 16000), (24000, 8000)])
def test_tone_above_output_nyquist_is_rejected(a: int, b: int) -> None:
    t = np.arange(a) / a
    for factor in (1.05, 1.3):
        x = (0.5 * np.sin(2 * np.pi * factor * b / 2 * t)).astype(np.float32)
        ours = _stream(Resampler(a, b), x, [a // 3])[1000:-1000].astype(np.float64)
        theirs = soxr.resample(x, a, b, quality="HQ")[1000:-1000].astype(np.float64)
        ours_db = 20 * np.log10(np.sqrt(np.mean(ours**2)) / (0.5 / np.sqrt(2)) + 1e-30)
        theirs_db = 20 * np.log10(np.sqrt(np.mean(theirs**2)) / (0.5 / np.sqrt(2)) + 1e-30)
        assert ours_db <= theirs_db + 0.5, (factor, ours_db, theirs_db)
        assert ours_db < -100


@pytest.mark.parametrize(
    ("args", "exc", "needle"),
    [
        ((12345, 16000), errors.AudioFormatError, "in_rate 12345"),
        ((16000, 96000), errors.AudioFormatError, "out_rate 96000"),
        ((16000, 8000, 3), errors.AudioFormatError, "channels"),
        ((16000, 8000, 1, "best"), errors.ConfigError, "quality"),
        ((16000, 8000, 1, None), errors.ConfigError, "quality"),
        ((16000.0, 8000), errors.AudioFormatError, "in_rate must be an integer"),
        ((16000, "8000"), errors.AudioFormatError, "out_rate must be an integer"),
        ((16000, 8000, True), errors.AudioFormatError, "channels must be an integer"),
    ],
)
def test_bad_construction(args: tuple[object, ...], exc: type[Exception], needle: str) -> None:
    with pytest.raises(exc, match=needle):
        Resampler(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("x", "needle"),
    [
        (np.zeros(10, np.float64), "float64"),
        (np.zeros(10, np.int32), "int32"),
        ([0.0, 1.0], "list"),
        (np.zeros(20, np.float32)[::2], "C-contiguous"),
        (np.zeros(7, np.int16), "7 samples"),
        (np.zeros((4, 3), np.int16), "shape"),
        (np.zeros((2, 2, 2), np.int16), "3-D"),
        (np.zeros(10, ">i2"), "byte order"),
        (np.frombuffer(bytes(41), np.int16, offset=1), "aligned"),
    ],
)
def test_bad_chunks(x: object, needle: str) -> None:
    r = Resampler(48000, 16000, 2)
    with pytest.raises(errors.AudioFormatError, match=needle):
        r.process(x)  # type: ignore[arg-type]
    assert r.delay == 0.0  # nothing was consumed


def test_numpy_integer_arguments_are_accepted() -> None:
    r = Resampler(np.int64(48000), np.int32(16000), np.int16(2))
    assert (r.in_rate, r.out_rate, r.channels) == (48000, 16000, 2)


def test_closed_resampler_raises() -> None:
    with Resampler(16000, 8000) as r:
        r.process(np.zeros(10, np.int16))
    with pytest.raises(errors.VonaError, match="closed"):
        r.process(np.zeros(10, np.int16))


def test_flush_returns_dtype_of_the_stream() -> None:
    r = Resampler(8000, 48000)
    r.process(np.ones(100, np.int16))
    assert r.flush().dtype == np.int16
    assert r.flush().dtype == np.float32  # fresh stream


def test_reset_starts_a_new_stream() -> None:
    x = _signal(2000, 1, np.float32)
    r = Resampler(44100, 16000)
    r.process(x[:1234])
    r.reset()
    assert r.delay == 0.0
    np.testing.assert_array_equal(_stream(r, x, []), _stream(Resampler(44100, 16000), x, []))


def test_threads_on_separate_objects_match_single_thread() -> None:
    """Hammer process() from a thread pool (GIL released); results must not change."""
    chunks = [_signal(882, 2, dt, seed=i) for i, dt in enumerate((np.float32, np.int16) * 4)]

    def run(k: int) -> list[npt.NDArray[np.generic]]:
        r = Resampler(44100, 16000, 2)
        outs = []
        for _ in range(30):
            outs.extend(r.process(c) for c in chunks if c.dtype == chunks[k % 2].dtype)
        outs.append(r.flush())
        return outs

    expected = [run(0), run(1)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, range(16)))
    for k, res in enumerate(results):
        assert len(res) == len(expected[k % 2])
        for got, exp in zip(res, expected[k % 2], strict=True):
            np.testing.assert_array_equal(got, exp)


def test_same_object_from_two_threads_is_refused_not_corrupted() -> None:
    r = Resampler(8000, 48000, 2)
    big = _signal(100_000, 2, np.float32)
    failures: list[BaseException] = []
    produced: list[int] = []

    def hammer() -> None:
        for _ in range(5):
            try:
                produced.append(len(r.process(big)) // 2)
            except errors.VonaError as exc:
                failures.append(exc)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for f in [pool.submit(hammer) for _ in range(2)]:
            f.result()
    assert all("in use by another thread" in str(e) for e in failures)
    assert len(produced) + len(failures) == 10
    # refused calls consumed nothing: the stream is exactly the accepted calls
    total = sum(produced) + len(r.flush()) // 2
    assert total == _expected_len(len(produced) * 100_000, 8000, 48000)
