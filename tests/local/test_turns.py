"""Turn-taking with scripted engines: turns that survive pauses, eager ends confirmed or
withdrawn, the end-of-turn model, barge-ins that need words, false interruptions, any
input rate. The stream-level tests step the audio clock themselves (no wall clock); the
backend tests drive a session in real time."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import numpy as np
import pytest

from vona.backends.cascade import ChatMessage, TextDelta, ToolCallRequest
from vona.backends.cascade.backend import BargeInParams, CascadeBackend
from vona.backends.cascade.drive import drive_audio
from vona.backends.cascade.events import TranscriptUpdate
from vona.backends.cascade.local_stt import LocalStreamingStt, LocalSttStream
from vona.backends.cascade.rules import RuleResponder
from vona.backends.cascade.sentence_tts import SentenceTts
from vona.backends.cascade.streaming import (
    SttEndOfTurn,
    SttEvent,
    SttSpeechStarted,
    SttTurnResumed,
)
from vona.config import SessionConfig, ToolSpec
from vona.errors import ConfigError
from vona.events import Interruption, PlayoutPause, PlayoutResume, ToolCallRequested
from vona.frames import AudioInputFrame
from vona.skills import SkillRegistry
from vona.vad import VadParams

RATE = 16_000
TTS_RATE = 24_000
FULL = "What is the weather in Paris today?"
HALF = "What is the weather"


class LengthStt:
    """Transcribes by duration: a long turn is the full question, a short one its first
    half, a very short burst nothing. Records what it heard (seconds at its rate)."""

    sample_rate_hz = RATE

    def __init__(self, full_s: float = 1.8, half_s: float = 0.5) -> None:
        self.full_s, self.half_s = full_s, half_s
        self.heard: list[float] = []

    def transcribe(self, audio: np.ndarray) -> str:
        seconds = audio.shape[0] / self.sample_rate_hz
        self.heard.append(seconds)
        if seconds >= self.full_s:
            return FULL
        return HALF if seconds >= self.half_s else ""


class ToneTts:
    sample_rate_hz = TTS_RATE

    def __init__(self) -> None:
        self.spoken: list[str] = []

    def synthesize(self, text: str) -> np.ndarray:
        self.spoken.append(text)
        return (0.2 * np.sin(np.arange(960 * len(text)) * 0.1)).astype(np.float32)


class LongerThanModel:
    """End of turn iff the turn so far is longer than ``seconds`` (deterministic)."""

    sample_rate_hz = RATE

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls = 0

    def end_of_turn_probability(self, audio: np.ndarray) -> float:
        self.calls += 1
        return 1.0 if audio.shape[0] >= self.seconds * RATE else 0.0


def _speech(seconds: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (8000 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)


def _silence(seconds: float, rate: int = RATE) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype=np.int16)


def _noise(seconds: float, rate: int = RATE) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.normal(0, 6000, int(seconds * rate)).clip(-32768, 32767).astype(np.int16)


async def _feed(stream: LocalSttStream, audio: np.ndarray, frame: int = 512) -> list[SttEvent]:
    """Push ``audio`` frame by frame, letting each speculative transcription finish before
    the next frame (the audio clock waits for the engines), and collect the events."""
    events: list[SttEvent] = []
    reader = asyncio.get_running_loop().create_task(_collect(stream, events))
    for i in range(0, audio.shape[0] - frame + 1, frame):
        await stream.push(audio[i : i + frame])
        await stream.settle()
        await asyncio.sleep(0)
    await stream.close()
    await reader
    return events


async def _collect(stream: LocalSttStream, events: list[SttEvent]) -> None:
    async for event in stream.events():
        events.append(event)


PARAMS = VadParams(min_speech_ms=64, min_silence_ms=200, speech_pad_ms=64)


@pytest.mark.parametrize("pause_s", [0.4, 0.6, 0.8, 1.0])
async def test_a_pause_inside_a_question_stays_one_turn_with_the_whole_transcript(pause_s):
    stt = LengthStt()
    engine = LocalStreamingStt(stt, vad_params=PARAMS, confirm_silence_ms=1100)
    audio = np.concatenate(
        [_silence(0.3), _speech(0.8), _silence(pause_s), _speech(0.8), _silence(1.5)]
    )
    events = await _feed(await engine.open(), audio)
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "SttSpeechStarted",
        "SttEndOfTurn",  # eager, at the pause
        "SttTurnResumed",
        "SttEndOfTurn",  # eager, at the end
        "SttEndOfTurn",  # confirmed
    ]
    eager1, eager2, final = (e for e in events if isinstance(e, SttEndOfTurn))
    assert (eager1.eager, eager1.transcript) == (True, HALF)
    assert (eager2.eager, final.eager) == (True, False)
    assert final.transcript == FULL
    # The last transcription heard the whole turn, the pause included.
    assert stt.heard[-1] >= 1.6 + pause_s


async def test_without_eager_ends_the_turn_ends_at_the_vad_silence():
    stt = LengthStt()
    engine = LocalStreamingStt(stt, vad_params=VadParams(min_silence_ms=256, speech_pad_ms=64))
    events = await _feed(await engine.open(), np.concatenate([_speech(2.0), _silence(0.5)]))
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn]
    assert events[1] == SttEndOfTurn(FULL, eager=False, at_ms=events[1].at_ms)
    assert len(stt.heard) == 1  # transcribed once


async def test_the_end_of_turn_model_keeps_an_incomplete_turn_open_and_ends_a_complete_one():
    stt, model = LengthStt(), LongerThanModel(1.8)
    engine = LocalStreamingStt(stt, vad_params=PARAMS, turn_model=model, confirm_silence_ms=2000)
    stream = await engine.open()
    audio = np.concatenate([_speech(0.8), _silence(0.6), _speech(0.8), _silence(0.5)])
    events = await _feed(stream, audio)
    # Incomplete at the pause: nothing announced; complete at the end: ended at once,
    # long before the 2 s confirmation silence.
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn]
    end = events[1]
    assert isinstance(end, SttEndOfTurn)
    assert (end.transcript, end.eager, end.confidence) == (FULL, False, 1.0)
    assert model.calls == 2


async def test_an_incomplete_turn_ends_after_the_confirmation_silence():
    stt, model = LengthStt(), LongerThanModel(60.0)
    engine = LocalStreamingStt(stt, vad_params=PARAMS, turn_model=model, confirm_silence_ms=900)
    events = await _feed(await engine.open(), np.concatenate([_speech(2.0), _silence(1.2)]))
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn]
    assert events[1] == SttEndOfTurn(FULL, at_ms=events[1].at_ms, confidence=0.0)


async def test_any_input_rate_reaches_the_engines_at_their_rate():
    stt = LengthStt()
    engine = LocalStreamingStt(stt, vad_params=PARAMS, sample_rate_hz=8_000)
    assert (engine.sample_rate_hz, engine.frame_samples) == (8_000, 160)
    audio = np.concatenate([_speech(2.0, 8_000), _silence(0.5, 8_000)])
    events = await _feed(await engine.open(), audio, frame=256)
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn]
    assert events[1].transcript == FULL  # type: ignore[union-attr]
    assert 2.0 <= stt.heard[0] <= 2.3  # seconds of 16 kHz audio


class AnyVoiceVad:
    """A VAD that calls any non-zero chunk speech, however faint (the voice the energy
    cue misses)."""

    sample_rate_hz = RATE
    chunk_samples = 512

    def probability(self, chunk: np.ndarray) -> float:
        return 1.0 if np.any(chunk) else 0.0

    def reset(self) -> None:
        pass


async def test_transcription_starts_when_the_voice_drops_before_the_vad_decides():
    stt = LengthStt()
    engine = LocalStreamingStt(stt, vad_params=PARAMS, speculate_silence_ms=96)
    events = await _feed(await engine.open(), np.concatenate([_speech(2.0), _silence(0.6)]))
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn]
    # One transcription, of the speech and the 96 ms of silence after it: it started
    # well before the VAD's 200 ms decided the speech had ended, and was kept.
    assert len(stt.heard) == 1
    assert 2.0 + 0.096 <= stt.heard[0] < 2.0 + 0.2
    assert events[1].transcript == FULL  # type: ignore[union-attr]


async def test_voice_coming_back_before_the_vad_decides_voids_the_early_transcription():
    stt = LengthStt(full_s=1.9)
    engine = LocalStreamingStt(stt, vad_params=PARAMS, speculate_silence_ms=96)
    # A 128 ms dip: long enough to start a transcription, too short for the VAD's end.
    audio = np.concatenate([_speech(1.0), _silence(0.128), _speech(1.0), _silence(0.6)])
    events = await _feed(await engine.open(), audio)
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn]
    assert len(stt.heard) == 2
    assert stt.heard[0] < 1.3  # the first guess heard half
    assert stt.heard[1] >= 2.1
    assert events[1].transcript == FULL  # type: ignore[union-attr]


async def test_a_guess_voided_while_queued_for_the_engine_is_never_transcribed():
    """Real clock, an engine as slow as Whisper: the second guess waits behind the first
    one's call, the voice comes back, and it leaves the queue untranscribed."""
    stt = SlowLengthStt(full_s=1.9)
    engine = LocalStreamingStt(stt, vad_params=PARAMS, speculate_silence_ms=96)
    stream = await engine.open()
    dip = _silence(0.128)
    audio = np.concatenate([_speech(1.0), dip, _speech(0.3), dip, _speech(0.6), _silence(0.3)])
    events: list[SttEvent] = []
    reader = asyncio.get_running_loop().create_task(_collect(stream, events))
    for i in range(0, audio.shape[0] - 511, 512):
        await stream.push(audio[i : i + 512])
        await asyncio.sleep(512 / RATE)  # the voice comes in real time
    await stream.finalize()
    await stream.close()
    await reader
    assert len(stt.heard) == 2  # the first guess (it was running) and the last one
    assert stt.heard[0] < 1.3
    assert stt.heard[1] >= 2.2
    assert [e.transcript for e in events if isinstance(e, SttEndOfTurn)] == [FULL]


async def test_faint_voice_after_the_early_transcription_is_transcribed_too():
    stt = LengthStt(full_s=1.4)
    engine = LocalStreamingStt(stt, vad=AnyVoiceVad, vad_params=PARAMS, speculate_silence_ms=96)
    faint = (_speech(0.5) // 400).astype(np.int16)  # about -67 dBFS: under the quiet level
    audio = np.concatenate([_speech(1.0), faint, _silence(0.6)])
    events = await _feed(await engine.open(), audio)
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn]
    assert stt.heard[0] < 1.2  # the guess at the energy drop ...
    assert stt.heard[-1] >= 1.5  # ... was redone at the VAD's end, faint words included
    assert events[1].transcript == FULL  # type: ignore[union-attr]


class RecordingModel(LongerThanModel):
    """``LongerThanModel`` that keeps the audio it judged and how much input had been
    pushed when it was asked."""

    def __init__(self, seconds: float, pushed: list[int]) -> None:
        super().__init__(seconds)
        self.pushed = pushed
        self.judged: list[tuple[int, np.ndarray]] = []

    def end_of_turn_probability(self, audio: np.ndarray) -> float:
        self.judged.append((self.pushed[0], audio.copy()))
        return super().end_of_turn_probability(audio)


async def _feed_counting(
    stream: LocalSttStream, audio: np.ndarray, pushed: list[int], frame: int = 512
) -> list[SttEvent]:
    """``_feed``, keeping in ``pushed[0]`` how many samples have been pushed."""
    events: list[SttEvent] = []
    reader = asyncio.get_running_loop().create_task(_collect(stream, events))
    for i in range(0, audio.shape[0] - frame + 1, frame):
        await stream.push(audio[i : i + frame])
        pushed[0] = i + frame
        await stream.settle()
        await asyncio.sleep(0)
    await stream.close()
    await reader
    return events


async def test_the_end_of_turn_model_judges_as_the_voice_drops_the_turn_the_vad_will_end():
    pushed = [0]
    stt, model = LengthStt(), RecordingModel(1.8, pushed)
    engine = LocalStreamingStt(stt, vad_params=PARAMS, turn_model=model, confirm_silence_ms=2000)
    audio = np.concatenate([_speech(2.0), _silence(0.6)])
    events = await _feed_counting(await engine.open(), audio, pushed)
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn]
    assert events[1].confidence == 1.0  # type: ignore[union-attr]
    [(asked_at, judged)] = model.judged
    # Asked within a chunk of the voice dropping, long before the VAD's 200 ms of silence...
    assert asked_at <= 2.0 * RATE + 512
    # ... on the turn as it will stand at the VAD's decision if the quiet goes on: the
    # speech, then at least the VAD's 200 ms of quiet (here, digital silence).
    voice = np.flatnonzero(judged)
    assert voice[-1] - voice[0] >= 1.99 * RATE
    assert voice[-1] < judged.shape[0] - 0.2 * RATE
    assert judged.shape[0] <= (2.0 + 0.064 + 0.064 + 0.2 + 0.032) * RATE


async def test_voice_coming_back_voids_the_early_judgement_and_the_turn_is_judged_again():
    pushed = [0]
    stt, model = LengthStt(full_s=1.9), RecordingModel(1.8, pushed)
    engine = LocalStreamingStt(stt, vad_params=PARAMS, turn_model=model, confirm_silence_ms=2000)
    audio = np.concatenate([_speech(1.0), _silence(0.128), _speech(1.0), _silence(0.6)])
    events = await _feed_counting(await engine.open(), audio, pushed)
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn]
    assert len(model.judged) == 2  # at the dip (incomplete, then void) and at the end
    assert model.judged[0][1].shape[0] < 1.8 * RATE <= model.judged[1][1].shape[0]
    end = events[1]
    assert (end.transcript, end.confidence) == (FULL, 1.0)  # type: ignore[union-attr]


async def test_the_vads_lag_is_measured_at_each_end_for_the_next_early_guesses():
    """The energy VAD calls speech only while the voice lasts: after the first turn the
    stream stops assuming Silero's two chunks of lag, and judges two chunks less quiet."""
    pushed = [0]
    stt, model = LengthStt(), RecordingModel(1.8, pushed)
    engine = LocalStreamingStt(stt, vad_params=PARAMS, turn_model=model, confirm_silence_ms=2000)
    turn = np.concatenate([_speech(2.0), _silence(0.8)])
    events = await _feed_counting(await engine.open(), np.concatenate([turn, turn]), pushed)
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn] * 2
    first, second = (audio.shape[0] - 1 - np.flatnonzero(audio)[-1] for _, audio in model.judged)
    assert first >= 0.2 * RATE + 2 * 512  # the quiet judged: the VAD's 200 ms, lag assumed
    assert second == 0.2 * RATE  # lag measured: none


async def test_transcription_starts_64_ms_after_the_voice_drops_even_inside_a_chunk():
    """The voice ends 4 ms into a VAD chunk, whose average level is still loud: the level
    is watched in 4 ms blocks, so the transcription starts at the first 20 ms frame 64 ms
    after the voice, one frame before the chunk rule (two quiet chunks) would start it."""
    pushed = [0]

    class WhenStt(LengthStt):
        def __init__(self) -> None:
            super().__init__()
            self.when: list[int] = []

        def transcribe(self, audio: np.ndarray) -> str:
            self.when.append(pushed[0])
            return super().transcribe(audio)

    stt = WhenStt()
    engine = LocalStreamingStt(stt, vad_params=PARAMS)
    voice_end = 62 * 512 + 64
    audio = np.concatenate([_speech(voice_end / RATE), _silence(0.6)])
    events = await _feed_counting(await engine.open(), audio, pushed, frame=320)
    assert [type(e) for e in events] == [SttSpeechStarted, SttEndOfTurn]
    assert events[1].transcript == FULL  # type: ignore[union-attr]
    assert stt.when == [32_960]  # the first frame end >= voice_end + 1024 (chunk rule: 33_280)


def test_bad_settings_are_config_errors():
    with pytest.raises(ConfigError, match="turn_threshold"):
        LocalStreamingStt(LengthStt(), turn_threshold=0.0)
    with pytest.raises(ConfigError, match="confirm_silence_ms"):
        LocalStreamingStt(LengthStt(), confirm_silence_ms=-1)
    with pytest.raises(ConfigError, match="speculate_silence_ms"):
        LocalStreamingStt(LengthStt(), speculate_silence_ms=-1)
    with pytest.raises(ConfigError, match="min_words"):
        BargeInParams(min_words=-1)


async def test_sentence_tts_streams_sentences_with_timings_and_cancel_drops_the_rest():
    tts = ToneTts()
    stream = await SentenceTts(tts).open()
    await stream.push_text("One. Tw")
    await stream.push_text("o. Three.")
    await stream.flush()
    chunks = [c async for c in stream.audio()]
    assert tts.spoken == ["One.", "Two.", "Three."]
    words = [w for c in chunks for w in c.words]
    assert [w.word for w in words] == tts.spoken
    assert words[1].start_ms == pytest.approx(words[0].end_ms)
    assert words[0].end_ms == pytest.approx(4 * 960 / 24)
    cancelled = await SentenceTts(tts).open()
    await cancelled.push_text("Four. Five. ")
    await cancelled.cancel()
    assert [c async for c in cancelled.audio()] == []


# -- the backend, in real time ----------------------------------------------------------
SKILLS = SkillRegistry()


@SKILLS.skill()
def get_weather(city: str) -> dict[str, Any]:
    """Current weather in a city."""
    return {"conditions": "sunny", "temperature_c": 21}


class EagerToolResponder:
    """Asks for the weather tool at once (its first stream then stays open); records
    cancellations and what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.cancelled = 0

    async def respond(self, messages: list[ChatMessage], tools: list[ToolSpec]):  # type: ignore[no-untyped-def]
        self.asked.append(messages[-1].content)
        try:
            if messages[-1].role == "tool":
                yield TextDelta("It is sunny. ")
                return
            yield ToolCallRequest(f"c{len(self.asked)}", "get_weather", {"city": "Paris"})
            if len(self.asked) == 1:
                await asyncio.sleep(10)  # a slow stream, still open when the user goes on
        except asyncio.CancelledError:
            self.cancelled += 1
            raise


def _backend(stt: Any, tts: Any, responder: Any = None, **kw: Any) -> CascadeBackend:
    return CascadeBackend(
        stt=stt,
        tts=tts,
        responder=responder or RuleResponder(),
        vad_params=PARAMS,
        confirm_silence_ms=kw.pop("confirm_silence_ms", 1100),
        output_lead_ms=kw.pop("output_lead_ms", 200),
        **kw,
    )


async def test_eager_end_then_resume_plays_nothing_and_runs_no_tool():
    stt, tts, responder = LengthStt(), ToneTts(), EagerToolResponder()
    backend = _backend(stt, tts, responder)
    session = await backend.start_session(SessionConfig(tools=SKILLS.tool_specs()))
    audio = np.concatenate([_speech(0.8), _silence(0.8), _speech(0.8)])
    result = await drive_audio(backend, session, audio, skills=SKILLS, realtime=True)
    calls = [e for _, e in result.events if isinstance(e, ToolCallRequested)]
    # The eager reply to the first half was prepared, then cancelled without a trace.
    assert responder.asked[0] == HALF
    assert responder.cancelled >= 1
    assert [c.generation_id for c in calls] == [session.turns[-1].generation_id]
    [turn] = session.turns
    assert turn.transcript == FULL
    assert tts.spoken == ["It is sunny."]
    assert result.pcm().shape[0] == 960 * len("It is sunny.")
    users = [m.content for m in session.messages if m.role == "user"]
    assert users == [FULL]
    finals = [e.text for _, e in result.events if isinstance(e, TranscriptUpdate) and e.final]
    assert finals[0] == FULL


class SlowLengthStt(LengthStt):
    """``LengthStt`` taking as long as Whisper base does on this machine's 2 cores."""

    def transcribe(self, audio: np.ndarray) -> str:
        time.sleep(0.7)
        return super().transcribe(audio)


async def test_a_cough_during_a_reply_does_not_lose_it():
    stt, tts = LengthStt(), ToneTts()
    barge = BargeInParams(min_speech_ms=300, min_words=1, false_interruption_ms=1500)
    backend = _backend(stt, tts, barge_in=barge)
    session = await backend.start_session(SessionConfig())
    reply_len = 0

    def cough_when_playing(step: int, frame: Any) -> None:
        nonlocal reply_len
        reply_len = max(reply_len, session.out.emitted)

    # The reply ("You said: ...") lasts several seconds; the cough comes 0.8 s into it.
    audio = np.concatenate([_speech(2.0), _silence(2.2), _noise(0.25), _silence(0.5)])
    result = await drive_audio(backend, session, audio, realtime=True, on_step=cough_when_playing)
    assert not any(isinstance(e, Interruption) for _, e in result.events)
    [turn] = session.turns
    assert not turn.interrupted
    assert result.pcm().shape[0] == 960 * sum(len(s) for s in tts.spoken)
    assert turn.reply == " ".join(tts.spoken)


def test_the_false_interruption_timer_waits_for_a_transcription_in_flight():
    from vona.backends.cascade.barge_in import BargeIn

    params = BargeInParams(min_speech_ms=300, min_words=1, false_interruption_ms=5000)
    barge = BargeIn(start_ms=0.0, paused=True)
    assert barge.decide(params, 6000.0, False, transcribing=True) is None  # words coming
    assert barge.decide(params, 6000.0, False) == "resume"  # nothing coming: resume


def test_backchannels_are_not_words_that_interrupt():
    from vona.backends.cascade.barge_in import words_that_interrupt

    assert words_that_interrupt("Mm-hmm.") == 0
    assert words_that_interrupt("Uh-huh, yeah. Okay!") == 0
    assert words_that_interrupt("Stop, please.") == 2
    assert words_that_interrupt("Okay, stop.") == 1
    assert words_that_interrupt("Mm-hmm.", frozenset()) == 1  # every word counts


class BackchannelStt(LengthStt):
    """A short burst over the reply is "Mm-hmm." (what Whisper writes for one)."""

    def transcribe(self, audio: np.ndarray) -> str:
        text = super().transcribe(audio)
        return text if text else "Mm-hmm."


async def test_an_mm_hmm_over_a_reply_pauses_it_and_it_resumes_in_full():
    stt, tts = BackchannelStt(half_s=0.65), ToneTts()
    barge = BargeInParams(min_speech_ms=300, min_words=1, false_interruption_ms=5000)
    backend = _backend(stt, tts, barge_in=barge)
    session = await backend.start_session(SessionConfig())
    audio = np.concatenate([_speech(2.0), _silence(2.2), _speech(0.45), _silence(2.5)])
    result = await drive_audio(backend, session, audio, realtime=True)
    kinds = [type(e) for _, e in result.events if type(e) in (PlayoutPause, PlayoutResume)]
    assert kinds == [PlayoutPause, PlayoutResume]
    assert not any(isinstance(e, Interruption) for _, e in result.events)
    [turn] = session.turns  # no reply to the "mm-hmm" of its own
    assert not turn.interrupted
    assert result.pcm().shape[0] == 960 * sum(len(s) for s in tts.spoken)


def _cough(seconds: float, *, shaped: bool) -> np.ndarray:
    """A noise burst: white, or band-limited to 300-3000 Hz with a fast decay (a cough)."""
    rng = np.random.default_rng(11)
    n = int(seconds * RATE)
    x = rng.normal(0, 6000, n)
    if shaped:
        spectrum = np.fft.rfft(x)
        hz = np.fft.rfftfreq(n, 1 / RATE)
        spectrum[(hz < 300) | (hz > 3000)] = 0
        x = np.fft.irfft(spectrum, n) * 3 * np.exp(-np.arange(n) / (0.08 * RATE))
    return x.clip(-32768, 32767).astype(np.int16)


@pytest.mark.parametrize("shaped", [False, True], ids=["white", "cough"])
async def test_with_silero_a_noise_burst_over_a_reply_does_not_even_pause_it(
    model_cache, question_16k, shaped
):
    from vona.backends.cascade.local import vad_factory

    stt, tts = SlowLengthStt(), ToneTts()
    backend = _backend(
        stt,
        tts,
        vad=vad_factory("silero-vad", cache_dir=model_cache),
        barge_in=BargeInParams(min_speech_ms=300, min_words=1),
    )
    session = await backend.start_session(SessionConfig())
    question = np.clip(np.rint(question_16k * 32767), -32768, 32767).astype(np.int16)
    assert question.shape[0] >= 1.8 * RATE  # LengthStt hears it as the whole question
    burst = _cough(0.25, shaped=shaped)
    audio = np.concatenate([_silence(0.3), question, _silence(2.2), burst, _silence(2)])
    burst_step = (
        audio.shape[0] - burst.shape[0] - 2 * RATE
    ) // backend.capabilities().frame_samples
    at_burst: list[int] = []

    def note(step: int, frame: Any) -> None:
        if step == burst_step:
            at_burst.append(session.out.emitted)

    result = await drive_audio(backend, session, audio, realtime=True, on_step=note)
    marks = (PlayoutPause, PlayoutResume, Interruption)
    assert [e for _, e in result.events if isinstance(e, marks)] == []  # it played on
    [turn] = session.turns
    assert result.pcm().shape[0] == 960 * sum(len(s) for s in tts.spoken)
    assert turn.reply == " ".join(tts.spoken)
    assert 0 < at_burst[0] < result.pcm().shape[0]  # the burst came while the reply played


async def test_a_barge_in_needs_words_and_a_false_one_resumes():
    stt, tts = LengthStt(full_s=1.8, half_s=0.65), ToneTts()
    barge = BargeInParams(min_speech_ms=300, min_words=1, false_interruption_ms=1500)
    backend = _backend(stt, tts, barge_in=barge)
    session = await backend.start_session(SessionConfig())
    # 0.45 s of speech over the reply: paused after 300 ms, transcribed as nothing (too
    # short for a word here), so it resumes; then 0.7 s of speech with words stops it.
    audio = np.concatenate(
        [_speech(2.0), _silence(2.0), _speech(0.45), _silence(1.5), _speech(0.7), _silence(2)]
    )
    result = await drive_audio(backend, session, audio, realtime=True)
    kinds = [
        type(e) for _, e in result.events if type(e) in (PlayoutPause, PlayoutResume, Interruption)
    ]
    assert kinds == [PlayoutPause, PlayoutResume, PlayoutPause, Interruption]
    assert session.turns[0].interrupted
    assert session.turns[1].transcript == HALF


async def test_under_the_driver_a_cough_pauses_the_playout_and_it_resumes_in_full():
    from vona.driver import run_session
    from vona.transports.scripted import ScriptedTransport

    stt, tts = LengthStt(half_s=0.65), ToneTts()  # the cough transcribes as nothing
    barge = BargeInParams(min_speech_ms=300, min_words=1, false_interruption_ms=5000)
    backend = _backend(stt, tts, barge_in=barge, output_lead_ms=None)
    seen: list[type] = []
    step = backend.step

    async def spy(session: Any, frame: Any) -> Any:
        out = await step(session, frame)
        seen.extend(type(e) for e in out.control_events)
        return out

    backend.step = spy  # type: ignore[method-assign]
    # The question, then the cough 2.2 s after it ended (about 1 s into the reply).
    audio = np.concatenate([_speech(2.0), _silence(2.2), _noise(0.45), _silence(1.0)])
    transport = ScriptedTransport(audio, RATE, hold_open_ms=8000)
    metrics = await run_session(transport, backend, raise_errors=True)
    assert PlayoutPause in seen
    assert PlayoutResume in seen
    assert Interruption not in seen
    assert not transport.clears
    assert not metrics.to_dict()["interruptions"]
    played = transport.output_audio()
    full = 960 * sum(len(s) for s in tts.spoken) * RATE // TTS_RATE
    assert abs(played.shape[0] - full) <= 640  # resampled from 24 kHz: nothing lost
    # The pause shows as a hole in the reply's frames, then it played on.
    times = [f.t_ns for f in transport.sent if not f.frame.is_filler]
    assert max(b - a for a, b in itertools.pairwise(times)) >= 200_000_000


class WordTts:
    """A streaming TTS with word timings: 100 ms of tone per word, one chunk per delta."""

    sample_rate_hz = TTS_RATE

    async def open(self) -> Any:
        return WordStream()


class WordStream:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.at_ms = 0.0

    async def push_text(self, text: str) -> None:
        self.queue.put_nowait(text)

    async def flush(self) -> None:
        self.queue.put_nowait(None)

    async def cancel(self) -> None:
        self.queue.put_nowait(None)

    async def audio(self) -> Any:
        from vona.backends.cascade.streaming import TtsAudio, WordTiming

        while (text := await self.queue.get()) is not None:
            for word in text.split():
                samples = (3000 * np.sin(np.arange(2400) * 0.1)).astype(np.int16)
                yield TtsAudio(samples, (WordTiming(word, self.at_ms, self.at_ms + 100),))
                self.at_ms += 100


async def test_history_keeps_the_words_heard_by_their_timings():
    backend = CascadeBackend(
        stt=LengthStt(),
        tts=WordTts(),
        responder=RuleResponder(),
        vad_params=PARAMS,
        output_lead_ms=100,  # paced by input: the reply is still playing below
    )
    session = await backend.start_session(SessionConfig())
    audio = np.concatenate([_speech(2.0), _silence(0.4)])
    for i in range(0, audio.shape[0] - 319, 320):
        await backend.step(session, AudioInputFrame(i // 320, RATE, 1, audio[i : i + 320]))
    for _ in range(300):
        if session.task is not None and session.task.done():
            break
        await backend.step(session, AudioInputFrame(0, RATE, 1, _silence(0.02)))
        await backend.wait(session, 0.05)
    [turn] = session.turns
    words = [w for _, w in session.spoken]
    assert len(words) > 4
    assert session.pending_samples > 0
    # The runtime says 250 ms of the reply were heard: words starting before it stay.
    played = Interruption("app", turn.generation_id, played_samples=250 * TTS_RATE // 1000)
    await backend.on_interrupt(session, played)
    assert turn.interrupted
    assert turn.reply == " ".join(words[:3])
    assert session.messages[-1] == ChatMessage("assistant", turn.reply)


class ScriptedStream:
    """A streaming STT (like Flux) that emits scripted events at given pushed frames."""

    sample_rate_hz = RATE
    frame_samples = 320

    def __init__(self, script: dict[int, list[Any]]) -> None:
        self.script = script

    async def open(self) -> Any:
        return self

    async def push(self, audio: np.ndarray) -> None:
        self.pushed = getattr(self, "pushed", 0) + 1
        for event in self.script.get(self.pushed, []):
            self.queue.put_nowait(event)

    async def events(self) -> Any:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        while (event := await self.queue.get()) is not None:
            yield event

    async def finalize(self) -> None:
        return None

    async def close(self) -> None:
        self.queue.put_nowait(None)


async def test_a_streaming_stt_eager_end_then_resumed_runs_no_tool_and_plays_nothing():
    eager = SttEndOfTurn(HALF, eager=True, at_ms=800)
    script = {
        2: [SttSpeechStarted(at_ms=20)],
        40: [eager],
        60: [SttTurnResumed(at_ms=1200)],
        100: [SttEndOfTurn(FULL, eager=True, at_ms=2000)],
        120: [SttEndOfTurn(FULL, at_ms=2000)],
    }
    responder = EagerToolResponder()
    backend = CascadeBackend(stt=ScriptedStream(script), tts=ToneTts(), responder=responder)
    session = await backend.start_session(SessionConfig(tools=SKILLS.tool_specs()))
    events: list[Any] = []
    silence = np.zeros(320, np.int16)
    for i in range(119):
        step = await backend.step(session, AudioInputFrame(i, RATE, 1, silence))
        assert step.output_audio == []
        events += step.control_events
        await asyncio.sleep(0.001)  # let the eager generation run as far as it can
    # Eager ends prepared replies, but no tool ran and nothing played before the confirmation.
    assert not [e for e in events if isinstance(e, ToolCallRequested)]
    assert responder.asked == [HALF, FULL]
    assert responder.cancelled == 1
    step = await backend.step(session, AudioInputFrame(119, RATE, 1, silence))
    calls = [e for e in step.control_events if isinstance(e, ToolCallRequested)]
    for _ in range(50):
        if calls:
            break
        await asyncio.sleep(0.01)
        step = await backend.step(session, AudioInputFrame(120, RATE, 1, silence))
        calls = [e for e in step.control_events if isinstance(e, ToolCallRequested)]
    assert [c.arguments for c in calls] == [{"city": "Paris"}]
    assert [t.transcript for t in session.turns] == [FULL]
    await backend.end_session(session)
