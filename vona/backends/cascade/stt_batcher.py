"""One speech-to-text engine shared by many streams: calls never overlap, and requests that
pile up while a call runs go together in the next one.

A request that finds the engine idle starts at once, in a worker thread (no added wait to
gather a batch). Requests that arrive while a call is in flight queue up; when the call
returns, the worker takes all of them (up to the engine's batch size) in one
``transcribe_batch`` call when the engine is a ``BatchSpeechToText``, or one by one
otherwise. Each request has its own future: a waiter that is cancelled drops out (before
its call starts, its audio is not transcribed; during it, the result is discarded) and the
others are unaffected. An engine error reaches the waiters of the call that raised it; a
failed batch is retried one by one, so each waiter gets its own utterance's result or error.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections import deque

from vona.backends.cascade.protocols import BatchSpeechToText, Float32Array, SpeechToText
from vona.errors import BackendError, ConfigError

__all__ = ["SttBatcher"]

_Request = tuple[Float32Array, concurrent.futures.Future[str]]


class SttBatcher:
    """Serialises and batches calls to ``stt`` (audio at ``stt.sample_rate_hz``).

    ``max_batch`` caps a batch (the engine's ``max_batch_size`` caps it too); ``calls``
    counts engine calls and ``batched`` the utterances that went in a batch of two or more.
    """

    def __init__(self, stt: SpeechToText, *, max_batch: int = 8) -> None:
        if max_batch < 1:
            raise ConfigError(f"max_batch must be >= 1, got {max_batch}")
        self.stt = stt
        self._batch_stt = stt if isinstance(stt, BatchSpeechToText) else None
        self.max_batch = (
            min(max_batch, self._batch_stt.max_batch_size) if self._batch_stt else max_batch
        )
        self._lock = threading.Lock()
        self._pending: deque[_Request] = deque()
        self._busy = False
        self.calls = 0
        self.batched = 0

    @property
    def sample_rate_hz(self) -> int:
        return self.stt.sample_rate_hz

    async def transcribe(self, audio: Float32Array) -> str:
        """The engine's transcript of ``audio``; the event loop never blocks on it."""
        future, lead = self._submit(audio)
        if lead:
            # The first request of an idle engine starts the worker now.
            try:
                asyncio.get_running_loop().run_in_executor(None, self._drain)
            except BaseException as exc:  # no executor (a loop shutting down): fail, not hang
                self._fail_all(exc)
                raise
        return await asyncio.wrap_future(future)

    def transcribe_blocking(self, audio: Float32Array) -> str:
        """``transcribe`` for a caller that may block (a worker thread, a warm-up)."""
        future, lead = self._submit(audio)
        if lead:
            self._drain()
        return future.result()

    def _submit(self, audio: Float32Array) -> tuple[concurrent.futures.Future[str], bool]:
        future: concurrent.futures.Future[str] = concurrent.futures.Future()
        with self._lock:
            self._pending.append((audio, future))
            lead = not self._busy
            self._busy = True
        return future, lead

    def _take(self) -> list[_Request]:
        """The next batch (requests cancelled while queued are dropped here)."""
        batch: list[_Request] = []
        with self._lock:
            while self._pending and len(batch) < self.max_batch:
                request = self._pending.popleft()
                if request[1].set_running_or_notify_cancel():
                    batch.append(request)
            if not batch:
                self._busy = False
        return batch

    def _drain(self) -> None:
        """The worker: run batches until nothing is queued."""
        while batch := self._take():
            try:
                self._run(batch)
            except BaseException as exc:  # a KeyboardInterrupt: fail all, then re-raise
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                self._fail_all(exc)
                raise

    def _fail_all(self, exc: BaseException) -> None:
        with self._lock:
            requests, self._busy = list(self._pending), False
            self._pending.clear()
        for _, future in requests:
            if future.set_running_or_notify_cancel():
                future.set_exception(exc)

    def _run(self, batch: list[_Request]) -> None:
        engine = self._batch_stt
        if engine is not None and len(batch) > 1:
            limit = engine.max_batch_samples
            together = [r for r in batch if r[0].shape[0] <= limit]
            alone = [r for r in batch if r[0].shape[0] > limit]
            if len(together) > 1:
                self.calls += 1
                try:
                    texts = engine.transcribe_batch([audio for audio, _ in together])
                    if len(texts) != len(together):
                        raise BackendError(
                            f"transcribe_batch returned {len(texts)} texts for "
                            f"{len(together)} utterances"
                        )
                except Exception:
                    alone = batch  # retried one by one: each waiter gets its own error
                else:
                    self.batched += len(together)
                    for (_, future), text in zip(together, texts, strict=True):
                        future.set_result(text)
            else:
                alone = batch
            batch = alone
        for audio, future in batch:
            self.calls += 1
            try:
                text = self.stt.transcribe(audio)
            except Exception as exc:
                future.set_exception(exc)
            else:
                future.set_result(text)
