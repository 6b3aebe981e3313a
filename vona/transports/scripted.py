"""``ScriptedTransport``: a deterministic ``AudioTransport`` for tests and benchmarks.

It delivers fixture audio as input at real-time pace on the session clock (fixed or
random chunk sizes), and plays what it is sent through a simulated playback buffer that
drains at the transport rate, so the position the user actually heard is known at any
time. ``clear()`` drops the unplayed part and returns its size, as a real device would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from vona.clock import Clock, default_clock
from vona.errors import AudioFormatError, ConfigError
from vona.frames import AudioInputFrame, AudioOutputFrame, Int16Array

__all__ = ["ClearRecord", "ScriptedTransport", "SentFrame"]


@dataclass(slots=True, frozen=True)
class SentFrame:
    """An output frame as the transport received it, at session time ``t_ns``."""

    t_ns: int
    frame: AudioOutputFrame
    stream_offset: int  # samples per channel sent before this frame


@dataclass(slots=True, frozen=True)
class ClearRecord:
    """A ``clear()``: when, how much was already played, and how much was dropped."""

    t_ns: int
    played_samples: int
    dropped_samples: int


class ScriptedTransport:
    """Plays ``audio`` (int16, interleaved) as input and records/plays the output.

    Chunking: ``chunk_samples`` (an int, or ``(low, high)`` for seeded random sizes)
    or ``chunk_ms`` (default 20 ms). ``realtime``: each chunk is delivered when it has
    been fully "captured" (start + its end offset at the sample rate); otherwise as fast
    as asked. ``hold_open_ms``: keep the input open (no more audio) this long after the
    audio ends before ``recv`` returns None. All times come from ``clock`` (default: the
    running loop's clock), so under ``run_virtual`` everything is deterministic.
    """

    def __init__(
        self,
        audio: Int16Array,
        sample_rate_hz: int,
        *,
        channels: int = 1,
        chunk_ms: float = 20.0,
        chunk_samples: int | tuple[int, int] | None = None,
        seed: int = 0,
        realtime: bool = True,
        hold_open_ms: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        audio = np.asarray(audio)
        if audio.dtype != np.int16 or audio.ndim != 1:
            raise AudioFormatError(
                f"ScriptedTransport audio must be 1-D int16, got {audio.dtype} {audio.shape}"
            )
        if sample_rate_hz <= 0 or channels < 1 or audio.shape[0] % channels:
            raise AudioFormatError(
                f"bad audio layout: {audio.shape[0]} values, {channels} channel(s), "
                f"{sample_rate_hz} Hz"
            )
        if chunk_samples is None:
            chunk_samples = max(int(sample_rate_hz * chunk_ms // 1000), 1)
        low, high = (
            chunk_samples if isinstance(chunk_samples, tuple) else (chunk_samples, chunk_samples)
        )
        if not 1 <= low <= high:
            raise ConfigError(f"chunk sizes must satisfy 1 <= low <= high, got {chunk_samples}")
        if hold_open_ms < 0:
            raise ConfigError(f"hold_open_ms must be >= 0, got {hold_open_ms}")
        self.sample_rate_hz = sample_rate_hz
        self.channels = channels
        self._audio = audio
        self._total = int(audio.shape[0]) // channels
        self._chunk = (low, high)
        self._rng = random.Random(seed)
        self.realtime = realtime
        self.hold_open_ns = int(hold_open_ms * 1_000_000)
        self._clock = clock
        self._pos = 0
        self._seq = 0
        self._start_ns: int | None = None
        self.sent: list[SentFrame] = []
        self.clears: list[ClearRecord] = []
        self.recv_count = 0
        self.recv_times_ns: list[int] = []
        self._sent_total = 0
        self._buffered = 0
        self._played = 0
        self._carry = 0
        self._last_ns = 0
        self._cuts: list[tuple[int, int]] = []

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            self._clock = default_clock()
        return self._clock

    @property
    def input_samples(self) -> int:
        """Samples per channel of input audio."""
        return self._total

    # -- AudioTransport --------------------------------------------------------------

    async def recv(self) -> AudioInputFrame | None:
        clock = self.clock
        if self._start_ns is None:
            self._start_ns = clock.now_ns()
        start = self._start_ns
        if self._pos >= self._total:
            if self.realtime and self.hold_open_ns:
                await clock.sleep_until(start + self._offset_ns(self._total) + self.hold_open_ns)
            return None
        size = min(self._rng.randint(*self._chunk), self._total - self._pos)
        ch = self.channels
        chunk = self._audio[self._pos * ch : (self._pos + size) * ch]
        self._pos += size
        at = start + self._offset_ns(self._pos)
        if self.realtime:
            await clock.sleep_until(at)
        self._seq += 1
        self.recv_count += 1
        self.recv_times_ns.append(clock.now_ns())
        return AudioInputFrame(self._seq, self.sample_rate_hz, ch, chunk, at)

    async def send(self, frame: AudioOutputFrame) -> None:
        if frame.sample_rate_hz != self.sample_rate_hz or frame.channels != self.channels:
            raise AudioFormatError(
                f"output frame is {frame.sample_rate_hz} Hz x{frame.channels}; the transport "
                f"plays {self.sample_rate_hz} Hz x{self.channels}"
            )
        self._advance()
        n = frame.samples_per_channel
        self.sent.append(SentFrame(self.clock.now_ns(), frame, self._sent_total))
        self._sent_total += n
        self._buffered += n

    async def clear(self) -> int:
        self._advance()
        dropped = self._buffered
        self._buffered = 0
        self._carry = 0
        if dropped:
            self._cuts.append((self._sent_total - dropped, dropped))
        self.clears.append(ClearRecord(self.clock.now_ns(), self._played, dropped))
        return dropped

    # -- playback model ----------------------------------------------------------------

    def _offset_ns(self, samples: int) -> int:
        return samples * 1_000_000_000 // self.sample_rate_hz

    def _advance(self) -> None:
        now = self.clock.now_ns()
        if self._buffered > 0:
            total = (now - self._last_ns) * self.sample_rate_hz + self._carry
            can = total // 1_000_000_000
            take = min(can, self._buffered)
            self._buffered -= take
            self._played += take
            self._carry = total - can * 1_000_000_000 if self._buffered else 0
        self._last_ns = now

    def played_samples(self) -> int:
        """Samples per channel played so far (filler included): the optional playback
        report of the ``AudioTransport`` contract, so the driver truncates a barge-in by
        what this simulated listener heard."""
        self._advance()
        return self._played

    @property
    def buffered_samples(self) -> int:
        """Samples per channel sent but not yet played."""
        self._advance()
        return self._buffered

    @property
    def sent_samples(self) -> int:
        return self._sent_total

    def output_audio(self, *, include_filler: bool = True) -> Int16Array:
        """Everything ``send`` received, in order."""
        frames = [s.frame.samples for s in self.sent if include_filler or not s.frame.is_filler]
        return np.concatenate(frames) if frames else np.zeros(0, dtype=np.int16)

    def played_audio(self, *, include_filler: bool = False) -> Int16Array:
        """What the user heard (or will, once the buffer drains): the sent stream minus
        the parts ``clear`` dropped, by default without filler."""
        if not self.sent:
            return np.zeros(0, dtype=np.int16)
        ch = self.channels
        keep = np.ones(self._sent_total, dtype=bool)
        for start, length in self._cuts:
            keep[start : start + length] = False
        if not include_filler:
            for s in self.sent:
                if s.frame.is_filler:
                    keep[s.stream_offset : s.stream_offset + s.frame.samples_per_channel] = False
        stream = np.concatenate([s.frame.samples for s in self.sent])
        return stream.reshape(-1, ch)[keep].reshape(-1) if ch > 1 else stream[keep]

    @property
    def first_output_ns(self) -> int | None:
        return self.sent[0].t_ns if self.sent else None
