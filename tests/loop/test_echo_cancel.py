"""Echo cancellation in the per-frame path: the runtime's own voice, coming back through
a room (80 ms, -6 dB, a short reverb), does not reach the VAD; another voice does.

The StepLoop test drives the loop by hand with the real Silero VAD on its output frames;
the session tests run the driver with a transport that is a room (what it is sent comes
back in what it records), on the virtual clock and on the real one.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from vona import AudioInputFrame, AudioOutputFrame, VonaRuntime
from vona.backends.step import BackendCapabilities, BackendStep
from vona.config import SessionConfig
from vona.driver import run_session
from vona.errors import ConfigError
from vona.events import ExternalContextEvent
from vona.step_loop import StepLoop
from vona.testing import VirtualClock, run_virtual
from vona.testing.echo import (
    Room,
    RoomTransport,
    another_voice,
    echo_of,
    erle_db,
    run_in_room,
    speech,
)
from vona.vad import VadEvent, VadParams, VadSegmenter

RATE = 16_000
TICK = RATE // 50
DELAY = int(0.080 * RATE)
REPLIES = ("speech_weather_question", "speech_hello", "speech_interrupt")


def _replies(count: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """``count`` replies with 1 s of silence after each, and each one's [start, end)."""
    parts, spans, at = [], [], 0
    for i in range(count):
        s = speech(REPLIES[i % 3], rate=RATE)
        parts += [s, np.zeros(RATE, np.int16)]
        spans.append((at, at + len(s)))
        at += len(s) + RATE
    return np.concatenate(parts), spans


@pytest.fixture(scope="module")
def silero_path() -> Path:
    from vona.adapters.silero_vad import find_model

    return find_model()


def _vad_events(
    silero_path: Path, echo_cancel_ms: int, user: np.ndarray | None = None, replies: int = 10
) -> tuple[list[VadEvent], list[tuple[int, int]]]:
    from vona.adapters.silero_vad import SileroVad

    out, spans = _replies(replies)
    loop = StepLoop(RATE, RATE, 512, echo_cancel_ms=echo_cancel_ms)
    assert loop.echo_cancelling == (echo_cancel_ms > 0)
    seg = VadSegmenter(SileroVad(silero_path), VadParams(min_silence_ms=400))
    loop.push_output(out)
    total = len(out) + RATE
    mic_user = np.zeros(total, np.int16) if user is None else user[:total]
    room = Room(RATE)
    events = []
    for k in range(0, total - TICK + 1, TICK):
        played = loop.pull_playout(TICK)
        played = np.concatenate([played, np.zeros(TICK - len(played), np.int16)])
        for frame in loop.push_input(room.hear(played, mic_user[k : k + TICK])):
            ev = seg.push(frame)
            if ev is not None:
                events.append(ev)
    return events, spans


def test_without_cancellation_the_vad_hears_the_bot(silero_path: Path) -> None:
    events, spans = _vad_events(silero_path, 0)
    starts = [e.sample for e in events if e.kind == "start"]
    hit = sum(any(a - 2 * DELAY <= s < b + DELAY for s in starts) for a, b in spans)
    assert hit >= 8  # the control: the echo alone is loud enough to be speech


def test_the_bot_does_not_hear_itself_over_ten_replies(silero_path: Path) -> None:
    """The speex filter converges during the first reply (it needs 1-2 s of the bot's
    voice); the residual echo gate covers that reply, so the VAD never fires on the echo,
    the first reply included."""
    events, spans = _vad_events(silero_path, 200)
    first_end = spans[0][1] + RATE // 2
    late = [e for e in events if e.sample >= first_end]
    assert late == []
    assert events == []  # the first reply too


def test_ten_barge_ins_by_another_voice_one_in_the_first_reply(silero_path: Path) -> None:
    """Another (lower, slower) voice says a word over each of ten replies, the first 0.3 s
    into the first reply while the filter is young: at least 9 of the 10 are heard within
    300 ms of their onset, and nothing else is (the echo around them stays silent)."""
    out, spans = _replies(10)
    # 6 dB over the clip: a voice nearer the microphone than the speaker is
    word = another_voice(speech("speech_interrupt", rate=RATE), gain=2.0)[: RATE * 6 // 10]
    user = np.zeros(len(out) + RATE, np.int16)
    onsets = []
    for i, (a, _) in enumerate(spans):
        at = a + (RATE * 3 // 10 if i == 0 else RATE // 2 + i * RATE // 20)
        user[at : at + len(word)] = word
        onsets.append(at)
    events, _ = _vad_events(silero_path, 200, user)
    starts = [e.sample for e in events if e.kind == "start"]
    # the start is padded back by 96 ms, so a prompt detection lands just before the onset
    heard = [any(at - RATE // 5 <= s <= at + int(0.3 * RATE) for s in starts) for at in onsets]
    assert heard[0], "the barge-in over the first reply was missed"
    assert sum(heard) >= 9, heard
    stray = [s for s in starts if not any(at - RATE // 5 <= s < at + len(word) for at in onsets)]
    assert stray == []


def test_a_voice_over_the_reply_is_still_heard(silero_path: Path) -> None:
    out, spans = _replies(10)
    user = np.zeros(len(out) + RATE, np.int16)
    at = spans[7][0] + RATE // 2  # half a second into the eighth reply
    talker = speech("speech_interrupt", rate=RATE)
    user[at : at + len(talker)] = talker
    events, _ = _vad_events(silero_path, 200, user)
    starts = [e.sample for e in events if e.kind == "start" and e.sample >= spans[1][0]]
    assert starts, "the talker was not detected"
    # detected within 300 ms of the talker's onset (the start is padded back by 96 ms)
    assert at - RATE // 5 <= starts[0] <= at + int(0.3 * RATE)
    assert len(starts) == 1  # and nothing else: the echo around it stays silent


class ReplyBackend:
    """Says its replies, one frame per input frame, whatever it hears; keeps what it
    heard (the input after the loop) for the test."""

    def __init__(self, reply: np.ndarray) -> None:
        self.reply = reply
        self.heard: list[np.ndarray] = []

    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(
            name="reply",
            input_sample_rate_hz=RATE,
            output_sample_rate_hz=RATE,
            frame_samples=TICK,
        )

    async def start_session(self, config: SessionConfig) -> list[int]:
        return [0]

    async def step(self, session: list[int], frame: AudioInputFrame) -> BackendStep:
        self.heard.append(frame.samples.copy())
        at = session[0]
        session[0] += TICK
        chunk = self.reply[at : at + TICK]
        if len(chunk) == 0:
            return BackendStep(output_audio=[])
        return BackendStep(output_audio=[AudioOutputFrame(frame.sequence, RATE, 1, chunk)])

    async def inject_event(self, session: list[int], event: ExternalContextEvent) -> None:
        return None

    async def end_session(self, session: list[int]) -> None:
        return None


def _reply_in_a_room(mode: str, *, virtual: bool) -> tuple[np.ndarray, np.ndarray]:
    """The backend replies for 6 s in a room with no user talking: returns what the room's
    microphone heard and what reached the backend."""
    reply = speech(*REPLIES, *REPLIES, rate=RATE)[: 6 * RATE]
    silent_user = np.zeros(7 * RATE, np.int16)
    runtime = VonaRuntime(echo_cancellation=mode)  # type: ignore[arg-type]
    backend = ReplyBackend(reply)
    transport = run_in_room(silent_user, RATE, backend, runtime, virtual=virtual)
    return transport.heard[: transport.pos], np.concatenate(backend.heard)


@pytest.mark.parametrize("virtual", [True, False], ids=["virtual-clock", "real-clock"])
def test_session_cancels_the_echo_of_what_it_played(virtual: bool) -> None:
    mic, heard = _reply_in_a_room("auto", virtual=virtual)  # the transport: echo, uncancelled
    settled = slice(2 * RATE, 6 * RATE)  # after the filter has converged
    assert erle_db(mic[settled], heard[settled]) > 12.0
    mic_off, heard_off = _reply_in_a_room("off", virtual=virtual)
    n = min(len(mic_off), len(heard_off))
    # without cancellation the backend gets the microphone as it is
    np.testing.assert_array_equal(heard_off[:n], mic_off[:n])


def test_runtime_switch_and_transport_attribute() -> None:
    from vona.driver.audio_loop import EchoSetting, echo_setting

    class Mic:
        echo_cancelled = False

    class Browser:
        echo_cancelled = True

    assert echo_setting("auto", 200, False, Mic(), RATE, 1) == EchoSetting(200, False)
    assert echo_setting("auto", 200, True, Browser(), RATE, 1) == EchoSetting()
    assert echo_setting("auto", 200, False, object(), RATE, 1) == EchoSetting()
    assert echo_setting("auto", 200, False, Mic(), RATE, 2) == EchoSetting()
    assert echo_setting("on", 120, True, object(), 8000, 1) == EchoSetting(120, True)
    assert echo_setting("off", 200, False, Mic(), RATE, 1) == EchoSetting()
    with pytest.raises(ConfigError, match="mono"):
        echo_setting("on", 200, False, Mic(), RATE, 2)
    with pytest.raises(ConfigError, match="echo_cancellation"):
        VonaRuntime(echo_cancellation="maybe")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="echo_filter_ms"):
        VonaRuntime(echo_filter_ms=5)
    with pytest.raises(ConfigError, match="echo_cancel_ms"):
        StepLoop(RATE, RATE, 320, echo_cancel_ms=5)
    with pytest.raises(ConfigError, match="mono"):
        StepLoop(RATE, RATE, 320, channels=2, echo_cancel_ms=200)
    with pytest.raises(ConfigError, match="12000 Hz"):
        StepLoop(12000, 12000, 240, echo_cancel_ms=200)


def test_echo_of_matches_the_room() -> None:
    """The streaming room used here and vona.testing.echo.echo_of are the same path."""
    far = speech("speech_hello", rate=RATE)
    room = Room(RATE)
    streamed = np.concatenate(
        [
            room.hear(far[k : k + TICK], np.zeros(TICK, np.int16))
            for k in range(0, len(far) - TICK + 1, TICK)
        ]
    )
    np.testing.assert_array_equal(streamed, echo_of(far, RATE)[: len(streamed)])


def test_an_8khz_call_into_a_16khz_backend() -> None:
    """A telephone-rate transport: the canceller runs at 8 kHz, before the loop resamples
    the input up to the backend's 16 kHz; the backend's 16 kHz reply is the reference
    once resampled down and played."""
    rate = 8000
    tick = rate // 50
    loop = StepLoop(rate, RATE, 512, echo_cancel_ms=200)
    assert loop.echo_cancelling
    reply = speech(*REPLIES, *REPLIES, rate=RATE)[: 6 * RATE]
    loop.push_output(reply)
    room = Room(rate)
    mic_all, frames = [], []
    for _ in range(0, 6 * rate, tick):
        played = loop.pull_playout(tick)
        played = np.concatenate([played, np.zeros(tick - len(played), np.int16)])
        mic = room.hear(played, np.zeros(tick, np.int16))
        mic_all.append(mic)
        frames += loop.push_input(mic)
    mic8 = np.concatenate(mic_all).astype(np.float64)
    out16 = np.concatenate(frames).astype(np.float64)
    # mean power after the filter has converged, each at its own rate
    p_in = np.mean(mic8[2 * rate :] ** 2)
    p_out = np.mean(out16[2 * RATE :] ** 2)
    assert 10 * np.log10(p_in / (p_out + 1e-9)) > 12.0


@pytest.mark.parametrize("virtual", [True, False], ids=["virtual-clock", "real-clock"])
def test_filler_is_the_echo_reference_too(virtual: bool) -> None:
    """Filler audio (played while a tool runs, around the playout ring) is fed to the
    canceller as reference like the reply: its echo does not reach the backend."""
    from vona.skills import SkillRegistry
    from vona.testing import MockBackend, MockToolCall, MockTurn

    skills = SkillRegistry()

    @skills.skill(description="A slow tool")
    async def slow(city: str) -> str:
        await asyncio.sleep(4.0)
        return city

    filler = speech("speech_hello", rate=RATE)
    turn = MockTurn(
        at_ms=200,
        reply_ms=0,
        tool_calls=(MockToolCall("slow", {"city": "Oslo"}),),
        after_tool_ms=100,
    )
    backend = MockBackend([turn])
    heard: list[np.ndarray] = []
    step = backend.step

    async def spy(session: object, frame: AudioInputFrame) -> BackendStep:
        heard.append(frame.samples.copy())
        return await step(session, frame)  # type: ignore[arg-type]

    backend.step = spy  # type: ignore[method-assign]
    runtime = VonaRuntime(filler_audio=filler, filler_after_ms=0)
    silent_user = np.zeros(5 * RATE, np.int16)
    if virtual:
        clock = VirtualClock()
        transport = RoomTransport(silent_user, RATE, clock)
        coro = run_session(transport, backend, runtime=runtime, skills=skills, clock=clock)
        m = run_virtual(coro, clock=clock)
    else:
        transport = RoomTransport(silent_user, RATE)
        m = asyncio.run(run_session(transport, backend, runtime=runtime, skills=skills))
    assert m.error is None
    assert m.filler_frames_out > 100  # the filler played for seconds
    span = slice(RATE // 2, 4 * RATE)  # filler only, the first reply of this session
    mic, got = transport.heard[span], np.concatenate(heard)[span]
    assert np.sqrt(np.mean(mic.astype(np.float64) ** 2)) > 300  # its echo was loud
    assert erle_db(mic, got) > 20.0
