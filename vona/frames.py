"""Audio frames: the per-frame currency between transports, the loop and backends.

Slotted dataclasses rather than pydantic models: one is made per 20 ms frame, so
construction must cost well under a microsecond. ``samples`` is an interleaved
int16 numpy array; its length is ``samples_per_channel * channels``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["AudioInputFrame", "AudioOutputFrame", "Int16Array"]

Int16Array = npt.NDArray[np.int16]


@dataclass(slots=True)
class AudioInputFrame:
    """Audio from the user: a chunk as a transport delivered it.

    ``timestamp_ns`` is the capture time on the session clock (monotonic ns), 0 if unknown.
    """

    sequence: int
    sample_rate_hz: int
    channels: int
    samples: Int16Array
    timestamp_ns: int = 0

    @property
    def samples_per_channel(self) -> int:
        return int(self.samples.shape[0]) // self.channels

    @property
    def duration_ns(self) -> int:
        return self.samples_per_channel * 1_000_000_000 // self.sample_rate_hz


@dataclass(slots=True)
class AudioOutputFrame:
    """Audio for the user. ``is_filler`` marks audio played while waiting (e.g. on a tool)."""

    sequence: int
    sample_rate_hz: int
    channels: int
    samples: Int16Array
    is_filler: bool = False

    @property
    def samples_per_channel(self) -> int:
        return int(self.samples.shape[0]) // self.channels

    @property
    def duration_ns(self) -> int:
        return self.samples_per_channel * 1_000_000_000 // self.sample_rate_hz
