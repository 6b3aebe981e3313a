"""A loopback fake of Deepgram's websockets: listen v1, Flux v2 and Aura speak.

Listen v1 (``/v1/listen``): speech is any audio louder than silence (silence is ignored).
The first speech of a turn gets ``SpeechStarted``; after ``trigger_ms`` of speech the fake
plays the next transcript (the rest of that stretch of speech, up to a silent chunk, makes
no new turn) of ``transcripts`` as an interim ``Results``, a final
``Results`` with ``speech_final`` and ``UtteranceEnd``; ``Finalize`` answers with ``from_finalize``,
``CloseStream`` with ``Metadata`` and close 1000.

Flux (``/v2/listen``): ``Connected``, then per ``trigger_ms`` of speech ``StartOfTurn``, ``Update``,
``EagerEndOfTurn`` and ``EndOfTurn``; with ``flux_resume`` the first eager end is
followed by ``TurnResumed`` (``flux_resume_after_s`` later) and the turn only ends after
``trigger_ms`` more audio.

Aura (``/v1/speak``): each ``Flush`` speaks the text buffered by ``Speak`` as binary
linear16 (``ms_per_char`` of audio per character, in ``chunk_ms`` frames spaced by
``chunk_delay_s``) then ``Flushed``; ``Clear`` drops what is pending and answers
``Cleared``; ``Close`` closes.

A wrong ``Authorization: Token`` is refused with HTTP 401; ``status`` refuses every
handshake with that HTTP status; ``drop_after_turns`` closes listen sockets once with 1011
after that many turns (a dropped socket).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import numpy as np
from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response

from vona.testing.loopback import LoopbackFake, reply_pcm

__all__ = ["DeepgramFake"]

_REQ = "5b1c2d3e-0000-4000-8000-000000000001"
_META = {
    "request_id": _REQ,
    "model_info": {"name": "general-nova-3", "version": "2025-01-01.0", "arch": "nova-3"},
    "model_uuid": "40bd3654-0000-4000-8000-000000000002",
}


class DeepgramFake(LoopbackFake):
    """The fake server; see the module docstring."""

    provider = "deepgram"

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        transcripts: list[str] | None = None,
        trigger_ms: int = 200,
        flux_resume: bool = False,
        flux_resume_after_s: float = 0.05,
        ms_per_char: int = 10,
        chunk_ms: int = 40,
        chunk_delay_s: float = 0.0,
        status: int | None = None,
        drop_after_turns: int | None = None,
    ) -> None:
        super().__init__(api_key=api_key, compression=None)
        self.transcripts = list(transcripts or ["what's the weather in paris"])
        self.trigger_ms = trigger_ms
        self.flux_resume = flux_resume
        self.flux_resume_after_s = flux_resume_after_s
        self.ms_per_char = ms_per_char
        self.chunk_ms = chunk_ms
        self.chunk_delay_s = chunk_delay_s
        self.status = status
        self.drop_after_turns = drop_after_turns
        self.audio_bytes = 0
        self.spoken: list[str] = []  # texts flushed to Aura
        self.cleared = 0

    def check_request(self, path: str, query: dict[str, str], headers: Headers) -> Response | None:
        if self.status is not None:
            return self.http_error(self.status, {"err_code": "FAKE", "err_msg": "refused"})
        if headers.get("Authorization") != f"Token {self.api_key}":
            return self.http_error(
                401, {"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials."}
            )
        if path not in ("/v1/listen", "/v2/listen", "/v1/speak"):
            return self.http_error(404, {"err_code": "NOT_FOUND", "err_msg": path})
        return None

    async def serve_connection(self, ws: ServerConnection, index: int) -> None:
        assert ws.request is not None
        path = ws.request.path.split("?")[0]
        with contextlib.suppress(ConnectionClosed):
            if path == "/v1/speak":
                await self._speak(ws, index)
            else:
                await self._listen(ws, index, flux=path == "/v2/listen")

    async def _send(self, ws: ServerConnection, message: dict[str, Any]) -> None:
        self.sent.append(message)
        await ws.send(json.dumps(message))

    # -- listen v1 and Flux ---------------------------------------------------------------

    async def _listen(self, ws: ServerConnection, index: int, *, flux: bool) -> None:
        assert ws.request is not None
        rate = int(dict(_query(ws.request.path)).get("sample_rate", "16000"))
        per_turn = self.trigger_ms * rate * 2 // 1000
        heard = 0  # bytes of speech since the last turn
        spoke = False  # a turn was made and the speech has not stopped yet
        seq = 0
        resumed_once = False
        pending_resume = False
        if flux:
            await self._send(ws, {"type": "Connected", "request_id": _REQ, "sequence_id": 0})
        async for raw in ws:
            if isinstance(raw, bytes):
                self.audio_bytes += len(raw)
                if not _loud(raw):
                    spoke = False  # silence ends a stretch of speech; it makes no turn
                    continue
                if spoke:
                    continue  # the rest of a stretch of speech that already made a turn
                if heard == 0 and not flux and not pending_resume:
                    await self._send(
                        ws,
                        {
                            "type": "SpeechStarted",
                            "channel": [0, 1],
                            "timestamp": round(self.audio_bytes / (2 * rate), 3),
                        },
                    )
                heard += len(raw)
                if heard < per_turn:
                    continue
                heard = 0
                text = self.transcripts[self.turns_done % len(self.transcripts)]
                if flux:
                    seq, pending_resume, resumed_once = await self._flux_turn(
                        ws, text, seq, pending_resume, resumed_once
                    )
                    if pending_resume:
                        continue  # the user goes on: more speech continues this turn
                else:
                    await self._v1_turn(ws, text)
                spoke = True
                self.turns_done += 1
                if self.drop_after_turns == self.turns_done and self.once("drop"):
                    await ws.close(1011, "NET-0000 fake transient failure")
                    return
                continue
            message = self.record(index, raw)
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "Finalize":
                await self._send(
                    ws, _results("", final=True, speech_final=False, from_finalize=True)
                )
            elif kind == "CloseStream":
                if not flux:
                    await self._send(
                        ws,
                        {
                            "type": "Metadata",
                            "transaction_key": "deprecated",
                            "request_id": _REQ,
                            "sha256": "00",
                            "created": "2025-01-01T00:00:00.000Z",
                            "duration": 1.0,
                            "channels": 1,
                        },
                    )
                await ws.close(1000)
                return

    async def _v1_turn(self, ws: ServerConnection, text: str) -> None:
        words = text.split()
        await self._send(ws, _results(" ".join(words[: max(1, len(words) // 2)]), final=False))
        await self._send(ws, _results(text, final=True, speech_final=True))
        await self._send(ws, {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": 1.0})

    async def _flux_turn(
        self, ws: ServerConnection, text: str, seq: int, pending: bool, resumed_once: bool
    ) -> tuple[int, bool, bool]:
        words = text.split()

        async def info(event: str, transcript: str, conf: float) -> None:
            nonlocal seq
            seq += 1
            await self._send(
                ws,
                {
                    "type": "TurnInfo",
                    "request_id": _REQ,
                    "sequence_id": seq,
                    "event": event,
                    "turn_index": self.turns_done,
                    "audio_window_start": 0.0,
                    "audio_window_end": 1.0,
                    "transcript": transcript,
                    "words": [{"word": w, "confidence": 0.9} for w in transcript.split()],
                    "end_of_turn_confidence": conf,
                },
            )

        if pending:  # the user went on after TurnResumed: now the turn ends for real
            await info("Update", text, 0.3)
            await info("EagerEndOfTurn", text, 0.6)
            await info("EndOfTurn", text, 0.9)
            return seq, False, resumed_once
        await info("StartOfTurn", words[0], 0.01)
        head = " ".join(words[: max(1, len(words) // 2)])
        await info("Update", head, 0.1)
        if self.flux_resume and not resumed_once:
            await info("EagerEndOfTurn", head, 0.55)
            await asyncio.sleep(self.flux_resume_after_s)
            await info("TurnResumed", head, 0.2)
            return seq, True, True
        await info("EagerEndOfTurn", text, 0.6)
        await info("EndOfTurn", text, 0.9)
        return seq, False, resumed_once

    # -- Aura speak -----------------------------------------------------------------------

    async def _speak(self, ws: ServerConnection, index: int) -> None:
        assert ws.request is not None
        rate = int(dict(_query(ws.request.path)).get("sample_rate", "24000"))
        await self._send(
            ws,
            {
                "type": "Metadata",
                "request_id": _REQ,
                "model_name": "aura-2-thalia-en",
                "model_version": "2025-04-01.0",
                "model_uuid": _META["model_uuid"],
            },
        )
        buffered: list[str] = []
        jobs: asyncio.Queue[tuple[str, int] | None] = asyncio.Queue()
        flushes = 0
        worker = asyncio.create_task(self._speak_worker(ws, jobs, rate))
        try:
            async for raw in ws:
                message = self.record(index, raw)
                kind = message.get("type") if isinstance(message, dict) else None
                if kind == "Speak":
                    buffered.append(str(message.get("text", "")))
                elif kind == "Flush":
                    text = "".join(buffered)
                    buffered = []
                    self.spoken.append(text)
                    await jobs.put((text, flushes))
                    flushes += 1
                elif kind == "Clear":
                    buffered = []
                    worker.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await worker
                    self.cleared += 1
                    jobs = asyncio.Queue()
                    await self._send(ws, {"type": "Cleared", "sequence_id": flushes})
                    worker = asyncio.create_task(self._speak_worker(ws, jobs, rate))
                elif kind == "Close":
                    await jobs.put(None)
                    await worker
                    await ws.close(1000)
                    return
        finally:
            worker.cancel()

    async def _speak_worker(
        self, ws: ServerConnection, jobs: asyncio.Queue[tuple[str, int] | None], rate: int
    ) -> None:
        offset = 0
        while (job := await jobs.get()) is not None:
            text, seq = job
            total = len(text) * self.ms_per_char
            for start in range(0, total, self.chunk_ms):
                ms = min(self.chunk_ms, total - start)
                pcm = reply_pcm(ms, rate, offset=offset)
                offset += len(pcm)
                await ws.send(pcm.tobytes())
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
            await self._send(ws, {"type": "Flushed", "sequence_id": seq})


def _loud(raw: bytes) -> bool:
    """Speech as far as the fake is concerned: mean magnitude above 100 (of 32768)."""
    pcm = np.frombuffer(raw[: len(raw) - len(raw) % 2], dtype="<i2")
    return bool(len(pcm)) and float(np.abs(pcm.astype(np.float32)).mean()) > 100.0


def _query(path: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(path).query)


def _results(
    text: str, *, final: bool, speech_final: bool = False, from_finalize: bool = False
) -> dict[str, Any]:
    words = [
        {
            "word": w.lower().strip(".,?!"),
            "start": 0.1 + 0.3 * i,
            "end": 0.4 + 0.3 * i,
            "confidence": 0.95,
            "punctuated_word": w,
        }
        for i, w in enumerate(text.split())
    ]
    return {
        "type": "Results",
        "channel_index": [0, 1],
        "duration": 0.3 * len(words) + 0.2,
        "start": 0.0,
        "is_final": final,
        "speech_final": speech_final,
        "from_finalize": from_finalize,
        "channel": {"alternatives": [{"transcript": text, "confidence": 0.95, "words": words}]},
        "metadata": _META,
    }
