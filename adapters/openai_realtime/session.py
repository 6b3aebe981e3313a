"""The session for OpenAI-shaped realtime protocols (OpenAI GA and beta, Azure, Qwen).

``OpenAIShapedSession`` sends a prepared ``session.update`` on every (re)connection,
encodes audio as ``input_audio_buffer.append``, and maps server events of both the GA and
the beta naming to ``RealtimeEvent``s. Provider adapters differ only in URL, auth headers,
the session object and a few ``OpenAIDialect`` switches; they build one of these.

Mapping (GA name / beta name -> event):

* ``response.output_audio.delta`` / ``response.audio.delta`` -> ``AudioDelta``
* ``response.output_audio_transcript.*`` / ``response.audio_transcript.*`` and
  ``response.output_text.*`` / ``response.text.*`` -> assistant ``TranscriptDelta``
* ``conversation.item.input_audio_transcription.delta|completed`` -> user ``TranscriptDelta``
* ``input_audio_buffer.speech_started|stopped`` -> ``SpeechStarted`` / ``SpeechStopped`` (the
  runtime decides whether speech during playback is a barge-in; a response the server
  cancelled for it ends with ``ResponseDone(status="cancelled")``)
* ``response.function_call_arguments.done`` -> ``ToolCall``
* ``response.done`` -> ``Usage`` (if reported) then ``ResponseDone``; ``error`` -> ``RealtimeError``
* bookkeeping events (``session.*``, ``response.created``, ``*.added``, ...) update state only;
  any other type -> ``UnknownEvent``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection

from vona.adapters.openai_realtime.models import (
    ConversationItemCreate,
    ConversationItemTruncate,
    ErrorEvent,
    FunctionCallArgumentsDone,
    FunctionCallOutputItem,
    InputAudioBufferCommit,
    InputText,
    MessageItem,
    OutputItemAdded,
    ResponseCancel,
    ResponseCreate,
    ResponseDoneEvent,
    SessionUpdate,
    SpeechStartedEvent,
    SpeechStoppedEvent,
    TranscriptEvent,
)
from vona.errors import AudioFormatError, BackendError, ConfigError
from vona.events import ControlEvent, ExternalContextEvent, Interruption, TurnEnd
from vona.frames import AudioInputFrame
from vona.realtime import (
    AudioDelta,
    RealtimeError,
    RealtimeEvent,
    ResponseDone,
    SpeechStarted,
    SpeechStopped,
    ToolCall,
    TranscriptDelta,
    UnknownEvent,
    Usage,
)
from vona.realtime.pcm import b64_to_pcm16, pcm16_to_b64, samples_to_ms
from vona.realtime.secrets import ApiKey
from vona.realtime.websocket import ReconnectPolicy, WebSocketSession

__all__ = ["OpenAIDialect", "OpenAIShapedSession", "tool_output_text"]

_APPEND_HEAD = '{"type":"input_audio_buffer.append","audio":"'
_APPEND_TAIL = '"}'

# Events that only update state (or that Vona has no use for) and produce no event.
_BOOKKEEPING = frozenset(
    {
        "session.created",
        "session.updated",
        "session.finished",
        "conversation.created",
        "conversation.item.added",
        "conversation.item.created",
        "conversation.item.done",
        "conversation.item.retrieved",
        "conversation.item.truncated",
        "conversation.item.deleted",
        "input_audio_buffer.committed",
        "input_audio_buffer.cleared",
        "response.output_item.done",
        "response.content_part.added",
        "response.content_part.done",
        "response.output_audio.done",
        "response.audio.done",
        "response.function_call_arguments.delta",
        "rate_limits.updated",
        "output_audio_buffer.started",
        "output_audio_buffer.stopped",
        "output_audio_buffer.cleared",
    }
)


@dataclass(frozen=True, slots=True)
class OpenAIDialect:
    """What differs between OpenAI-shaped providers on the session's side.

    ``response_create``: the body of the ``response.create`` sent after tool output (beta
    servers may want ``{"modalities": [...]}``). ``supports_truncate``: whether
    ``conversation.item.truncate`` exists. ``goodbye``: a message sent before closing
    (Qwen's ``session.finish``).
    """

    name: str = "ga"
    supports_truncate: bool = True
    response_create: Mapping[str, Any] | None = None
    goodbye: str | None = None


def tool_output_text(event: ExternalContextEvent) -> str:
    """A tool result event as the string a provider's function output carries."""
    payload = event.payload
    if payload.get("ok", "error" not in payload):
        result = payload.get("result")
        return result if isinstance(result, str) else json.dumps(result)
    return json.dumps({"error": payload.get("error", "tool failed")})


class OpenAIShapedSession(WebSocketSession):
    """A live OpenAI-shaped realtime session (see the module docstring for the mapping)."""

    def __init__(
        self,
        *,
        provider: str,
        url: str,
        headers: Mapping[str, str],
        secrets: Sequence[ApiKey],
        session: Mapping[str, Any],
        input_rate_hz: int,
        output_rate_hz: int,
        manual_turns: bool,
        server_interrupts: bool = True,
        dialect: OpenAIDialect | None = None,
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
        self.provider = provider  # type: ignore[misc]
        self._session_update = SessionUpdate(session=dict(session)).wire()
        self._input_rate = input_rate_hz
        self._output_rate = output_rate_hz
        self._manual = manual_turns
        # With server VAD and interrupt_response the server cancels on speech itself.
        self._server_cancels = server_interrupts and not manual_turns
        self._dialect = dialect or OpenAIDialect()
        self._response_active = False
        self._audio_item: str | None = None
        self._audio_samples = 0
        self._pending_calls: set[str] = set()
        self._create_after_done = False
        self._handlers: dict[str, Callable[[dict[str, Any]], list[RealtimeEvent]]] = {
            "response.output_audio.delta": self._on_audio_delta,
            "response.audio.delta": self._on_audio_delta,
            "response.output_audio_transcript.delta": self._on_assistant_delta,
            "response.audio_transcript.delta": self._on_assistant_delta,
            "response.output_text.delta": self._on_assistant_delta,
            "response.text.delta": self._on_assistant_delta,
            "response.output_audio_transcript.done": self._on_assistant_done,
            "response.audio_transcript.done": self._on_assistant_done,
            "response.output_text.done": self._on_assistant_done,
            "response.text.done": self._on_assistant_done,
            "conversation.item.input_audio_transcription.delta": self._on_user_delta,
            "conversation.item.input_audio_transcription.completed": self._on_user_done,
            "input_audio_buffer.speech_started": self._on_speech_started,
            "input_audio_buffer.speech_stopped": self._on_speech_stopped,
            "response.created": self._on_response_created,
            "response.output_item.added": self._on_output_item,
            "response.function_call_arguments.done": self._on_function_call,
            "response.done": self._on_response_done,
            "error": self._on_error,
        }

    # -- connection hooks -----------------------------------------------------------------

    async def on_open(self, ws: ClientConnection, *, resumed: bool) -> None:
        await ws.send(json.dumps(self._session_update, separators=(",", ":")))
        # The server greets every connection (``session.created``): wait for it, so a
        # connection refused or closed during setup fails ``connect()`` itself (and a
        # fallback can take over) rather than the first read later.
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=self._open_timeout_s)
        except asyncio.TimeoutError:
            raise BackendError(f"{self.provider}: no session.created", retryable=True) from None
        for event in self.decode(raw):
            self._queue.put_nowait(event)

    async def on_close(self, ws: ClientConnection) -> None:
        if self._dialect.goodbye:
            await ws.send(json.dumps({"type": self._dialect.goodbye}))

    def on_reconnected(self) -> None:
        # A new connection is a new server-side session: nothing from before is pending.
        self._response_active = False
        self._audio_item = None
        self._audio_samples = 0
        self._pending_calls.clear()
        self._create_after_done = False

    # -- RealtimeSession ------------------------------------------------------------------

    async def send_audio(self, frame: AudioInputFrame) -> None:
        """Send one frame (PCM16 mono at the provider's input rate) as base64."""
        if frame.sample_rate_hz != self._input_rate or frame.channels != 1:
            raise AudioFormatError(
                f"{self.provider}: audio must be mono at {self._input_rate} Hz, got "
                f"{frame.channels} channel(s) at {frame.sample_rate_hz} Hz"
            )
        await self.send_text(_APPEND_HEAD + pcm16_to_b64(frame.samples) + _APPEND_TAIL)

    async def send_event(self, event: ExternalContextEvent | ControlEvent) -> None:
        """Tool results, context, interruptions (cancel + truncate) and manual turn ends."""
        if isinstance(event, Interruption):
            await self._interrupt(event)
        elif isinstance(event, TurnEnd):
            if event.role == "user":
                await self.send_json(InputAudioBufferCommit().wire())
                await self._create_response()
        elif isinstance(event, ExternalContextEvent):
            await self._context(event)
        elif isinstance(event, ControlEvent):
            return  # other control events concern the runtime, not the provider
        else:
            raise ConfigError(f"{self.provider}: cannot send {type(event).__name__}")

    async def _interrupt(self, event: Interruption) -> None:
        server_did = self._server_cancels and (
            event.reason == "barge_in" or event.reason.startswith("server")
        )
        if self._response_active and not server_did:
            self._response_active = False
            await self.send_json(ResponseCancel().wire())
        if not (self._dialect.supports_truncate and self._audio_item and self._audio_samples):
            return
        played = event.played_ms
        if played is None and event.played_samples is not None:
            played = samples_to_ms(event.played_samples, self._output_rate)
        if played is None:
            return  # nobody knows what was heard: keep the server's history as it is
        received = samples_to_ms(self._audio_samples, self._output_rate)
        truncate = ConversationItemTruncate(
            item_id=self._audio_item, content_index=0, audio_end_ms=max(0, min(played, received))
        )
        self._audio_item = None
        await self.send_json(truncate.wire())

    async def _context(self, event: ExternalContextEvent) -> None:
        if event.kind == "tool_result":
            if not event.call_id:
                raise ConfigError(f"{self.provider}: a tool result needs a call_id")
            item = FunctionCallOutputItem(call_id=event.call_id, output=tool_output_text(event))
            await self.send_json(ConversationItemCreate(item=item).wire())
            self._pending_calls.discard(event.call_id)
            if not self._pending_calls:
                await self._create_response()
            return
        if event.kind == "precomputed_reply":
            text = str(event.payload.get("text", ""))
            body = dict(self._dialect.response_create or {})
            body["instructions"] = f"Say exactly this and nothing else: {text}"
            await self.send_json(ResponseCreate(response=body).wire())
            return
        role: Literal["user", "system"] = (
            "user" if event.kind == "transcript_override" else "system"
        )
        given = event.payload.get("text")
        text = given if isinstance(given, str) else json.dumps(event.payload)
        message = MessageItem(role=role, content=[InputText(text=text)])
        await self.send_json(ConversationItemCreate(item=message).wire())

    async def _create_response(self) -> None:
        if self._response_active:
            self._create_after_done = True  # one response at a time: ask again when it ends
            return
        await self.send_json(self._response_create())

    def _response_create(self) -> dict[str, Any]:
        body = self._dialect.response_create
        return (ResponseCreate(response=dict(body)) if body else ResponseCreate()).wire()

    # -- server events --------------------------------------------------------------------

    def handle_message(self, message: dict[str, Any]) -> list[RealtimeEvent]:
        kind = message.get("type")
        handler = self._handlers.get(kind) if isinstance(kind, str) else None
        if handler is not None:
            return handler(message)
        if kind in _BOOKKEEPING:
            return []
        return [UnknownEvent(event_type=str(kind), raw=message)]

    def _on_audio_delta(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        samples = b64_to_pcm16(m["delta"])
        item_id = m.get("item_id")
        if item_id != self._audio_item:
            self._audio_item = item_id
            self._audio_samples = 0
        self._audio_samples += samples.shape[0]
        return [AudioDelta(samples, self._output_rate, 1, m.get("response_id"), item_id)]

    def _on_assistant_delta(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        e = TranscriptEvent.model_validate(m)
        return [TranscriptDelta(e.delta or "", "assistant", False, e.item_id)]

    def _on_assistant_done(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        e = TranscriptEvent.model_validate(m)
        return [TranscriptDelta(e.transcript or e.text or "", "assistant", True, e.item_id)]

    def _on_user_delta(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        e = TranscriptEvent.model_validate(m)
        return [TranscriptDelta(e.delta or "", "user", False, e.item_id)]

    def _on_user_done(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        e = TranscriptEvent.model_validate(m)
        return [TranscriptDelta(e.transcript or "", "user", True, e.item_id)]

    def _on_speech_started(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        e = SpeechStartedEvent.model_validate(m)
        return [SpeechStarted(e.audio_start_ms, e.item_id)]

    def _on_speech_stopped(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        e = SpeechStoppedEvent.model_validate(m)
        return [SpeechStopped(e.audio_end_ms, e.item_id)]

    def _on_response_created(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        self._response_active = True
        return []

    def _on_output_item(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        e = OutputItemAdded.model_validate(m)
        if e.item.type == "message" and e.item.id:
            self._audio_item = e.item.id
            self._audio_samples = 0
        return []

    def _on_function_call(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        e = FunctionCallArgumentsDone.model_validate(m)
        self._pending_calls.add(e.call_id)
        return [ToolCall(e.call_id, e.name, e.arguments, e.response_id)]

    def _on_response_done(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        e = ResponseDoneEvent.model_validate(m)
        self._response_active = False
        events: list[RealtimeEvent] = []
        usage = e.response.usage
        if usage is not None:
            raw = m["response"].get("usage") or {}
            events.append(Usage(usage.input_tokens, usage.output_tokens, raw))
        events.append(ResponseDone(e.response.id, e.response.status))
        if self._create_after_done and not self._pending_calls:
            self._create_after_done = False
            self.send_later(self._response_create())
        return events

    def _on_error(self, m: dict[str, Any]) -> list[RealtimeEvent]:
        e = ErrorEvent.model_validate(m)
        message = self.redact(e.error.message)
        return [RealtimeError(message=message, code=e.error.code or e.error.type)]
