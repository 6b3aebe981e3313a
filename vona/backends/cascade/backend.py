"""CascadeBackend: speech-to-text stream -> responder -> text-to-speech stream, frame by frame.

The backend speaks to its engines only through the streaming contracts
(``vona.backends.cascade.streaming``); whole-utterance engines are wrapped: a
``SpeechToText`` in a ``LocalStreamingStt`` (VAD, optional end-of-turn model, turns that
survive pauses), a ``TextToSpeech`` in a ``SentenceTts``. ``step`` pushes each input frame
into the session's STT stream; a reader task turns the stream's events into turns:

- an eager end of turn starts the generation at once, its reply audio held and its tool
  calls waiting; ``SttTurnResumed`` cancels it without a sound or a tool call; the confirmed
  end releases it (or starts a new generation when the transcript changed);
- speech over a reply is a barge-in candidate (``BargeInParams``): immediate with zero
  minimums, otherwise the reply pauses, then stops once enough words were heard or resumes
  after a false interruption.

A generation streams the responder's text deltas into one TTS stream per reply (flushed at
its end, cancelled on barge-in); the audio goes out as soon as it is synthesized (the
session driver's StepLoop paces it from its output ring and clears it in O(1) on
interruption; ``ReplyAudio`` does the framing and optional pacing). History keeps the words
the user heard: word timings where the TTS gives them, sentences otherwise.

Tool calls from the responder are emitted as ``ToolCallRequested``; the runtime runs them
through its ``SkillExecutor`` and injects the result (``ExternalContextEvent.tool_result``),
which resumes the responder.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from vona.backends.cascade.barge_in import BargeIn, BargeInParams, words_that_interrupt
from vona.backends.cascade.events import TranscriptUpdate
from vona.backends.cascade.local_stt import LocalStreamingStt
from vona.backends.cascade.protocols import (
    ChatMessage,
    Responder,
    SpeechToText,
    TextDelta,
    TextToSpeech,
    ToolCallRequest,
)
from vona.backends.cascade.reply_audio import ReplyAudio
from vona.backends.cascade.sentence_tts import SentenceTts
from vona.backends.cascade.session import CascadeSession, TurnRecord
from vona.backends.cascade.streaming import (
    StreamingSpeechToText,
    StreamingTextToSpeech,
    SttEndOfTurn,
    SttEvent,
    SttSpeechStarted,
    SttTranscript,
    SttTurnResumed,
    TtsStream,
    TurnModel,
)
from vona.backends.step import BackendCapabilities, BackendStep
from vona.config import SessionConfig
from vona.errors import AudioFormatError, BackendError, ConfigError
from vona.events import (
    ExternalContextEvent,
    Interruption,
    LatencyMark,
    PlayoutPause,
    PlayoutResume,
    ToolCallRequested,
    TurnEnd,
)
from vona.frames import AudioInputFrame, AudioOutputFrame
from vona.vad import VadModel, VadParams

__all__ = ["BargeInParams", "CascadeBackend", "CascadeSession", "TurnRecord"]


class CascadeBackend:
    """A ``SpeechToSpeechBackend`` composed from engines.

    ``stt`` and ``tts`` are streaming engines or whole-utterance ones (wrapped; ``vad``,
    ``vad_params``, ``turn_model``, ``confirm_silence_ms``, ``partial_interval_ms`` and
    ``max_utterance_s`` configure the wrapper, see ``LocalStreamingStt``); ``responder`` is
    shared by sessions. ``barge_in`` says when speech over a reply stops it (default:
    immediately). ``output_lead_ms`` (None: no pacing) is how far reply audio may run ahead
    of input time.
    """

    def __init__(
        self,
        *,
        stt: SpeechToText | StreamingSpeechToText,
        tts: TextToSpeech | StreamingTextToSpeech,
        responder: Responder,
        vad: Callable[[], VadModel] | None = None,
        vad_params: VadParams | None = None,
        turn_model: TurnModel | None = None,
        confirm_silence_ms: int | None = None,
        barge_in: BargeInParams | None = None,
        partial_interval_ms: int = 0,
        output_lead_ms: int | None = None,
        output_frame_ms: int = 20,
        tool_timeout_s: float = 15.0,
        max_utterance_s: float = 30.0,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        if partial_interval_ms < 0 or (output_lead_ms or 0) < 0 or output_frame_ms <= 0:
            raise ConfigError("partial_interval_ms and output_lead_ms must be >= 0, frame > 0")
        if isinstance(stt, StreamingSpeechToText):
            self.stt: StreamingSpeechToText = stt
        else:
            self.stt = LocalStreamingStt(
                stt,
                vad=vad,
                vad_params=vad_params,
                turn_model=turn_model,
                confirm_silence_ms=confirm_silence_ms,
                interim_interval_ms=partial_interval_ms,
                max_turn_s=max_utterance_s,
            )
        self.tts: StreamingTextToSpeech = (
            tts if isinstance(tts, StreamingTextToSpeech) else SentenceTts(tts)
        )
        self.responder = responder
        self.barge_in = barge_in or BargeInParams()
        self._in_rate = self.stt.sample_rate_hz
        frame = getattr(self.stt, "frame_samples", None)
        self._frame = frame if isinstance(frame, int) and frame > 0 else self._in_rate // 50
        self._out_rate = self.tts.sample_rate_hz
        self._lead = None if output_lead_ms is None else output_lead_ms * self._out_rate // 1000
        self._out_frame = output_frame_ms * self._out_rate // 1000
        self.tool_timeout_s = tool_timeout_s
        self.clock = clock
        self._caps = BackendCapabilities(
            name="cascade",
            input_sample_rate_hz=self._in_rate,
            output_sample_rate_hz=self._out_rate,
            channels=1,
            frame_samples=self._frame,
            supports_tools=True,
            supports_interruption=True,
            streaming=True,
        )

    def capabilities(self) -> BackendCapabilities:
        return self._caps

    def warmup(self) -> float:
        """Run each engine once (first calls load lazily: G2P tables, kernels), so the
        first real turn is not slower than the rest. Returns the seconds it took."""
        t0 = time.perf_counter()
        for engine in (self.tts, self.stt):
            warm = getattr(engine, "warmup", None)
            if callable(warm):
                warm()
        return time.perf_counter() - t0

    # -- session lifecycle -------------------------------------------------------------
    async def start_session(self, config: SessionConfig) -> CascadeSession:
        messages = [ChatMessage("system", config.instructions)] if config.instructions else []
        session = CascadeSession(
            config=config,
            stream=await self.stt.open(),
            messages=messages,
            out=ReplyAudio(self._out_rate, self._out_frame, self._in_rate, self._lead, self.clock),
        )
        session.reader = asyncio.get_running_loop().create_task(self._read(session))
        return session

    async def end_session(self, session: CascadeSession) -> None:
        session.closed = True
        for task in (session.task, session.reader):
            if task is not None and not task.done():
                task.cancel()
        for fut in session.tool_waiters.values():
            fut.cancel()
        session.tool_waiters.clear()
        session.out.clear()
        await session.stream.close()

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
            self._void_held(session)
            self._interrupt(session, "precomputed_reply")
            self._start_generation(session, None, text, held=False)
            session.events.append(LatencyMark("speech_end", session.turns[-1].speech_end_ns))
        else:
            session.messages.append(ChatMessage("system", json.dumps(event.payload)))

    async def on_interrupt(self, session: CascadeSession, interruption: Interruption) -> None:
        """The runtime's word on an interruption: stop the generation if it still runs (an
        app- or runtime-initiated interruption), and cut the history at what the user
        actually heard (``played_samples`` of the generation, at the output rate)."""
        # the interrupted generation, which may no longer be the current one (the user's
        # next turn can already have started when the runtime's word arrives)
        turn = next(
            (t for t in reversed(session.turns) if t.generation_id == interruption.generation_id),
            session.current_turn,
        )
        if turn is None:
            return
        if turn is session.current_turn and self._speaking(session):
            self._interrupt(session, interruption.reason, emit=False)
        if interruption.played_samples is not None and turn.interrupted:
            heard_until = turn.audio_base + interruption.played_samples
            heard = [text for start, text in turn.spoken if start < heard_until]
            cut = " ".join(heard)
            if cut != turn.reply:
                turn.reply = cut
                # the final transcript already sent claimed more than was heard: correct it
                session.events.append(TranscriptUpdate(cut, "assistant", True, turn.generation_id))
                session.wake.set()
            if turn.reply_message is not None:
                turn.reply_message.content = turn.reply

    # -- the per-frame path --------------------------------------------------------------
    async def step(self, session: CascadeSession, frame: AudioInputFrame) -> BackendStep:
        samples = frame.samples
        if frame.sample_rate_hz != self._in_rate or frame.channels != 1:
            raise AudioFormatError(
                f"CascadeBackend takes {self._in_rate} Hz mono frames, got "
                f"{frame.sample_rate_hz} Hz x {frame.channels}"
            )
        if samples.dtype != np.int16 or samples.shape != (self._frame,):
            raise AudioFormatError(
                f"CascadeBackend frames must be {self._frame} int16 samples, got "
                f"{samples.dtype} {samples.shape}"
            )
        self._raise_failure(session)
        await session.stream.push(samples)
        session.input_ms += self._frame * 1000.0 / self._in_rate
        session.step_times.append((session.input_ms, self.clock()))
        # Let the reader handle what this frame produced (a barge-in acts in this step).
        await asyncio.sleep(0)
        if session.barge is not None:
            self._decide_barge(session, ended=False)
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
        for name in ("reader", "task"):
            task = getattr(session, name)
            if task is None or not task.done() or task.cancelled():
                continue
            exc = task.exception()
            if exc is None:
                continue
            setattr(session, name, None)
            if isinstance(exc, BackendError):
                raise exc
            raise BackendError(f"cascade {name} failed: {exc!r}", retryable=False) from exc

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
        if turn is None or turn.done_ns or task is None or not task.done() or session.held:
            return
        if session.pending_samples:
            return
        turn.done_ns = self.clock()
        session.events.append(TurnEnd(generation_id=turn.generation_id, role="assistant"))

    def _speaking(self, session: CascadeSession) -> bool:
        """A reply is being produced, waiting to be released, or still playing (a held
        reply to an unconfirmed turn is not: the user has not heard anything of it)."""
        return not session.held and (session.busy or session.out.unplayed() > 0)

    @staticmethod
    def _may_interrupt(session: CascadeSession) -> bool:
        return session.config.turn_detection.interrupt_response

    def _interrupt(self, session: CascadeSession, reason: str, *, emit: bool = True) -> None:
        # A paused playout is cleared by the interruption even if its estimate ran out.
        paused = session.barge is not None and session.barge.paused
        session.barge = None
        session.out.paused = False
        if not self._speaking(session) and not paused:
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
        """History keeps only the words (or sentences) that started playing before the cut."""
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
        turn.reply_message = session.reply_message
        session.events.append(TranscriptUpdate(turn.reply, "assistant", True, turn.generation_id))

    # -- turns from the STT stream -------------------------------------------------------
    async def _read(self, session: CascadeSession) -> None:
        async for event in session.stream.events():
            self._on_stt(session, event)
            session.wake.set()

    def _on_stt(self, session: CascadeSession, event: SttEvent) -> None:
        if isinstance(event, SttSpeechStarted):
            session.user_active = True
            self._void_held(session)
            if self._speaking(session) and self._may_interrupt(session):
                if self.barge_in.immediate:
                    self._interrupt(session, "barge_in")
                elif session.barge is None:
                    session.barge = BargeIn(event.at_ms)
                    self._decide_barge(session, ended=False)
        elif isinstance(event, SttTranscript):
            if session.barge is not None:
                session.barge.hear(event.text, self.barge_in.backchannels)
                self._decide_barge(session, ended=False)
            elif not event.final:
                gen = session.generation + 1
                session.events.append(TranscriptUpdate(event.text, "user", False, gen))
        elif isinstance(event, SttTurnResumed):
            self._void_held(session)
        elif isinstance(event, SttEndOfTurn):
            self._on_end_of_turn(session, event)

    def _on_end_of_turn(self, session: CascadeSession, event: SttEndOfTurn) -> None:
        text = event.transcript.strip()
        if not event.eager:
            session.user_active = False
        if session.barge is not None:
            # Even an eager end says the user stopped: too few words is a false interruption.
            session.barge.hear(text, self.barge_in.backchannels)
            if self._decide_barge(session, ended=True, at_ms=event.at_ms) != "confirm":
                return  # the reply goes on
        elif (
            not event.eager
            and self._speaking(session)
            and self._may_interrupt(session)
            and (
                words_that_interrupt(text, self.barge_in.backchannels)
                if not self.barge_in.immediate
                else text
            )
        ):
            # Words over a reply whose candidate lapsed: a barge-in after all.
            self._interrupt(session, "barge_in")
        if event.eager:
            if text and session.override is None and not self._speaking(session):
                self._void_held(session)
                self._start_generation(session, text, None, held=True)
                self._current_stt_done(session)
            return
        self._confirm_turn(session, text, event.at_ms)

    def _decide_barge(
        self, session: CascadeSession, *, ended: bool, at_ms: float | None = None
    ) -> str | None:
        barge = session.barge
        if barge is None:
            return None
        now_ms = session.input_ms if at_ms is None else at_ms
        # A stream that says a transcription is in flight will end the turn: no time-out.
        transcribing = bool(getattr(session.stream, "busy", False))
        action = barge.decide(self.barge_in, now_ms, ended, transcribing)
        if action == "pause":
            barge.paused = True
            session.out.paused = True
            session.events.append(PlayoutPause(session.generation))
        elif action == "confirm":
            self._interrupt(session, "barge_in")
        elif action == "resume":
            session.barge = None
            if barge.paused:
                session.out.paused = False
                session.events.append(PlayoutResume(session.generation))
                session.events.append(LatencyMark("false_interruption", self.clock()))
        return action

    def _speech_end_ns(self, session: CascadeSession, at_ms: float) -> int:
        """When the step holding the stream position ``at_ms`` ran (the last speech
        sample's time when input comes in real time)."""
        for position, ns in session.step_times:
            if position >= at_ms:
                return ns
        return self.clock()

    def _current_stt_done(self, session: CascadeSession) -> None:
        turn = session.current_turn
        if turn is not None and not turn.stt_done_ns:
            turn.stt_done_ns = self.clock()

    def _confirm_turn(self, session: CascadeSession, text: str, at_ms: float) -> None:
        if session.override is not None:
            text, session.override = session.override.strip(), None
        turn = session.current_turn
        listening = not words_that_interrupt(text, self.barge_in.backchannels)
        if not text or (listening and self._speaking(session) and not self.barge_in.immediate):
            # Nothing said (a noise), or only "mm-hmm" over a reply: no reply of its own,
            # and a reply still playing plays on.
            self._void_held(session)
            session.events.append(TurnEnd(generation_id=session.generation + 1, role="user"))
            session.events.append(TranscriptUpdate(text, "user", True, session.generation + 1))
            return
        if session.held and turn is not None and turn.transcript == text:
            session.held = False
            session.out.held = False
            session.confirmed.set()
        else:
            self._void_held(session)
            self._start_generation(session, text, None, held=False)
            turn = session.turns[-1]
        self._current_stt_done(session)
        turn.speech_end_ns = min(self._speech_end_ns(session, at_ms), turn.stt_done_ns)
        session.events.append(TurnEnd(generation_id=turn.generation_id, role="user"))
        session.events.append(TranscriptUpdate(text, "user", True, turn.generation_id))
        session.events.append(LatencyMark("speech_end", turn.speech_end_ns))
        session.events.append(LatencyMark("stt_done", turn.stt_done_ns))

    def _void_held(self, session: CascadeSession) -> None:
        """Cancel a generation prepared for an eager end of turn: no sound, no tool call,
        no trace in the history."""
        if not session.held:
            return
        session.held = False
        session.out.held = False
        if session.task is not None and not session.task.done():
            session.task.cancel()
        session.task = None
        session.out.clear()
        turn = session.current_turn
        if turn is not None and turn.generation_id == session.generation:
            session.turns.pop()
        for message in (session.user_message, session.reply_message):
            if message is not None and message in session.messages:
                session.messages.remove(message)
        session.user_message = session.reply_message = None
        session.spoken = []

    # -- one generation ------------------------------------------------------------------
    def _start_generation(
        self, session: CascadeSession, text: str | None, reply_text: str | None, *, held: bool
    ) -> None:
        session.generation += 1
        turn = TurnRecord(session.generation, self.clock(), transcript=text or "")
        turn.audio_base = session.out.emitted + session.out.pending
        session.turns.append(turn)
        session.spoken = turn.spoken  # the turn keeps what it spoke, for a later truncation
        session.reply_message = None
        session.user_message = None
        session.held = held
        session.out.held = held
        session.confirmed = confirmed = asyncio.Event()
        if not held:
            confirmed.set()
        if text:
            session.user_message = ChatMessage("user", text)
            session.messages.append(session.user_message)
        loop = asyncio.get_running_loop()
        session.task = loop.create_task(self._generate(session, turn, text, reply_text, confirmed))

    async def _generate(
        self,
        session: CascadeSession,
        turn: TurnRecord,
        text: str | None,
        reply_text: str | None,
        confirmed: asyncio.Event,
    ) -> None:
        if not text and reply_text is None:
            session.wake.set()
            return
        tts = await self.tts.open()
        speaker = asyncio.get_running_loop().create_task(self._speak(session, turn, tts))
        try:
            if reply_text is not None:
                await tts.push_text(reply_text)
            else:
                await self._respond(session, turn, tts, confirmed)
            await tts.flush()
            await speaker
        except BaseException:
            speaker.cancel()
            await tts.cancel()
            raise
        finally:
            session.wake.set()
        if not turn.interrupted:
            self._record_spoken(session, turn)

    async def _respond(
        self, session: CascadeSession, turn: TurnRecord, tts: TtsStream, confirmed: asyncio.Event
    ) -> None:
        tools = list(session.config.tools)
        for _ in range(8):  # bound tool loops
            calls: list[ToolCallRequest] = []
            async for ev in self.responder.respond(session.messages, tools):
                if isinstance(ev, TextDelta):
                    if not turn.first_text_ns:
                        turn.first_text_ns = self.clock()
                    await tts.push_text(ev.text)
                else:
                    calls.append(ev)
            if not calls:
                break
            # Tools never run speculatively: a call waits for the confirmed end of turn.
            await confirmed.wait()
            session.messages.append(ChatMessage("assistant", "", tool_calls=calls))
            for call in calls:
                result = await self._call_tool(session, turn, call)
                session.messages.append(
                    ChatMessage("tool", json.dumps(result), name=call.name, call_id=call.call_id)
                )

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

    async def _speak(self, session: CascadeSession, turn: TurnRecord, tts: TtsStream) -> None:
        out = session.out
        base = out.emitted + out.pending  # stream position of this reply's first sample
        per_ms = out.rate / 1000.0
        async for chunk in tts.audio():
            if session.generation != turn.generation_id or turn.interrupted:
                return
            if not turn.first_tts_done_ns:
                turn.first_tts_done_ns = self.clock()
            for word in chunk.words:
                session.spoken.append((base + int(word.start_ms * per_ms), word.word))
            out.push_pcm(chunk.samples)
            session.wake.set()
