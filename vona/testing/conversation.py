"""Reconstruct a scripted session as the two people in it heard it.

``RecordingTransport`` is a ``ScriptedTransport`` that also keeps the order of its
``send`` and ``clear`` calls, so ``conversation_audio`` can lay the user's input and the
assistant's played output on one time axis (stereo: user left, assistant right) with
every interruption's cut where the playback model made it. ``write_wav`` saves it.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vona.errors import ConfigError
from vona.frames import AudioOutputFrame, Int16Array
from vona.transports.scripted import ScriptedTransport

__all__ = ["RecordingTransport", "TransportOp", "conversation_audio", "write_wav"]


@dataclass(slots=True, frozen=True)
class TransportOp:
    """A ``send`` (``samples`` set) or a ``clear`` (``samples`` None) at clock time ``t_ns``."""

    t_ns: int
    samples: Int16Array | None
    is_filler: bool = False


class RecordingTransport(ScriptedTransport):
    """A ``ScriptedTransport`` that records its output calls in order (``ops``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.ops: list[TransportOp] = []

    @property
    def started_ns(self) -> int | None:
        """Clock time of the first ``recv`` (input sample 0), None before it."""
        return self._start_ns

    async def send(self, frame: AudioOutputFrame) -> None:
        await super().send(frame)
        self.ops.append(TransportOp(self.clock.now_ns(), frame.samples, frame.is_filler))

    async def clear(self) -> int:
        dropped = await super().clear()
        self.ops.append(TransportOp(self.clock.now_ns(), None))
        return dropped


def conversation_audio(transport: RecordingTransport, *, include_filler: bool = True) -> Int16Array:
    """Stereo int16 (interleaved, ``[user, assistant]``) at the transport rate, starting at
    the first input sample and long enough for both sides to finish.

    The assistant side follows the transport's playback model: a frame starts playing when
    it is sent or when the audio before it ends, whichever is later; a ``clear`` silences
    everything scheduled after it.
    """
    if transport.channels != 1:
        raise ConfigError("conversation_audio supports mono transports only")
    start = transport.started_ns
    user = np.asarray(transport._audio, dtype=np.int16)
    if start is None:
        return np.zeros(0, dtype=np.int16)
    rate = transport.sample_rate_hz
    pieces: list[tuple[int, Int16Array]] = []  # (start sample, audio) as scheduled
    play_end = 0
    for op in transport.ops:
        at = max((op.t_ns - start) * rate // 1_000_000_000, 0)
        if op.samples is None:
            # Truncate what is scheduled past the clear; nothing new is pending.
            kept: list[tuple[int, Int16Array]] = []
            for s0, audio in pieces:
                if s0 >= at:
                    continue
                kept.append((s0, audio[: at - s0]))
            pieces = kept
            play_end = min(play_end, at)
            continue
        if op.is_filler and not include_filler:
            play_end = max(at, play_end) + int(op.samples.shape[0])
            continue
        s0 = max(at, play_end)
        pieces.append((s0, op.samples))
        play_end = s0 + int(op.samples.shape[0])
    length = max([user.shape[0], *(s0 + a.shape[0] for s0, a in pieces)])
    out = np.zeros((length, 2), dtype=np.int16)
    out[: user.shape[0], 0] = user
    for s0, audio in pieces:
        out[s0 : s0 + audio.shape[0], 1] = audio
    result: Int16Array = out.reshape(-1)
    return result


def write_wav(path: str | Path, samples: Int16Array, sample_rate_hz: int, channels: int) -> Path:
    """Write interleaved int16 ``samples`` as a PCM WAV file; returns the path."""
    data = np.ascontiguousarray(samples, dtype="<i2")
    if channels < 1 or data.shape[0] % channels:
        raise ConfigError(f"{data.shape[0]} samples do not split into {channels} channel(s)")
    path = Path(path)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sample_rate_hz)
        w.writeframes(data.tobytes())
    return path
