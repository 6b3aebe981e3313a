"""Playout: moving assistant audio from the native playout ring to the transport.

Two pacing modes (``VonaRuntime.pacing``):

- ``driver``: a loop timer fires every ``playout_frame_ms``; each tick pulls one frame
  from the ring and sends it. The tick is a plain timer callback, not a task, and
  ``transport.send`` runs inline until it first suspends (a task finishes it only if it
  does), so a tick costs one event-loop pass. While a send is suspended later ticks are
  owed, not lost: they are paid back in order as soon as it completes.
- ``transport``: the transport paces playback itself (it queues what it is sent and
  plays it at real time, like a WebRTC source or a telephony socket with a client
  buffer). Whole frames are sent as soon as the backend produces them, from the task
  that stepped the backend, without ever making that task wait: a send that suspends
  finishes in a task and the rest follows in order. The timer only sends a partial
  frame when the transport would otherwise run dry, plays filler and watches for slow
  steps.

``Playout`` also owns what the driver knows about output on the transport side: frame
sequence numbers, filler audio while a tool runs, the first-audio and turn-latency
stamps, and which recently sent samples were filler (so an interruption can tell how
much real assistant audio the transport dropped).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from vona._eager import start_eagerly
from vona.driver.audio_loop import AudioLoop
from vona.frames import AudioOutputFrame, Int16Array

if TYPE_CHECKING:
    from vona.driver.session import SessionDriver

__all__ = ["Playout"]


class Playout:
    """The playout side of one session (driven by ``SessionDriver``)."""

    __slots__ = (
        "_deadline_ns",
        "_filler_pos",
        "_loop",
        "_loop_offset_s",
        "_now_ns",
        "_owed",
        "_queue_end_ns",
        "_recent",
        "_sending",
        "_seq",
        "_speech_end_ns",
        "_timer",
        "_virtual",
        "channels",
        "driver",
        "frame_samples",
        "period_ns",
        "rate",
        "transport_paced",
        "turn_recorded",
    )

    def __init__(
        self, driver: SessionDriver, rate: int, channels: int, *, transport_paced: bool = False
    ) -> None:
        self.driver = driver
        self.rate = rate
        self.channels = channels
        self.transport_paced = transport_paced
        self.period_ns = driver.runtime.playout_frame_ms * 1_000_000
        clock = driver.clock
        self._now_ns = clock.now_ns
        self._virtual = clock.virtual
        self.frame_samples = rate * driver.runtime.playout_frame_ms // 1000
        self.turn_recorded = True
        self._seq = 0
        # Transport-paced playout may have a whole answer queued in the transport.
        self._recent: deque[tuple[int, bool]] = deque(maxlen=64 if not transport_paced else 4096)
        self._filler_pos = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._deadline_ns = 0
        self._loop_offset_s = 0.0
        self._owed = 0
        self._sending: asyncio.Task[None] | None = None
        self._queue_end_ns = 0
        self._speech_end_ns = 0

    def new_turn(self) -> None:
        """An assistant turn began: its first audio and latency are still to be stamped."""
        self.turn_recorded = False

    # -- the timer -------------------------------------------------------------------

    def start(self) -> None:
        """Start ticking every ``playout_frame_ms`` (call from the running loop)."""
        loop = self._loop = asyncio.get_running_loop()
        self._deadline_ns = self.driver.clock.now_ns()
        # The session clock and the loop's time() agree up to a constant (see
        # vona.clock); deadlines stay integer ns on the session clock, so they never drift.
        self._loop_offset_s = loop.time() - self._deadline_ns / 1e9
        self._schedule()

    def stop(self) -> None:
        """Stop ticking; a send still in flight is cancelled by the driver's cleanup."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def audio_queued(self) -> None:
        """Backend audio just entered the ring (driver pacing). If the transport has played
        everything sent so far, start now rather than at the next tick: the first frame of
        a turn leaves at once instead of waiting up to a period, and the ticks that follow
        keep their rhythm from there."""
        if self.transport_paced or self._sending is not None or self._owed:
            return
        now = self._now_ns()
        if now < self._queue_end_ns or self._timer is None:
            return  # still playing (or not started): keep the rhythm
        self._timer.cancel()
        self._deadline_ns = now - self.period_ns
        self._schedule()

    def _schedule(self) -> None:
        loop = self._loop
        assert loop is not None
        self._deadline_ns += self.period_ns
        self._timer = loop.call_at(self._deadline_ns / 1e9 + self._loop_offset_s, self._on_tick)

    def _on_tick(self) -> None:
        d = self.driver
        if d.done:
            return
        try:
            self._schedule()
            d.tick()
            if self.transport_paced:
                self._transport_paced_tick()
            else:
                self._owed += 1
                self._pay_owed()
        except Exception as exc:  # a timer callback has no task to carry the error
            d.fail(exc)

    def _pay_owed(self) -> None:
        """Send one frame per owed tick, in order, until a send suspends."""
        d = self.driver
        n = self.frame_samples
        while self._owed > 0 and self._sending is None and not d.done:
            self._owed -= 1
            out = d.out_loop
            sent = out is not None and self._pull_and_send(out, n) > 0
            if not sent and d.runtime.filler_audio is not None:
                self._maybe_filler()

    def _transport_paced_tick(self) -> None:
        d = self.driver
        out = d.out_loop
        if out is None:
            return
        self.flush()  # whole frames are normally gone already, right after their step
        buffered = out.playout_buffered
        if buffered == 0:
            if d.runtime.filler_audio is not None and self._sending is None:
                self._maybe_filler()
            return
        # Less than a frame: hold it for the rest of its frame unless the transport would
        # run dry before the next tick, so the user hears no gap for want of it.
        if (
            buffered < self.frame_samples
            and self._sending is None
            and self._now_ns() + self.period_ns >= self._queue_end_ns
        ):
            self._pull_and_send(out, buffered)

    # -- transport-paced output, from the task that produced the audio ---------------

    def flush(self) -> None:
        """Send every whole frame the ring holds, in order, without waiting (transport
        pacing). A send that suspends (the transport pushes back) finishes in a task and
        the rest follows when it completes, so the caller, usually the task reading the
        user's audio, never blocks on output and a barge-in is still heard."""
        d = self.driver
        out = d.out_loop
        if out is None:
            return
        n = self.frame_samples
        while self._sending is None and out.playout_buffered >= n and not d.done:
            self._pull_and_send(out, n)

    # -- sending -----------------------------------------------------------------------

    def _pull(self, out: AudioLoop, n: int) -> Int16Array:
        if not self.turn_recorded and self._virtual:  # time matters only for first audio
            out.set_time(self._now_ns())
        return out.pull_playout(n)

    def _pull_and_send(self, out: AudioLoop, n: int) -> int:
        """Pull up to ``n`` samples and send them; return how many."""
        samples = self._pull(out, n)
        got = int(samples.shape[0]) // self.channels
        if got:
            self._send_now(samples, got, False)
            if not self.turn_recorded:
                self._record_first_audio(out)
        return got

    def _count(self, got: int, filler: bool) -> None:
        # Where the transport's playback will be once this frame has played, assuming it
        # plays at real time from the moment it gets audio: tells whether the user is
        # still hearing assistant audio after the ring has run empty.
        now = self._now_ns()
        end = self._queue_end_ns
        end = (end if end > now else now) + got * 1_000_000_000 // self.rate
        self._queue_end_ns = end
        if not filler:
            self._speech_end_ns = end
        self._seq += 1
        self._recent.append((got, filler))
        m = self.driver.metrics
        m.frames_out += 1
        m.samples_out += got
        if filler:
            m.filler_frames_out += 1

    def _send_now(self, samples: Int16Array, got: int, filler: bool) -> None:
        """Send inline until ``send`` suspends, then in a task (one send at a time)."""
        self._count(got, filler)
        frame = AudioOutputFrame(self._seq, self.rate, self.channels, samples, filler)
        loop = self._loop
        assert loop is not None
        task = start_eagerly(self.driver.transport.send(frame), loop)
        if task is not None:
            self._sending = task
            self.driver.track(task)
            task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending = None
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self.driver.fail(exc)
            return
        try:
            if self.transport_paced:
                self.flush()
            else:
                self._pay_owed()
        except Exception as err:
            self.driver.fail(err)

    def cancel_send(self) -> tuple[int, int]:
        """Cancel a send still in flight (on interruption) and the ticks owed behind it.
        Returns ``(assistant samples, all samples)`` of the frame that never reached the
        transport."""
        self._owed = 0
        task, self._sending = self._sending, None
        if task is None or task.done():
            return 0, 0
        task.remove_done_callback(self._sent)
        task.cancel()
        got, filler = self._recent.pop() if self._recent else (0, False)
        m = self.driver.metrics
        m.frames_out -= 1
        m.samples_out -= got
        if filler:
            m.filler_frames_out -= 1
        return (0 if filler else got), got

    def speech_playing(self) -> bool:
        """True while assistant audio (not filler) already sent is still playing."""
        return self._now_ns() < self._speech_end_ns

    def busy(self) -> bool:
        """True while a frame is on its way to the transport (a send in flight or owed)."""
        return self._sending is not None or self._owed > 0

    def transport_cleared(self) -> None:
        """The transport dropped what it had queued: nothing of ours plays any more."""
        self._queue_end_ns = self._speech_end_ns = 0

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

    def _maybe_filler(self) -> None:
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
        self._send_now(np.ascontiguousarray(filler[idx]), n, True)
