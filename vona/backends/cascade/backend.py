"""CascadeBackend: VAD -> speech-to-text -> responder -> text-to-speech, frame by frame.

``step`` runs the VAD on each 32 ms input frame (cheap, inline). When the VAD ends a user
turn, a generation task transcribes the utterance, streams the responder's reply, splits it
into sentences and hands each to a synthesis task, so the first sentence plays while the
rest is still being produced. STT and TTS run in worker threads; ``step`` never waits for
them. Reply audio goes out as soon as it is synthesized (the session driver's StepLoop paces
it from its output ring and clears it in O(1) on interruption); conversion, framing and the
optional pacing for drivers without an output ring are ``ReplyAudio``'s. A barge-in, detected
by the VAD while the assistant speaks, cancels the generation, drops the pending audio and
emits an ``Interruption`` in the same step; no reply audio follows it.

Tool calls from the responder are emitted as ``ToolCallRequested``; the runtime runs them
through its ``SkillExecutor`` and injects the result (``ExternalContextEvent.tool_result``),
which resumes the responder.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from vona.backends.cascade.events import TranscriptUpdate
from vona.backends.cascade.protocols import (
    ChatMessage,
    Float32Array,
    Responder,
    SpeechToText,
    TextDelta,
    TextToSpeech,
    ToolCallRequest,
)
from vona.backends.cascade.reply_audio import ReplyAudio
from vona.backends.cascade.sentences import SentenceSplitter
from vona.backends.cascade.session import CascadeSession, TurnRecord
from vona.backends.step import BackendCapabilities, BackendStep
from vona.config import SessionConfig
from vona.dsp import to_float32
from vona.errors import AudioFormatError, BackendError, ConfigError
from vona.events import (
    ExternalContextEvent,
    Interruption,
    LatencyMark,
    ToolCallRequested,
    TurnEnd,
)
from vona.frames import AudioInputFrame, AudioOutputFrame
from vona.vad import EnergyVad, VadModel, VadParams, VadSegmenter

__all__ = ["CascadeBackend", "CascadeSession", "TurnRecord"]


class CascadeBackend:
    """A ``SpeechToSpeechBackend`` composed from engines.

    ``vad`` makes one VAD model per session (default: ``EnergyVad``); ``stt``, ``tts`` and
    ``responder`` are shared by sessions (STT and TTS calls are serialised per engine).
    ``partial_interval_ms`` > 0 transcribes speech in progress that often (partial
    transcripts); ``output_lead_ms`` (None: no pacing) is how far reply audio may run ahead
    of input time.
    """

    def __init__(
        self,
        *,
        stt: SpeechToText,
        tts: TextToSpeech,
        responder: Responder,
        vad: Callable[[], VadModel] | None = None,
        vad_params: VadParams | None = None,
        partial_interval_ms: int = 0,
        output_lead_ms: int | None = None,
        output_frame_ms: int = 20,
        tool_timeout_s: float = 15.0,
        max_utterance_s: float = 30.0,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        if stt.sample_rate_hz != 16_000:
            raise ConfigError(f"CascadeBackend needs 16 kHz STT, got {stt.sample_rate_hz} Hz")
        if partial_interval_ms < 0 or (output_lead_ms or 0) < 0 or output_frame_ms <= 0:
            raise ConfigError("partial_interval_ms and output_lead_ms must be >= 0, frame > 0")
        self.stt = stt
        self.tts = tts
        self.responder = responder
        self._vad_factory = vad or EnergyVad
        probe = self._vad_factory()
        if probe.sample_rate_hz != 16_000:
            raise ConfigError(f"CascadeBackend needs a 16 kHz VAD, got {probe.sample_rate_hz} Hz")
        self._chunk = probe.chunk_samples
        self.vad_params = vad_params or VadParams()
        self.partial_interval = partial_interval_ms * 16
        self._out_rate = tts.sample_rate_hz
        self._lead = None if output_lead_ms is None else output_lead_ms * self._out_rate // 1000
        self._out_frame = output_frame_ms * self._out_rate // 1000
        self.tool_timeout_s = tool_timeout_s
        self._max_utterance = int(max_utterance_s * 16_000)
        self.clock = clock
        self._stt_lock = threading.Lock()
        self._tts_lock = threading.Lock()
        self._caps = BackendCapabilities(
            name="cascade",
            input_sample_rate_hz=16_000,
            output_sample_rate_hz=self._out_rate,
            channels=1,
            frame_samples=self._chunk,
            supports_tools=True,
            supports_interruption=True,
            streaming=True,
        )

    def capabilities(self) -> BackendCapabilities:
        return self._caps

    # -- engines in worker threads ----------------------------------------------------
    def _transcribe(self, audio: Float32Array) -> str:
        with self._stt_lock:
            return self.stt.transcribe(audio)

    def _synthesize(self, text: str) -> Float32Array:
        with self._tts_lock:
            return self.tts.synthesize(text)

    def warmup(self) -> float:
        """Run each engine once (first calls load lazily: G2P tables, kernels), so the
        first real turn is not slower than the rest. Returns the seconds it took."""
        t0 = time.perf_counter()
        self._synthesize("Hello.")
        self._transcribe(np.zeros(16_000, dtype=np.float32))
        vad = self._vad_factory()
        vad.probability(np.zeros(self._chunk, dtype=np.float32))
        return time.perf_counter() - t0

    # -- session lifecycle -------------------------------------------------------------
    async def start_session(self, config: SessionConfig) -> CascadeSession:
        messages = [ChatMessage("system", config.instructions)] if config.instructions else []
        pad_chunks = max(1, -(-self.vad_params.speech_pad_ms * 16 // self._chunk))
        window = pad_chunks + -(-self.vad_params.min_speech_ms * 16 // self._chunk) + 1
        return CascadeSession(
            config=config,
            segmenter=VadSegmenter(self._vad_factory(), self.vad_params),
            messages=messages,
            preroll=deque(maxlen=window),
            out=ReplyAudio(self._out_rate, self._out_frame, 16_000, self._lead, self.clock),
        )

    async def end_session(self, session: CascadeSession) -> None:
        session.closed = True
        for task in (session.task, session.partial_task):
            if task is not None and not task.done():
                task.cancel()
        for fut in session.tool_waiters.values():
            fut.cancel()
        session.tool_waiters.clear()
        session.out.clear()

    async def inject_event(self, session: CascadeSession, event: ExternalContextEvent) -> None:
        """Tool results resume the responder; a transcript override replaces what the next
        (or current) turn heard; a precomputed reply is spoken as a new generation; planner
        and app payloads join the conversation as system messages."""
        if event.kind == "tool_result":
            fut = session.tool_waiters.pop(event.call_id or "", None)
            if fut is not None and not fut.done():
                fut.set_result(event)
        elif event.kind == "transcript_override":
            session.override = str(event.payload.get("text", ""))
        elif event.kind == "precomputed_reply":
            text = str(event.payload.get("text", ""))
            self._interrupt(session, "precomputed_reply")
            self._start_generation(session, None, text)
        else:
            session.messages.append(ChatMessage("system", json.dumps(event.payload)))

    async def on_interrupt(self, session: CascadeSession, interruption: Interruption) -> None:
        """The runtime's word on an interruption: stop the generation if it still runs (an
        app- or runtime-initiated interruption), and cut the history at what the user
        actually heard (``played_samples`` of the generation, at the output rate)."""
        turn = session.current_turn
        if turn is None:
            return
        if self._speaking(session):
            self._interrupt(session, interruption.reason, emit=False)
        if interruption.played_samples is not None and turn.interrupted:
            heard_until = turn.audio_base + interruption.played_samples
            heard = [text for start, text in session.spoken if start < heard_until]
            turn.reply = " ".join(heard)
            if session.reply_message is not None:
                session.reply_message.content = turn.reply

    # -- the per-frame path --------------------------------------------------------------
    async def step(self, session: CascadeSession, frame: AudioInputFrame) -> BackendStep:
        samples = frame.samples
        if frame.sample_rate_hz != 16_000 or frame.channels != 1:
            raise AudioFormatError(
                f"CascadeBackend takes 16000 Hz mono frames, got {frame.sample_rate_hz} Hz "
                f"x {frame.channels}"
            )
        if samples.dtype != np.int16 or samples.shape != (self._chunk,):
            raise AudioFormatError(
                f"CascadeBackend frames must be {self._chunk} int16 samples, got "
                f"{samples.dtype} {samples.shape}"
            )
        self._raise_failure(session)
        seg = session.segmenter
        chunk_start = seg.position
        event = seg.push(samples)
        if event is not None and event.kind == "start":
            if self._speaking(session) and session.config.turn_detection.interrupt_response:
                self._interrupt(session, "barge_in")
            session.utterance = list(session.preroll)
            session.utterance_start = chunk_start - len(session.preroll) * self._chunk
            session.speech_start = max(event.sample, session.utterance_start)
            session.last_partial_at = chunk_start
        if seg.speaking or event is not None:
            session.utterance.append(samples)
            if len(session.utterance) * self._chunk > self._max_utterance:
                session.utterance.pop(0)
                session.utterance_start += self._chunk
                session.speech_start = max(session.speech_start, session.utterance_start)
            self._maybe_partial(session, seg.position)
        else:
            session.preroll.append(samples)
        if event is not None and event.kind == "end":
            begin = session.speech_start - session.utterance_start
            end = max(event.sample - session.utterance_start, begin)
            audio = to_float32(np.concatenate(session.utterance)[begin:end])
            session.utterance = []
            session.preroll.clear()
            self._start_generation(session, audio, None)
            session.events.append(TurnEnd(generation_id=session.generation, role="user"))
        out = self._release_audio(session, frame.samples_per_channel)
        events, session.events = session.events, []
        return BackendStep(output_audio=out, control_events=events)

    async def wait(self, session: CascadeSession, timeout: float) -> bool:
        """Wait until the session has something new (audio, events, a finished turn) or
        ``timeout`` seconds pass; True if woken. Lets a driver step as soon as output is
        ready instead of on a fixed clock."""
        try:
            await asyncio.wait_for(session.wake.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        finally:
            session.wake.clear()
        return True

    @staticmethod
    def _raise_failure(session: CascadeSession) -> None:
        task = session.task
        if task is None or not task.done() or task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        session.task = None
        if isinstance(exc, BackendError):
            raise exc
        raise BackendError(f"cascade generation failed: {exc!r}", retryable=False) from exc

    def _release_audio(self, session: CascadeSession, n_in: int) -> list[AudioOutputFrame]:
        frames = session.out.release(n_in)
        turn = session.current_turn
        if frames and turn is not None and not turn.first_audio_ns:
            turn.first_audio_ns = self.clock()
            session.events.append(LatencyMark("first_audio", turn.first_audio_ns))
        self._maybe_turn_end(session)
        return frames

    def _maybe_turn_end(self, session: CascadeSession) -> None:
        turn = session.current_turn
        task = session.task
        if turn is None or turn.done_ns or task is None or not task.done():
            return
        if session.pending_samples:
            return
        turn.done_ns = self.clock()
        session.events.append(TurnEnd(generation_id=turn.generation_id, role="assistant"))

    def _maybe_partial(self, session: CascadeSession, position: int) -> None:
        if not self.partial_interval or position - session.last_partial_at < self.partial_interval:
            return
        if session.partial_task is not None and not session.partial_task.done():
            return
        session.last_partial_at = position
        audio = to_float32(np.concatenate(session.utterance))
        generation = session.generation

        async def partial() -> None:
            text = await asyncio.to_thread(self._transcribe, audio)
            if text and session.segmenter.speaking and session.generation == generation:
                session.events.append(TranscriptUpdate(text, "user", False, generation + 1))

        session.partial_task = asyncio.get_running_loop().create_task(partial())

    def _speaking(self, session: CascadeSession) -> bool:
        """A reply is being produced, waiting to be released, or still playing."""
        return session.busy or session.out.unplayed() > 0

    def _interrupt(self, session: CascadeSession, reason: str, *, emit: bool = True) -> None:
        if not self._speaking(session):
            return
        turn = session.current_turn
        session.heard_samples, dropped = session.out.cut()
        if session.task is not None and not session.task.done():
            session.task.cancel()
        for fut in session.tool_waiters.values():
            fut.cancel()
        session.tool_waiters.clear()
        now = self.clock()
        gen = turn.generation_id if turn else session.generation
        if turn is not None:
            turn.interrupted = True
            turn.done_ns = now
            self._record_spoken(session, turn)
        if emit:
            session.events.append(Interruption(reason, gen, dropped_samples=dropped))
            session.events.append(LatencyMark(reason, now))

    def _record_spoken(self, session: CascadeSession, turn: TurnRecord) -> None:
        """History keeps only the sentences that started playing before the cut."""
        if turn.interrupted:
            heard = [text for start, text in session.spoken if start < session.heard_samples]
        else:
            heard = [text for _, text in session.spoken]
        turn.reply = " ".join(heard)
        if session.reply_message is not None:
            session.reply_message.content = turn.reply
        elif heard:
            session.reply_message = ChatMessage("assistant", turn.reply)
            session.messages.append(session.reply_message)
        session.events.append(TranscriptUpdate(turn.reply, "assistant", True, turn.generation_id))

    # -- one generation ------------------------------------------------------------------
    def _start_generation(
        self, session: CascadeSession, audio: Float32Array | None, text: str | None
    ) -> None:
        session.generation += 1
        turn = TurnRecord(session.generation, self.clock())
        turn.audio_base = session.out.emitted + session.out.pending
        session.turns.append(turn)
        session.spoken = []
        session.reply_message = None
        session.events.append(LatencyMark("speech_end", turn.speech_end_ns))
        loop = asyncio.get_running_loop()
        session.task = loop.create_task(self._generate(session, turn, audio, text))

    async def _generate(
        self,
        session: CascadeSession,
        turn: TurnRecord,
        audio: Float32Array | None,
        reply_text: str | None,
    ) -> None:
        sentences: asyncio.Queue[str | None] = asyncio.Queue()
        speaker = asyncio.get_running_loop().create_task(self._speak(session, turn, sentences))
        try:
            if reply_text is not None:
                splitter = SentenceSplitter()
                for s in [*splitter.push(reply_text), *splitter.flush()]:
                    await sentences.put(s)
            else:
                assert audio is not None
                if not await self._hear(session, turn, audio):
                    speaker.cancel()
                    return
                await self._respond(session, turn, sentences)
            await sentences.put(None)
            await speaker
        except BaseException:
            speaker.cancel()
            raise
        finally:
            session.wake.set()
        if not turn.interrupted:
            self._record_spoken(session, turn)

    async def _hear(self, session: CascadeSession, turn: TurnRecord, audio: Float32Array) -> bool:
        t0 = self.clock()
        text = await asyncio.to_thread(self._transcribe, audio)
        turn.stt_done_ns = self.clock()
        turn.stage_ms["stt_compute_ms"] = round((turn.stt_done_ns - t0) / 1e6, 3)
        if session.override is not None:
            text, session.override = session.override, None
        turn.transcript = text
        session.events.append(TranscriptUpdate(text, "user", True, turn.generation_id))
        session.events.append(LatencyMark("stt_done", turn.stt_done_ns))
        session.wake.set()
        if not text.strip():
            return False
        session.messages.append(ChatMessage("user", text))
        return True

    async def _respond(
        self, session: CascadeSession, turn: TurnRecord, sentences: asyncio.Queue[str | None]
    ) -> None:
        splitter = SentenceSplitter()
        tools = list(session.config.tools)
        for _ in range(8):  # bound tool loops
            calls: list[ToolCallRequest] = []
            async for ev in self.responder.respond(session.messages, tools):
                if isinstance(ev, TextDelta):
                    if not turn.first_text_ns:
                        turn.first_text_ns = self.clock()
                    for s in splitter.push(ev.text):
                        await sentences.put(s)
                else:
                    calls.append(ev)
            if not calls:
                break
            session.messages.append(ChatMessage("assistant", "", tool_calls=calls))
            for call in calls:
                result = await self._call_tool(session, turn, call)
                session.messages.append(
                    ChatMessage("tool", json.dumps(result), name=call.name, call_id=call.call_id)
                )
        for s in splitter.flush():
            await sentences.put(s)

    async def _call_tool(
        self, session: CascadeSession, turn: TurnRecord, call: ToolCallRequest
    ) -> dict[str, Any]:
        fut: asyncio.Future[ExternalContextEvent] = asyncio.get_running_loop().create_future()
        session.tool_waiters[call.call_id] = fut
        session.events.append(
            ToolCallRequested(call.call_id, call.name, call.arguments, turn.generation_id)
        )
        session.wake.set()
        t0 = self.clock()
        try:
            event = await asyncio.wait_for(fut, self.tool_timeout_s)
            payload = dict(event.payload)
        except asyncio.TimeoutError:
            session.tool_waiters.pop(call.call_id, None)
            payload = {"name": call.name, "ok": False, "error": "tool timed out"}
        turn.stage_ms["tool_ms"] = round(
            turn.stage_ms.get("tool_ms", 0.0) + (self.clock() - t0) / 1e6, 3
        )
        turn.tool_calls.append(
            {"call_id": call.call_id, "name": call.name, "arguments": call.arguments, **payload}
        )
        return payload

    async def _speak(
        self, session: CascadeSession, turn: TurnRecord, sentences: asyncio.Queue[str | None]
    ) -> None:
        out = session.out
        queued = out.emitted + out.pending
        while (text := await sentences.get()) is not None:
            audio = await asyncio.to_thread(self._synthesize, text)
            if not turn.first_tts_done_ns:
                turn.first_tts_done_ns = self.clock()
            n = out.push(audio)
            if n == 0:
                continue
            session.spoken.append((queued, text))
            queued += n
            session.wake.set()
