"""ScriptedTransport: pacing, chunking, playback model and clear()."""

from __future__ import annotations

import numpy as np
import pytest

from vona.errors import AudioFormatError, ConfigError
from vona.frames import AudioInputFrame, AudioOutputFrame
from vona.testing import ScriptedTransport, VirtualClock, noise, run_virtual, tone

RATE = 16_000


def collect(transport: ScriptedTransport, clock: VirtualClock) -> list[AudioInputFrame]:
    async def main() -> list[AudioInputFrame]:
        frames = []
        while (f := await transport.recv()) is not None:
            frames.append(f)
        return frames

    return run_virtual(main(), clock=clock)


def test_random_chunks_cover_the_audio_at_real_time_pace() -> None:
    clock = VirtualClock(start_ns=0)
    audio = noise(1000, RATE, seed=3)
    tr = ScriptedTransport(audio, RATE, chunk_samples=(1, 999), seed=5, clock=clock)
    frames = collect(tr, clock)
    np.testing.assert_array_equal(np.concatenate([f.samples for f in frames]), audio)
    assert len({f.samples.shape[0] for f in frames}) > 5
    assert [f.sequence for f in frames] == list(range(1, len(frames) + 1))
    # Each chunk arrives when its last sample has been captured.
    ends = np.cumsum([f.samples.shape[0] for f in frames])
    assert [f.timestamp_ns for f in frames] == [int(e) * 1_000_000_000 // RATE for e in ends]
    assert clock.now_ns() == 1_000_000_000


def test_hold_open_and_fast_mode() -> None:
    clock = VirtualClock(start_ns=0)
    tr = ScriptedTransport(tone(100, RATE), RATE, hold_open_ms=400, clock=clock)
    assert len(collect(tr, clock)) == 5
    assert clock.now_ns() == 500_000_000
    fast_clock = VirtualClock(start_ns=0)
    fast = ScriptedTransport(tone(100, RATE), RATE, realtime=False, clock=fast_clock)
    assert len(collect(fast, fast_clock)) == 5
    assert fast_clock.now_ns() == 0


def test_playback_and_clear_report_unplayed_samples() -> None:
    clock = VirtualClock(start_ns=0)
    tr = ScriptedTransport(tone(10, RATE), RATE, clock=clock)
    audio = tone(100, RATE)

    async def main() -> tuple[int, int, int]:
        await tr.send(AudioOutputFrame(1, RATE, 1, audio[:800]))
        await tr.send(AudioOutputFrame(2, RATE, 1, audio[800:1600]))
        await clock.sleep(30_000_000)  # 30 ms: 480 samples played
        played = tr.played_samples()
        dropped = await tr.clear()
        await tr.send(AudioOutputFrame(3, RATE, 1, audio[:160], is_filler=True))
        await clock.sleep(100_000_000)
        return played, dropped, tr.played_samples()

    played, dropped, total_played = run_virtual(main(), clock=clock)
    assert (played, dropped) == (480, 1120)
    assert total_played == 640
    np.testing.assert_array_equal(tr.played_audio(), audio[:480])
    assert tr.played_audio(include_filler=True).shape[0] == 640
    assert tr.output_audio().shape[0] == 1760
    assert tr.clears[0].dropped_samples == 1120


def test_rejects_bad_input_and_output() -> None:
    with pytest.raises(AudioFormatError, match="1-D int16"):
        ScriptedTransport(np.zeros(10, dtype=np.float32), RATE)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="chunk sizes"):
        ScriptedTransport(tone(10, RATE), RATE, chunk_samples=(5, 2))
    clock = VirtualClock()
    tr = ScriptedTransport(tone(10, RATE), RATE, clock=clock)

    async def bad_send() -> None:
        await tr.send(AudioOutputFrame(1, 48_000, 1, tone(10, 48_000)))

    with pytest.raises(AudioFormatError, match="48000 Hz"):
        run_virtual(bad_send(), clock=clock)
