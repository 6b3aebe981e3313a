"""The OpenAI-shaped realtime server engine behind the OpenAI, Azure and Qwen fakes.

Speaks the GA or beta event names, keeps a per-connection session, input buffer and item
table, runs server VAD on the amount of input audio (``FakeScript.trigger_ms``), plays
function calls and spoken answers as real servers order them, honours ``response.cancel``
and ``conversation.item.truncate`` (answering an ``audio_end_ms`` beyond the audio sent
with an ``error`` event, as the real service does), and injects the script's faults.
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from vona.testing.loopback import FakeTurn, LoopbackFake, reply_pcm

__all__ = ["FakeConnection", "OpenAIShapedFake"]

_NAMES = {
    "ga": {
        "audio_delta": "response.output_audio.delta",
        "audio_done": "response.output_audio.done",
        "transcript_delta": "response.output_audio_transcript.delta",
        "transcript_done": "response.output_audio_transcript.done",
    },
    "beta": {
        "audio_delta": "response.audio.delta",
        "audio_done": "response.audio.done",
        "transcript_delta": "response.audio_transcript.delta",
        "transcript_done": "response.audio_transcript.done",
    },
}


@dataclass
class FakeConnection:
    """One client connection of the fake and what it has been sent."""

    ws: ServerConnection
    index: int
    session: dict[str, Any] = field(default_factory=dict)
    buffered: int = 0  # input bytes since the last turn
    response: asyncio.Task[None] | None = None
    response_id: str | None = None
    audio_items: dict[str, int] = field(default_factory=dict)  # item id -> samples sent
    waiting_tool: FakeTurn | None = None
    tool_output: bool = False
    turn: FakeTurn | None = None
    setup_done: bool = False
    seq: int = 0

    def next_id(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}_{self.index}_{self.seq}"


class OpenAIShapedFake(LoopbackFake):
    """An OpenAI-shaped realtime server. Subclasses set auth, paths and rates."""

    shape = "ga"
    output_rate_hz = 24_000
    supports_truncate = True

    def input_rate_hz(self, session: dict[str, Any]) -> int:
        return 24_000

    def vad_on(self, session: dict[str, Any]) -> bool:
        audio = session.get("audio") or {}
        if "turn_detection" in session:
            return session["turn_detection"] is not None
        td = (audio.get("input") or {}).get("turn_detection", {"type": "server_vad"})
        return td is not None

    def initial_session(self) -> dict[str, Any]:
        if self.shape == "ga":
            return {"type": "realtime", "object": "realtime.session", "model": "gpt-realtime"}
        return {"object": "realtime.session", "model": "gpt-4o-realtime-preview"}

    # -- connection -----------------------------------------------------------------------

    async def serve_connection(self, ws: ServerConnection, index: int) -> None:
        conn = FakeConnection(ws, index)
        conn.session = {"id": f"sess_{index}", **self.initial_session()}
        await self._send(conn, {"type": "session.created", "session": conn.session})
        try:
            async for raw in ws:
                message = self.record(index, raw)
                if not isinstance(message, dict):
                    await self._error(conn, "invalid_json", "Could not parse the event as JSON.")
                    continue
                await self._dispatch(conn, message)
        except ConnectionClosed:
            pass
        finally:
            if conn.response is not None:
                conn.response.cancel()

    async def _send(self, conn: FakeConnection, event: dict[str, Any]) -> None:
        conn.seq += 1
        event = {"event_id": f"event_{conn.index}_{conn.seq}", **event}
        if self._record:
            self.sent.append(event)
        await conn.ws.send(json.dumps(event))

    async def _error(
        self, conn: FakeConnection, code: str, message: str, kind: str = "invalid_request_error"
    ) -> None:
        error = {"type": kind, "code": code, "message": message, "param": None, "event_id": None}
        await self._send(conn, {"type": "error", "error": error})

    async def _dispatch(self, conn: FakeConnection, m: dict[str, Any]) -> None:
        kind = m.get("type")
        if kind == "session.update":
            await self._session_update(conn, m)
        elif kind == "input_audio_buffer.append":
            await self._append(conn, m)
        elif kind == "input_audio_buffer.commit":
            await self._commit(conn)
        elif kind == "input_audio_buffer.clear":
            conn.buffered = 0
            await self._send(conn, {"type": "input_audio_buffer.cleared"})
        elif kind == "conversation.item.create":
            await self._item_create(conn, m)
        elif kind == "response.create":
            await self._response_create(conn)
        elif kind == "response.cancel":
            await self._cancel(conn)
        elif kind == "conversation.item.truncate" and self.supports_truncate:
            await self._truncate(conn, m)
        elif kind == "session.finish" and self.shape == "beta":
            await self._send(conn, {"type": "session.finished"})
            await conn.ws.close(1000, "session finished")
        else:
            await self._error(conn, "unknown_event", f"Unsupported event type: {kind!r}")

    async def _session_update(self, conn: FakeConnection, m: dict[str, Any]) -> None:
        session = m.get("session")
        if not isinstance(session, dict):
            await self._error(conn, "missing_required_parameter", "Missing 'session'.")
            return
        conn.session.update(session)
        await self._send(conn, {"type": "session.updated", "session": conn.session})
        if not conn.setup_done:
            conn.setup_done = True
            await self._faults_after_setup(conn)

    async def _faults_after_setup(self, conn: FakeConnection) -> None:
        s = self.script
        if s.malformed_after_setup and self.once("malformed"):
            await conn.ws.send('{"type": "response.output_audio.delta", "delta": ')
        if s.unknown_after_setup and self.once("unknown"):
            await self._send(conn, {"type": "vona.fake.future_event", "detail": {"x": 1}})
        if s.error_after_setup and self.once("error"):
            await self._error(conn, "fake_error", "A scripted, non-fatal error.", "server_error")

    # -- input ----------------------------------------------------------------------------

    async def _append(self, conn: FakeConnection, m: dict[str, Any]) -> None:
        try:
            raw = binascii.a2b_base64(m.get("audio", ""))
        except (binascii.Error, ValueError):
            await self._error(conn, "invalid_value", "Invalid base64 audio.")
            return
        conn.buffered += len(raw)
        trigger = self.script.trigger_ms * self.input_rate_hz(conn.session) * 2 // 1000
        busy = conn.response is not None and not conn.response.done()
        idle = not busy and conn.waiting_tool is None
        more = self.script.turn(self.turns_done) is not None
        if self.vad_on(conn.session) and conn.buffered >= trigger and idle and more:
            conn.buffered = 0
            await self._user_turn(conn, vad=True)
            self._start_response(conn, phase="first")

    async def _commit(self, conn: FakeConnection) -> None:
        if conn.buffered < self.input_rate_hz(conn.session) * 2 // 10:  # 100 ms minimum
            await self._error(
                conn, "input_audio_buffer_commit_empty", "Buffer too small: need 100ms of audio."
            )
            return
        conn.buffered = 0
        await self._user_turn(conn, vad=False)

    async def _user_turn(self, conn: FakeConnection, *, vad: bool) -> None:
        conn.turn = self.script.turn(self.turns_done)
        user = conn.next_id("item_user")
        transcript = conn.turn.user_transcript if conn.turn else ""
        if vad:
            await self._send(
                conn,
                {"type": "input_audio_buffer.speech_started", "audio_start_ms": 0, "item_id": user},
            )
            stop = {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 200}
            await self._send(conn, {**stop, "item_id": user})
        await self._send(
            conn,
            {"type": "input_audio_buffer.committed", "item_id": user, "previous_item_id": None},
        )
        item = {
            "id": user,
            "object": "realtime.item",
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        await self._item_events(conn, item)
        done: dict[str, Any] = {
            "type": "conversation.item.input_audio_transcription.completed",
            "item_id": user,
            "content_index": 0,
            "transcript": transcript,
        }
        done["usage"] = {"type": "duration", "seconds": 1.0}
        await self._send(conn, done)

    async def _item_events(self, conn: FakeConnection, item: dict[str, Any]) -> None:
        names = ["conversation.item.added"] if self.shape == "ga" else ["conversation.item.created"]
        for name in names:
            await self._send(conn, {"type": name, "previous_item_id": None, "item": item})

    async def _item_create(self, conn: FakeConnection, m: dict[str, Any]) -> None:
        item = m.get("item")
        if not isinstance(item, dict) or "type" not in item:
            await self._error(conn, "missing_required_parameter", "Missing 'item.type'.")
            return
        if item["type"] == "function_call_output":
            conn.tool_output = True
        full = {"id": conn.next_id("item"), "object": "realtime.item", "status": "completed"}
        await self._item_events(conn, {**full, **item})

    async def _response_create(self, conn: FakeConnection) -> None:
        if conn.response is not None and not conn.response.done():
            await self._error(
                conn,
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress.",
            )
            return
        if conn.waiting_tool is not None and conn.tool_output:
            conn.turn, conn.waiting_tool, conn.tool_output = conn.waiting_tool, None, False
            self._start_response(conn, phase="answer")
        else:
            if conn.turn is None:
                conn.turn = self.script.turn(self.turns_done)
            if conn.turn is None:
                await self._error(conn, "fake_script_over", "The fake's script has no turn left.")
                return
            self._start_response(conn, phase="first")

    def _start_response(self, conn: FakeConnection, *, phase: str) -> None:
        conn.response = asyncio.get_running_loop().create_task(self._respond(conn, phase))

    async def _cancel(self, conn: FakeConnection) -> None:
        task = conn.response
        if task is None or task.done():
            await self._error(
                conn, "response_cancel_not_active", "Cancellation failed: no active response."
            )
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await self._response_done(conn, "cancelled", reason="client_cancelled")

    async def _truncate(self, conn: FakeConnection, m: dict[str, Any]) -> None:
        item_id, end_ms = m.get("item_id"), m.get("audio_end_ms")
        if item_id not in conn.audio_items or not isinstance(end_ms, int) or end_ms < 0:
            await self._error(conn, "invalid_value", f"Item {item_id!r} has no audio to truncate.")
            return
        have = conn.audio_items[item_id] * 1000 // self.output_rate_hz
        if end_ms > have:
            await self._error(
                conn,
                "invalid_value",
                f"Audio content of {have}ms is already shorter than {end_ms}ms",
            )
            return
        await self._send(
            conn,
            {
                "type": "conversation.item.truncated",
                "item_id": item_id,
                "content_index": 0,
                "audio_end_ms": end_ms,
            },
        )

    # -- output ---------------------------------------------------------------------------

    async def after_transcript_delta(
        self, conn: FakeConnection, common: dict[str, Any], text: str, offset_ms: int
    ) -> None:
        """Provider extras after each transcript delta (default: none)."""

    def _response(self, conn: FakeConnection, status: str, output: list[Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": conn.response_id,
            "object": "realtime.response",
            "status": status,
            "status_details": None,
            "output": output,
        }
        if self.shape == "ga":
            body["conversation_id"] = f"conv_{conn.index}"
        return body

    async def _response_done(
        self, conn: FakeConnection, status: str, *, reason: str | None = None
    ) -> None:
        body = self._response(conn, status, [])
        if reason:
            body["status_details"] = {"type": status, "reason": reason}
        body["usage"] = {"total_tokens": 50, "input_tokens": 30, "output_tokens": 20}
        await self._send(conn, {"type": "response.done", "response": body})

    async def _respond(self, conn: FakeConnection, phase: str) -> None:
        turn = conn.turn or self.script.turn(self.turns_done)
        assert turn is not None  # callers check that the script has a turn
        conn.response_id = conn.next_id("resp")
        await self._send(
            conn, {"type": "response.created", "response": self._response(conn, "in_progress", [])}
        )
        if phase == "first" and turn.tool_call is not None:
            await self._function_call(conn, turn)
            conn.waiting_tool = turn
            return
        await self._spoken_answer(conn, turn)

    async def _function_call(self, conn: FakeConnection, turn: FakeTurn) -> None:
        call = turn.tool_call
        assert call is not None
        rid, item_id, args = conn.response_id, conn.next_id("item_fc"), json.dumps(call.arguments)
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "function_call",
            "status": "in_progress",
            "name": call.name,
            "call_id": call.call_id,
            "arguments": "",
        }
        common = {"response_id": rid, "item_id": item_id, "output_index": 0}
        await self._send(
            conn,
            {
                "type": "response.output_item.added",
                "response_id": rid,
                "output_index": 0,
                "item": item,
            },
        )
        half = len(args) // 2
        for piece in (args[:half], args[half:]):
            await self._send(
                conn,
                {
                    "type": "response.function_call_arguments.delta",
                    **common,
                    "call_id": call.call_id,
                    "delta": piece,
                },
            )
        await self._send(
            conn,
            {
                "type": "response.function_call_arguments.done",
                **common,
                "call_id": call.call_id,
                "name": call.name,
                "arguments": args,
            },
        )
        done = {**item, "status": "completed", "arguments": args}
        await self._send(
            conn,
            {
                "type": "response.output_item.done",
                "response_id": rid,
                "output_index": 0,
                "item": done,
            },
        )
        await self._response_done(conn, "completed")

    async def _spoken_answer(self, conn: FakeConnection, turn: FakeTurn) -> None:
        names = _NAMES[self.shape]
        rid, item_id = conn.response_id, conn.next_id("item_asst")
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        common = {"response_id": rid, "item_id": item_id, "output_index": 0, "content_index": 0}
        await self._send(
            conn,
            {
                "type": "response.output_item.added",
                "response_id": rid,
                "output_index": 0,
                "item": item,
            },
        )
        await self._item_events(conn, item)
        await self._send(
            conn,
            {
                "type": "response.content_part.added",
                **common,
                "part": {"type": "audio", "transcript": ""},
            },
        )
        conn.audio_items[item_id] = 0
        words = turn.reply_text.split(" ")
        chunk = turn.chunk_ms * self.output_rate_hz // 1000
        chunks = max(1, -(-turn.reply_ms // turn.chunk_ms))
        said: list[str] = []
        status = "completed"
        for i in range(chunks):
            if i < len(words):
                piece = words[i] if i == 0 else " " + words[i]
                said.append(piece)
                await self._send(
                    conn, {"type": names["transcript_delta"], **common, "delta": piece}
                )
                await self.after_transcript_delta(conn, common, piece, i * turn.chunk_ms)
            pcm = reply_pcm(turn.chunk_ms, self.output_rate_hz, offset=i * chunk)
            await self._send(
                conn,
                {
                    "type": names["audio_delta"],
                    **common,
                    "delta": binascii.b2a_base64(pcm.tobytes(), newline=False).decode(),
                },
            )
            conn.audio_items[item_id] += pcm.shape[0]
            await asyncio.sleep(0)
            if turn.barge_in_after_chunks is not None and i + 1 == turn.barge_in_after_chunks:
                await self._send(
                    conn,
                    {
                        "type": "input_audio_buffer.speech_started",
                        "audio_start_ms": 0,
                        "item_id": conn.next_id("item_user"),
                    },
                )
                status = "cancelled"
                break
        if status == "completed":
            said = [turn.reply_text]
        transcript = "".join(said)
        await self._send(conn, {"type": names["audio_done"], **common})
        await self._send(
            conn, {"type": names["transcript_done"], **common, "transcript": transcript}
        )
        part = {"type": "audio", "transcript": transcript}
        await self._send(conn, {"type": "response.content_part.done", **common, "part": part})
        final = {
            **item,
            "status": "completed" if status == "completed" else "incomplete",
            "content": [{**part, "type": "output_audio" if self.shape == "ga" else "audio"}],
        }
        await self._send(
            conn,
            {
                "type": "response.output_item.done",
                "response_id": rid,
                "output_index": 0,
                "item": final,
            },
        )
        if self.shape == "ga":
            await self._send(
                conn, {"type": "conversation.item.done", "previous_item_id": None, "item": final}
            )
        await self._response_done(
            conn, status, reason="turn_detected" if status != "completed" else None
        )
        conn.turn = None
        self.turns_done += 1
        await self._faults_after_turn(conn)

    async def _faults_after_turn(self, conn: FakeConnection) -> None:
        n = self.script.transient_close_after_turns
        if n is not None and self.turns_done >= n and self.once("transient_close"):
            await conn.ws.close(self.script.transient_close_code, "transient fault (scripted)")
