"""Session configuration: what an application asks of a voice session.

Pydantic models (validated once per session, never per frame). Every field has a
default, so ``SessionConfig()`` is a valid passthrough session.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AudioFormat", "SessionConfig", "ToolSpec", "TurnDetection"]

TurnDetectionMode = Literal["server_vad", "semantic_vad", "local_vad", "manual"]


class ToolSpec(BaseModel):
    """A tool the model may call: a name, a description and a JSON schema for its arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class TurnDetection(BaseModel):
    """Who decides that the user finished speaking.

    ``server_vad``/``semantic_vad``: the provider does; ``local_vad``: Vona's VAD does;
    ``manual``: the application commits turns itself.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: TurnDetectionMode = "server_vad"
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    prefix_padding_ms: int = Field(default=300, ge=0)
    silence_duration_ms: int = Field(default=500, ge=0)
    interrupt_response: bool = True


class AudioFormat(BaseModel):
    """Raw audio as a backend or provider wants it on the wire."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    encoding: Literal["pcm16", "g711_ulaw", "g711_alaw", "opus"] = "pcm16"
    sample_rate_hz: int = Field(default=24_000, gt=0)
    channels: int = Field(default=1, ge=1, le=2)


class SessionConfig(BaseModel):
    """Everything a backend needs to start a session. All fields have defaults."""

    model_config = ConfigDict(extra="forbid")

    instructions: str = ""
    voice: str | None = None
    model: str | None = None
    language: str | None = None
    tools: list[ToolSpec] = Field(default_factory=list)
    tool_choice: Literal["auto", "none", "required"] = "auto"
    turn_detection: TurnDetection = Field(default_factory=TurnDetection)
    input_format: AudioFormat = Field(default_factory=AudioFormat)
    output_format: AudioFormat = Field(default_factory=AudioFormat)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_output_tokens: int | None = Field(default=None, gt=0)
    metadata: dict[str, Any] = Field(default_factory=dict)
