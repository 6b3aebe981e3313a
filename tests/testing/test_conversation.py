"""RecordingTransport + conversation_audio: both sides on one time axis, cuts where
clear() made them, and a WAV that round-trips."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from vona.errors import ConfigError
from vona.frames import AudioOutputFrame
from vona.testing import VirtualClock, run_virtual
from vona.testing.conversation import RecordingTransport, conversation_audio, write_wav

RATE = 1000  # 1 sample per ms keeps the arithmetic readable


def frame(value: int, n: int, filler: bool = False) -> AudioOutputFrame:
    return AudioOutputFrame(0, RATE, 1, np.full(n, value, np.int16), filler)


def play(script: list[tuple[int, AudioOutputFrame | None]], **kw: bool) -> np.ndarray:
    """Run sends (frame) and clears (None) at the given ms after input sample 0 on virtual
    time (the 100 ms of input arrive at 100 ms, so script times start there)."""
    clock = VirtualClock()
    user = np.arange(1, 101, dtype=np.int16)
    t = RecordingTransport(user, RATE, chunk_samples=100, clock=clock)

    async def go() -> None:
        start = clock.now_ns()
        await t.recv()  # input sample 0 is at the start
        for at_ms, f in script:
            await clock.sleep_until(start + at_ms * 1_000_000)
            if f is None:
                await t.clear()
            else:
                await t.send(f)

    run_virtual(go(), clock=clock)
    return conversation_audio(t, **kw).reshape(-1, 2)


def test_user_left_assistant_right_in_time() -> None:
    out = play([(110, frame(7, 20)), (115, frame(8, 20))])
    np.testing.assert_array_equal(out[:100, 0], np.arange(1, 101))
    assistant = out[:, 1]
    assert not assistant[:110].any()
    assert (assistant[110:130] == 7).all()
    assert (assistant[130:150] == 8).all()  # queued behind the first frame
    assert out.shape[0] == 150


def test_clear_cuts_what_was_not_played() -> None:
    out = play([(100, frame(5, 50)), (120, None), (130, frame(6, 10))])
    assistant = out[:, 1]
    assert (assistant[100:120] == 5).all()
    assert not assistant[120:130].any()
    assert (assistant[130:140] == 6).all()


def test_filler_can_be_left_out() -> None:
    out = play([(100, frame(3, 10, filler=True)), (100, frame(4, 10))], include_filler=False)
    assert not out[100:110, 1].any()
    assert (out[110:120, 1] == 4).all()


def test_before_any_input_is_empty() -> None:
    t = RecordingTransport(np.ones(10, np.int16), RATE, clock=VirtualClock())
    assert conversation_audio(t).shape == (0,)


def test_write_wav_round_trip(tmp_path: Path) -> None:
    data = np.arange(-50, 50, dtype=np.int16)
    path = write_wav(tmp_path / "x.wav", data, 8000, 2)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (2, 8000, 50)
        back = np.frombuffer(w.readframes(50), "<i2")
    np.testing.assert_array_equal(back, data)
    with pytest.raises(ConfigError, match="channel"):
        write_wav(tmp_path / "y.wav", data[:3], 8000, 2)
