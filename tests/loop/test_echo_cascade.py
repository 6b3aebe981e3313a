"""The offline cascade in a room: its replies come back through the echo path (80 ms,
-6 dB, a short reverb) into its own input, with the real Silero VAD and the runtime's
echo canceller. The STT is deterministic and hears words in anything longer than 0.2 s,
so any echo that reached the VAD would become a confirmed barge-in (an Interruption).

Ten replies, the first one included (the adaptive filter still converging): no
Interruption. A talker over a reply (the first one) pauses it within 300 ms of the
talker's onset (the VAD's part: the barge-in's own minimum speech comes on top), then
stops it. Virtual clock, and a shorter real-clock run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from vona import VonaRuntime
from vona.backends.cascade import ChatMessage, TextDelta
from vona.backends.cascade.backend import BargeInParams, CascadeBackend
from vona.backends.cascade.local import build_local_cascade
from vona.backends.step import BackendStep
from vona.config import ToolSpec
from vona.events import ControlEvent, Interruption, PlayoutPause, TurnEnd
from vona.frames import AudioInputFrame
from vona.testing.echo import RoomTransport, another_voice, run_in_room, speech

RATE = 16_000
QUESTION = "speech_weather_question"
REPLY = ("speech_hello", "speech_weather_question")  # about 4.7 s of the bot's voice


class WordsStt:
    """Hears two words in anything longer than 0.2 s (the echo too, if it got through)."""

    sample_rate_hz = RATE

    def transcribe(self, audio: np.ndarray) -> str:
        return "wait stop" if audio.shape[0] >= RATE // 5 else ""


class SpeechTts:
    """Says the same fixture speech for any sentence."""

    sample_rate_hz = RATE

    def __init__(self) -> None:
        self.audio = speech(*REPLY, rate=RATE).astype(np.float32) / 32768.0

    def synthesize(self, text: str) -> np.ndarray:
        return self.audio


class OneSentence:
    """Replies one sentence to anything (one TTS call per reply)."""

    async def respond(
        self, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> AsyncIterator[TextDelta]:
        yield TextDelta("Here is the weather for you.")


def _cascade(
    barge_in: BargeInParams | None,
) -> tuple[CascadeBackend, list[tuple[float, ControlEvent]]]:
    # output paced at input time (as tests/local runs it): the backend then knows what
    # played on the virtual clock too
    backend = build_local_cascade(
        stt=WordsStt(),
        tts=SpeechTts(),
        vad="silero-vad",
        responder=OneSentence(),
        output_lead_ms=200,
        barge_in=barge_in,
    )
    seen: list[tuple[float, ControlEvent]] = []
    step = backend.step

    async def spy(session: Any, frame: AudioInputFrame) -> BackendStep:
        out = await step(session, frame)
        seen.extend((session.input_ms, e) for e in out.control_events)
        return out

    backend.step = spy  # type: ignore[method-assign]
    return backend, seen


def _questions(count: int) -> tuple[np.ndarray, list[int]]:
    """``count`` questions, each followed by silence long enough for its reply."""
    q = speech(QUESTION, rate=RATE)
    gap = np.zeros(int(8.5 * RATE), np.int16)
    starts = [i * (len(q) + len(gap)) for i in range(count)]
    return np.concatenate([np.concatenate([q, gap]) for _ in range(count)]), starts


def _run(
    audio: np.ndarray, *, virtual: bool, barge_in: BargeInParams | None = None
) -> tuple[RoomTransport, list[tuple[float, ControlEvent]]]:
    backend, seen = _cascade(barge_in)
    runtime = VonaRuntime()  # echo_cancellation="auto": the room transport needs it
    return run_in_room(audio, RATE, backend, runtime, virtual=virtual), seen


def _replies_played(transport: RoomTransport) -> int:
    """Stretches of the bot's voice from the speaker, split by 0.5 s of silence."""
    loud = np.abs(transport.played[: transport.pos].astype(np.int32)) > 200
    edges, quiet, playing = 0, 0, False
    for k in range(0, len(loud) - 320, 320):
        if loud[k : k + 320].any():
            edges += not playing
            playing, quiet = True, 0
        else:
            quiet += 1
            playing = playing and quiet < 25
    return edges


def _speech_onset(clip: np.ndarray) -> int:
    """Where the voice starts in ``clip``: its first 10 ms within 20 dB of its loudest."""
    frames = clip[: len(clip) // 160 * 160].astype(np.float64).reshape(-1, 160)
    level = np.sqrt(np.mean(frames**2, axis=1))
    return int(np.flatnonzero(level >= level.max() / 10)[0]) * 160


@pytest.mark.parametrize(
    ("virtual", "count"), [(True, 10), (False, 2)], ids=["virtual-clock", "real-clock"]
)
def test_no_self_interruption_over_the_replies_first_included(virtual: bool, count: int) -> None:
    audio, _ = _questions(count)
    transport, seen = _run(audio, virtual=virtual)
    events = [e for _, e in seen]
    assert [e for e in events if isinstance(e, Interruption)] == []
    assert [e for e in events if isinstance(e, PlayoutPause)] == []
    replies = [e for e in events if isinstance(e, TurnEnd) and e.role == "assistant"]
    assert len(replies) == count
    assert _replies_played(transport) == count  # each reply played through, once


def test_a_talker_over_the_first_reply_pauses_it_within_300_ms() -> None:
    audio, starts = _questions(2)
    q_len = len(speech(QUESTION, rate=RATE))
    transport, seen = _run(audio, virtual=True)  # a dry run: when does the first reply play?
    loud = np.flatnonzero(np.abs(transport.played.astype(np.int32)) > 200)
    reply_at = int(loud[loud > starts[0] + q_len][0])
    onset = reply_at + RATE // 2  # half a second into the first reply: the filter is young
    # 6 dB over the clip: a voice nearer the microphone than the speaker is
    word = another_voice(speech("speech_interrupt", rate=RATE), gain=2.0)
    user = audio.copy()
    user[onset : onset + len(word)] += word
    # Pause as soon as the VAD hears speech over the reply, stop once it has words: the
    # default (DEFAULT_BARGE_IN) waits 300 ms of speech before pausing, by design (a cough
    # must not cut a reply), which would add its 300 ms to what is measured here.
    barge = BargeInParams(min_speech_ms=0, min_words=1, false_interruption_ms=5000)
    _, seen = _run(user, virtual=True, barge_in=barge)
    onset_ms = (onset + _speech_onset(word)) * 1000 / RATE
    pauses = [at for at, e in seen if isinstance(e, PlayoutPause) and at >= onset_ms - 100]
    assert pauses, "the talker did not pause the reply"
    assert pauses[0] - onset_ms <= 300.0, pauses[0] - onset_ms
    stops = [at for at, e in seen if isinstance(e, Interruption)]
    assert stops  # then stopped it: the talker had words
    assert stops[0] >= pauses[0]


def test_ten_barge_ins_by_another_voice_pause_the_reply_within_300_ms() -> None:
    """Another voice, at the level of the clip the bot says, half a second into each of ten
    replies (the first one included), with the local cascade's default barge-in (pause at
    once, stop after 300 ms of speech and a word): the reply pauses within 300 ms of the
    voice's onset in at least 9 of 10, and every one of them stops it."""
    count = 10
    audio, starts = _questions(count)
    q_len = len(speech(QUESTION, rate=RATE))
    dry, _ = _run(audio, virtual=True)  # when does each reply start playing?
    loud = np.flatnonzero(np.abs(dry.played.astype(np.int32)) > 200)
    word = another_voice(speech("speech_interrupt", rate=RATE))
    user, onsets = audio.copy(), []
    for start in starts:
        reply_at = int(loud[loud > start + q_len][0])
        onset = reply_at + RATE // 2
        user[onset : onset + len(word)] += word
        onsets.append((onset + _speech_onset(word)) * 1000 / RATE)
    _, seen = _run(user, virtual=True)
    delays = []
    for onset_ms in onsets:
        pauses = [at for at, e in seen if isinstance(e, PlayoutPause) and onset_ms <= at]
        delays.append(pauses[0] - onset_ms if pauses else float("inf"))
    assert sum(d <= 300.0 for d in delays) >= 9, delays
    stops = [at for at, e in seen if isinstance(e, Interruption)]
    # Each talker's words stopped the reply it spoke over (the next question then stops
    # the reply to the talker's words, which is not counted here).
    assert all(any(0 < at - onset_ms < 2000 for at in stops) for onset_ms in onsets)
