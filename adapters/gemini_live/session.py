"""``GeminiLiveSession``: the Gemini Live wire mapped to Vona's realtime events.

Server message (camelCase or snake_case) -> event:

* ``serverContent.modelTurn.parts[].inlineData`` -> ``AudioDelta`` (rate from its mimeType);
  text parts -> assistant ``TranscriptDelta``
* ``serverContent.inputTranscription`` / ``outputTranscription`` -> user / assistant
  ``TranscriptDelta`` pieces; a final one with the whole text when ``finished`` arrives, the
  model starts answering (user) or the turn completes
* ``serverContent.interrupted`` -> ``Interrupted``; ``turnComplete`` -> ``ResponseDone``
  (``cancelled`` if the turn was interrupted); ``usageMetadata`` -> ``Usage``
* ``toolCall.functionCalls`` -> ``ToolCall`` each; ``toolCallCancellation`` is kept as an
  ``UnknownEvent`` and the cancelled calls' results are not sent
* ``sessionResumptionUpdate`` stores the handle; ``goAway`` reconnects with it
* anything else -> ``UnknownEvent``
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from vona.adapters.gemini_live.models import (
    ClientContent,
    Content,
    FunctionResponse,
    GoAway,
    Part,
    SessionResumptionUpdate,
    ToolCallMessage,
    ToolResponse,
    Transcription,
    UsageMetadata,
)
from vona.errors import AudioFormatError, BackendError, ConfigError
from vona.events import ControlEvent, ExternalContextEvent, Interruption, TurnEnd
from vona.frames import AudioInputFrame
from vona.realtime import (
    ApiKey,
    AudioDelta,
    Interrupted,
    RealtimeEvent,
    ReconnectPolicy,
    ResponseDone,
    ToolCall,
    TranscriptDelta,
    UnknownEvent,
    Usage,
    WebSocketSession,
    b64_to_pcm16,
    pcm16_to_b64,
)

__all__ = ["GeminiLiveSession"]

log = logging.getLogger("vona.adapters.gemini_live")


def _key(message: Mapping[str, Any], camel: str, snake: str) -> Any:
    value = message.get(camel)
    return message.get(snake) if value is None else value


def _rate_of(mime: str, default: int) -> int:
    for piece in mime.split(";"):
        name, _, value = piece.strip().partition("=")
        if name == "rate" and value.isdigit():
            return int(value)
    return default


class GeminiLiveSession(WebSocketSession):
    """A live Gemini session (see the module docstring for the mapping)."""

    provider = "gemini_live"

    def __init__(
        self,
        *,
        url: str,
        headers: Mapping[str, str],
        secrets: Sequence[ApiKey],
        setup: dict[str, Any],
        input_rate_hz: int,
        output_rate_hz: int,
        manual_turns: bool,
        reconnect: ReconnectPolicy | None = None,
        open_timeout_s: float = 10.0,
    ) -> None:
        super().__init__(
            url=url,
            headers=headers,
            secrets=secrets,
            reconnect=reconnect,
            open_timeout_s=open_timeout_s,
        )
        self._setup = setup
        self._input_rate = input_rate_hz
        self._output_rate = output_rate_hz
        self._manual = manual_turns
        self._audio_head = (
            '{"realtimeInput":{"audio":{"mimeType":"audio/pcm;rate=' + str(input_rate_hz) + '",'
            '"data":"'
        )
        self.resumption_handle: str | None = None
        self._calls: dict[str, str] = {}  # pending call id -> function name
        self._cancelled: set[str] = set()
        self._turn_interrupted = False
        self._activity_open = False
        self._text: dict[str, list[str]] = {"user": [], "assistant": []}

    # -- connection hooks -----------------------------------------------------------------

    def setup_message(self) -> dict[str, Any]:
        """The ``setup`` message for the next connection (carrying the resumption handle)."""
        setup = dict(self._setup)
        setup["sessionResumption"] = (
            {"handle": self.resumption_handle} if self.resumption_handle else {}
        )
        return {"setup": setup}

    async def on_open(self, ws: ClientConnection, *, resumed: bool) -> None:
        await ws.send(json.dumps(self.setup_message(), separators=(",", ":")))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._open_timeout_s
        while True:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise BackendError(f"{self.provider}: no setupComplete", retryable=True) from None
            except ConnectionClosed as exc:
                raise self.closed_error(exc, "during setup (setup rejected)") from None
            try:
                message = json.loads(raw)
            except ValueError:
                message = None
            if isinstance(message, dict) and (
                "setupComplete" in message or "setup_complete" in message
            ):
                return
            for event in self.decode(raw):
                self._queue.put_nowait(event)

    def on_reconnected(self) -> None:
        self._activity_open = False
        self._turn_interrupted = False

    # -- RealtimeSession ------------------------------------------------------------------

    async def send_audio(self, frame: AudioInputFrame) -> None:
        """Send one frame (PCM16 mono at the input rate) as ``realtimeInput.audio``."""
        if frame.sample_rate_hz != self._input_rate or frame.channels != 1:
            raise AudioFormatError(
                f"{self.provider}: audio must be mono at {self._input_rate} Hz, got "
                f"{frame.channels} channel(s) at {frame.sample_rate_hz} Hz"
            )
        if self._manual and not self._activity_open:
            self._activity_open = True
            await self.send_json({"realtimeInput": {"activityStart": {}}})
        await self.send_text(self._audio_head + pcm16_to_b64(frame.samples) + '"}}}')

    async def send_event(self, event: ExternalContextEvent | ControlEvent) -> None:
        """Tool results (``toolResponse``), context (``clientContent``), turn ends."""
        if isinstance(event, Interruption):
            # Gemini tracks what it generated, not what was played; nothing to truncate.
            self._turn_interrupted = True
        elif isinstance(event, TurnEnd):
            if event.role != "user":
                return
            if self._manual:
                self._activity_open = False
                await self.send_json({"realtimeInput": {"activityEnd": {}}})
            else:
                await self.send_json({"realtimeInput": {"audioStreamEnd": True}})
        elif isinstance(event, ExternalContextEvent):
            await self._context(event)
        elif not isinstance(event, ControlEvent):
            raise ConfigError(f"{self.provider}: cannot send {type(event).__name__}")

    async def _context(self, event: ExternalContextEvent) -> None:
        payload = event.payload
        if event.kind == "tool_result":
            call_id = event.call_id
            if not call_id:
                raise ConfigError(f"{self.provider}: a tool result needs a call_id")
            if call_id in self._cancelled:
                self._cancelled.discard(call_id)
                log.info("%s: dropped the result of cancelled call %s", self.provider, call_id)
                return
            name = self._calls.pop(call_id, None) or str(payload.get("name", ""))
            ok = payload.get("ok", "error" not in payload)
            body = {"output": payload.get("result")} if ok else {"error": payload.get("error")}
            response = ToolResponse(
                function_responses=[FunctionResponse(id=call_id, name=name, response=body)]
            )
            await self.send_json({"toolResponse": response.wire()})
            return
        given = payload.get("text")
        text = given if isinstance(given, str) else json.dumps(payload)
        complete = event.kind in ("transcript_override", "precomputed_reply")
        if event.kind == "precomputed_reply":
            text = f"Say exactly this and nothing else: {text}"
        content = ClientContent(
            turns=[Content(role="user", parts=[Part(text=text)])], turn_complete=complete
        )
        await self.send_json({"clientContent": content.wire()})

    # -- server messages ------------------------------------------------------------------

    def handle_message(self, message: dict[str, Any]) -> list[RealtimeEvent]:
        events: list[RealtimeEvent] = []
        # Usage rides on the turnComplete message; report it before the ResponseDone.
        raw_usage = _key(message, "usageMetadata", "usage_metadata")
        if raw_usage is not None:
            usage = UsageMetadata.model_validate(raw_usage)
            events.append(Usage(usage.prompt_token_count, usage.response_token_count, raw_usage))
        for key, value in message.items():
            if key in ("serverContent", "server_content"):
                self._server_content(value, events)
            elif key in ("usageMetadata", "usage_metadata"):
                continue
            elif key in ("toolCall", "tool_call"):
                self._finish_text("user", events)
                for call in ToolCallMessage.model_validate(value).function_calls:
                    self._calls[call.id] = call.name
                    events.append(ToolCall(call.id, call.name, json.dumps(call.args)))
            elif key in ("toolCallCancellation", "tool_call_cancellation"):
                for call_id in value.get("ids", ()):
                    if self._calls.pop(call_id, None) is not None:
                        self._cancelled.add(call_id)
                events.append(UnknownEvent(event_type="toolCallCancellation", raw=message))
            elif key in ("sessionResumptionUpdate", "session_resumption_update"):
                update = SessionResumptionUpdate.model_validate(value)
                if update.resumable is not False and update.new_handle:
                    self.resumption_handle = update.new_handle
            elif key in ("goAway", "go_away"):
                notice = GoAway.model_validate(value)
                self.request_reconnect(f"goAway (timeLeft {notice.time_left})")
            elif key in ("setupComplete", "setup_complete"):
                continue
            else:
                events.append(UnknownEvent(event_type=key, raw=message))
        return events

    def _server_content(self, content: dict[str, Any], events: list[RealtimeEvent]) -> None:
        turn = _key(content, "modelTurn", "model_turn")
        if turn:
            self._finish_text("user", events)
            for part in turn.get("parts", ()):
                blob = _key(part, "inlineData", "inline_data")
                if blob is not None:
                    mime = _key(blob, "mimeType", "mime_type") or ""
                    rate = _rate_of(mime, self._output_rate)
                    events.append(AudioDelta(b64_to_pcm16(blob["data"]), rate, 1))
                elif part.get("text"):
                    events.append(TranscriptDelta(part["text"], "assistant", False))
        for camel, snake, role in (
            ("inputTranscription", "input_transcription", "user"),
            ("outputTranscription", "output_transcription", "assistant"),
        ):
            raw = _key(content, camel, snake)
            if raw is not None:
                t = Transcription.model_validate(raw)
                if t.text:
                    self._text[role].append(t.text)
                    events.append(TranscriptDelta(t.text, role, False))  # type: ignore[arg-type]
                if t.finished:
                    self._finish_text(role, events)
        if content.get("interrupted"):
            self._turn_interrupted = True
            events.append(Interrupted(reason="server"))
        if _key(content, "turnComplete", "turn_complete"):
            self._finish_text("user", events)
            self._finish_text("assistant", events)
            status = "cancelled" if self._turn_interrupted else "completed"
            self._turn_interrupted = False
            events.append(ResponseDone(None, status))

    def _finish_text(self, role: str, events: list[RealtimeEvent]) -> None:
        """Close a transcript: Gemini sends pieces; the final event carries the whole text."""
        pieces = self._text[role]
        if pieces:
            events.append(TranscriptDelta("".join(pieces), role, True))  # type: ignore[arg-type]
            pieces.clear()
