"""vona.dsp.Reframer: any split of the input gives the same frames, nothing lost."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vona import errors
from vona.dsp import Reframer


def _signal(n_values: int) -> npt.NDArray[np.int16]:
    return (np.arange(n_values, dtype=np.int64) * 7 % 65536 - 32768).astype(np.int16)


def _run(
    frame: int, channels: int, x: npt.NDArray[np.int16], cuts: list[int], pad: bool
) -> list[npt.NDArray[np.int16]]:
    rf = Reframer(frame, channels)
    bounds = [0, *sorted(cuts), x.size // channels]
    frames: list[npt.NDArray[np.int16]] = []
    for a, b in itertools.pairwise(bounds):
        before = rf.pending
        got = rf.push(x[a * channels : b * channels])
        assert len(got) == (before + b - a) // frame
        assert rf.pending == (before + b - a) % frame
        frames.extend(got)
    assert all(f.shape == (frame * channels,) and f.dtype == np.int16 for f in frames)
    return frames + rf.flush(pad)


@settings(max_examples=150, deadline=None)
@given(
    frame=st.sampled_from([1, 2, 7, 160, 320, 480]),
    channels=st.sampled_from([1, 2, 3]),
    n=st.integers(0, 4000),
    data=st.data(),
    pad=st.booleans(),
)
def test_random_splits_concatenate_to_the_input(
    frame: int, channels: int, n: int, data: st.DataObject, pad: bool
) -> None:
    x = _signal(n * channels)
    cuts = data.draw(st.lists(st.integers(0, n), max_size=60))
    # include the nasty chunk sizes: repeated cuts (0-sample chunks) and 1-sample chunks
    cuts += [c + 1 for c in cuts[:10] if c + 1 <= n] + cuts[:5]
    out = _run(frame, channels, x, cuts, pad)
    joined = np.concatenate(out) if out else np.zeros(0, np.int16)
    if pad:
        padded = -(-n // frame) * frame * channels
        assert joined.size == padded
        assert np.array_equal(joined[: x.size], x)
        assert not joined[x.size :].any()
    else:
        assert np.array_equal(joined, x)


@pytest.mark.parametrize("size", [0, 1, 319, 320, 321, 640, 100_000])
def test_edge_chunk_sizes(size: int) -> None:
    rf = Reframer(320)
    x = _signal(size)
    frames = rf.push(x)
    assert len(frames) == size // 320
    assert rf.pending == size % 320
    assert rf.frames_after(320 - rf.pending) == 1
    for f in frames:
        assert f.base is None  # each frame owns its memory (one allocation per frame)
    rest = rf.flush(pad=False)
    joined = np.concatenate([*frames, *rest]) if frames or rest else np.zeros(0, np.int16)
    assert np.array_equal(joined, x)
    assert rf.flush() == []


def test_one_sample_at_a_time() -> None:
    rf = Reframer(3, channels=2)
    x = _signal(2 * 10)
    frames = [f for i in range(10) for f in rf.push(x[2 * i : 2 * i + 2])]
    assert len(frames) == 3
    assert rf.pending == 1
    assert np.array_equal(np.concatenate(frames), x[:18])
    assert np.array_equal(rf.flush()[0], np.array([*x[18:], 0, 0, 0, 0], np.int16))


def test_errors_and_lifecycle() -> None:
    with pytest.raises(errors.ConfigError, match="frame_samples must be"):
        Reframer(0)
    with pytest.raises(errors.ConfigError, match="channels must be"):
        Reframer(320, channels=65)
    rf = Reframer(4, channels=2)
    with pytest.raises(errors.AudioFormatError, match="multiple of channels=2"):
        rf.push(np.zeros(3, np.int16))
    with pytest.raises(errors.AudioFormatError, match="dtype int16"):
        rf.push(np.zeros(4, np.float32))
    with pytest.raises(errors.ConfigError, match="n >= 0"):
        rf.frames_after(-1)
    rf.push(np.ones(2, np.int16))
    rf.reset()
    assert rf.pending == 0
    assert rf.frame_samples == 4
    assert rf.channels == 2
    with rf:
        pass
    with pytest.raises(errors.VonaError, match="closed"):
        rf.push(np.zeros(2, np.int16))
