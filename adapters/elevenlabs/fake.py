"""A loopback fake of ElevenLabs' TTS websockets: ``stream-input`` and ``multi-stream-input``.

Text is buffered per context (one implicit context on ``stream-input``) and spoken once
120 characters (the first ``chunk_length_schedule`` value) are buffered, on ``flush``, on
``close_context`` and at end of input: ``ms_per_char`` of PCM per character
at the ``output_format`` rate, in chunks of ``chars_per_chunk`` characters, each with its
character alignment (times relative to the chunk), then ``isFinal``. Server messages on
``multi-stream-input`` carry ``contextId``, client messages ``context_id``.

It enforces what the real service does and records breaches in ``violations``: the first
message of a context is the single-space init; on ``stream-input`` nothing may follow the
empty text that ends the input; at most 5 contexts are open at once (close 1008). A wrong
``xi-api-key`` is refused with HTTP 401; ``status`` refuses every handshake;
``drop_after_chunks`` closes the socket with 1011 once after that many audio chunks;
``chunk_delay_s`` spaces the chunks.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response

from vona.testing.loopback import LoopbackFake, reply_pcm

__all__ = ["ElevenLabsFake"]


@dataclass
class _Context:
    buffer: str = ""
    started: bool = False
    closed: bool = False
    schedule: int = 120  # chars buffered before generation starts unprompted
    spoken: list[str] = field(default_factory=list)


class ElevenLabsFake(LoopbackFake):
    """The fake server; see the module docstring."""

    provider = "elevenlabs"

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        ms_per_char: int = 10,
        chars_per_chunk: int = 8,
        chunk_delay_s: float = 0.0,
        status: int | None = None,
        drop_after_chunks: int | None = None,
    ) -> None:
        super().__init__(api_key=api_key, compression=None)
        self.ms_per_char = ms_per_char
        self.chars_per_chunk = chars_per_chunk
        self.chunk_delay_s = chunk_delay_s
        self.status = status
        self.drop_after_chunks = drop_after_chunks
        self.violations: list[str] = []
        self.spoken: list[tuple[str | None, str]] = []  # (context, text) per generation
        self.keepalives = 0
        self.chunks_sent = 0
        self.audio_sent: dict[str | None, bytearray] = {}  # PCM per context, as sent

    def check_request(self, path: str, query: dict[str, str], headers: Headers) -> Response | None:
        if self.status is not None:
            return self.http_error(
                self.status, {"detail": {"status": "fake", "message": "refused"}}
            )
        if headers.get("xi-api-key") != self.api_key:
            return self.http_error(
                401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}
            )
        parts = path.split("/")
        if (
            len(parts) != 5
            or parts[1:3] != ["v1", "text-to-speech"]
            or parts[4]
            not in (
                "stream-input",
                "multi-stream-input",
            )
        ):
            return self.http_error(404, {"detail": {"status": "not_found", "message": path}})
        if not query.get("output_format", "").startswith("pcm_"):
            return self.http_error(400, {"detail": {"status": "invalid_output_format"}})
        return None

    async def serve_connection(self, ws: ServerConnection, index: int) -> None:
        assert ws.request is not None
        multi = ws.request.path.split("?")[0].endswith("/multi-stream-input")
        rate = int(ws.request.path.split("output_format=pcm_")[1].split("&")[0])
        contexts: dict[str | None, _Context] = {}
        jobs: asyncio.Queue[tuple[str | None, str, bool] | None] = asyncio.Queue()
        worker = asyncio.create_task(self._speaker(ws, jobs, rate, multi))
        ended = False
        try:
            async for raw in ws:
                m = self.record(index, raw)
                if not isinstance(m, dict):
                    self.violations.append(f"not JSON: {m!r}")
                    continue
                if ended:
                    self.violations.append(f"message after end of input: {m!r}")
                    continue
                if m.get("close_socket"):
                    await jobs.put(None)
                    await worker
                    await ws.close(1000)
                    return
                ctx_id = m.get("context_id") if multi else None
                if multi and not isinstance(ctx_id, str):
                    self.violations.append(f"multi-stream message without context_id: {m!r}")
                    continue
                ctx = contexts.get(ctx_id)
                if ctx is None or (ctx.closed and not m.get("close_context")):
                    if m.get("text") != " ":
                        self.violations.append(f"context {ctx_id} did not start with ' ': {m!r}")
                    ctx = contexts[ctx_id] = _Context(started=True)
                    config = m.get("generation_config") or {}
                    if config.get("chunk_length_schedule"):
                        ctx.schedule = int(config["chunk_length_schedule"][0])
                    if sum(1 for c in contexts.values() if not c.closed) > 5:
                        await ws.close(1008, "Maximum number of contexts exceeded")
                        return
                    continue
                text = m.get("text")
                if m.get("close_context"):
                    await jobs.put((ctx_id, ctx.buffer, True))
                    ctx.buffer, ctx.closed = "", True
                    continue
                if text == "":
                    if multi:
                        self.keepalives += 1
                    else:  # end of input
                        ended = True
                        await jobs.put((ctx_id, ctx.buffer, True))
                        ctx.buffer = ""
                    continue
                if text == " " and not m.get("flush"):
                    self.keepalives += 1
                    continue
                if isinstance(text, str):
                    ctx.buffer += text
                if not m.get("flush") and len(ctx.buffer) >= ctx.schedule:
                    # enough text buffered: the service starts generating on its own
                    await jobs.put((ctx_id, ctx.buffer, False))
                    ctx.buffer = ""
                    continue
                if m.get("flush"):
                    await jobs.put((ctx_id, ctx.buffer, False))
                    ctx.buffer = ""
        except ConnectionClosed:
            pass
        finally:
            if not worker.done():
                await jobs.put(None)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(worker, timeout=2)

    async def _speaker(
        self,
        ws: ServerConnection,
        jobs: asyncio.Queue[tuple[str | None, str, bool] | None],
        rate: int,
        multi: bool,
    ) -> None:
        offset = 0
        with contextlib.suppress(ConnectionClosed):
            while (job := await jobs.get()) is not None:
                ctx, text, final = job
                if text.strip():
                    self.spoken.append((ctx, text))
                for i in range(0, len(text.strip() and text), self.chars_per_chunk):
                    piece = text[i : i + self.chars_per_chunk]
                    pcm = reply_pcm(len(piece) * self.ms_per_char, rate, offset=offset)
                    offset += len(pcm)
                    self.audio_sent.setdefault(ctx, bytearray()).extend(pcm.tobytes())
                    align = {
                        "chars": list(piece),
                        "charStartTimesMs": [k * self.ms_per_char for k in range(len(piece))],
                        "charDurationsMs": [self.ms_per_char] * len(piece),
                    }
                    out: dict[str, Any] = {
                        "audio": base64.b64encode(pcm.tobytes()).decode(),
                        "isFinal": None,
                        "normalizedAlignment": align,
                        "alignment": align,
                    }
                    if multi:
                        out["contextId"] = ctx
                    await ws.send(json.dumps(out))
                    self.chunks_sent += 1
                    if self.drop_after_chunks == self.chunks_sent and self.once("drop"):
                        await ws.close(1011, "fake transient failure")
                        return
                    if self.chunk_delay_s:
                        await asyncio.sleep(self.chunk_delay_s)
                if final:
                    done: dict[str, Any] = {"isFinal": True}
                    if multi:
                        done["contextId"] = ctx
                    await ws.send(json.dumps(done))
                    if not multi:
                        await ws.close(1000)
                        return
