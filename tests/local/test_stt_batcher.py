"""SttBatcher with scripted engines on the virtual clock: a lone request starts at once,
requests that arrive during a call go together in the next one (batched or one by one),
cancelled waiters drop out without hurting the others, engine errors reach their waiters.
And one real-clock run: streams of a LocalStreamingStt transcribing at the same moment."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import numpy as np
import pytest

from vona.backends.cascade.local_stt import LocalStreamingStt
from vona.backends.cascade.protocols import BatchSpeechToText, SpeechToText
from vona.backends.cascade.streaming import SttEndOfTurn
from vona.backends.cascade.stt_batcher import SttBatcher
from vona.errors import BackendError, ConfigError
from vona.testing import VirtualClock, run_virtual

RATE = 16_000


def tone(n: int) -> np.ndarray:
    """Audio whose length encodes its identity (the scripted engines read it back)."""
    return np.full(n, 0.1, dtype=np.float32)


class InstantStt:
    """Transcribes at once: the text is the sample count."""

    sample_rate_hz = RATE

    def transcribe(self, audio: np.ndarray) -> str:
        return str(audio.shape[0])


class GatedStt:
    """Transcribes an utterance as its length; each call waits for the test to open its
    gate, and records what it was given (lengths per call)."""

    sample_rate_hz = RATE

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[list[int]] = []
        self.entered = threading.Semaphore(0)
        self.gate = threading.Semaphore(0)
        self.fail_on = fail_on

    def _one(self, audio: np.ndarray) -> str:
        if audio.shape[0] == self.fail_on:
            raise BackendError(f"cannot transcribe {audio.shape[0]}")
        return str(audio.shape[0])

    def _enter(self, lengths: list[int]) -> None:
        self.calls.append(lengths)
        self.entered.release()
        assert self.gate.acquire(timeout=30)

    def transcribe(self, audio: np.ndarray) -> str:
        self._enter([audio.shape[0]])
        return self._one(audio)


class GatedBatchStt(GatedStt):
    max_batch_size = 3
    max_batch_samples = 1000

    def transcribe_batch(self, audios: Sequence[np.ndarray]) -> list[str]:
        self._enter([a.shape[0] for a in audios])
        if any(a.shape[0] == self.fail_on for a in audios):
            raise BackendError("the batch failed")
        return [str(a.shape[0]) for a in audios]


def test_protocols() -> None:
    assert isinstance(GatedBatchStt(), BatchSpeechToText)
    assert isinstance(GatedStt(), SpeechToText)
    assert not isinstance(GatedStt(), BatchSpeechToText)
    with pytest.raises(ConfigError, match="max_batch"):
        SttBatcher(GatedStt(), max_batch=0)
    assert SttBatcher(GatedBatchStt(), max_batch=8).max_batch == 3  # the engine's cap


async def _entered(stt: GatedStt) -> None:
    # The engine runs in a worker thread; wait for it without blocking the loop.
    assert await asyncio.get_running_loop().run_in_executor(None, stt.entered.acquire, True, 30)


def test_lone_request_starts_at_once() -> None:
    clock = VirtualClock()
    stt = GatedBatchStt()
    batcher = SttBatcher(stt)

    async def main() -> tuple[str, list[list[int]], int]:
        t0 = clock.now_ns()
        task = asyncio.get_running_loop().create_task(batcher.transcribe(tone(100)))
        await asyncio.sleep(0)  # the task runs up to its first wait
        # The engine was entered without the loop turning again or the clock moving.
        assert stt.entered.acquire(timeout=30)
        entered_ns = clock.now_ns()
        stt.gate.release()
        return await task, list(stt.calls), entered_ns - t0

    text, calls, waited = run_virtual(main(), clock=clock)
    assert (text, calls, waited) == ("100", [[100]], 0)


@pytest.mark.parametrize("engine", [GatedBatchStt, GatedStt])
def test_requests_during_a_call_go_together(engine: type[GatedStt]) -> None:
    stt = engine()
    batcher = SttBatcher(stt)

    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        first = loop.create_task(batcher.transcribe(tone(1)))
        await _entered(stt)
        rest = [loop.create_task(batcher.transcribe(tone(n))) for n in (2, 3, 4, 5)]
        await asyncio.sleep(0)
        for _ in range(6):
            stt.gate.release()
        return await asyncio.gather(first, *rest)

    assert run_virtual(main()) == ["1", "2", "3", "4", "5"]
    if engine is GatedBatchStt:  # batched, 3 at most per call
        assert stt.calls == [[1], [2, 3, 4], [5]]
        assert (batcher.calls, batcher.batched) == (3, 3)
    else:  # one by one, in arrival order
        assert stt.calls == [[1], [2], [3], [4], [5]]
        assert (batcher.calls, batcher.batched) == (5, 0)


def test_long_utterances_leave_the_batch() -> None:
    stt = GatedBatchStt()
    batcher = SttBatcher(stt)

    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        first = loop.create_task(batcher.transcribe(tone(1)))
        await _entered(stt)
        rest = [loop.create_task(batcher.transcribe(tone(n))) for n in (2, 5000, 3)]
        await asyncio.sleep(0)
        for _ in range(4):
            stt.gate.release()
        return await asyncio.gather(first, *rest)

    assert run_virtual(main()) == ["1", "2", "5000", "3"]
    assert stt.calls == [[1], [2, 3], [5000]]


def test_cancelled_waiters_do_not_break_the_others() -> None:
    stt = GatedBatchStt()
    batcher = SttBatcher(stt)

    async def main() -> tuple[list[str], bool, bool]:
        loop = asyncio.get_running_loop()
        first = loop.create_task(batcher.transcribe(tone(1)))
        await _entered(stt)
        queued = [loop.create_task(batcher.transcribe(tone(n))) for n in (2, 3, 4)]
        await asyncio.sleep(0)
        queued[1].cancel()  # cancelled while queued: its audio is never transcribed
        first.cancel()  # cancelled during its call: the result is discarded
        await asyncio.sleep(0)
        for _ in range(2):
            stt.gate.release()
        texts = [await queued[0], await queued[2]]
        # The batcher still serves a new request afterwards.
        after = loop.create_task(batcher.transcribe(tone(7)))
        await _entered(stt)
        stt.gate.release()
        texts.append(await after)
        return texts, first.cancelled(), queued[1].cancelled()

    texts, first_cancelled, queued_cancelled = run_virtual(main())
    assert texts == ["2", "4", "7"]
    assert first_cancelled
    assert queued_cancelled
    assert stt.calls == [[1], [2, 4], [7]]


@pytest.mark.parametrize("engine", [GatedBatchStt, GatedStt])
def test_errors_reach_their_waiters(engine: type[GatedStt]) -> None:
    stt = engine(fail_on=3)
    batcher = SttBatcher(stt)

    async def main() -> list[str | BaseException]:
        loop = asyncio.get_running_loop()
        first = loop.create_task(batcher.transcribe(tone(3)))
        await _entered(stt)
        rest = [loop.create_task(batcher.transcribe(tone(n))) for n in (2, 3, 4)]
        await asyncio.sleep(0)
        for _ in range(8):
            stt.gate.release()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    results = run_virtual(main())
    assert [r if isinstance(r, str) else type(r) for r in results] == [
        BackendError,
        "2",
        BackendError,
        "4",
    ]
    assert "cannot transcribe 3" in str(results[0])
    if engine is GatedBatchStt:  # the failed batch was retried one by one
        assert stt.calls == [[3], [2, 3, 4], [2], [3], [4]]


def test_blocking_callers_share_the_queue() -> None:
    batcher = SttBatcher(InstantStt())
    assert batcher.transcribe_blocking(tone(9)) == "9"

    async def main() -> str:
        return await batcher.transcribe(tone(10))

    assert run_virtual(main()) == "10"  # the worker went idle after the blocking call


class SlowLengthStt:
    """Real time: each call sleeps a little (the GIL is free, like a native engine), then
    answers the utterance's duration in tenths of a second; records its batches."""

    sample_rate_hz = RATE
    max_batch_size = 8
    max_batch_samples = 30 * RATE

    def __init__(self) -> None:
        self.batches: list[int] = []

    def transcribe(self, audio: np.ndarray) -> str:
        return self.transcribe_batch([audio])[0]

    def transcribe_batch(self, audios: Sequence[np.ndarray]) -> list[str]:
        import time

        self.batches.append(len(audios))
        time.sleep(0.2)
        return [f"tenths {round(a.shape[0] * 10 / RATE)}" for a in audios]


def test_concurrent_streams_real_clock() -> None:
    """Four streams end their turns at the same moment; each gets its own transcript and
    the engine saw at least one batch of several utterances."""
    stt = SlowLengthStt()
    engine = LocalStreamingStt(stt, stt_batch_size=8)

    def speech(seconds: float) -> np.ndarray:
        t = np.arange(int(seconds * RATE)) / RATE
        voice = (8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
        return np.concatenate([np.zeros(RATE // 2, np.int16), voice, np.zeros(RATE, np.int16)])

    async def one(seconds: float) -> list[str]:
        stream = await engine.open()
        audio = speech(seconds)
        for i in range(0, audio.shape[0], 320):
            await stream.push(audio[i : i + 320])
        await stream.finalize()
        await stream.settle()
        await stream.close()
        return [e.transcript async for e in stream.events() if isinstance(e, SttEndOfTurn)]

    async def main() -> list[list[str]]:
        return await asyncio.gather(*(one(s) for s in (1.0, 1.5, 2.0, 2.5)))

    results = asyncio.run(main())
    for seconds, texts in zip((1.0, 1.5, 2.0, 2.5), results, strict=True):
        assert texts, f"no end of turn for the {seconds} s stream"
        # The VAD's pad widens the turn a little; the transcript is this stream's own.
        tenths = int(texts[-1].split()[1])
        assert abs(tenths - seconds * 10) <= 4, (seconds, texts)
    assert max(stt.batches) >= 2, stt.batches


def test_no_worker_thread_fails_instead_of_hanging() -> None:
    """A loop whose executor is gone: the request fails, and the next one still runs."""

    batcher = SttBatcher(InstantStt())

    async def main() -> None:
        await asyncio.get_running_loop().shutdown_default_executor()
        with pytest.raises(RuntimeError):
            await batcher.transcribe(tone(4))

    run_virtual(main())
    assert batcher.transcribe_blocking(tone(5)) == "5"
