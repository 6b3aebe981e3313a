"""vona.step_loop.StepLoop: lossless framing, resampling equal to the one-shot chain,
interruption accounting, turn latency on a virtual clock, underruns, validation."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from vona import errors
from vona.dsp import Resampler
from vona.step_loop import PlayoutCut, StepLoop


def _noise(n: int, seed: int = 0, amp: int = 12000) -> npt.NDArray[np.int16]:
    return np.random.default_rng(seed).integers(-amp, amp, n).astype(np.int16)


def _drive_process(
    loop: StepLoop, x: npt.NDArray[np.int16], seed: int = 1
) -> npt.NDArray[np.int16]:
    """process() x in random chunks (0, 1 and large included), pulling as we go."""
    rng = np.random.default_rng(seed)
    ch = loop.channels
    pos, n, out = 0, x.size // ch, []
    while pos < n:
        k = min(int(rng.choice([0, 1, int(rng.integers(0, 1500))])), n - pos)
        loop.process(x[pos * ch : (pos + k) * ch])
        pos += k
        out.append(loop.pull_playout(int(rng.integers(0, 2000))))
    while True:
        more = loop.pull_playout(4096)
        if more.size == 0:
            break
        out.append(more)
    return np.concatenate(out)


@pytest.mark.parametrize("channels", [1, 2])
def test_passthrough_process_is_lossless_at_equal_rates(channels: int) -> None:
    frame = 320
    loop = StepLoop(16000, 16000, frame, channels=channels, playout_capacity_samples=1 << 21)
    loop.set_native_backend("passthrough")
    x = _noise((4000 * frame + 77) * channels)
    y = _drive_process(loop, x)
    assert y.size == 4000 * frame * channels  # the partial last frame is still pending
    assert np.array_equal(y, x[: y.size])
    st = loop.stats()
    assert st["frames_in"] == st["frames_out"] == 4000
    assert st["overflows"] == 0
    assert st["samples_played"] == 4000 * frame


def test_push_input_and_push_output_equal_process() -> None:
    x = _noise(48000 * 2)
    a = StepLoop(48000, 16000, 320, playout_capacity_samples=1 << 20)
    a.set_native_backend("passthrough")
    via_process = _drive_process(a, x, seed=5)
    b = StepLoop(48000, 16000, 320, playout_capacity_samples=1 << 20)
    rng = np.random.default_rng(5)
    pos, out = 0, []
    while pos < x.size:
        k = int(rng.integers(0, 2000))
        frames = b.push_input(x[pos : pos + k])
        for f in frames:
            assert f.shape == (320,)
            assert f.base is None
            b.push_output(f)
        pos += k
    while (more := b.pull_playout(4096)).size:
        out.append(more)
    assert np.array_equal(np.concatenate(out), via_process)
    assert b.frames_in == a.frames_in
    assert b.frames_out == b.frames_in


@pytest.mark.parametrize(
    ("transport", "backend", "frame"),
    [(48000, 16000, 320), (16000, 24000, 480), (24000, 16000, 320), (8000, 48000, 960)],
)
def test_resampled_passthrough_matches_the_one_shot_chain(
    transport: int, backend: int, frame: int
) -> None:
    x = _noise(transport, seed=transport)  # one second
    loop = StepLoop(transport, backend, frame, playout_capacity_samples=1 << 20)
    loop.set_native_backend("passthrough")
    y = _drive_process(loop, x, seed=backend)
    # Reference: resample everything at once, keep whole frames, resample back.
    mid = Resampler(transport, backend).process(x)
    whole = mid[: mid.size // frame * frame]
    ref = Resampler(backend, transport).process(whole)
    assert loop.frames_in == whole.size // frame
    assert y.size == ref.size
    assert np.array_equal(y, ref)


def test_interrupt_drops_exactly_the_unplayed_audio() -> None:
    loop = StepLoop(24000, 24000, 480, playout_capacity_samples=24000)
    loop.begin_turn()
    out = _noise(10_000, seed=9)
    assert loop.push_output(out) == 10_000
    played = np.concatenate([loop.pull_playout(480) for _ in range(7)])
    assert np.array_equal(played, out[:3360])
    result = loop.interrupt()
    assert isinstance(result, PlayoutCut)
    assert result == PlayoutCut(10_000 - 3360, 3360, 140.0)
    assert loop.playout_buffered == 0
    assert loop.pull_playout(480).size == 0
    assert loop.dropped_samples == 10_000 - 3360
    # A later turn restarts the played position.
    loop.begin_turn()
    loop.push_output(out[:100])
    loop.pull_playout(60)
    assert loop.interrupt() == PlayoutCut(40, 60, 2.5)
    assert loop.stats()["interrupts"] == 2


def test_interrupt_across_rates_reports_transport_samples() -> None:
    loop = StepLoop(48000, 16000, 320, playout_capacity_samples=48000)
    loop.begin_turn()
    queued = sum(loop.push_output(_noise(320, seed=i)) for i in range(20))
    assert queued == loop.playout_buffered
    loop.pull_playout(960)
    loop.pull_playout(960)
    it = loop.interrupt()
    assert it.dropped_samples == queued - 1920
    assert it.played_samples == 1920
    assert it.played_ms == 40.0
    # the output resampler restarted: new output is not mixed with the old tail
    fresh = Resampler(16000, 48000).process(np.full(3200, 1000, np.int16))
    loop.push_output(np.full(3200, 1000, np.int16))
    assert np.array_equal(loop.pull_playout(fresh.size), fresh)


def test_overflow_is_counted_never_silent() -> None:
    loop = StepLoop(16000, 16000, 160, playout_capacity_samples=1000)
    assert loop.push_output(np.ones(1500, np.int16)) == 1000
    assert loop.overflows == 500
    assert loop.push_output(np.ones(10, np.int16)) == 0
    assert loop.overflows == 510


def test_virtual_clock_latency_stamps_are_deterministic() -> None:
    loop = StepLoop(16000, 16000, 320)
    loop.set_clock(True)
    assert loop.clock_is_virtual
    assert loop.now_ns() == 0
    loop.set_time(1_000_000_000)
    loop.mark_user_speech_end()  # at 1.000 s
    loop.advance_clock(150_000_000)
    loop.begin_turn()  # at 1.150 s
    assert loop.turn_start_ns == 1_150_000_000
    assert loop.first_audio_ns is None
    speech = np.concatenate([np.zeros(400, np.int16), np.full(2000, 500, np.int16)])
    loop.push_output(speech)
    loop.advance_clock(20_000_000)
    loop.pull_playout(320)  # silence only: no stamp
    assert loop.first_audio_ns is None
    assert loop.turn_latency_ns is None
    loop.advance_clock(20_000_000)  # 1.190 s
    loop.pull_playout(320)  # sound starts 80 samples (5 ms) into this chunk
    assert loop.first_audio_ns == 1_195_000_000
    assert loop.turn_latency_ns == 195_000_000
    assert loop.played_samples == 640
    # the mark was used: the next turn has no latency until a fresh mark
    loop.begin_turn()
    loop.pull_playout(320)
    assert loop.turn_latency_ns is None
    assert loop.first_audio_ns == loop.now_ns()


def test_underruns_count_gaps_during_a_playing_turn_only() -> None:
    loop = StepLoop(16000, 16000, 320)
    assert loop.pull_playout(320).size == 0  # no turn: not an underrun
    loop.begin_turn()
    assert loop.pull_playout(320).size == 0  # turn not playing yet: latency, not underrun
    loop.push_output(np.ones(500, np.int16))
    loop.pull_playout(320)
    assert loop.pull_playout(320).size == 180  # gap while producing
    assert loop.underruns == 1
    assert loop.stats()["underrun_samples"] == 140
    loop.end_turn()
    loop.pull_playout(320)  # drained after the backend finished: fine
    assert loop.underruns == 1


def test_gain_backend() -> None:
    loop = StepLoop(16000, 16000, 160)
    loop.set_native_backend("gain", gain_db=-6.0)
    x = _noise(1600, seed=3)
    assert loop.process(x) == 1600
    g = np.float32(10 ** (-6 / 20))
    expect = np.clip(np.rint(x.astype(np.float32) * g), -32768, 32767).astype(np.int16)
    assert np.array_equal(loop.pull_playout(1600), expect)


def test_validation_messages() -> None:
    with pytest.raises(errors.ConfigError, match="backend_rate 12345 Hz cannot be resampled"):
        StepLoop(16000, 12345, 320)
    with pytest.raises(errors.ConfigError, match="backend_frame_samples"):
        StepLoop(16000, 16000, 0)
    with pytest.raises(errors.ConfigError, match="1 or 2 channels"):
        StepLoop(48000, 16000, 320, channels=3)
    with pytest.raises(errors.ConfigError, match="quality"):
        StepLoop(48000, 16000, 320, quality="best")
    with pytest.raises(errors.ConfigError, match="playout_capacity_samples"):
        StepLoop(16000, 16000, 320, playout_capacity_samples=0)
    loop = StepLoop(16000, 16000, 320, channels=2)
    assert loop.playout_capacity_samples == 16000 * 60
    with pytest.raises(errors.VonaError, match="set_native_backend"):
        loop.process(np.zeros(2, np.int16))
    with pytest.raises(errors.ConfigError, match="native backend must be"):
        loop.set_native_backend("echo")
    with pytest.raises(errors.ConfigError, match="finite"):
        loop.set_native_backend("gain", float("nan"))
    with pytest.raises(errors.AudioFormatError, match="multiple of channels=2"):
        loop.push_input(np.zeros(3, np.int16))
    with pytest.raises(errors.AudioFormatError, match="dtype int16"):
        loop.push_output(np.zeros(4, np.float32))
    with pytest.raises(errors.ConfigError, match="n >= 0"):
        loop.pull_playout(-1)
    with pytest.raises(errors.VonaError, match="set_clock"):
        loop.advance_clock(5)
    loop.set_clock(True)
    with pytest.raises(errors.ConfigError, match="nanoseconds"):
        loop.advance_clock(-5)
    with pytest.raises(errors.ConfigError, match="nanoseconds"):
        loop.begin_turn(1.5)  # type: ignore[arg-type]
    loop.begin_turn(np.int64(7))  # numpy ints are fine
    assert loop.turn_start_ns == 7
    with loop:
        pass
    with pytest.raises(errors.VonaError, match="closed"):
        loop.pull_playout(1)


def test_separate_loops_run_in_parallel_threads() -> None:
    """process() releases the GIL; independent loops in threads give the serial result."""
    from concurrent.futures import ThreadPoolExecutor

    x = _noise(48000, seed=11)

    def run(_: int) -> npt.NDArray[np.int16]:
        loop = StepLoop(48000, 16000, 320, playout_capacity_samples=1 << 20)
        loop.set_native_backend("gain", gain_db=-3.0)
        for k in range(0, x.size, 960):
            loop.process(x[k : k + 960])
        return loop.pull_playout(1 << 20)

    serial = run(0)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(8)))
    assert serial.size > 40000
    assert all(np.array_equal(r, serial) for r in results)


def test_low_latency_resampling_matches_its_one_shot_chain() -> None:
    x = _noise(48000, seed=21)
    loop = StepLoop(48000, 16000, 320, playout_capacity_samples=1 << 20, low_latency=True)
    assert loop.low_latency
    loop.set_native_backend("passthrough")
    y = _drive_process(loop, x, seed=22)
    mid = Resampler(48000, 16000, low_latency=True).process(x)
    whole = mid[: mid.size // 320 * 320]
    ref = Resampler(16000, 48000, low_latency=True).process(whole)
    assert np.array_equal(y, ref)
