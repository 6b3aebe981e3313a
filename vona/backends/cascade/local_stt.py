"""Local streaming speech-to-text: a VAD, an optional end-of-turn model and a whole-utterance
``SpeechToText`` composed into an ``SttStream`` that takes turns like a person.

A turn opens when the VAD hears speech and stays open through pauses: speech that resumes
within it extends it, and the transcript is always of the whole turn (pauses included,
nothing heard is dropped). The turn so far is transcribed speculatively as soon as the voice
drops: ``speculate_silence_ms`` after the level fell under ``speculate_quiet_dbfs``
(watched in 4 ms blocks), or after that many chunks the VAD calls silence, long before the
VAD has decided the speech ended (its probability trails the voice by two or three chunks).
The transcription so overlaps the end-of-turn wait; voice that comes back voids that guess.
The end-of-turn model (when given) judges the turn sooner still, at the chunk where the
voice drops, so its ~30 ms are spent before the transcription starts rather than beside
it. Both guesses read the turn as the VAD will end it if the quiet goes on (the quiet heard
last, repeated up to there). At the first short silence (the VAD's ``min_silence_ms``) the
turn is decided:

- with a model, a complete turn ends as soon as its transcript is ready (``SttEndOfTurn``);
  an incomplete one keeps listening until ``confirm_silence_ms`` of silence;
- without one, the transcript is announced as an *eager* end (``SttEndOfTurn(eager=True)``,
  a reply may be prepared) and confirmed after ``confirm_silence_ms`` of silence, or
  withdrawn (``SttTurnResumed``) if the user goes on.

Any input rate works: audio is resampled to the VAD's rate, and each engine gets its own.
Engines are shared by every stream of a ``LocalStreamingStt`` (calls serialised per engine,
run in worker threads; with ``stt_batch_size`` > 1, transcriptions requested while one runs
go together in the next call, see ``SttBatcher``); the VAD is per stream. A guess voided
before its transcription started is dropped from the engine's queue.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import numpy as np

from vona.backends.cascade.protocols import Float32Array, SpeechToText
from vona.backends.cascade.streaming import (
    Int16Array,
    SttEndOfTurn,
    SttEvent,
    SttSpeechStarted,
    SttTranscript,
    SttTurnResumed,
    TurnModel,
)
from vona.backends.cascade.stt_batcher import SttBatcher
from vona.dsp import Reframer, Resampler, to_float32
from vona.errors import AudioFormatError, ConfigError
from vona.vad import EnergyVad, VadModel, VadParams, VadSegmenter

__all__ = ["LocalStreamingStt", "LocalSttStream"]


def _resample(audio: Float32Array, rate: int, to: int) -> Float32Array:
    if rate == to or audio.shape[0] == 0:
        return audio
    with Resampler(rate, to) as rs:
        out = np.concatenate([rs.process(audio), rs.flush()])
    return np.ascontiguousarray(out, dtype=np.float32)


class LocalStreamingStt:
    """A ``StreamingSpeechToText`` from local engines.

    ``vad`` makes one VAD model per stream (default ``EnergyVad``); ``vad_params`` set the
    speech edges (``min_silence_ms`` is the short silence where a turn may end);
    ``confirm_silence_ms`` is the silence after which a turn is over whatever the model says
    (None: the VAD's ``min_silence_ms``, no eager ends); ``turn_threshold`` the end-of-turn
    probability that counts as complete; ``interim_interval_ms`` > 0 transcribes speech in
    progress that often (interim transcripts); ``sample_rate_hz`` is the rate pushed audio
    has (None: the VAD's); ``speculate_silence_ms`` is the silence after which the turn so
    far is transcribed while the VAD still waits for its ``min_silence_ms`` (capped there);
    audio quieter than ``speculate_quiet_dbfs`` counts as silence for that (None: the VAD
    alone decides); ``stt_batch_size`` caps how many queued transcriptions go in one engine
    call (1: one by one; batching whisper-base on a 2-core CPU measured slower, not faster,
    than serial calls: ``benchmarks/bench_turns.py``).
    """

    def __init__(
        self,
        stt: SpeechToText,
        *,
        vad: Callable[[], VadModel] | None = None,
        vad_params: VadParams | None = None,
        turn_model: TurnModel | None = None,
        confirm_silence_ms: int | None = None,
        turn_threshold: float = 0.5,
        interim_interval_ms: int = 0,
        max_turn_s: float = 30.0,
        sample_rate_hz: int | None = None,
        speculate_silence_ms: int = 64,
        speculate_quiet_dbfs: float | None = -50.0,
        stt_batch_size: int = 1,
    ) -> None:
        self.stt = stt
        self.turn_model = turn_model
        self.vad_factory: Callable[[], VadModel] = vad or EnergyVad
        self.vad_params = vad_params or VadParams()
        probe = self.vad_factory()
        self.vad_rate = probe.sample_rate_hz
        self.chunk = probe.chunk_samples
        rate = sample_rate_hz or self.vad_rate
        if rate <= 0:
            raise ConfigError(f"sample_rate_hz must be > 0, got {rate}")
        if not 0.0 < turn_threshold <= 1.0:
            raise ConfigError(f"turn_threshold must be in (0, 1], got {turn_threshold}")
        if interim_interval_ms < 0 or max_turn_s <= 0:
            raise ConfigError("interim_interval_ms must be >= 0 and max_turn_s > 0")
        if speculate_silence_ms < 0:
            raise ConfigError(f"speculate_silence_ms must be >= 0, got {speculate_silence_ms}")
        confirm = (
            self.vad_params.min_silence_ms if confirm_silence_ms is None else confirm_silence_ms
        )
        if confirm < 0:
            raise ConfigError(f"confirm_silence_ms must be >= 0, got {confirm}")
        self._rate = rate
        self.confirm_silence = confirm * self.vad_rate // 1000
        self.turn_threshold = turn_threshold
        self.interim_interval = interim_interval_ms * self.vad_rate // 1000
        self.speculate_silence = (
            min(speculate_silence_ms, self.vad_params.min_silence_ms) * self.vad_rate // 1000
        )
        # As a mean square of int16 samples, compared per chunk without a log.
        self.quiet_power = (
            None if speculate_quiet_dbfs is None else 32768.0**2 * 10 ** (speculate_quiet_dbfs / 10)
        )
        self.max_turn = int(max_turn_s * self.vad_rate)
        # The stream's frame is the runtime's 20 ms, not the VAD's chunk (reframed inside):
        # a session steps, and releases reply audio, every 20 ms instead of every 32.
        self.frame_samples = rate * 20 // 1000
        self.batcher = SttBatcher(stt, max_batch=stt_batch_size)
        self._turn_lock = threading.Lock()

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    async def open(self) -> LocalSttStream:
        return LocalSttStream(self)

    # -- engines, in worker threads ---------------------------------------------------
    def transcribe(self, audio: Int16Array) -> str:
        """The STT's transcript of VAD-rate int16 audio (blocks; a worker thread's call)."""
        return self.batcher.transcribe_blocking(self._stt_audio(audio))

    async def transcribe_async(self, audio: Int16Array) -> str:
        """``transcribe`` from the event loop: runs in a worker thread, batched with the
        other streams' requests that arrive while a call is in flight."""
        return await self.batcher.transcribe(self._stt_audio(audio))

    def _stt_audio(self, audio: Int16Array) -> Float32Array:
        return _resample(to_float32(audio), self.vad_rate, self.stt.sample_rate_hz)

    def end_probability(self, audio: Int16Array) -> float | None:
        """The end-of-turn model's probability for the turn so far (None without one)."""
        model = self.turn_model
        if model is None:
            return None
        f32 = _resample(to_float32(audio), self.vad_rate, model.sample_rate_hz)
        with self._turn_lock:
            return float(model.end_of_turn_probability(f32))

    def warmup(self) -> None:
        """Run each engine once (first calls load lazily)."""
        silence = np.zeros(self.vad_rate, dtype=np.int16)
        self.transcribe(silence)
        self.end_probability(silence)
        self.vad_factory().probability(np.zeros(self.chunk, dtype=np.float32))


class LocalSttStream:
    """One session's stream of a ``LocalStreamingStt`` (see the module docstring)."""

    def __init__(self, engine: LocalStreamingStt) -> None:
        self._e = engine
        self._seg = VadSegmenter(engine.vad_factory(), engine.vad_params)
        rate, vad_rate = engine.sample_rate_hz, engine.vad_rate
        self._resampler = Resampler(rate, vad_rate) if rate != vad_rate else None
        self._reframer = Reframer(engine.chunk)
        self._queue: asyncio.Queue[SttEvent | None] = asyncio.Queue()
        params = engine.vad_params
        pad_chunks = max(1, -(-params.speech_pad_ms * vad_rate // 1000 // engine.chunk))
        min_chunks = -(-params.min_speech_ms * vad_rate // 1000 // engine.chunk)
        self._preroll: deque[Int16Array] = deque(maxlen=pad_chunks + min_chunks + 1)
        self._turn: list[Int16Array] = []
        self._turn_start = 0
        self._open = False  # a turn is open (from its first speech to its end)
        self._speaking = False
        self._speech_start = 0
        self._speech_end = 0
        self._last_voiced = 0
        self._revision = 0  # bumps when speech resumes: older speculative results are void
        self._speculated = -1  # the revision whose transcription has started
        self._judging = -1  # the revision whose end-of-turn judgement has started
        self._guess: asyncio.Task[None] | None = None
        self._last_sounding = 0  # the last chunk both voiced and loud
        self._heard = 0  # samples pushed (at the VAD's rate), chunked or not yet
        self._last_loud = 0  # where the last 4 ms block above the quiet level ended
        self._vad_lag = 2 * engine.chunk  # how long the VAD calls speech after the voice
        self._faint_since_guess = 0  # voiced chunks below the quiet level since the guess
        self._text: str | None = None  # this revision's transcript, when in
        self._judged = False  # this revision's end-of-turn judgement is in ...
        self._prob: float | None = None  # ... and its probability (None: no model)
        self._eager_sent = False
        self._confirming = False
        self._last_interim = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._interim: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def turn_open(self) -> bool:
        """A user turn is in progress (speech heard, its end not yet announced)."""
        return self._open

    @property
    def busy(self) -> bool:
        """A transcription (or end-of-turn judgement) is in flight."""
        return any(not t.done() for t in self._tasks)

    async def settle(self) -> None:
        """Wait until no transcription is in flight (tests and offline drivers step the
        audio clock only once the engines have caught up)."""
        while pending := [t for t in self._tasks if not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    def _ms(self, sample: int) -> float:
        return sample * 1000.0 / self._e.vad_rate

    def _emit(self, event: SttEvent) -> None:
        if not self._closed:
            self._queue.put_nowait(event)

    # -- the contract ------------------------------------------------------------------
    async def push(self, audio: Int16Array) -> None:
        if self._closed:
            raise ConfigError("push on a closed speech-to-text stream")
        if audio.dtype != np.int16 or audio.ndim != 1:
            raise AudioFormatError(
                f"speech-to-text audio must be 1-D int16, got {audio.dtype} {audio.shape}"
            )
        pcm = np.ascontiguousarray(audio)
        if self._resampler is not None:
            pcm = self._resampler.process(pcm)
        for chunk in self._reframer.push(pcm):
            self._on_chunk(chunk)
        self._watch_the_level(pcm)

    async def events(self) -> AsyncIterator[SttEvent]:
        while (event := await self._queue.get()) is not None:
            yield event

    async def finalize(self) -> None:
        """The input ended: end the turn in progress now and wait for its transcript."""
        if self._open:
            if self._speaking:
                self._speaking = False
                self._speech_end = self._seg.position
                self._speculate_at_the_end()
            self._confirm()
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        self._closed = True
        for task in [*self._tasks, self._interim]:
            if task is not None and not task.done():
                task.cancel()
        self._queue.put_nowait(None)
        if self._resampler is not None:
            self._resampler.close()

    # -- the turn machinery ----------------------------------------------------------
    def _on_chunk(self, chunk: Int16Array) -> None:
        seg = self._seg
        begin = seg.position
        event = seg.push(chunk)
        pos = seg.position
        if event is not None and event.kind == "start":
            self._on_speech(begin, event.sample)
        if self._open:
            self._turn.append(chunk)
            if len(self._turn) * self._e.chunk > self._e.max_turn:
                self._turn.pop(0)
                self._turn_start += self._e.chunk
                self._speech_start = max(self._speech_start, self._turn_start)
        else:
            self._preroll.append(chunk)
        voiced = seg.speaking and seg.last_probability >= seg.params.negative_threshold
        if voiced:
            self._last_voiced = pos
        if self._speaking and event is None:
            self._watch_for_the_end(chunk, pos, voiced)
        if event is not None and event.kind == "end":
            self._speaking = False
            self._speech_end = event.sample
            lag = self._last_voiced - self._last_sounding
            self._vad_lag = min(max(lag, 0), 4 * self._e.chunk)
            self._speculate_at_the_end()
        waiting = self._open and not self._speaking and not self._confirming
        if waiting and pos - self._last_voiced >= self._e.confirm_silence:
            self._confirm()
        if self._speaking:
            self._maybe_interim(pos)

    def _on_speech(self, begin: int, sample: int) -> None:
        self._speaking = True
        self._last_sounding = self._seg.position
        self._drop_guess()
        self._confirming = False
        self._last_voiced = self._seg.position
        if not self._open:
            self._open = True
            self._turn = list(self._preroll)
            self._preroll.clear()
            self._turn_start = begin - len(self._turn) * self._e.chunk
            self._speech_start = max(sample, self._turn_start)
            self._last_interim = begin
            self._eager_sent = False
            self._emit(SttSpeechStarted(at_ms=self._ms(self._speech_start)))
        elif self._eager_sent:
            # The user went on after an eager end: what was prepared for it is void.
            self._eager_sent = False
            self._emit(SttTurnResumed(at_ms=self._ms(sample)))

    def _turn_audio(self, end: int) -> Int16Array:
        if not self._turn:
            return np.zeros(0, dtype=np.int16)
        audio = np.concatenate(self._turn)
        begin = self._speech_start - self._turn_start
        return audio[begin : max(begin, end - self._turn_start)]

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _watch_for_the_end(self, chunk: Int16Array, pos: int, voiced: bool) -> None:
        """While the VAD says speech: start transcribing when the voice drops, void that
        guess when it comes back."""
        e = self._e
        guessed = self._speculated == self._revision
        if voiced and not self._quiet(chunk):
            self._last_sounding = pos
            if guessed or self._judging == self._revision:
                # The voice came back inside the same stretch of speech: the guess missed
                # words. A new one starts at the next drop.
                self._drop_guess()
            tail = chunk[-e.chunk // 4 :]
            if self._open and self._quiet(tail):
                self._judge_early(pos, tail)  # the voice dropped inside this chunk
            return
        if self._open and self._judging != self._revision:
            self._judge_early(pos, chunk)
        if guessed:
            self._faint_since_guess += voiced
        elif self._open and pos - self._last_sounding >= e.speculate_silence:
            self._guess_now()

    def _watch_the_level(self, pcm: Int16Array) -> None:
        """Find where the voice dropped to within 4 ms (the VAD's chunks are 32 ms), and
        start transcribing ``speculate_silence_ms`` after it, between chunks if need be."""
        e = self._e
        start, self._heard = self._heard, self._heard + pcm.shape[0]
        if e.quiet_power is None or pcm.shape[0] == 0:
            return
        block = e.vad_rate // 250
        x = pcm.astype(np.float64)
        edges = np.arange(0, x.shape[0], block)
        power = np.add.reduceat(x * x, edges) / np.diff(np.append(edges, x.shape[0]))
        loud = np.flatnonzero(power >= e.quiet_power)
        if loud.size:
            self._last_loud = start + min(int(edges[loud[-1]]) + block, x.shape[0])
        if (
            self._speaking
            and self._open
            and self._speculated != self._revision
            and self._heard - self._last_loud >= e.speculate_silence
            and self._last_loud > self._speech_start
        ):
            self._guess_now()

    def _guess_now(self) -> None:
        """Start transcribing the turn as the VAD will end it (its pad after the last
        voiced chunk) while the VAD still says speech."""
        end = self._vad_end_guess(self._seg.params.speech_pad_ms)
        self._start_speculation(self._as_if_quiet(self._seg.position, end, self._turn[-1]))

    def _speculate_at_the_end(self) -> None:
        """The VAD heard the short silence: keep the guess started when the voice dropped
        (or transcribe now), and judge the turn."""
        # The VAD's probability trails the voice by two or three chunks; more voiced chunks
        # than that after the guess were faint speech it did not hear.
        stale = self._faint_since_guess > 3
        if self._speculated == self._revision and stale:
            self._drop_guess()
        if self._speculated != self._revision:
            self._start_speculation(self._turn_audio(self._speech_end))
        if self._judging != self._revision:
            self._judge(self._turn_audio(self._seg.position))
        self._maybe_decide()  # both guesses may be in already

    def _start_speculation(self, audio: Int16Array) -> None:
        self._speculated = self._revision
        self._faint_since_guess = 0
        self._guess = self._spawn(self._speculate(self._revision, audio))

    def _drop_guess(self) -> None:
        """Void the transcription in progress; if it is still queued for the engine, it
        leaves the queue (one already running finishes, its result unused)."""
        self._revision += 1
        self._text, self._judged, self._prob = None, False, None
        if self._guess is not None and not self._guess.done():
            self._guess.cancel()
        self._guess = None

    async def _speculate(self, revision: int, audio: Int16Array) -> None:
        text = await self._e.transcribe_async(audio)
        if revision != self._revision or self._closed or not self._open:
            return
        self._text = text.strip()
        self._maybe_decide()

    def _vad_end_guess(self, after_ms: int) -> int:
        """``after_ms`` past the VAD's last voiced chunk, if the quiet goes on: the VAD's
        probability trails the voice by its lag, as measured at this stream's last speech
        end (two chunks before the first: Silero's)."""
        last_voiced = max(self._last_voiced, self._last_sounding + self._vad_lag)
        return last_voiced + after_ms * self._e.vad_rate // 1000

    def _quiet(self, samples: Int16Array) -> bool:
        """Quieter than ``speculate_quiet_dbfs`` (never, without one)."""
        power = self._e.quiet_power
        if power is None:
            return False
        x = samples.astype(np.float64)
        return bool(float(x @ x) < power * x.shape[0])

    def _as_if_quiet(self, pos: int, end: int, tail: Int16Array) -> Int16Array:
        """The turn up to ``end``: the audio so far (to ``pos``), then ``tail`` (the quiet
        heard last) repeated."""
        audio = self._turn_audio(pos)
        if end <= pos:
            return audio
        return np.concatenate([audio, np.resize(tail, end - pos)])

    def _judge_early(self, pos: int, tail: Int16Array) -> None:
        """Judge the turn as soon as the voice drops (a chunk ending quiet), on the turn as
        it will stand when the VAD decides the speech ended (its ``min_silence_ms`` after
        the last voiced chunk), if the quiet goes on: that is the audio Smart Turn is meant
        to read (Pipecat runs it at its VAD's stop), and its verdicts swing with the length
        of the quiet tail. Started a chunk before the transcription, it is done before
        that starts: side by side on two cores it slowed the transcription by about its
        own time."""
        if self._e.turn_model is not None:
            end = self._vad_end_guess(self._seg.params.min_silence_ms)
            self._judge(self._as_if_quiet(pos, end, tail))

    def _judge(self, audio: Int16Array) -> None:
        """The end-of-turn model's view of ``audio``, the turn as the VAD ends it."""
        self._judging = self._revision
        if self._e.turn_model is None:
            self._judged, self._prob = True, None
            self._maybe_decide()
            return
        self._spawn(self._judgement(self._revision, audio))

    async def _judgement(self, revision: int, audio: Int16Array) -> None:
        prob = await asyncio.to_thread(self._e.end_probability, audio)
        if revision != self._revision or self._closed or not self._open:
            return
        self._judged, self._prob = True, prob
        self._maybe_decide()

    def _maybe_decide(self) -> None:
        if self._text is not None and (self._judged or self._confirming) and not self._speaking:
            self._decide()

    def _decide(self) -> None:
        """The turn's transcript and judgement are in and the VAD heard its short silence:
        end it, announce an eager end, or keep listening (an incomplete turn)."""
        e = self._e
        text, prob = self._text, self._prob
        assert text is not None
        if self._confirming or (prob is not None and prob >= e.turn_threshold):
            self._end_turn()
        elif self._eager_sent:
            pass  # announced already
        elif prob is None and e.confirm_silence > e.vad_params.min_silence_ms * e.vad_rate // 1000:
            self._eager_sent = True
            self._emit(SttEndOfTurn(text, eager=True, at_ms=self._ms(self._speech_end)))
        # else: the model heard an incomplete turn; keep listening.

    def _confirm(self) -> None:
        self._confirming = True
        if self._text is not None:
            self._end_turn()

    def _end_turn(self) -> None:
        text, prob = self._text, self._prob
        assert text is not None
        self._emit(
            SttEndOfTurn(text, eager=False, at_ms=self._ms(self._speech_end), confidence=prob)
        )
        self._open = False
        self._turn = []
        self._text, self._judged, self._prob = None, False, None
        self._eager_sent = False
        self._confirming = False
        self._revision += 1  # an interim in flight belongs to the closed turn

    def _maybe_interim(self, pos: int) -> None:
        e = self._e
        if not e.interim_interval or pos - self._last_interim < e.interim_interval:
            return
        if self._interim is not None and not self._interim.done():
            return
        self._last_interim = pos
        revision, start = self._revision, self._speech_start
        audio = self._turn_audio(pos)

        async def interim() -> None:
            text = await e.transcribe_async(audio)
            if text.strip() and revision == self._revision and self._speaking:
                end = start + audio.shape[0]
                self._emit(SttTranscript(text.strip(), False, self._ms(start), self._ms(end)))

        self._interim = self._spawn(interim())
