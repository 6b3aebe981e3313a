"""``AzureVoiceLiveBackend``: SessionConfig -> a Voice Live ``session.update`` (beta shape)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlencode

from vona.adapters.openai_realtime.models import (
    BetaSession,
    function_tools,
    manual_turns,
    turn_detection_wire,
)
from vona.adapters.openai_realtime.session import OpenAIDialect, OpenAIShapedSession
from vona.backends.step import BackendCapabilities
from vona.config import SessionConfig
from vona.errors import ConfigError
from vona.realtime import ApiKey, ReconnectPolicy, websocket_url
from vona.realtime import resolve_api_key as _resolve_key

__all__ = ["AzureVoiceLiveBackend", "build_session"]

ENV_KEYS = ("AZURE_VOICELIVE_API_KEY",)
ENV_ENDPOINT = "AZURE_VOICELIVE_ENDPOINT"
DEFAULT_API_VERSION = "2025-10-01"
OUTPUT_RATE_HZ = 24_000
# The voices Voice Live passes to OpenAI realtime models by plain name.
OPENAI_VOICES = frozenset(
    {"alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"}
)


def voice_wire(voice: str) -> str | dict[str, Any]:
    """An OpenAI voice name as is; any other name as an ``azure-standard`` voice object."""
    if voice in OPENAI_VOICES:
        return voice
    return {"type": "azure-standard", "name": voice}


def _ws_endpoint(endpoint: str) -> str:
    return websocket_url(endpoint, provider="azure_voice_live", what="endpoint")


def build_session(
    config: SessionConfig,
    *,
    voice: str,
    input_rate_hz: int,
    transcription_model: str | None,
    noise_suppression: bool,
    echo_cancellation: bool,
) -> dict[str, Any]:
    """The Voice Live ``session.update.session`` for ``config``."""
    for which, fmt in (("input", config.input_format), ("output", config.output_format)):
        if fmt.encoding != "pcm16":
            raise ConfigError(f"azure_voice_live: {which}_format.encoding must be pcm16")
    transcription: dict[str, Any] | None = None
    if transcription_model:
        transcription = {"model": transcription_model}
        if config.language:
            transcription["language"] = config.language
    session = BetaSession(
        modalities=["text", "audio"],
        instructions=config.instructions,
        voice=voice_wire(voice),
        input_audio_format="pcm16",
        output_audio_format="pcm16",
        input_audio_transcription=transcription,
        turn_detection=turn_detection_wire(
            config.turn_detection, vad_types=("server_vad", "azure_semantic_vad")
        ),
        tools=[t.wire() for t in function_tools(config.tools)],
        tool_choice=config.tool_choice,
    )
    if config.temperature is not None:
        session.temperature = config.temperature
    if config.max_output_tokens is not None:
        session.max_response_output_tokens = config.max_output_tokens
    wire = session.wire()
    wire["input_audio_sampling_rate"] = input_rate_hz
    if noise_suppression:
        wire["input_audio_noise_reduction"] = {"type": "azure_deep_noise_suppression"}
    if echo_cancellation:
        wire["input_audio_echo_cancellation"] = {"type": "server_echo_cancellation"}
    return wire


class AzureVoiceLiveBackend:
    """Azure Voice Live: PCM16 in at 24 kHz (or 16 kHz), 24 kHz out, tools, truncation.

    ``base_url`` is the resource endpoint (``https://<resource>.services.ai.azure.com``,
    default ``AZURE_VOICELIVE_ENDPOINT``); ``api_key`` defaults to
    ``AZURE_VOICELIVE_API_KEY`` and goes in the ``api-key`` header. ``voice`` is an OpenAI
    voice name or an Azure voice (``en-US-Ava:DragonHDLatestNeural``).
    """

    vona_contract = "realtime"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str = "gpt-realtime",
        voice: str = "en-US-Ava:DragonHDLatestNeural",
        api_version: str = DEFAULT_API_VERSION,
        input_sample_rate_hz: int = 24_000,
        transcription_model: str | None = "azure-speech",
        noise_suppression: bool = True,
        echo_cancellation: bool = False,
        reconnect: ReconnectPolicy | None = None,
        open_timeout_s: float = 10.0,
    ) -> None:
        if input_sample_rate_hz not in (16_000, 24_000):
            raise ConfigError(
                f"azure_voice_live: input_sample_rate_hz must be 16000 or 24000, "
                f"got {input_sample_rate_hz}"
            )
        endpoint = base_url or os.environ.get(ENV_ENDPOINT)
        if not endpoint:
            raise ConfigError(f"azure_voice_live: pass base_url=... or set {ENV_ENDPOINT}")
        self._key: ApiKey = _resolve_key(api_key, ENV_KEYS, provider="azure_voice_live")
        self.base_url = _ws_endpoint(endpoint)
        self.model = model
        self.voice = voice
        self.api_version = api_version
        self.input_sample_rate_hz = input_sample_rate_hz
        self.transcription_model = transcription_model
        self.noise_suppression = noise_suppression
        self.echo_cancellation = echo_cancellation
        self._reconnect = reconnect
        self._open_timeout_s = open_timeout_s

    def __repr__(self) -> str:
        return (
            f"AzureVoiceLiveBackend(base_url={self.base_url!r}, model={self.model!r}, "
            f"voice={self.voice!r}, api_version={self.api_version!r}, api_key='***')"
        )

    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(
            name="azure_voice_live",
            input_sample_rate_hz=self.input_sample_rate_hz,
            output_sample_rate_hz=OUTPUT_RATE_HZ,
            channels=1,
            frame_samples=self.input_sample_rate_hz // 50,
            supports_tools=True,
            supports_interruption=True,
            streaming=True,
            extra={"api_version": self.api_version, "truncation": True},
        )

    def url(self, model: str) -> str:
        query = urlencode({"api-version": self.api_version, "model": model})
        return f"{self.base_url}/voice-live/realtime?{query}"

    async def connect(self, config: SessionConfig) -> OpenAIShapedSession:
        """Open a Voice Live session configured by ``config``."""
        model = config.model or self.model
        session = build_session(
            config,
            voice=config.voice or self.voice,
            input_rate_hz=self.input_sample_rate_hz,
            transcription_model=self.transcription_model,
            noise_suppression=self.noise_suppression,
            echo_cancellation=self.echo_cancellation,
        )
        realtime = OpenAIShapedSession(
            provider="azure_voice_live",
            url=self.url(model),
            headers={"api-key": self._key.reveal()},
            secrets=(self._key,),
            session=session,
            input_rate_hz=self.input_sample_rate_hz,
            output_rate_hz=OUTPUT_RATE_HZ,
            manual_turns=manual_turns(config),
            server_interrupts=config.turn_detection.interrupt_response,
            dialect=OpenAIDialect(name="azure", response_create={"modalities": ["text", "audio"]}),
            reconnect=self._reconnect,
            open_timeout_s=self._open_timeout_s,
        )
        await realtime.start()
        return realtime
