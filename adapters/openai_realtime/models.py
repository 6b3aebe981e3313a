"""Pydantic models of the OpenAI-shaped realtime wire (OpenAI GA and beta, Azure, Qwen).

Only the fields Vona reads or writes are declared; ``extra="allow"`` keeps everything
else, so a provider's additions (Azure's voice objects, Qwen's ``pcm24``) pass through.
The per-chunk messages (``input_audio_buffer.append`` out, audio deltas in) bypass the
models on the hot path; tests check both paths produce the same JSON.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vona.config import SessionConfig, ToolSpec, TurnDetection

__all__ = [
    "BetaSession",
    "ConversationItemCreate",
    "ConversationItemTruncate",
    "ErrorEvent",
    "FunctionCallArgumentsDone",
    "FunctionCallOutputItem",
    "FunctionTool",
    "GAAudio",
    "GAAudioFormat",
    "GAAudioInput",
    "GAAudioOutput",
    "GASession",
    "InputAudioBufferAppend",
    "InputAudioBufferCommit",
    "InputText",
    "MessageItem",
    "OutputItemAdded",
    "ResponseCancel",
    "ResponseCreate",
    "ResponseDoneEvent",
    "SessionUpdate",
    "SpeechStartedEvent",
    "SpeechStoppedEvent",
    "TranscriptEvent",
    "TurnDetectionWire",
    "function_tools",
    "turn_detection_wire",
]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow")

    def model_post_init(self, context: Any, /) -> None:
        # A defaulted ``type`` is still the message's tag: always serialise it.
        if "type" in type(self).model_fields:
            self.model_fields_set.add("type")

    def wire(self) -> dict[str, Any]:
        """JSON-ready dict of the fields that were set (explicit ``None`` kept: it clears)."""
        return self.model_dump(mode="json", exclude_unset=True)


# -- session configuration ---------------------------------------------------------------


class TurnDetectionWire(_Wire):
    type: str = "server_vad"
    threshold: float | None = None
    prefix_padding_ms: int | None = None
    silence_duration_ms: int | None = None
    eagerness: str | None = None
    create_response: bool | None = None
    interrupt_response: bool | None = None


class FunctionTool(_Wire):
    type: Literal["function"] = "function"
    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)


class GAAudioFormat(_Wire):
    type: Literal["audio/pcm", "audio/pcmu", "audio/pcma"] = "audio/pcm"
    rate: int | None = None


class GAAudioInput(_Wire):
    format: GAAudioFormat | None = None
    transcription: dict[str, Any] | None = None
    noise_reduction: dict[str, Any] | None = None
    turn_detection: TurnDetectionWire | None = None


class GAAudioOutput(_Wire):
    format: GAAudioFormat | None = None
    voice: str | None = None
    speed: float | None = None


class GAAudio(_Wire):
    input: GAAudioInput | None = None
    output: GAAudioOutput | None = None


class GASession(_Wire):
    """``session.update.session`` in the GA shape (nested ``audio``)."""

    type: Literal["realtime"] = "realtime"
    model: str | None = None
    instructions: str | None = None
    output_modalities: list[str] | None = None
    audio: GAAudio | None = None
    tools: list[FunctionTool] | None = None
    tool_choice: str | None = None
    max_output_tokens: int | Literal["inf"] | None = None


class BetaSession(_Wire):
    """``session.update.session`` in the beta shape (flat fields; Azure and Qwen extend it)."""

    modalities: list[str] | None = None
    instructions: str | None = None
    voice: str | dict[str, Any] | None = None
    input_audio_format: str | None = None
    output_audio_format: str | None = None
    input_audio_transcription: dict[str, Any] | None = None
    turn_detection: TurnDetectionWire | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | None = None
    temperature: float | None = None
    max_response_output_tokens: int | Literal["inf"] | None = None


def turn_detection_wire(
    td: TurnDetection, *, padding: bool = True, vad_types: tuple[str, str] | None = None
) -> TurnDetectionWire | None:
    """Vona's turn detection as the wire object; ``None`` (client commits) for manual/local.

    ``vad_types`` renames (server, semantic) for providers with their own VAD names.
    ``padding=False`` leaves out ``prefix_padding_ms`` for servers that reject it.
    """
    server, semantic = vad_types or ("server_vad", "semantic_vad")
    if td.mode == "server_vad":
        wire = TurnDetectionWire(
            type=server,
            threshold=td.threshold,
            silence_duration_ms=td.silence_duration_ms,
            create_response=True,
            interrupt_response=td.interrupt_response,
        )
        if padding:
            wire.prefix_padding_ms = td.prefix_padding_ms
        return wire
    if td.mode == "semantic_vad":
        if semantic == "semantic_vad":
            return TurnDetectionWire(
                type=semantic,
                eagerness="auto",
                create_response=True,
                interrupt_response=td.interrupt_response,
            )
        return TurnDetectionWire(
            type=semantic,
            threshold=td.threshold,
            silence_duration_ms=td.silence_duration_ms,
            create_response=True,
            interrupt_response=td.interrupt_response,
        )
    return None


def function_tools(tools: list[ToolSpec]) -> list[FunctionTool]:
    """Tool specs as flat ``{"type":"function","name",...}`` tools (OpenAI, Azure)."""
    return [
        FunctionTool(name=t.name, description=t.description, parameters=t.parameters) for t in tools
    ]


def manual_turns(config: SessionConfig) -> bool:
    """True when the client commits user turns itself (manual or local VAD)."""
    return config.turn_detection.mode in ("manual", "local_vad")


# -- client events -----------------------------------------------------------------------


class SessionUpdate(_Wire):
    type: Literal["session.update"] = "session.update"
    session: dict[str, Any]


class InputAudioBufferAppend(_Wire):
    type: Literal["input_audio_buffer.append"] = "input_audio_buffer.append"
    audio: str


class InputAudioBufferCommit(_Wire):
    type: Literal["input_audio_buffer.commit"] = "input_audio_buffer.commit"


class InputText(_Wire):
    type: Literal["input_text"] = "input_text"
    text: str


class MessageItem(_Wire):
    type: Literal["message"] = "message"
    role: Literal["user", "system", "assistant"]
    content: list[InputText]


class FunctionCallOutputItem(_Wire):
    type: Literal["function_call_output"] = "function_call_output"
    call_id: str
    output: str


class ConversationItemCreate(_Wire):
    type: Literal["conversation.item.create"] = "conversation.item.create"
    item: FunctionCallOutputItem | MessageItem


class ConversationItemTruncate(_Wire):
    type: Literal["conversation.item.truncate"] = "conversation.item.truncate"
    item_id: str
    content_index: int = 0
    audio_end_ms: int


class ResponseCreate(_Wire):
    type: Literal["response.create"] = "response.create"
    response: dict[str, Any] | None = None


class ResponseCancel(_Wire):
    type: Literal["response.cancel"] = "response.cancel"


# -- server events (the fields used) -----------------------------------------------------


class _ErrorDetail(_Wire):
    message: str = "unknown error"
    type: str | None = None
    code: str | None = None


class ErrorEvent(_Wire):
    error: _ErrorDetail


class _Usage(_Wire):
    input_tokens: int = 0
    output_tokens: int = 0


class _Response(_Wire):
    id: str | None = None
    status: str = "completed"
    usage: _Usage | None = None


class ResponseDoneEvent(_Wire):
    response: _Response


class FunctionCallArgumentsDone(_Wire):
    call_id: str
    name: str
    arguments: str = "{}"
    response_id: str | None = None


class SpeechStartedEvent(_Wire):
    audio_start_ms: int | None = None
    item_id: str | None = None


class SpeechStoppedEvent(_Wire):
    audio_end_ms: int | None = None
    item_id: str | None = None


class TranscriptEvent(_Wire):
    """Any transcript/text delta or done event: ``delta`` or ``transcript``/``text``."""

    item_id: str | None = None
    delta: str | None = None
    transcript: str | None = None
    text: str | None = None


class _Item(_Wire):
    id: str | None = None
    type: str | None = None
    role: str | None = None


class OutputItemAdded(_Wire):
    response_id: str | None = None
    item: _Item
