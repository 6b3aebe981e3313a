"""``MoshiFake``: a loopback ``moshi.server`` whose audio side is Kyutai's own ``sphn``.

It decodes what the client sends with ``sphn.OpusStreamReader`` and answers every 80 ms
of received audio with 80 ms of ``sphn.OpusStreamWriter`` audio (paced by input, like the
real server), plus a scripted text piece per step while a reply is being spoken. So a
test against it proves interop with Kyutai's Ogg Opus, not agreement of Vona with itself.
``sphn`` is a test dependency (``pip install sphn``), never one of the adapter.

Knobs: ``reply`` (text pieces, one per step, starting after ``reply_after_steps`` steps),
``rust_handshake`` (``0x00`` + version words), ``close_after_steps`` / ``close_code`` (end
the connection mid-session), ``refuse_after`` (close new connections at once after that
many), ``no_handshake``, ``inject`` (raw frames sent right after the handshake), ``answer``
(off: listen only) and ``record`` (off: decode and keep nothing, for benchmarks).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import numpy as np
from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response

from vona.testing.loopback import LoopbackFake, reply_pcm

__all__ = ["MoshiFake"]

RATE = 24_000
STEP = 1920


def _sphn() -> Any:
    try:
        import sphn
    except ImportError as exc:  # pragma: no cover - sphn is in the dev extra
        from vona.errors import ConfigError

        raise ConfigError("MoshiFake needs sphn (pip install 'sphn>=0.2')") from exc
    return sphn


class MoshiFake(LoopbackFake):
    """A Moshi server on 127.0.0.1; ``url`` is its ``/api/chat`` endpoint."""

    provider = "moshi"

    def __init__(
        self,
        *,
        reply: tuple[str, ...] = (" Hello", ",", " how", " are", " you", "?"),
        reply_after_steps: int = 2,
        rust_handshake: bool = False,
        no_handshake: bool = False,
        close_after_steps: int | None = None,
        close_code: int = 1011,
        refuse_after: int | None = None,
        inject: tuple[bytes | str, ...] = (),
        answer: bool = True,
        record: bool = True,
    ) -> None:
        super().__init__(api_key="moshi-has-no-key", compression=None, record=record)
        self.reply = reply
        self.reply_after_steps = reply_after_steps
        self.rust_handshake = rust_handshake
        self.no_handshake = no_handshake
        self.close_after_steps = close_after_steps
        self.close_code = close_code
        self.refuse_after = refuse_after
        self.inject = inject
        self.answer = answer
        self.heard: list[np.ndarray[Any, np.dtype[np.float32]]] = []  # what sphn decoded
        self.spoken: list[np.ndarray[Any, np.dtype[np.float32]]] = []  # what we encoded
        self.audio_messages: list[bytes] = []  # raw 0x01 payloads received
        self.audio_sent: list[bytes] = []  # raw 0x01 payloads sent (sphn's Ogg pages)
        self.steps = 0

    @property
    def url(self) -> str:
        return f"{self.base_url}/api/chat"

    def check_request(self, path: str, query: dict[str, str], headers: Headers) -> Response | None:
        if path != "/api/chat":
            return self.http_error(404, {"error": f"{path} not found"})
        return None

    def heard_pcm(self) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Everything the fake decoded from the client, float32 at 24 kHz."""
        return np.concatenate(self.heard) if self.heard else np.zeros(0, np.float32)

    def spoken_pcm(self) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Everything the fake encoded towards the client, float32 at 24 kHz."""
        return np.concatenate(self.spoken) if self.spoken else np.zeros(0, np.float32)

    async def serve_connection(self, ws: ServerConnection, index: int) -> None:
        if self.refuse_after is not None and index >= self.refuse_after:
            await ws.close(1013, "busy")
            return
        sphn = _sphn()
        reader = sphn.OpusStreamReader(RATE)
        writer = sphn.OpusStreamWriter(RATE)
        if not self.no_handshake:
            await ws.send(b"\x00" + bytes(8) if self.rust_handshake else b"\x00")
        for frame in self.inject:
            await ws.send(frame)
        pending = np.zeros(0, np.float32)
        step = 0
        try:
            async for raw in ws:
                if not isinstance(raw, bytes) or raw[:1] != b"\x01":
                    self.record(index, raw)
                    continue
                pcm = reader.append_bytes(raw[1:])
                if not self._record:
                    continue  # a benchmark's sink: decode, keep nothing, answer nothing
                self.audio_messages.append(raw[1:])
                if pcm.shape[0]:
                    self.heard.append(pcm)
                    pending = np.concatenate((pending, pcm))
                while pending.shape[0] >= STEP:
                    pending = pending[STEP:]
                    await self._step(ws, writer, step)
                    step += 1
                    self.steps += 1
                    if self.close_after_steps is not None and self.steps >= self.close_after_steps:
                        self.close_after_steps = None  # once
                        await ws.close(self.close_code, "fake server going away")
                        return
        except ConnectionClosed:
            pass
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 1)

    async def _step(self, ws: ServerConnection, writer: Any, step: int) -> None:
        if not self.answer:
            return
        pcm = reply_pcm(80, RATE, offset=step * STEP).astype(np.float32) / 32768.0
        self.spoken.append(pcm)
        pages = writer.append_pcm(pcm)
        if pages:
            self.audio_sent.append(pages)
            await ws.send(b"\x01" + pages)
        k = step - self.reply_after_steps
        if 0 <= k < len(self.reply):
            await ws.send(b"\x02" + self.reply[k].encode())
