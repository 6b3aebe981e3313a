"""Reply audio on its way out of the cascade: converted, cut into frames, released per step.

TTS gives one float32 array per sentence; ``vona.dsp.to_int16`` converts it (times 32768,
rounded half to even, saturated: the inverse of the ``to_float32`` STT input goes through)
and a ``vona.dsp.Reframer`` cuts the reply into output frames as one continuous stream (a frame
may span two sentences). ``release`` hands a step what may leave: by default everything
queued, since the session driver's StepLoop paces playout from its ring. With a lead
(``output_lead_ms``, for drivers without an output ring such as ``drive_audio``), a step
releases its input's duration of audio plus that headroom, refilled once the queue has run
dry. A partial frame leaves only when nothing else is queued. While ``held`` (a reply to an
unconfirmed end of turn) or ``paused`` (a possible barge-in) nothing is released; what is
queued stays, to leave once both are off.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from vona.backends.cascade.protocols import Float32Array
from vona.dsp import Reframer, to_int16
from vona.frames import AudioOutputFrame, Int16Array

__all__ = ["ReplyAudio"]


class ReplyAudio:
    """The output queue of one cascade session, at ``rate`` Hz mono.

    ``lead`` is the pacing headroom in samples (None: no pacing); ``clock`` (monotonic ns)
    times what was released, to estimate what is still playing. Counts are samples:
    ``emitted`` left in frames, ``pending`` waits; ``emitted + pending`` is the stream
    position the next queued sample gets.
    """

    __slots__ = (
        "_clock",
        "_credit",
        "_frames",
        "_lead",
        "_reframer",
        "emitted",
        "frame_samples",
        "held",
        "in_rate",
        "paused",
        "pending",
        "play_end_ns",
        "rate",
        "seq",
    )

    def __init__(
        self,
        rate: int,
        frame_samples: int,
        in_rate: int,
        lead: int | None,
        clock: Callable[[], int],
    ) -> None:
        self._clock = clock
        self.rate = rate
        self.frame_samples = frame_samples
        self.in_rate = in_rate
        self._lead = lead
        self._credit = lead or 0
        self._reframer = Reframer(frame_samples)
        self._frames: deque[Int16Array] = deque()
        self.emitted = 0
        self.pending = 0  # samples queued and not yet released
        self.seq = 0
        self.play_end_ns = 0  # when what was released ends playing, at real time
        self.held = False
        self.paused = False

    @property
    def paced(self) -> bool:
        return self._lead is not None

    def push(self, audio: Float32Array) -> int:
        """Queue one synthesized sentence (float32 in [-1, 1]); returns its length."""
        return self.push_pcm(to_int16(np.ascontiguousarray(audio, dtype=np.float32)))

    def push_pcm(self, pcm: Int16Array) -> int:
        """Queue int16 reply audio; returns its length."""
        n = int(pcm.shape[0])
        if n:
            self._frames.extend(self._reframer.push(pcm))
            self.pending += n
        return n

    def release(self, n_in: int) -> list[AudioOutputFrame]:
        """The frames a step that took ``n_in`` input samples may emit."""
        pending = self.pending
        if self.held or self.paused:
            return []
        if pending == 0:
            self._credit = self._lead or 0
            return []
        lead = self._lead
        credit = pending if lead is None else self._credit + n_in * self.rate // self.in_rate
        frames: list[AudioOutputFrame] = []
        released = 0
        whole = self._frames
        while True:
            size = self.frame_samples if whole else self._reframer.pending
            if size == 0 or credit < size:
                break
            pcm = whole.popleft() if whole else self._reframer.flush(pad=False)[0]
            credit -= size
            released += size
            frames.append(AudioOutputFrame(self.seq, self.rate, 1, pcm))
            self.seq += 1
        self._credit = credit
        if released:
            self.pending -= released
            self.emitted += released
            start = max(self._clock(), self.play_end_ns)
            self.play_end_ns = start + released * 1_000_000_000 // self.rate
        return frames

    def unplayed(self) -> int:
        """Released samples the user has not heard yet, estimated from the clock. Paced
        output left at playback pace, so all of it was heard."""
        if self._lead is not None:
            return 0
        left_ns = self.play_end_ns - self._clock()
        return max(0, left_ns * self.rate // 1_000_000_000)

    def cut(self) -> tuple[int, int]:
        """Drop everything not yet heard (a barge-in). Returns ``(heard, dropped)``:
        samples of the stream heard so far, and samples dropped (queued or still playing)."""
        unplayed = min(self.unplayed(), self.emitted)
        dropped = self.pending + unplayed
        self.play_end_ns = 0
        self.clear()
        return self.emitted - unplayed, dropped

    def clear(self) -> None:
        """Drop what is queued."""
        self._frames.clear()
        self._reframer.reset()
        self.pending = 0
