"""One StepLoop for a backend whose input and output rates differ (16 kHz in, 24 kHz out):
equal, bit for bit, to the two single-rate loops the driver used to pair, and to the
one-shot soxr chain; native and Python paths identical; native backend objects."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from vona import errors
from vona.dsp import Resampler, gain_db
from vona.step_loop import NativeBackend, NativeGain, NativePassthrough, StepLoop

B_IN, B_OUT, FRAME = 16_000, 24_000, 320
BIG = 1 << 20


def _noise(n: int, seed: int = 0, amp: int = 12000) -> npt.NDArray[np.int16]:
    return np.random.default_rng(seed).integers(-amp, amp, n).astype(np.int16)


def _answer(frame: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """A 'backend' reply at 24 kHz: the frame, then every other sample of it halved."""
    return np.concatenate([frame, frame[::2] // 2]).astype(np.int16)


def _pull_all(loop: StepLoop) -> npt.NDArray[np.int16]:
    out = [np.zeros(0, np.int16)]
    while (more := loop.pull_playout(4096)).size:
        out.append(more)
    return np.concatenate(out)


def _resample(x: npt.NDArray[np.int16], src: int, dst: int) -> npt.NDArray[np.int16]:
    return x if src == dst else Resampler(src, dst).process(x)


@pytest.mark.parametrize("transport", [16_000, 24_000, 48_000])
def test_one_loop_equals_the_former_loop_pair(transport: int) -> None:
    one = StepLoop(transport, B_IN, FRAME, backend_output_rate=B_OUT, playout_capacity_samples=BIG)
    assert (one.backend_rate, one.backend_input_rate, one.backend_output_rate) == (
        B_IN,
        B_IN,
        B_OUT,
    )
    # What the driver's LoopPair built: the input side of one, the output side of another.
    pair_in = StepLoop(transport, B_IN, FRAME, playout_capacity_samples=BIG)
    pair_out = StepLoop(transport, B_OUT, B_OUT // 50, playout_capacity_samples=BIG)
    x = _noise(transport * 2, seed=transport)
    rng = np.random.default_rng(3)
    one.begin_turn(1)
    pair_out.begin_turn(1)
    pos, frames = 0, 0
    while pos < x.size:
        k = int(rng.integers(0, 1500))
        a, b = one.push_input(x[pos : pos + k]), pair_in.push_input(x[pos : pos + k])
        assert len(a) == len(b)
        for fa, fb in zip(a, b, strict=True):
            assert np.array_equal(fa, fb)
            assert one.push_output(_answer(fa)) == pair_out.push_output(_answer(fb))
        frames += len(a)
        want = int(rng.integers(0, 2000))
        assert np.array_equal(one.pull_playout(want), pair_out.pull_playout(want))
        pos += k
    assert frames >= 95  # 2 s of 20 ms frames, less the input resampler's delay
    assert one.end_turn() == pair_out.end_turn()
    assert np.array_equal(_pull_all(one), _pull_all(pair_out))
    assert one.stats() == {**pair_out.stats(), "frames_in": one.frames_in, "samples_in": x.size}
    assert one.interrupt() == pair_out.interrupt()


@pytest.mark.parametrize("transport", [16_000, 24_000, 48_000])
def test_native_passthrough_matches_the_soxr_chain(transport: int) -> None:
    """A passthrough at 16k in / 24k out answers each frame as 24 kHz audio: the loop's
    output is the one-shot chain transport -> 16k, whole frames, 24k -> transport."""
    x = _noise(transport, seed=transport + 1)
    loop = StepLoop(transport, B_IN, FRAME, backend_output_rate=B_OUT, playout_capacity_samples=BIG)
    loop.set_native_backend(NativePassthrough())
    rng = np.random.default_rng(9)
    pos, out = 0, []
    while pos < x.size:
        k = int(rng.integers(0, 1500))
        loop.process(x[pos : pos + k])
        out.append(loop.pull_playout(int(rng.integers(0, 2000))))
        pos += k
    loop.end_turn()
    y = np.concatenate([*out, _pull_all(loop)])
    mid = _resample(x, transport, B_IN)
    whole = mid[: mid.size // FRAME * FRAME]
    # The loop's output resampler is flushed by end_turn; the oracle flushes too.
    if transport == B_OUT:
        ref = whole
    else:
        r = Resampler(B_OUT, transport)
        ref = np.concatenate([r.process(whole), r.flush()])
    assert loop.frames_in == whole.size // FRAME
    assert np.array_equal(y, ref)


@pytest.mark.parametrize("kind", ["passthrough", "gain"])
def test_native_and_python_paths_are_identical_at_two_rates(kind: str) -> None:
    x = _noise(48_000 * 2, seed=4)
    native = StepLoop(48_000, B_IN, FRAME, backend_output_rate=B_OUT, playout_capacity_samples=BIG)
    native.set_native_backend(kind, gain_db=-4.5)
    python = StepLoop(48_000, B_IN, FRAME, backend_output_rate=B_OUT, playout_capacity_samples=BIG)
    rng = np.random.default_rng(8)
    pos = 0
    a, b = [], []
    while pos < x.size:
        k = int(rng.integers(0, 2000))
        native.process(x[pos : pos + k])
        for f in python.push_input(x[pos : pos + k]):
            python.push_output(f if kind == "passthrough" else gain_db(f, -4.5))
        want = int(rng.integers(0, 2000))
        a.append(native.pull_playout(want))
        b.append(python.pull_playout(want))
        pos += k
    assert np.array_equal(np.concatenate(a), np.concatenate(b))
    assert native.frames_in == native.frames_out == python.frames_in > 90


def test_native_backend_objects() -> None:
    x = _noise(3_200, seed=6, amp=30_000)
    by_name = StepLoop(16_000, 16_000, 160)
    by_name.set_native_backend("gain", gain_db=6.0)
    by_object = StepLoop(16_000, 16_000, 160)
    gain = NativeGain(6.0)
    by_object.set_native_backend(gain)
    assert by_object.native_backend is gain
    assert (gain.name, gain.gain_db) == ("gain", 6.0)
    assert isinstance(by_name.native_backend, NativeGain)
    by_name.process(x)
    by_object.process(x)
    ref = gain_db(x, 6.0)
    assert np.array_equal(by_name.pull_playout(4000), ref)
    assert np.array_equal(by_object.pull_playout(4000), ref)
    assert NativePassthrough().name == "passthrough"
    by_object.set_native_backend(None)
    assert by_object.native_backend is None
    with pytest.raises(errors.VonaError, match="set_native_backend"):
        by_object.process(x)
    by_object.set_native_backend("none")
    assert by_object.native_backend is None
    with pytest.raises(errors.ConfigError, match="no ops table"):
        by_object.set_native_backend(NativeBackend())
    with pytest.raises(errors.ConfigError, match="a name or a NativeBackend"):
        by_object.set_native_backend(3.0)  # type: ignore[arg-type]
    with pytest.raises(errors.ConfigError, match="finite"):
        NativeGain(float("inf"))


def test_two_rate_validation_and_repr() -> None:
    with pytest.raises(errors.ConfigError, match="backend_output_rate 12345 Hz cannot be"):
        StepLoop(16_000, 16_000, 320, backend_output_rate=12345)
    with pytest.raises(errors.ConfigError, match="backend_output_rate must be"):
        StepLoop(16_000, 16_000, 320, backend_output_rate=0)
    with pytest.raises(errors.ConfigError, match="1 or 2 channels"):
        StepLoop(16_000, 16_000, 320, channels=3, backend_output_rate=24_000)
    # Equal rates everywhere: any rate is fine, no resampler is built.
    assert StepLoop(12345, 12345, 100, backend_output_rate=12345).backend_output_rate == 12345
    two = StepLoop(16_000, 16_000, 320, backend_output_rate=24_000)
    assert "16000->16000->24000 Hz" in repr(two)
    assert "48000->16000 Hz" in repr(StepLoop(48_000, 16_000, 320))
