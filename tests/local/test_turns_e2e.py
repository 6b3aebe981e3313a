"""Turn-taking on the real offline models (Hibari speaks, Silero hears, faster-whisper
transcribes): a question with a pause in it is one turn, an 8 kHz call goes through the
whole loop, and ``vona run --realtime --timeline`` puts question and reply on one clock."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from vona.backends.cascade.drive import drive_audio
from vona.backends.cascade.events import TranscriptUpdate
from vona.backends.cascade.skills import demo_skills
from vona.backends.cascade.wer import word_error_rate
from vona.cli.run import run_main
from vona.config import SessionConfig
from vona.driver import run_session
from vona.transports.scripted import ScriptedTransport
from vona.wavio import read_wav, resample_int16, write_wav

QUESTION = "What is the weather in Paris today?"


def _pcm(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16)


@pytest.fixture(scope="module")
def halves(hibari: Any) -> tuple[np.ndarray, np.ndarray]:
    """The question's two halves, spoken separately (16 kHz int16)."""
    from tests.local.conftest import to_16k

    rate = hibari.sample_rate_hz
    first = _pcm(to_16k(hibari.synthesize("What is the weather"), rate))
    second = _pcm(to_16k(hibari.synthesize("in Paris today?"), rate))
    return first, second


@pytest.fixture(scope="module")
def backend(model_cache, whisper, hibari) -> Any:
    from vona import build_local_cascade

    return build_local_cascade(cache_dir=model_cache, stt=whisper, tts=hibari, vad="silero-vad")


@pytest.mark.parametrize("pause_s", [0.4, 0.8])
async def test_a_question_with_a_pause_is_one_turn_answered_in_full(backend, halves, pause_s):
    first, second = halves
    gap = np.zeros(int(pause_s * 16_000), np.int16)
    audio = np.concatenate([np.zeros(8000, np.int16), first, gap, second])
    skills = demo_skills()
    session = await backend.start_session(SessionConfig(tools=skills.tool_specs()))
    result = await drive_audio(backend, session, audio, skills=skills)
    [turn] = session.turns
    assert word_error_rate(QUESTION, turn.transcript) <= 0.2, turn.transcript
    assert [c["arguments"] for c in turn.tool_calls] == [{"city": "Paris"}]
    assert turn.reply.startswith("Right now in Paris it is sunny")
    users = [e.text for _, e in result.events if isinstance(e, TranscriptUpdate) and e.final]
    assert users[0] == turn.transcript
    await backend.end_session(session)


async def test_an_8khz_call_goes_through_the_whole_loop(backend, question_16k):
    audio8k = resample_int16(_pcm(question_16k), 16_000, 8_000)
    # A call keeps sending audio (silence) while the reply is prepared and played.
    audio8k = np.concatenate([np.zeros(4000, np.int16), audio8k, np.zeros(80_000, np.int16)])
    transport = ScriptedTransport(audio8k, 8_000, hold_open_ms=1000)
    skills = demo_skills()
    config = SessionConfig(tools=skills.tool_specs())
    metrics = await run_session(transport, backend, skills=skills, config=config, raise_errors=True)
    data = metrics.to_dict()
    assert [c["name"] for c in data["tool_calls"]] == ["get_weather"]
    played = transport.output_audio()
    assert played.shape[0] > 8_000  # more than a second of reply, at the call's rate


def test_vona_run_realtime_writes_a_timeline(model_cache, question_16k, tmp_path, capsys):
    question = np.concatenate([np.zeros(8000, np.int16), _pcm(question_16k)])
    write_wav(tmp_path / "q.wav", question, 16_000)
    argv = ["--input", str(tmp_path / "q.wav"), "--output", str(tmp_path / "a.wav")]
    argv += ["--timeline", str(tmp_path / "t.wav"), "--realtime", "--json"]
    argv += ["--cache-dir", str(model_cache)]
    assert run_main(argv) == 0
    reply, reply_rate, _ = read_wav(tmp_path / "a.wav")
    timeline, rate, channels = read_wav(tmp_path / "t.wav")
    assert (rate, channels) == (reply_rate, 2)
    left, right = timeline.reshape(-1, 2).T
    # Left: the question as received, from the start; right: the whole reply, after it.
    loud = np.flatnonzero(np.abs(left) > 1000)
    assert loud[0] >= rate * 0.4
    last_word = loud[-1]
    first_reply = np.flatnonzero(right)[0]
    assert first_reply > last_word
    assert np.count_nonzero(right) >= 0.9 * np.count_nonzero(reply)
