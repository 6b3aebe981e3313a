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

``Playout`` owns the transport side of output: the timer, frame sequence numbers, the
output counters of ``SessionMetrics``, filler audio while a tool runs, where the
transport's queue ends, and which recently sent samples were filler (so an
interruption can tell how much real assistant audio the transport dropped). It is
handed its collaborators: the transport, the clock, the native loop it pulls from
(``use_loop``), the ``TurnState`` it reports first audio and speech end to, and a
``PlayoutHost`` (the session) for errors, task tracking and the per-period hook.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Protocol

import numpy as np

from vona._eager import start_eagerly
from vona.clock import Clock
from vona.driver.audio_loop import AudioLoop
from vona.driver.turn import TurnState
from vona.errors import TransportError
from vona.frames import AudioOutputFrame, Int16Array
from vona.metrics import SessionMetrics
from vona.transports.base import AudioTransport

__all__ = ["Filler", "Playout", "PlayoutHost"]


class PlayoutHost(Protocol):
    """The session around a ``Playout``."""

    @property
    def done(self) -> bool:
        """True once the session is ending: stop sending."""
        ...

    def fail(self, exc: BaseException) -> None:
        """A send or a tick failed: end the session with ``exc``."""
        ...

    def track(self, task: asyncio.Task[None]) -> None:
        """Cancel ``task`` (a send that suspended) when the session ends."""
        ...

    def tick(self) -> None:
        """Called once per playout period, before the frame goes out."""
        ...


class Filler:
    """Audio played while a tool call has run for ``after_ns`` (looped from ``audio``);
    ``running_since`` gives when the oldest running call started (None: none runs)."""

    __slots__ = ("after_ns", "audio", "running_since")

    def __init__(
        self, audio: Int16Array, after_ns: int, running_since: Callable[[], int | None]
    ) -> None:
        self.audio = audio
        self.after_ns = after_ns
        self.running_since = running_since


class Playout:
    """The playout side of one session (see the module docstring)."""

    __slots__ = (
        "_deadline_ns",
        "_filler",
        "_filler_pos",
        "_host",
        "_inflight",
        "_loop",
        "_loop_offset_s",
        "_metrics",
        "_now_ns",
        "_out",
        "_owed",
        "_queue_end_ns",
        "_recent",
        "_send_started_ns",
        "_sending",
        "_seq",
        "_timer",
        "_transport",
        "_turns",
        "_virtual",
        "channels",
        "frame_samples",
        "paused",
        "period_ns",
        "position",
        "rate",
        "send_timeout_ns",
        "transport_paced",
    )

    def __init__(
        self,
        host: PlayoutHost,
        transport: AudioTransport,
        clock: Clock,
        turns: TurnState,
        metrics: SessionMetrics,
        rate: int,
        channels: int,
        *,
        frame_ms: int,
        filler: Filler | None = None,
        transport_paced: bool = False,
        send_timeout_s: float | None = None,
    ) -> None:
        self._host = host
        self._transport = transport
        self._turns = turns
        self._metrics = metrics
        self._filler = filler
        self._out: AudioLoop | None = None  # the loop whose playout ring this pulls from
        self.rate = rate
        self.channels = channels
        self.transport_paced = transport_paced
        self.period_ns = frame_ms * 1_000_000
        self._now_ns = clock.now_ns
        self._virtual = clock.virtual
        self.frame_samples = rate * frame_ms // 1000
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
        self._inflight = (0, False)  # (samples, is filler) of the send in flight
        self._send_started_ns = 0
        self.send_timeout_ns = int(send_timeout_s * 1e9) if send_timeout_s else 0
        self.position = 0  # samples handed to send so far, filler included
        self._queue_end_ns = 0
        # A possible barge-in holds the reply where it is (the ring keeps it) until the
        # backend resumes it or an interruption clears it.
        self.paused = False

    def use_loop(self, loop: AudioLoop | None) -> None:
        """Pull from ``loop``'s playout ring from now on (set when the backend changes)."""
        self._out = loop

    # -- the timer -------------------------------------------------------------------

    def start(self) -> None:
        """Start ticking every ``playout_frame_ms`` (call from the running loop)."""
        loop = self._loop = asyncio.get_running_loop()
        self._deadline_ns = self._now_ns()
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
        host = self._host
        if host.done:
            return
        try:
            self._schedule()
            host.tick()
            if self._sending is not None and self.send_timeout_ns:
                self._check_send_timeout()
            if self.transport_paced:
                self._transport_paced_tick()
            else:
                self._owed += 1
                self._pay_owed()
        except Exception as exc:  # a timer callback has no task to carry the error
            host.fail(exc)

    def _pay_owed(self) -> None:
        """Send one frame per owed tick, in order, until a send suspends."""
        host = self._host
        n = self.frame_samples
        while self._owed > 0 and self._sending is None and not host.done:
            self._owed -= 1
            out = self._out
            sent = out is not None and self._pull_and_send(out, n) > 0
            if not sent and self._filler is not None:
                self._maybe_filler()

    def _transport_paced_tick(self) -> None:
        out = self._out
        if out is None or self.paused:
            return
        self.flush()  # whole frames are normally gone already, right after their step
        buffered = out.playout_buffered
        if buffered == 0:
            if self._filler is not None and self._sending is None:
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
        out = self._out
        if out is None:
            return
        host = self._host
        n = self.frame_samples
        while self._sending is None and out.playout_buffered >= n and not host.done:
            if self.paused:
                return
            self._pull_and_send(out, n)

    # -- sending -----------------------------------------------------------------------

    def _pull(self, out: AudioLoop, n: int) -> Int16Array:
        if self.paused:
            return np.zeros(0, dtype=np.int16)
        if self._virtual and self._turns.awaiting_first_audio:  # time matters for first audio
            out.set_time(self._now_ns())
        return out.pull_playout(n)

    def _pull_and_send(self, out: AudioLoop, n: int) -> int:
        """Pull up to ``n`` samples and send them; return how many."""
        samples = self._pull(out, n)
        got = int(samples.shape[0]) // self.channels
        if got:
            self._send_now(samples, got, False)
            turns = self._turns
            if turns.awaiting_first_audio:
                turns.record_first_audio(out)
        return got

    def _check_send_timeout(self) -> None:
        """A ``send`` that has not returned within ``send_timeout_s``: the transport is
        gone or stuck; end the session rather than wait for it forever."""
        if self._now_ns() - self._send_started_ns < self.send_timeout_ns:
            return
        task, self._sending = self._sending, None
        assert task is not None
        task.remove_done_callback(self._sent)
        task.cancel()
        got, filler = self._inflight
        self._lost(got, filler)
        seconds = self.send_timeout_ns / 1e9
        self._host.fail(TransportError(f"transport send did not return within {seconds:g} s"))

    def _delivered(self, got: int, filler: bool) -> None:
        m = self._metrics
        m.frames_out += 1
        m.samples_out += got
        if filler:
            m.filler_frames_out += 1
            m.filler_samples_out += got
        else:
            m.played_samples += got

    def _lost(self, got: int, filler: bool) -> None:
        if not filler:
            self._metrics.drop("transport_failure", got)

    def abandon(self) -> None:
        """The session ends with a send still in flight: its audio counts as dropped."""
        task, self._sending = self._sending, None
        if task is None or task.done():
            return
        task.remove_done_callback(self._sent)
        got, filler = self._inflight
        if not filler:
            self._metrics.drop("session_end", got)

    def _count(self, got: int, filler: bool) -> None:
        # Where the transport's playback will be once this frame has played, assuming it
        # plays at real time from the moment it gets audio: tells whether the user is
        # still hearing assistant audio after the ring has run empty.
        now = self._now_ns()
        end = self._queue_end_ns
        end = (end if end > now else now) + got * 1_000_000_000 // self.rate
        self._queue_end_ns = end
        if not filler:
            self._turns.speech_end_ns = end
        self._seq += 1
        self.position += got
        self._recent.append((got, filler))

    def _send_now(self, samples: Int16Array, got: int, filler: bool) -> None:
        """Send inline until ``send`` suspends, then in a task (one send at a time). The
        metrics count a frame once ``send`` returned; one that raised is dropped."""
        self._count(got, filler)
        frame = AudioOutputFrame(self._seq, self.rate, self.channels, samples, filler)
        loop = self._loop
        assert loop is not None
        try:
            task = start_eagerly(self._transport.send(frame), loop)
        except Exception:
            self._lost(got, filler)
            raise
        if task is None:
            self._delivered(got, filler)
            return
        self._sending = task
        self._inflight = (got, filler)
        self._send_started_ns = self._now_ns()
        self._host.track(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending = None
        got, filler = self._inflight
        if task.cancelled():
            self._lost(got, filler)
            return
        exc = task.exception()
        if exc is not None:
            self._lost(got, filler)
            self._host.fail(exc)
            return
        self._delivered(got, filler)
        try:
            if self.transport_paced:
                self.flush()
            else:
                self._pay_owed()
        except Exception as err:
            self._host.fail(err)

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
        if self._recent:
            self._recent.pop()
        got, filler = self._inflight
        return (0 if filler else got), got

    @property
    def queue_end_ns(self) -> int:
        """When what was sent so far stops playing (0: nothing of ours plays)."""
        return self._queue_end_ns

    def busy(self) -> bool:
        """True while a frame is on its way to the transport (a send in flight or owed)."""
        return self._sending is not None or self._owed > 0

    def transport_cleared(self) -> None:
        """The transport dropped what it had queued: nothing of ours plays any more."""
        self._queue_end_ns = 0
        self._turns.transport_cleared()

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

    def _maybe_filler(self) -> None:
        source = self._filler
        assert source is not None
        since = source.running_since()
        if since is None:
            self._filler_pos = 0
            return
        if self._now_ns() - since < source.after_ns:
            return
        filler = source.audio
        n = self.frame_samples
        idx = (self._filler_pos + np.arange(n * self.channels)) % filler.shape[0]
        self._filler_pos = int(idx[-1] + 1) % filler.shape[0]
        samples = np.ascontiguousarray(filler[idx])
        if self._out is not None:  # it plays like the reply: its echo must be cancelled too
            self._out.echo_reference(samples)
        self._send_now(samples, n, True)
