"""The page in Debian's headless Chromium, driven by Playwright (the system browser: no
browser download), with a fake microphone playing a question spoken by the fixture voice,
against the real offline cascade: the transcript panel shows the question and the answer,
reply audio plays, and a barge-in mid-reply clears playback. Mouth-to-ear is measured as
the page sees it (last loud microphone frame to first reply sample played) and split into
the server's model time and the rest (transport, runtime, buffering).

``VONA_BROWSER_TURNS`` (default 2) sets how many turns the latency test waits for;
``VONA_SAVE_SCREENSHOT=1`` writes the screenshot to docs/images/serve.png.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vona.backends.cascade.local import build_local_cascade
from vona.backends.cascade.skills import demo_skills
from vona.backends.cascade.wer import word_error_rate
from vona.frames import AudioInputFrame
from vona.serve import VonaServer
from vona.transports.websocket import WebSocketTransport

QUESTION = "What is the weather in Paris today?"
ANSWER = "Right now in Paris it is sunny and 21 degrees."
CHROMIUM = shutil.which("chromium")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "serve.png"

# make installs chromium on Linux: missing there is a failure, not a skip
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and sys.platform != "linux",
    reason="needs a system chromium (make installs Debian's on Linux)",
)


class MeasuredTransport(WebSocketTransport):
    """Notes when loud input (the page's speech threshold) reaches the server."""

    loud_ns: list[int] = []  # noqa: RUF012  (shared by the sessions of one test)

    async def recv(self) -> AudioInputFrame | None:
        frame = await super().recv()
        if frame is not None:
            rms = float(np.sqrt(np.mean(frame.samples.astype(np.float64) ** 2)))
            if rms > 0.01 * 32768:
                MeasuredTransport.loud_ns.append(time.monotonic_ns())
        return frame


class Sessions:
    """The cascade sessions the server started (their turn records hold model times)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.sessions: list[Any] = []
        self._start = backend.start_session

    async def start_session(self, config: Any) -> Any:
        session = await self._start(config)
        self.sessions.append(session)
        return session

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


@pytest.fixture(scope="module")
def cascade(model_cache, whisper, hibari) -> Any:
    return build_local_cascade(cache_dir=model_cache, stt=whisper, tts=hibari, vad="silero-vad")


@pytest.fixture
async def server(cascade) -> AsyncIterator[tuple[VonaServer, Sessions]]:
    tracked = Sessions(cascade)
    MeasuredTransport.loud_ns = []
    server = VonaServer(
        tracked,  # type: ignore[arg-type]
        skills_factory=demo_skills,
        transport_class=MeasuredTransport,
    )
    await server.start("127.0.0.1", 0)
    try:
        yield server, tracked
    finally:
        await server.stop()


def question_wav(path: Path, hibari: Any, client: Any, lead_s: float, gap_s: float) -> Path:
    """The fake microphone's file (Chromium loops it): silence, the question, silence."""
    speech = client.pcm16(client.to_16k(hibari.synthesize(QUESTION), hibari.sample_rate_hz))
    pcm = np.concatenate([np.zeros(int(16000 * lead_s), np.int16), speech,
                          np.zeros(int(16000 * gap_s), np.int16)])  # fmt: skip
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.astype("<i2").tobytes())
    return path


async def open_page(playwright: Any, wav: Path, port: int) -> tuple[Any, Any]:
    browser = await playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
            "--autoplay-policy=no-user-gesture-required",
            "--no-sandbox",
        ],
    )
    page = await browser.new_page(viewport={"width": 1000, "height": 640})
    await page.goto(f"http://127.0.0.1:{port}/")
    await page.click("#talk")
    return browser, page


async def test_page_hears_a_question_shows_both_transcripts_and_plays_the_answer(
    server, hibari, client, tmp_path
):
    from playwright.async_api import async_playwright

    srv, tracked = server
    turns = int(os.environ.get("VONA_BROWSER_TURNS", "2"))
    wav = question_wav(tmp_path / "question.wav", hibari, client, lead_s=1.0, gap_s=9.0)
    async with async_playwright() as pw:
        browser, page = await open_page(pw, wav, srv.port)
        try:
            await page.wait_for_function(
                """() => {
                    const t = window.vona.transcript;
                    return t.some(e => e.role === "user" && e.final)
                        && t.some(e => e.role === "assistant" && e.final)
                        && window.vona.playedSamples > 16000 && window.vona.turns.length > 0;
                }""",
                timeout=90_000,
            )
            shot = SCREENSHOT if os.environ.get("VONA_SAVE_SCREENSHOT") else tmp_path / "serve.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(shot))
            state = await page.evaluate(
                "() => ({state: window.vona.state, error: window.vona.error,"
                " transcript: window.vona.transcript.map(e => [e.role, e.text, e.final]),"
                " panel: document.getElementById('transcript').innerText})"
            )
            await page.wait_for_function(
                f"() => window.vona.turns.length >= {turns}", timeout=turns * 20_000
            )
            measured = await page.evaluate("() => window.vona.turns.map(t => t.mouthToEarMs)")
        finally:
            await browser.close()
    assert state["state"] == "connected"
    assert state["error"] is None
    user = [t for r, t, f in state["transcript"] if r == "user" and f]
    assistant = [t for r, t, f in state["transcript"] if r == "assistant" and f]
    assert word_error_rate(QUESTION, user[0]) <= 0.1, state
    assert assistant[0].startswith(ANSWER), state
    assert user[0] in state["panel"]
    assert ANSWER in state["panel"]
    # Mouth-to-ear as the page measures it, split with the server's clock into the end of
    # speech wait (the last loud frame's arrival to the VAD's end of turn), the models
    # (end of turn to the first reply audio: STT, responder and tool, TTS) and the rest
    # (capture, both network hops, the runtime, the jitter buffer).
    assert all(m > 0 for m in measured), measured
    loud = MeasuredTransport.loud_ns
    endpoint_ms, model_ms = [], []
    for session in tracked.sessions:
        for t in session.turns:
            before = [x for x in loud if x <= t.speech_end_ns]
            if t.first_audio_ns and before:
                endpoint_ms.append((t.speech_end_ns - before[-1]) / 1e6)
                model_ms.append((t.first_audio_ns - t.speech_end_ns) / 1e6)
    assert model_ms, "no turn reached reply audio on the server"
    p50 = statistics.median(measured[:turns])
    endpoint, models = statistics.median(endpoint_ms), statistics.median(model_ms)
    print(
        f"\nmouth-to-ear p50 over {len(measured[:turns])} turns: {p50:.0f} ms = end-of-speech "
        f"wait {endpoint:.0f} ms + models {models:.0f} ms + transport/runtime/buffering "
        f"{p50 - endpoint - models:.0f} ms"
    )


async def test_barge_in_mid_reply_clears_the_page_playback(server, hibari, client, tmp_path):
    """The user asks, mutes while the answer comes, and unmutes mid-answer: the fake
    microphone (the question, looping) talks over the reply, which the page drops."""
    from playwright.async_api import async_playwright

    srv, _ = server
    wav = question_wav(tmp_path / "again.wav", hibari, client, lead_s=0.3, gap_s=1.5)
    async with async_playwright() as pw:
        browser, page = await open_page(pw, wav, srv.port)
        try:
            # Mute in the gap after the first question, so that turn ends.
            await page.wait_for_function(
                "() => window.vona.lastLoudT > 0"
                " && window.vona.now() - window.vona.lastLoudT > 0.3",
                timeout=30_000,
            )
            await page.click("#mute")
            await page.wait_for_function("() => window.vona.playedSamples > 8000", timeout=90_000)
            await page.click("#mute")  # unmute: the looping question talks over the answer
            await page.wait_for_function("() => window.vona.cleared.length > 0", timeout=30_000)
            state = await page.evaluate(
                "() => ({clears: window.vona.clears, cleared: window.vona.cleared,"
                " turns: window.vona.turns.length,"
                " interrupted: document.querySelectorAll('#transcript li.cleared').length})"
            )
        finally:
            await browser.close()
    assert state["clears"] >= 1
    first = state["cleared"][0]
    assert first["played"] > 8000  # the answer was playing when the user barged in
    assert state["interrupted"] >= 1  # the panel marks the cut answer
