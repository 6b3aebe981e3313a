"""The session driver: the asyncio loop that joins a transport, the native step loop, a
backend (step-oriented or realtime), skills and the runtime policy.

Tasks per session: one reads the transport and feeds the backend (``recv`` -> native
``push_input`` -> ``step``/``send_audio``, all direct calls), a realtime backend's event
pump, tool calls, and the optional duration limit. Playout is a loop timer, not a task
(see ``vona.driver.playout``): one ``pull_playout`` and ``send`` per transport frame
period, or, with a transport that paces itself, whole frames sent straight after the
step that made them. Tools, playout and realtime events run
concurrently with input, so a user can barge in while a tool runs.

The driver owns the session's lifetime (tasks, end reason, error), the native loops,
the current runner and the switch to a fallback, interruptions and tool calls. It
hands out the rest: turn state to ``TurnState`` (``vona.driver.turn``), output to
``Playout``, reading input to ``InputReader``, the fallback order to ``BackendChain``;
runners (``vona.driver.runners``) report to it through the ``RunnerSink`` protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from typing import Any

from vona.clock import Clock, default_clock
from vona.config import SessionConfig
from vona.driver.audio_loop import AudioLoop, LoopFactory, SessionLoop, echo_setting, make_loop
from vona.driver.fallback import BackendChain, error_dict
from vona.driver.input import InputReader
from vona.driver.playout import Filler, Playout
from vona.driver.runners import BackendRunner, make_runner
from vona.driver.turn import TurnState
from vona.errors import AudioFormatError, BackendError, ConfigError, ProtocolError
from vona.events import ExternalContextEvent, Interruption, ToolCallRequested
from vona.frames import AudioInputFrame, Int16Array
from vona.metrics import InterruptionRecord, SessionMetrics, ToolCallRecord
from vona.runtime import AnyBackend, VonaRuntime
from vona.skills import SkillAuditEvent, SkillExecutor, SkillRegistry
from vona.transports.base import AudioTransport

__all__ = ["SessionDriver"]


class SessionDriver:
    """One voice session. Build it, then ``await run()`` for its ``SessionMetrics``.

    ``skills`` is a ``SkillRegistry`` (its tools are added to ``config.tools`` when that is
    empty) or a ready ``SkillExecutor``. ``transport_sample_rate_hz`` defaults to the
    transport's ``sample_rate_hz`` attribute, else the first input frame's rate.
    ``raise_errors=True`` re-raises the error that ended the session after cleanup;
    otherwise it is only recorded in ``metrics.error``.
    While running, ``interrupt()`` and ``inject()`` may be called by the application and
    ``stop()`` ends the session.
    """

    __slots__ = (
        "_chain",
        "_channels",
        "_clock",
        "_done",
        "_end_reason",
        "_exc",
        "_loop_factory",
        "_loops",
        "_native",
        "_native_base",
        "_playout",
        "_rate",
        "_reader",
        "_switching",
        "_tasks",
        "config",
        "executor",
        "metrics",
        "raise_errors",
        "runner",
        "runtime",
        "transport",
        "transport_paced",
        "turns",
    )

    def __init__(
        self,
        transport: AudioTransport,
        backend: AnyBackend,
        *,
        runtime: VonaRuntime | None = None,
        skills: SkillRegistry | SkillExecutor | None = None,
        config: SessionConfig | None = None,
        clock: Clock | None = None,
        transport_sample_rate_hz: int | None = None,
        session_id: str | None = None,
        loop_factory: LoopFactory | None = None,
        raise_errors: bool = False,
    ) -> None:
        self.transport = transport
        self.runtime = runtime if runtime is not None else VonaRuntime()
        config = config if config is not None else SessionConfig()
        if isinstance(skills, SkillExecutor):
            self.executor = skills
        else:
            registry = skills if skills is not None else SkillRegistry()
            self.executor = SkillExecutor(
                registry,
                clock=clock,
                default_timeout_s=self.runtime.tool_timeout_s,
                max_concurrency=self.runtime.max_concurrent_tools,
            )
        if not config.tools and len(self.executor.registry):
            config = config.model_copy(update={"tools": self.executor.registry.tool_specs()})
        self.config = config
        self.executor.on_result = self._on_tool_result
        self.executor.on_audit = self._on_audit
        self._clock = clock
        rate = transport_sample_rate_hz or getattr(transport, "sample_rate_hz", None)
        self._rate: int | None = int(rate) if rate else None
        self._channels: int = int(getattr(transport, "channels", 1) or 1)
        self._loop_factory = loop_factory if loop_factory is not None else make_loop
        pacing = self.runtime.pacing
        self.transport_paced = (
            bool(getattr(transport, "paces_output", False))
            if pacing == "auto"
            else pacing == "transport"
        )
        self.raise_errors = raise_errors
        self.metrics = SessionMetrics(session_id=session_id or uuid.uuid4().hex[:12])
        self.turns = TurnState(self.metrics, self._now_ns, self.log)
        self._chain = BackendChain(
            [backend, *self.runtime.backend_chain],
            self._make_runner,
            self.metrics,
            self._now_ns,
            self.log,
        )
        self._switching: asyncio.Lock | None = None
        self.runner: BackendRunner | None = None
        self._native = False  # the runner's per-frame work runs in the native loop
        self._native_base = 0
        self._loops: SessionLoop | None = None
        self._reader = InputReader(transport)
        self._playout: Playout | None = None
        self._done: asyncio.Event | None = None
        self._end_reason: str | None = None
        self._exc: BaseException | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- public --------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            self._clock = default_clock()
        return self._clock

    def _now_ns(self) -> int:
        return self.clock.now_ns()

    @property
    def done(self) -> bool:
        return self._end_reason is not None

    @property
    def generation_id(self) -> int:
        """The current generation (see ``TurnState``)."""
        return self.turns.generation_id

    async def run(self) -> SessionMetrics:
        """Run the session to its end; never raises for session errors unless
        ``raise_errors`` (cancellation of the caller's task does propagate)."""
        if self._done is not None:
            raise ConfigError("a SessionDriver runs once; build a new one per session")
        self._done = asyncio.Event()
        if self.executor._clock is None:
            self.executor._clock = self.clock
        self.metrics.started_ns = self.clock.now_ns()
        self.log("session_start", session_id=self.metrics.session_id)
        try:
            await self._main()
        except asyncio.CancelledError:
            self.end("cancelled")
            raise
        except Exception as exc:
            self.fail(exc)
        finally:
            await self._cleanup()
        if self._exc is not None and self.raise_errors:
            raise self._exc
        return self.metrics

    def stop(self, reason: str = "stopped") -> None:
        """End the session at the next opportunity."""
        self.end(reason)

    async def inject(self, event: ExternalContextEvent) -> None:
        """Send application context (transcript override, precomputed reply...) to the
        current backend."""
        runner = self.runner
        if runner is None:
            raise ConfigError("the session has no backend yet; call inject() while it runs")
        self.log("context_injected", context_kind=event.kind)
        try:
            await runner.inject(event)
        except BackendError as exc:
            await self.backend_failed(runner, exc)

    async def interrupt(
        self, reason: str = "app", generation_id: int | None = None, *, notify: bool = True
    ) -> InterruptionRecord:
        """Stop the assistant: clear the playout ring and the transport, cancel the
        generation's tool calls and (``notify``) tell the backend what the user heard."""
        now = self.clock.now_ns()
        turns = self.turns
        gen = turns.generation_id if generation_id is None else generation_id
        out = self.out_loop
        # The loop closes its turn here: a second interruption reports nothing played.
        dropped_ring, played, _ = out.interrupt() if out is not None else (0, 0, 0.0)
        playout = self._playout
        # A frame still on its way (the transport pushed back) must not arrive after the
        # clear: cancel it; it was pulled, so it counts as dropped, not played.
        unsent_real, unsent = playout.cancel_send() if playout is not None else (0, 0)
        dropped_transport = int(await self.transport.clear())
        real_dropped = dropped_transport
        if playout is not None:
            real_dropped = playout.split_transport_drop(dropped_transport)
            playout.transport_cleared()
            playout.paused = False
        heard = max(int(played) - real_dropped - unsent_real, 0)
        dropped_transport += unsent
        rate = self._rate or 1
        # Generation 0 means "unknown" (a backend without generation ids): cancel what is
        # live but do not bar later calls, which would carry the same id.
        cancelled = self.executor.cancel_generation(
            gen, f"generation interrupted ({reason})", remember=gen != 0
        )
        record = InterruptionRecord(
            t_ns=now - self.metrics.started_ns,
            reason=reason,
            generation_id=gen,
            played_samples=heard,
            played_ms=heard * 1000 // rate,
            dropped_ring_samples=int(dropped_ring),
            dropped_transport_samples=dropped_transport,
            cancelled_calls=[c.call_id for c in cancelled],
        )
        self.metrics.interruptions.append(record)
        self.metrics.dropped_samples += record.dropped_samples
        self.log(
            "interruption",
            reason=reason,
            generation_id=gen,
            played_ms=record.played_ms,
            dropped_samples=record.dropped_samples,
            cancelled_calls=record.cancelled_calls,
        )
        turns.close()
        runner = self.runner
        if notify and runner is not None:
            out_rate = runner.caps.output_sample_rate_hz
            event = Interruption(
                reason=reason,
                generation_id=gen,
                played_ms=record.played_ms,
                played_samples=heard * out_rate // rate,
                dropped_samples=record.dropped_samples * out_rate // rate,
            )
            try:
                await runner.notify_interrupt(event)
            except BackendError as exc:
                await self.backend_failed(runner, exc)
        return record

    # -- the RunnerSink and PlayoutHost sides ------------------------------------------

    def log(self, kind: str, /, **data: Any) -> None:
        self.metrics.log(self.clock.now_ns(), kind, **data)

    def end(self, reason: str, error: dict[str, Any] | None = None) -> None:
        """Record why the session ends (the first reason wins) and wake ``run``."""
        if self._end_reason is not None:
            return
        self._end_reason = reason
        self.metrics.end_reason = reason
        if error is not None:
            self.metrics.error = error
        if self._done is not None:
            self._done.set()

    def fail(self, exc: BaseException) -> None:
        """End the session because of ``exc``."""
        if self._end_reason is None:
            self._exc = exc
            name = self.runner.name if self.runner is not None else None
            self.end("error", error_dict(exc, name))

    def is_current(self, runner: BackendRunner) -> bool:
        return runner is self.runner

    def assistant_active(self) -> bool:
        return self.turns.active(self.out_loop)

    def on_backend_audio(self, samples: Int16Array, rate: int, channels: int) -> None:
        runner = self.runner
        loops = self._loops
        out = loops.loop if loops is not None else None
        if runner is None or out is None:
            return
        if rate != runner.caps.output_sample_rate_hz or channels != self._channels:
            raise ProtocolError(
                f"backend {runner.name} sent audio at {rate} Hz x{channels}, but declared "
                f"{runner.caps.output_sample_rate_hz} Hz x{self._channels}"
            )
        if samples.shape[0] == 0:
            return
        turns = self.turns
        if not turns.open:
            turns.begin(out)
        out.push_output(samples)
        playout = self._playout
        if playout is not None and not self.transport_paced:
            playout.audio_queued()

    async def on_tool_call(self, request: ToolCallRequested) -> None:
        await self.executor.submit(request)

    def on_user_speech_end(self) -> None:
        self.turns.user_speech_end(self.out_loop)

    def pause_playout(self, paused: bool) -> None:
        playout = self._playout
        if playout is not None:
            playout.paused = paused
            if not paused and playout.transport_paced:
                playout.flush()

    def on_assistant_done(self) -> None:
        self.turns.assistant_done(self.out_loop)

    # -- runners and fallbacks ---------------------------------------------------------

    def _make_runner(self, backend: AnyBackend) -> BackendRunner:
        rt = self.runtime
        barge_in = rt.interrupt_on_speech and self.config.turn_detection.interrupt_response
        if barge_in and not rt.interrupt_full_duplex and backend.capabilities().full_duplex:
            barge_in = False  # the backend handles the user's speech over its own
        return make_runner(backend, self, self.turns, self.metrics, self.config, barge_in=barge_in)

    async def _start_first(self) -> None:
        runner = self._chain.first()
        try:
            await self._start(runner)
        except BackendError as exc:
            await self.backend_failed(runner, exc)

    async def _start(self, runner: BackendRunner) -> None:
        self.runner = runner
        self.metrics.backend = runner.name
        self._configure_audio(runner)
        await runner.start()
        self.log("backend_started", backend=runner.name, realtime=runner.realtime)

    async def backend_failed(self, runner: BackendRunner, exc: BackendError) -> None:
        """A backend failed: switch to the runner ``BackendChain`` names next (the error
        is retryable and a fallback is left), else end the session with the error."""
        if self._switching is None:
            self._switching = asyncio.Lock()
        async with self._switching:
            if runner is not self.runner or self.done:
                return  # a stale runner, or the session is already ending
            self._log_error(runner, exc)
            while (new := self._chain.next_runner(runner, exc)) is not None:
                await self._retire(runner)
                try:
                    await self._start(new)
                    return
                except BackendError as again:
                    exc, runner = again, new
                    self._log_error(new, again)
            self.fail(exc)

    def _log_error(self, runner: BackendRunner, exc: BackendError) -> None:
        self.log("backend_error", backend=runner.name, message=str(exc), retryable=exc.retryable)

    async def _retire(self, runner: BackendRunner) -> None:
        """Stop a failed runner: clear its audio, cancel its tool calls, close it."""
        if self.assistant_active():
            await self.interrupt("backend_switch", notify=False)
        self.executor.cancel_all("backend switched")
        try:
            await runner.close()
        except Exception as exc:
            self.log("backend_close_error", backend=runner.name, message=str(exc))
        self.turns.close()

    def _configure_audio(self, runner: BackendRunner) -> None:
        """Fit the native loop to ``runner``'s rates and frame size, and put its per-frame
        work into the native backend slot when it offers one."""
        loops = self._loops
        assert loops is not None
        loops.configure(runner.caps)
        if self._playout is not None:
            self._playout.use_loop(loops.loop)
        offered = runner.native
        slot = offered if self.runtime.native_backends else None
        self._native = loops.use_native(slot.native() if slot is not None else None)
        if self._native:
            assert loops.loop is not None
            self._native_base = self.metrics.backend_frames - loops.loop.frames_in
        if offered is not None:
            self.log("native_backend", backend=runner.name, used=self._native, slot=offered.kind)

    @property
    def out_loop(self) -> AudioLoop | None:
        return self._loops.loop if self._loops is not None else None

    def flush_output(self) -> None:
        """After backend audio arrived outside a step (a realtime event): with a
        transport that paces itself, send its whole frames now."""
        playout = self._playout
        if playout is not None and playout.transport_paced:
            playout.flush()

    def tick(self) -> None:
        """Called by the playout timer once per period: start reading input ahead if a
        backend step is slow (nothing to do while no step is running)."""
        reader = self._reader
        if reader.step_since_ns is None:
            return
        assert self._playout is not None
        reader.check(self.clock.now_ns(), self._playout.period_ns, self._spawn)

    def _spawn(self, coro: Any) -> None:
        self.track(
            asyncio.get_running_loop().create_task(self._guard(coro), name="vona-read-ahead")
        )

    # -- internals -------------------------------------------------------------------

    def track(self, task: asyncio.Task[None]) -> None:
        """Cancel ``task`` when the session ends."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _main(self) -> None:
        first: AudioInputFrame | None = None
        if self._rate is None:
            first = await self.transport.recv()
            if first is None:
                self.log("input_ended")
                self.end("input_ended")
                return
            self._rate, self._channels = first.sample_rate_hz, first.channels
        rt = self.runtime
        self._loops = SessionLoop(
            self._loop_factory,
            self._rate,
            self._channels,
            int(rt.playout_capacity_s * self._rate),
            rt.resample_quality,
            self.clock.now_ns if self.clock.virtual else None,
            echo_setting(
                rt.echo_cancellation,
                rt.echo_filter_ms,
                rt.noise_suppression,
                self.transport,
                self._rate,
                self._channels,
            ),
        )
        filler = None
        if rt.filler_audio is not None:
            after_ns = rt.filler_after_ms * 1_000_000
            filler = Filler(rt.filler_audio, after_ns, self.executor.oldest_running_ns)
        playout = self._playout = Playout(
            self,
            self.transport,
            self.clock,
            self.turns,
            self.metrics,
            self._rate,
            self._channels,
            frame_ms=rt.playout_frame_ms,
            filler=filler,
            transport_paced=self.transport_paced,
        )
        await self._start_first()
        if self.done:
            return
        loop = asyncio.get_running_loop()
        playout.start()
        self.track(loop.create_task(self._guard(self._input(first)), name="vona-input"))
        if self.runtime.max_session_s is not None:
            self.track(loop.create_task(self._limit(), name="vona-limit"))
        assert self._done is not None
        await self._done.wait()

    async def _guard(self, coro: Any) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.fail(exc)

    async def _limit(self) -> None:
        assert self.runtime.max_session_s is not None
        await self.clock.sleep(int(self.runtime.max_session_s * 1e9))
        self.log("max_duration")
        self.end("max_duration")

    async def _input(self, first: AudioInputFrame | None) -> None:
        reader = self._reader
        frame = first if first is not None else await reader.next()
        m = self.metrics
        loops = self._loops
        assert loops is not None
        now_ns = self.clock.now_ns
        rate, channels = self._rate, self._channels
        recv = self.transport.recv
        playout = self._playout
        paced_out = playout if playout is not None and self.transport_paced else None
        # Hot path: everything per frame is a direct call; the only suspension points are
        # the transport's recv and the backend's step (when they really wait), and, with a
        # transport that paces itself, its send.
        while frame is not None and self._end_reason is None:
            if frame.sample_rate_hz != rate or frame.channels != channels:
                raise AudioFormatError(
                    f"transport frame {frame.sequence} is {frame.sample_rate_hz} Hz "
                    f"x{frame.channels}; the session runs at {rate} Hz x{channels}"
                )
            chunk = frame.samples
            m.frames_in += 1
            m.samples_in += chunk.shape[0] // channels
            loop = loops.loop
            feeding = self.runner
            assert loop is not None
            frames: Sequence[Int16Array] = ()
            if self._native:
                self._step_native(loop, chunk, paced_out)
            else:
                frames = loop.push_input(chunk)
                if feeding is not None:
                    backend_rate = feeding.caps.input_sample_rate_hz
            for samples in frames:
                runner = self.runner
                if runner is None or self._end_reason is not None:
                    return
                if runner is not feeding:
                    break  # a fallback switched backends: these frames are at the old rate
                m.backend_frames += 1
                bf = AudioInputFrame(
                    m.backend_frames, backend_rate, channels, samples, frame.timestamp_ns
                )
                reader.step_since_ns = now_ns()
                try:
                    await runner.feed(bf)
                except BackendError as exc:
                    await self.backend_failed(runner, exc)
                finally:
                    reader.step_since_ns = None
                if paced_out is not None:
                    paced_out.flush()
            if reader.direct:  # the common case: no extra coroutine per frame
                frame = await recv()
                if frame is None:
                    reader.ended()
            else:
                frame = await reader.next()
        if self.done:
            return
        self.log("input_ended")
        await self._drain()
        self.end("input_ended")

    def _step_native(self, loop: AudioLoop, chunk: Int16Array, paced_out: Playout | None) -> None:
        """The backend's per-frame work runs inside the loop: one C call per chunk."""
        if loop.process(chunk):
            turns = self.turns
            if not turns.open:
                turns.begin(loop)
            if paced_out is None and self._playout is not None:
                self._playout.audio_queued()
        self.metrics.backend_frames = self._native_base + loop.frames_in
        if paced_out is not None:
            paced_out.flush()

    async def _drain(self) -> None:
        clock = self.clock
        period = self.runtime.playout_frame_ms * 1_000_000
        deadline = clock.now_ns() + int(self.runtime.drain_timeout_s * 1e9)
        while not self.done and clock.now_ns() < deadline:
            runner = self.runner
            out = self.out_loop
            busy = (runner is not None and runner.busy()) or self.executor.active > 0
            if not busy:
                self.turns.audio_complete(out)
            playout = self._playout
            if (
                not busy
                and (out is None or out.playout_buffered == 0)
                and (playout is None or not playout.busy())
            ):
                return
            await clock.sleep(period)

    async def _on_tool_result(self, event: ExternalContextEvent) -> None:
        self.log("tool_result", call_id=event.call_id, ok=event.payload.get("ok"))
        runner = self.runner
        if runner is None or self.done:
            return
        try:
            await runner.inject(event)
        except BackendError as exc:
            await self.backend_failed(runner, exc)

    def _on_audit(self, event: SkillAuditEvent) -> None:
        self.log(
            f"tool_{event.kind}",
            call_id=event.call_id,
            name=event.name,
            generation_id=event.generation_id,
            duration_ns=event.duration_ns,
        )

    async def _cleanup(self) -> None:
        if self._end_reason is None:
            self.end("stopped")
        if self._playout is not None:
            self._playout.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        await self.executor.aclose()
        runner = self.runner
        if runner is not None:
            try:
                await runner.close()
            except Exception as exc:
                self.log("backend_close_error", backend=runner.name, message=str(exc))
        if self._loops is not None and not self.transport_paced:
            # A transport that paces itself owns its underruns; the ring never runs dry.
            with contextlib.suppress(Exception):
                self.metrics.underruns = self._loops.underruns
        m = self.metrics
        m.tool_calls = [
            ToolCallRecord(
                c.call_id, c.name, c.generation_id, c.state.value, c.duration_ns, c.error
            )
            for c in self.executor.calls
        ]
        m.ended_ns = self.clock.now_ns()
        self.log("session_end", reason=self._end_reason, error=m.error)
