"""Paced playout: one pull from the native loop and one ``send`` per transport frame.

``Playout`` owns what the driver knows about output on the transport side: frame
sequence numbers, filler audio while a tool runs, the first-audio and turn-latency
stamps, and which recently sent samples were filler (so an interruption can tell how
much real assistant audio the transport dropped).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from vona.driver.audio_loop import AudioLoop
from vona.frames import AudioOutputFrame, Int16Array

if TYPE_CHECKING:
    from vona.driver.session import SessionDriver

__all__ = ["Playout"]


class Playout:
    """The playout side of one session (driven by ``SessionDriver``)."""

    def __init__(self, driver: SessionDriver, rate: int, channels: int) -> None:
        self.driver = driver
        self.rate = rate
        self.channels = channels
        self.period_ns = driver.runtime.playout_frame_ms * 1_000_000
        self.frame_samples = rate * driver.runtime.playout_frame_ms // 1000
        self.turn_recorded = True
        self._seq = 0
        self._recent: deque[tuple[int, bool]] = deque(maxlen=64)
        self._filler_pos = 0

    def new_turn(self) -> None:
        """An assistant turn began: its first audio and latency are still to be stamped."""
        self.turn_recorded = False

    async def run(self) -> None:
        """Tick every ``playout_frame_ms`` until the session ends."""
        d = self.driver
        clock = d.clock
        virtual = clock.virtual
        sleep_until, now_ns, tick = clock.sleep_until, clock.now_ns, d.tick
        period, n, channels = self.period_ns, self.frame_samples, self.channels
        deadline = now_ns()
        while not d.done:
            deadline += period
            await sleep_until(deadline)
            tick()
            out = d.out_loop
            if out is None:
                continue
            if virtual:
                out.set_time(now_ns())
            samples = out.pull_playout(n)
            got = int(samples.shape[0]) // channels
            if got:
                await self.send(samples, got, False)
                if not self.turn_recorded:
                    self._record_first_audio(out)
            elif d.runtime.filler_audio is not None:
                await self._maybe_filler()

    async def send(self, samples: Int16Array, got: int, filler: bool) -> None:
        self._seq += 1
        frame = AudioOutputFrame(self._seq, self.rate, self.channels, samples, filler)
        self._recent.append((got, filler))
        m = self.driver.metrics
        m.frames_out += 1
        m.samples_out += got
        if filler:
            m.filler_frames_out += 1
        await self.driver.transport.send(frame)

    def split_transport_drop(self, dropped: int) -> int:
        """How many of the samples the transport dropped were assistant audio, not filler
        (a transport drops from the newest end of what it was sent)."""
        real, remaining = 0, dropped
        for got, filler in reversed(self._recent):
            if remaining <= 0:
                break
            take = min(got, remaining)
            if not filler:
                real += take
            remaining -= take
        self._recent.clear()
        return real + max(remaining, 0)

    def _record_first_audio(self, out: AudioLoop) -> None:
        first = out.first_audio_ns
        if first is None:
            return
        d = self.driver
        m = d.metrics
        if m.first_audio_latency_ns is None:
            m.first_audio_latency_ns = first - m.started_ns
            d.log("first_audio", latency_ns=m.first_audio_latency_ns)
        latency = out.turn_latency_ns
        if latency is not None:
            m.turn_latencies_ns.append(latency)
            d.log("turn_latency", generation_id=d.generation_id, latency_ns=latency)
        self.turn_recorded = True

    async def _maybe_filler(self) -> None:
        d = self.driver
        since = d.executor.oldest_running_ns()
        if since is None:
            self._filler_pos = 0
            return
        if d.clock.now_ns() - since < d.runtime.filler_after_ms * 1_000_000:
            return
        filler = d.runtime.filler_audio
        assert filler is not None
        n = self.frame_samples
        idx = (self._filler_pos + np.arange(n * self.channels)) % filler.shape[0]
        self._filler_pos = int(idx[-1] + 1) % filler.shape[0]
        await self.send(np.ascontiguousarray(filler[idx]), n, True)
