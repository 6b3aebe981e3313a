"""faster-whisper's batch entry on the real model: N utterances in one call give the texts
of N single calls; bad batches raise named errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from vona.backends.cascade.protocols import BatchSpeechToText
from vona.errors import AudioFormatError, ConfigError
from vona.testing.echo import speech

CLIPS = ("speech_hello", "speech_interrupt", "speech_weather_question")


def _f32(pcm: np.ndarray) -> np.ndarray:
    return pcm.astype(np.float32) / 32768.0


@pytest.fixture(scope="module")
def utterances(question_16k: np.ndarray) -> list[np.ndarray]:
    clips = [_f32(speech(name)) for name in CLIPS]
    noise = np.random.default_rng(3).normal(0, 0.02, 16_000).astype(np.float32)
    return [*clips, question_16k, noise, np.zeros(8_000, np.float32)]


@pytest.mark.parametrize("batch_encoder", [False, True])
def test_batch_equals_single_calls(
    whisper: Any, utterances: list[np.ndarray], monkeypatch: pytest.MonkeyPatch, batch_encoder: bool
) -> None:
    assert isinstance(whisper, BatchSpeechToText)
    monkeypatch.setattr(whisper, "batch_encoder", batch_encoder)
    singles = [whisper.transcribe(a) for a in utterances]
    assert "weather" in singles[2].lower()
    assert "paris" in singles[3].lower()
    fallbacks: list[int] = []
    single = whisper.transcribe

    def counted(audio: np.ndarray) -> str:
        fallbacks.append(audio.shape[0])
        return str(single(audio))

    monkeypatch.setattr(whisper, "transcribe", counted)
    assert whisper.transcribe_batch(utterances) == singles
    # The speech went through the batch itself, not the single path.
    spoken = {a.shape[0] for a in utterances[:4]}
    assert not spoken & set(fallbacks), fallbacks
    # Order is kept whatever the mix, and an empty utterance is "" as in transcribe.
    mixed = [utterances[3], np.zeros(0, np.float32), utterances[0]]
    assert whisper.transcribe_batch(mixed) == [singles[3], "", singles[0]]


def test_a_full_window_fits(whisper: Any, utterances: list[np.ndarray]) -> None:
    window = whisper.max_batch_samples
    long = np.zeros(window, np.float32)
    long[: utterances[0].shape[0]] = utterances[0]
    assert whisper.transcribe_batch([long, utterances[1]]) == [
        whisper.transcribe(long),
        whisper.transcribe(utterances[1]),
    ]


def test_bad_batches_are_named(whisper: Any, utterances: list[np.ndarray]) -> None:
    with pytest.raises(ConfigError, match="audios"):
        whisper.transcribe_batch([])
    with pytest.raises(ConfigError, match="audios"):
        whisper.transcribe_batch([utterances[0]] * (whisper.max_batch_size + 1))
    too_long = np.zeros(whisper.max_batch_samples + 1, np.float32)
    with pytest.raises(AudioFormatError, match=r"audios\[1\].*window"):
        whisper.transcribe_batch([utterances[0], too_long])
    with pytest.raises(AudioFormatError, match=r"audios\[0\].*float32"):
        whisper.transcribe_batch([utterances[0].astype(np.float64)])
    with pytest.raises(AudioFormatError, match=r"audios\[0\].*1-D"):
        whisper.transcribe_batch([np.zeros((2, 100), np.float32)])


def test_streams_sharing_whisper_real_clock(whisper: Any) -> None:
    """Three sessions end their turns at the same moment on one real Whisper: the engine
    batches what piles up, and each session gets its own words."""
    import asyncio

    from vona.backends.cascade.local_stt import LocalStreamingStt
    from vona.backends.cascade.streaming import SttEndOfTurn

    engine = LocalStreamingStt(whisper, stt_batch_size=8)
    keys = {"speech_hello": "hear", "speech_interrupt": "time", "speech_weather_question": "paris"}

    async def one(name: str) -> str:
        stream = await engine.open()
        audio = np.concatenate([speech(name), np.zeros(16_000, np.int16)])
        for i in range(0, audio.shape[0], 320):
            await stream.push(audio[i : i + 320])
        await stream.finalize()
        await stream.close()
        ends = [e.transcript async for e in stream.events() if isinstance(e, SttEndOfTurn)]
        return " ".join(ends).lower()

    async def main() -> list[str]:
        return await asyncio.gather(*(one(name) for name in keys))

    texts = asyncio.run(main())
    for (name, key), text in zip(keys.items(), texts, strict=True):
        assert key in text, (name, text)
        assert all(k not in text for k in keys.values() if k != key), (name, text)
    assert engine.batcher.batched >= 2
