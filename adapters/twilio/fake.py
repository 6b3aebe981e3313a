"""``FakeTwilio``: the Twilio side of a Media Stream, for tests of a deployment.

Written from Twilio's WebSocket message reference: over a ``websockets`` client
connection it sends ``connected``, ``start``, 20 ms ``media`` and ``stop``, plays what it
is sent in real time, sends each ``mark`` back once the audio before it has played, and on
``clear`` drops its queue and returns the marks it still held (as Twilio does)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from typing import Any

import numpy as np

from vona.codec import ulaw_decode, ulaw_encode
from vona.errors import ProtocolError

__all__ = ["FakeTwilio"]

FRAME = 160  # 20 ms at 8 kHz


class FakeTwilio:
    """One call. ``begin()``, ``speak(pcm8k)``, ``stop()``, then ``done()``; ``heard()``
    is what its speaker played, ``received`` every event the server sent."""

    def __init__(self, ws: Any, stream_sid: str = "MZ0123456789abcdef") -> None:
        self.ws = ws
        self.sid = stream_sid
        self.seq = 0
        self.received: list[dict[str, Any]] = []  # every event the server sent
        self.queue: list[np.ndarray | str] = []  # audio chunks and mark names, in order
        self.played: list[np.ndarray] = []
        self.clears = 0
        self.cleared_samples = 0
        self.marks_returned: list[str] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self._tasks: list[asyncio.Task[None]] = []

    async def send(self, message: dict[str, Any]) -> None:
        self.seq += 1
        message.setdefault("sequenceNumber", str(self.seq))
        await self.ws.send(json.dumps(message))

    async def begin(self, media_format: dict[str, Any] | None = None) -> None:
        await self.ws.send(
            json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        )
        fmt = media_format or {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
        await self.send(
            {
                "event": "start",
                "streamSid": self.sid,
                "start": {
                    "accountSid": "AC0000",
                    "streamSid": self.sid,
                    "callSid": "CA0000",
                    "tracks": ["inbound"],
                    "mediaFormat": fmt,
                    "customParameters": {"caller": "test"},
                },
            }
        )
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._play())]

    async def speak(self, pcm8k: np.ndarray, *, realtime: bool = True) -> None:
        """Send int16 8 kHz audio as 20 ms media events (paced like a phone call)."""
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for i in range(0, len(pcm8k), FRAME):
            chunk = pcm8k[i : i + FRAME]
            payload = base64.b64encode(ulaw_encode(np.ascontiguousarray(chunk)).tobytes()).decode()
            await self.send(
                {
                    "event": "media",
                    "streamSid": self.sid,
                    "media": {
                        "track": "inbound",
                        "chunk": str(i // FRAME + 1),
                        "timestamp": str(i // 8),
                        "payload": payload,
                    },
                }
            )
            if realtime:
                await asyncio.sleep(max(t0 + (i + FRAME) / 8000 - loop.time(), 0))

    async def stop(self) -> None:
        await self.send({"event": "stop", "streamSid": self.sid, "stop": {"callSid": "CA0000"}})

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                event = json.loads(raw)
                self.received.append(event)
                name = event["event"]
                if event.get("streamSid") != self.sid:
                    raise ProtocolError(f"event for another stream: {event}")
                if name == "media":
                    self.queue.append(ulaw_decode(base64.b64decode(event["media"]["payload"])))
                elif name == "mark":
                    self.queue.append(event["mark"]["name"])
                elif name == "clear":
                    self.clears += 1
                    pending = [m for m in self.queue if isinstance(m, str)]
                    self.cleared_samples += sum(
                        len(a) for a in self.queue if not isinstance(a, str)
                    )
                    self.queue.clear()
                    for name in pending:
                        await self._mark_back(name)
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason or ""

    async def _mark_back(self, name: str) -> None:
        from websockets.exceptions import ConnectionClosed

        self.marks_returned.append(name)
        with contextlib.suppress(ConnectionClosed):
            await self.send({"event": "mark", "streamSid": self.sid, "mark": {"name": name}})

    async def _play(self) -> None:
        """The phone's speaker: 20 ms of queued audio every 20 ms."""
        loop = asyncio.get_running_loop()
        tick = loop.time()
        while True:
            tick += FRAME / 8000
            await asyncio.sleep(max(tick - loop.time(), 0))
            want = FRAME
            while want and self.queue:
                head = self.queue[0]
                if isinstance(head, str):
                    self.queue.pop(0)
                    await self._mark_back(head)
                    continue
                take = head[:want]
                self.played.append(take)
                want -= len(take)
                if len(take) == len(head):
                    self.queue.pop(0)
                else:
                    self.queue[0] = head[len(take) :]
            while self.queue and isinstance(self.queue[0], str):
                await self._mark_back(self.queue.pop(0))  # type: ignore[arg-type]

    def heard(self) -> np.ndarray:
        return np.concatenate(self.played) if self.played else np.zeros(0, np.int16)

    def events(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.received if e["event"] == name]

    async def done(self, timeout: float = 30.0) -> None:
        """Wait for the server to close the socket, then stop the speaker."""
        await asyncio.wait_for(self._tasks[0], timeout)
        self._tasks[1].cancel()
        await asyncio.gather(self._tasks[1], return_exceptions=True)
