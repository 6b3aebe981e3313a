"""A conversation on one clock: the input as received and the reply as played, side by side.

``Timeline`` records when each input frame was stepped (``on_step`` of ``drive_audio``)
and, after the drive, places every reply frame at the time of the step that released it,
played back to back like a sound card would (a frame starts when it is released or when
the one before it ends, whichever is later). ``render`` gives a two-channel int16 signal at
the reply's rate: left the input, right the reply, so the gap between the user's last word
and the first reply sample can be read off with any waveform tool. With ``clock`` the
positions come from the runtime's clock (real-time drives); without, from the step count.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vona.backends.cascade.drive import DriveResult
from vona.frames import AudioInputFrame, Int16Array
from vona.wavio import resample_int16

__all__ = ["Timeline"]


class Timeline:
    """Input and reply of one drive on a common clock (see the module docstring)."""

    def __init__(self, in_rate: int, clock: Callable[[], int] | None = None) -> None:
        self.in_rate = in_rate
        self._clock = clock
        self._t0: int | None = None
        self._steps: list[tuple[int, Int16Array]] = []  # (input sample position, frame)

    def on_step(self, step: int, frame: AudioInputFrame) -> None:
        """``drive_audio``'s per-step hook: note where this input frame was received."""
        if self._clock is None:
            position = sum(s.shape[0] for _, s in self._steps)
        else:
            now = self._clock()
            if self._t0 is None:
                self._t0 = now
            position = (now - self._t0) * self.in_rate // 1_000_000_000
        self._steps.append((position, frame.samples.copy()))

    def render(self, result: DriveResult, out_rate: int) -> Int16Array:
        """Interleaved stereo int16 at ``out_rate``: left input, right reply as played."""
        scale = out_rate / self.in_rate
        placed: list[tuple[int, Int16Array]] = []
        cursor = 0
        for frame, step in zip(result.output, result.output_at_step, strict=True):
            at = int(self._steps[step][0] * scale) if step < len(self._steps) else cursor
            start = max(at, cursor)
            placed.append((start, frame.samples))
            cursor = start + frame.samples.shape[0]
        # Resample the input once, then cut it back into its frames.
        left_parts: list[tuple[int, Int16Array]] = []
        if self._steps:
            whole = resample_int16(
                np.concatenate([f for _, f in self._steps]), self.in_rate, out_rate
            )
            offset = 0
            for position, samples in self._steps:
                a, b = int(offset * scale), int((offset + samples.shape[0]) * scale)
                left_parts.append((int(position * scale), whole[a:b]))
                offset += samples.shape[0]
        end = max([cursor, *(p + s.shape[0] for p, s in left_parts)])
        stereo = np.zeros((end, 2), dtype=np.int16)
        for start, samples in left_parts:
            stereo[start : start + samples.shape[0], 0] = samples
        for start, samples in placed:
            stereo[start : start + samples.shape[0], 1] = samples
        return stereo.reshape(-1)
