"""``GeminiLiveFake``: a loopback Gemini Live (BidiGenerateContent) server.

Quirks of the real service it reproduces: server JSON arrives in **binary** frames;
client messages are accepted in camelCase or snake_case at every level and audio in
either base64 alphabet; ``setup`` must come first (else close 1007); a bad API key (the
``x-goog-api-key`` header or ``?key=``) is answered with close 1008 and Google's message;
turns end with ``turnComplete`` + ``usageMetadata``; ``snake_case=True`` /
``urlsafe_audio=True`` send snake_case keys / URL-safe base64 audio instead; every turn sends a
``sessionResumptionUpdate`` whose handle a reconnecting client may present; ``goAway``
announces the end of a connection.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response

from vona.testing.loopback import FakeScript, FakeTurn, LoopbackFake, reply_pcm

__all__ = ["GeminiLiveFake"]

_URLSAFE = str.maketrans("-_", "+/")


def _snake_key(key: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


def _snake(value: Any) -> Any:
    """A message with every key in snake_case (what protobuf JSON also accepts)."""
    if isinstance(value, dict):
        return {_snake_key(k): _snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value


def _get(d: dict[str, Any], camel: str) -> Any:
    """``d[camel]`` or its snake_case spelling."""
    if camel in d:
        return d[camel]
    return d.get(_snake_key(camel))


@dataclass
class _Conn:
    ws: ServerConnection
    index: int
    manual: bool = False
    buffered: int = 0
    activity: bool = False
    answering: asyncio.Task[None] | None = None
    waiting_tool: FakeTurn | None = None
    waiting_call_id: str | None = None


class GeminiLiveFake(LoopbackFake):
    """A Gemini Live server on 127.0.0.1; ``base_url`` is ``ws://127.0.0.1:PORT``."""

    provider = "gemini_live"
    input_rate_hz = 16_000
    output_rate_hz = 24_000

    def __init__(
        self,
        *,
        api_key: str = "gemini-test-key",
        script: FakeScript | None = None,
        compression: str | None = "deflate",
        record: bool = True,
        binary_frames: bool = True,
        snake_case: bool = False,
        urlsafe_audio: bool = False,
    ) -> None:
        super().__init__(api_key=api_key, script=script, compression=compression, record=record)
        self.binary_frames = binary_frames
        self.snake_case = snake_case
        self.urlsafe_audio = urlsafe_audio
        self.handles: list[str] = []
        self.resumed_with: list[str] = []
        self.unexpected_tool_responses: list[Any] = []

    def _b64(self, raw: bytes) -> str:
        if self.urlsafe_audio:
            return base64.urlsafe_b64encode(raw).decode()
        return binascii.b2a_base64(raw, newline=False).decode()

    def check_request(self, path: str, query: dict[str, str], headers: Headers) -> Response | None:
        for version in ("v1beta", "v1alpha"):
            service = f"google.ai.generativelanguage.{version}.GenerativeService"
            if path == f"/ws/{service}.BidiGenerateContent":
                return None
        return self.http_error(
            404, {"error": {"code": 404, "message": f"{path} not found", "status": "NOT_FOUND"}}
        )

    async def _send(self, conn: _Conn, message: dict[str, Any]) -> None:
        if self._record:
            self.sent.append(message)
        text = json.dumps(_snake(message) if self.snake_case else message)
        await conn.ws.send(text.encode() if self.binary_frames else text)

    # -- connection -----------------------------------------------------------------------

    async def serve_connection(self, ws: ServerConnection, index: int) -> None:
        conn = _Conn(ws, index)
        assert ws.request is not None
        key = ws.request.headers.get("x-goog-api-key")
        if key is None and "key=" in ws.request.path:
            key = ws.request.path.split("key=", 1)[1].split("&", 1)[0]
        try:
            first = self.record(index, await ws.recv())
            setup = _get(first, "setup") if isinstance(first, dict) else None
            if not isinstance(setup, dict):
                await ws.close(1007, "Invalid request: the first message must be 'setup'.")
                return
            if key != self.api_key:
                await ws.close(1008, "API key not valid. Please pass a valid API key.")
                return
            if not str(setup.get("model", "")).startswith("models/"):
                await ws.close(1008, f"{setup.get('model')} is not found or not supported.")
                return
            resumption = _get(setup, "sessionResumption") or {}
            handle = resumption.get("handle")
            if handle:
                if handle not in self.handles:
                    await ws.close(1007, "Invalid session resumption handle.")
                    return
                self.resumed_with.append(handle)
            rtc = _get(setup, "realtimeInputConfig") or {}
            aad = _get(rtc, "automaticActivityDetection") or {}
            conn.manual = bool(aad.get("disabled"))
            await self._send(conn, {"setupComplete": {}})
            await self._faults_after_setup(conn)
            async for raw in ws:
                message = self.record(index, raw)
                if not isinstance(message, dict) or len(message) != 1:
                    await ws.close(1007, "Invalid JSON payload received.")
                    return
                await self._dispatch(conn, message)
        except ConnectionClosed:
            pass
        finally:
            if conn.answering is not None:
                conn.answering.cancel()

    async def _faults_after_setup(self, conn: _Conn) -> None:
        if self.script.malformed_after_setup and self.once("malformed"):
            await conn.ws.send(b'{"serverContent": {"modelTurn": ')
        if self.script.unknown_after_setup and self.once("unknown"):
            await self._send(conn, {"voiceActivity": {"voiceActivityType": "ACTIVITY_START"}})

    async def _dispatch(self, conn: _Conn, message: dict[str, Any]) -> None:
        rt = _get(message, "realtimeInput")
        if isinstance(rt, dict):
            await self._realtime_input(conn, rt)
            return
        content = _get(message, "clientContent")
        if isinstance(content, dict):
            if _get(content, "turnComplete"):
                await self._user_turn(conn)
            return
        tool = _get(message, "toolResponse")
        if isinstance(tool, dict):
            await self._tool_response(conn, tool)
            return
        await conn.ws.close(1007, f"Unknown message: {next(iter(message))}")

    async def _realtime_input(self, conn: _Conn, rt: dict[str, Any]) -> None:
        audio = _get(rt, "audio")
        if isinstance(audio, dict):
            data = str(audio.get("data", "")).translate(_URLSAFE)
            try:
                conn.buffered += len(binascii.a2b_base64(data))
            except (binascii.Error, ValueError):
                await conn.ws.close(1007, "Invalid base64 audio data.")
                return
            trigger = self.script.trigger_ms * self.input_rate_hz * 2 // 1000
            if not conn.manual and conn.buffered >= trigger and self._idle(conn):
                conn.buffered = 0
                await self._user_turn(conn)
        elif _get(rt, "activityStart") is not None:
            conn.activity = True
        elif _get(rt, "activityEnd") is not None:
            conn.activity = False
            if conn.buffered and self._idle(conn):
                conn.buffered = 0
                await self._user_turn(conn)

    def _idle(self, conn: _Conn) -> bool:
        busy = conn.answering is not None and not conn.answering.done()
        return not busy and conn.waiting_tool is None

    async def _user_turn(self, conn: _Conn) -> None:
        turn = self.script.turn(self.turns_done)
        if turn is None:
            return  # the script is over: the audio is heard and ignored
        await self._send(
            conn,
            {
                "serverContent": {
                    "inputTranscription": {"text": turn.user_transcript, "finished": True}
                }
            },
        )
        if turn.tool_call is not None:
            call = turn.tool_call
            conn.waiting_tool, conn.waiting_call_id = turn, call.call_id
            fc = {"id": call.call_id, "name": call.name, "args": call.arguments}
            await self._send(conn, {"toolCall": {"functionCalls": [fc]}})
            if call.withdrawn:
                conn.waiting_tool, conn.waiting_call_id = None, None
                await self._send(conn, {"toolCallCancellation": {"ids": [call.call_id]}})
            return
        self._answer(conn, turn)

    async def _tool_response(self, conn: _Conn, tool: dict[str, Any]) -> None:
        responses = _get(tool, "functionResponses") or []
        ids = [r.get("id") for r in responses if isinstance(r, dict)]
        if conn.waiting_tool is None or conn.waiting_call_id not in ids:
            self.unexpected_tool_responses.extend(ids)  # no call waits for these: ignored
            return
        turn, conn.waiting_tool, conn.waiting_call_id = conn.waiting_tool, None, None
        self._answer(conn, turn)

    def _answer(self, conn: _Conn, turn: FakeTurn) -> None:
        conn.answering = asyncio.get_running_loop().create_task(self._speak(conn, turn))

    async def _speak(self, conn: _Conn, turn: FakeTurn) -> None:
        chunk = turn.chunk_ms * self.output_rate_hz // 1000
        chunks = max(1, -(-turn.reply_ms // turn.chunk_ms))
        words = turn.reply_text.split(" ")
        interrupted = False
        for i in range(chunks):
            pcm = reply_pcm(turn.chunk_ms, self.output_rate_hz, offset=i * chunk)
            blob = {
                "mimeType": f"audio/pcm;rate={self.output_rate_hz}",
                "data": self._b64(pcm.tobytes()),
            }
            await self._send(
                conn,
                {
                    "serverContent": {
                        "modelTurn": {"role": "model", "parts": [{"inlineData": blob}]}
                    }
                },
            )
            if i < len(words):
                piece = words[i] if i == 0 else " " + words[i]
                await self._send(conn, {"serverContent": {"outputTranscription": {"text": piece}}})
            await asyncio.sleep(0)
            if turn.barge_in_after_chunks is not None and i + 1 == turn.barge_in_after_chunks:
                interrupted = True
                await self._send(conn, {"serverContent": {"interrupted": True}})
                break
        if not interrupted:
            await self._send(conn, {"serverContent": {"generationComplete": True}})
        usage = {"promptTokenCount": 120, "responseTokenCount": 40, "totalTokenCount": 160}
        await self._send(conn, {"serverContent": {"turnComplete": True}, "usageMetadata": usage})
        self.turns_done += 1
        handle = f"handle-{self.turns_done}"
        self.handles.append(handle)
        await self._send(
            conn, {"sessionResumptionUpdate": {"newHandle": handle, "resumable": True}}
        )
        await self._faults_after_turn(conn)

    async def _faults_after_turn(self, conn: _Conn) -> None:
        s = self.script
        go_away = s.go_away_after_turns
        if go_away is not None and self.turns_done >= go_away and self.once("go_away"):
            await self._send(conn, {"goAway": {"timeLeft": "5s"}})
        if (
            s.transient_close_after_turns is not None
            and self.turns_done >= (s.transient_close_after_turns)
            and self.once("transient_close")
        ):
            await conn.ws.close(s.transient_close_code, "transient fault (scripted)")
