"""Pydantic models of the Gemini Live wire (BidiGenerateContent), the fields Vona uses.

The wire is lowerCamelCase; servers also accept snake_case, and Vona reads both. Models
serialise by alias (camelCase) and keep unknown fields (``extra="allow"``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "AutomaticActivityDetection",
    "ClientContent",
    "Content",
    "FunctionCall",
    "FunctionDeclaration",
    "FunctionResponse",
    "GenerationConfig",
    "GoAway",
    "Part",
    "RealtimeInputConfig",
    "SessionResumptionUpdate",
    "Setup",
    "ToolCallMessage",
    "ToolResponse",
    "Transcription",
    "UsageMetadata",
]


class _Camel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
    )

    def wire(self) -> dict[str, Any]:
        """camelCase JSON-ready dict without unset optional fields."""
        return self.model_dump(mode="json", exclude_none=True)


# -- client ------------------------------------------------------------------------------


class Part(_Camel):
    text: str | None = None


class Content(_Camel):
    role: str | None = None
    parts: list[Part] = Field(default_factory=list)


class PrebuiltVoiceConfig(_Camel):
    voice_name: str


class VoiceConfig(_Camel):
    prebuilt_voice_config: PrebuiltVoiceConfig


class SpeechConfig(_Camel):
    voice_config: VoiceConfig | None = None
    language_code: str | None = None


class GenerationConfig(_Camel):
    response_modalities: list[str] = Field(default_factory=lambda: ["AUDIO"])
    speech_config: SpeechConfig | None = None
    temperature: float | None = None
    max_output_tokens: int | None = None


class FunctionDeclaration(_Camel):
    name: str
    description: str = ""
    parameters_json_schema: dict[str, Any] | None = None


class Tool(_Camel):
    function_declarations: list[FunctionDeclaration]


class AutomaticActivityDetection(_Camel):
    disabled: bool = False
    prefix_padding_ms: int | None = None
    silence_duration_ms: int | None = None


class RealtimeInputConfig(_Camel):
    automatic_activity_detection: AutomaticActivityDetection
    activity_handling: str | None = None


class SessionResumption(_Camel):
    handle: str | None = None


class Setup(_Camel):
    model: str
    generation_config: GenerationConfig
    system_instruction: Content | None = None
    tools: list[Tool] | None = None
    realtime_input_config: RealtimeInputConfig | None = None
    input_audio_transcription: dict[str, Any] | None = None
    output_audio_transcription: dict[str, Any] | None = None
    session_resumption: SessionResumption | None = None


class FunctionResponse(_Camel):
    id: str
    name: str
    response: dict[str, Any]


class ToolResponse(_Camel):
    function_responses: list[FunctionResponse]


class ClientContent(_Camel):
    turns: list[Content]
    turn_complete: bool = True


# -- server ------------------------------------------------------------------------------


class FunctionCall(_Camel):
    id: str
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class ToolCallMessage(_Camel):
    function_calls: list[FunctionCall] = Field(default_factory=list)


class Transcription(_Camel):
    text: str = ""
    finished: bool | None = None


class UsageMetadata(_Camel):
    prompt_token_count: int = 0
    response_token_count: int = 0


class SessionResumptionUpdate(_Camel):
    new_handle: str | None = None
    resumable: bool | None = None


class GoAway(_Camel):
    time_left: str | None = None
