"""A deterministic echo path: what a laptop's microphone hears of the runtime's own reply.

The reply comes back ``delay_ms`` later (80 ms), ``gain_db`` quieter (-6 dB, its energy
against what was played), through a short room reverb (the direct sound plus an
exponentially decaying noise tail, RT60 about 150 ms, fixed seed). ``Room`` is the same
path streaming, ``RoomTransport`` a scripted user in that room with the speaker. Used by
the echo-cancellation tests and benchmark.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vona.clock import Clock
from vona.errors import ConfigError
from vona.frames import AudioInputFrame, AudioOutputFrame
from vona.transports.scripted import ScriptedTransport

__all__ = [
    "Room",
    "RoomTransport",
    "another_voice",
    "echo_of",
    "erle_db",
    "room_response",
    "run_in_room",
    "speech",
]

_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audio"

Int16Array = npt.NDArray[np.int16]


def room_response(
    rate: int, *, rt60_s: float = 0.15, length_s: float = 0.12
) -> npt.NDArray[np.float64]:
    """Impulse response of the room: the direct path, then a decaying tail, scaled to unit
    energy (the room spreads the sound in time; ``gain_db`` alone sets the echo's level, at
    every rate)."""
    rng = np.random.default_rng(16)
    n = int(length_s * rate)
    t = np.arange(n) / rate
    h: npt.NDArray[np.float64] = rng.standard_normal(n) * np.exp(-6.9 * t / rt60_s) * 0.25
    h[: int(0.003 * rate)] = 0.0  # first reflections arrive a few ms after the direct sound
    h[0] = 1.0
    # Unscaled, the tail carried 5-30x the direct sound's energy (more at higher rates):
    # the "-6 dB" echo reached the microphone 5-10 dB louder than what was played.
    unit: npt.NDArray[np.float64] = h / np.sqrt(np.sum(h * h))
    return unit


def echo_of(
    far: Int16Array, rate: int, *, delay_ms: float = 80.0, gain_db: float = -6.0
) -> Int16Array:
    """What the microphone hears of ``far`` (int16 mono): delayed, attenuated, reverberated;
    the same length as ``far``."""
    h = room_response(rate) * 10 ** (gain_db / 20)
    delay = int(delay_ms * rate / 1000)
    x = np.concatenate([np.zeros(delay), far.astype(np.float64)])[: len(far)]
    y = np.convolve(x, h)[: len(far)]
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def erle_db(near: npt.NDArray[np.generic], out: npt.NDArray[np.generic]) -> float:
    """Echo return loss enhancement: the echo's energy in over the energy left out (dB)."""
    num = float(np.sum(near.astype(np.float64) ** 2))
    den = float(np.sum(out.astype(np.float64) ** 2))
    return float(10 * np.log10((num + 1e-9) / (den + 1e-9)))


def speech(*names: str, rate: int = 16_000, fixtures_dir: Path | None = None) -> Int16Array:
    """The named mono 16-bit WAV fixtures back to back at ``rate`` (int16)."""
    from vona.dsp import Resampler

    directory = fixtures_dir or _FIXTURES
    clips = []
    for name in names:
        path = directory / (name if name.endswith(".wav") else f"{name}.wav")
        if not path.is_file():
            raise ConfigError(f"fixture {name!r} not found in {directory}")
        with wave.open(str(path)) as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise ConfigError(f"fixture {name!r} must be mono 16-bit PCM")
            file_rate = w.getframerate()
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)
        if file_rate != rate:
            rs = Resampler(file_rate, rate)
            data = np.concatenate([rs.process(data), rs.flush()]).astype(np.int16)
        clips.append(data)
    return np.concatenate(clips).astype(np.int16)


def another_voice(clip: Int16Array, *, factor: float = 0.82, gain: float = 1.0) -> Int16Array:
    """``clip`` said by another, lower and slower voice: resampled by ``factor`` (pitch and
    tempo both), times ``gain``. Deterministic (linear interpolation)."""
    if not 0.25 <= factor <= 4.0 or gain <= 0:
        raise ConfigError(
            f"another_voice needs factor in 0.25..4 and gain > 0, got {factor}, {gain}"
        )
    t = np.arange(0, len(clip) - 1, factor)
    y = np.interp(t, np.arange(len(clip)), clip.astype(np.float64)) * gain
    out: Int16Array = np.clip(np.round(y), -32768, 32767).astype(np.int16)
    return out


class Room:
    """A speaker and a microphone in one room, streaming: ``hear(played, user)`` is what
    the microphone records while ``played`` plays (the echo path of ``echo_of``, its
    state kept across calls) and the user says ``user``."""

    def __init__(self, rate: int, *, delay_ms: float = 80.0, gain_db: float = -6.0) -> None:
        self.h = room_response(rate) * 10 ** (gain_db / 20)
        self.delay = int(delay_ms * rate / 1000)
        self.hist = np.zeros(self.delay + len(self.h) + rate // 10)

    def hear(self, played: Int16Array, user: Int16Array) -> Int16Array:
        n = len(played)
        if n > len(self.hist):
            raise ConfigError(f"Room.hear takes at most {len(self.hist)} samples, got {n}")
        self.hist = np.concatenate([self.hist[n:], played.astype(np.float64)])
        full = np.convolve(self.hist, self.h)[: len(self.hist)]
        echo = full[len(self.hist) - n - self.delay : len(self.hist) - self.delay]
        mixed = np.round(echo) + user.astype(np.float64)
        return np.clip(mixed, -32768, 32767).astype(np.int16)


class RoomTransport(ScriptedTransport):
    """A scripted user (mono ``audio``) in a room with the speaker. The speaker is a device
    queue: what is sent plays in order, one sample per sample recorded (silence when the
    queue is empty), and comes back in the input through the ``Room``. ``heard`` is what
    the microphone recorded, ``played`` what the speaker played (both ``pos`` long)."""

    echo_cancelled = False

    def __init__(
        self,
        audio: Int16Array,
        rate: int,
        clock: Clock | None = None,
        *,
        hold_open_ms: float = 0.0,
    ) -> None:
        super().__init__(audio, rate, clock=clock, hold_open_ms=hold_open_ms)
        self.rate = rate
        self.queue = np.zeros(0, np.int16)
        self.heard = np.zeros(len(audio), np.int16)
        self.played = np.zeros(len(audio), np.int16)
        self.room = Room(rate)
        self.pos = 0

    async def send(self, frame: AudioOutputFrame) -> None:
        self.queue = np.concatenate([self.queue, frame.samples])
        await super().send(frame)

    async def clear(self) -> int:
        """The device drops what it had not played yet."""
        self.queue = np.zeros(0, np.int16)
        return await super().clear()

    async def recv(self) -> AudioInputFrame | None:
        frame = await super().recv()
        if frame is None:
            return None
        n = len(frame.samples)
        played = np.zeros(n, np.int16)
        k = min(n, len(self.queue))
        played[:k] = self.queue[:k]
        self.queue = self.queue[k:]
        mic = self.room.hear(played, frame.samples)
        end = min(self.pos + n, len(self.heard))
        self.heard[self.pos : end] = mic[: end - self.pos]
        self.played[self.pos : end] = played[: end - self.pos]
        self.pos = end
        return AudioInputFrame(frame.sequence, self.rate, 1, mic, frame.timestamp_ns)


def run_in_room(
    user: Int16Array, rate: int, backend: Any, runtime: Any, *, virtual: bool
) -> RoomTransport:
    """Run one session of ``backend`` whose transport is a ``RoomTransport`` with ``user``
    talking, on the virtual clock or the real one; the room, once the session is over (a
    failed session raises ``HarnessAssertionError``)."""
    import asyncio

    from vona.driver import run_session
    from vona.testing.harness import HarnessAssertionError
    from vona.testing.virtual_time import VirtualClock, run_virtual

    if virtual:
        clock = VirtualClock()
        transport = RoomTransport(user, rate, clock)
        metrics = run_virtual(
            run_session(transport, backend, runtime=runtime, clock=clock), clock=clock
        )
    else:
        transport = RoomTransport(user, rate)
        metrics = asyncio.run(run_session(transport, backend, runtime=runtime))
    if metrics.error is not None:
        raise HarnessAssertionError(f"the session in the room failed: {metrics.error}")
    return transport
