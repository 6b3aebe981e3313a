"""``GeminiLiveBackend``: SessionConfig -> a Gemini Live ``setup`` message, URL and key."""

from __future__ import annotations

from typing import Any

from vona.adapters.gemini_live.models import (
    AutomaticActivityDetection,
    Content,
    FunctionDeclaration,
    GenerationConfig,
    Part,
    PrebuiltVoiceConfig,
    RealtimeInputConfig,
    Setup,
    SpeechConfig,
    Tool,
    VoiceConfig,
)
from vona.adapters.gemini_live.session import GeminiLiveSession
from vona.backends.step import BackendCapabilities
from vona.config import SessionConfig
from vona.errors import ConfigError
from vona.realtime import ApiKey, ReconnectPolicy, websocket_url
from vona.realtime import resolve_api_key as _resolve_key

__all__ = ["GeminiLiveBackend", "build_setup"]

ENV_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
DEFAULT_BASE_URL = "wss://generativelanguage.googleapis.com"
INPUT_RATE_HZ = 16_000
OUTPUT_RATE_HZ = 24_000


def build_setup(
    config: SessionConfig, *, model: str, voice: str, transcribe: bool
) -> dict[str, Any]:
    """The ``setup`` object (without ``sessionResumption``) for ``config``.

    Tool schemas go in ``parametersJsonSchema`` (plain JSON Schema, as written).
    """
    for which, fmt in (("input", config.input_format), ("output", config.output_format)):
        if fmt.encoding != "pcm16":
            raise ConfigError(f"gemini_live: {which}_format.encoding must be pcm16")
    name = model if model.startswith(("models/", "projects/")) else f"models/{model}"
    speech = SpeechConfig(
        voice_config=VoiceConfig(prebuilt_voice_config=PrebuiltVoiceConfig(voice_name=voice)),
        language_code=config.language,
    )
    generation = GenerationConfig(
        response_modalities=["AUDIO"],
        speech_config=speech,
        temperature=config.temperature,
        max_output_tokens=config.max_output_tokens,
    )
    td = config.turn_detection
    manual = td.mode in ("manual", "local_vad")
    detection = AutomaticActivityDetection(disabled=manual)
    if not manual:
        detection.prefix_padding_ms = td.prefix_padding_ms
        detection.silence_duration_ms = td.silence_duration_ms
    setup = Setup(
        model=name,
        generation_config=generation,
        realtime_input_config=RealtimeInputConfig(
            automatic_activity_detection=detection,
            activity_handling=(
                "START_OF_ACTIVITY_INTERRUPTS" if td.interrupt_response else "NO_INTERRUPTION"
            ),
        ),
    )
    if config.instructions:
        setup.system_instruction = Content(parts=[Part(text=config.instructions)])
    if config.tools and config.tool_choice != "none":
        declarations = [
            FunctionDeclaration(
                name=t.name, description=t.description, parameters_json_schema=t.parameters
            )
            for t in config.tools
        ]
        setup.tools = [Tool(function_declarations=declarations)]
    wire = setup.wire()
    if transcribe:
        wire["inputAudioTranscription"] = {}
        wire["outputAudioTranscription"] = {}
    return wire


class GeminiLiveBackend:
    """Gemini Live: PCM16 16 kHz up, 24 kHz down, tools, server barge-in, resumption.

    ``api_key`` defaults to ``GEMINI_API_KEY`` (then ``GOOGLE_API_KEY``) and is sent in the
    ``x-goog-api-key`` header. ``base_url`` (``wss://generativelanguage.googleapis.com``)
    may point at a proxy or a loopback fake.
    """

    vona_contract = "realtime"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str = "gemini-live-2.5-flash-preview",
        voice: str = "Puck",
        api_version: str = "v1beta",
        transcribe: bool = True,
        reconnect: ReconnectPolicy | None = None,
        open_timeout_s: float = 10.0,
    ) -> None:
        self._key: ApiKey = _resolve_key(api_key, ENV_VARS, provider="gemini_live")
        self.base_url = websocket_url(base_url or DEFAULT_BASE_URL, provider="gemini_live")
        self.model = model
        self.voice = voice
        self.api_version = api_version
        self.transcribe = transcribe
        self._reconnect = reconnect
        self._open_timeout_s = open_timeout_s

    def __repr__(self) -> str:
        return (
            f"GeminiLiveBackend(base_url={self.base_url!r}, model={self.model!r}, "
            f"voice={self.voice!r}, api_key='***')"
        )

    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(
            name="gemini_live",
            input_sample_rate_hz=INPUT_RATE_HZ,
            output_sample_rate_hz=OUTPUT_RATE_HZ,
            channels=1,
            frame_samples=INPUT_RATE_HZ // 50,
            supports_tools=True,
            supports_interruption=True,
            streaming=True,
            extra={"truncation": False, "session_resumption": True},
        )

    def url(self) -> str:
        service = f"google.ai.generativelanguage.{self.api_version}.GenerativeService"
        return f"{self.base_url}/ws/{service}.BidiGenerateContent"

    async def connect(self, config: SessionConfig) -> GeminiLiveSession:
        """Open a Gemini Live session; waits for ``setupComplete``."""
        session = GeminiLiveSession(
            url=self.url(),
            headers={"x-goog-api-key": self._key.reveal()},
            secrets=(self._key,),
            setup=build_setup(
                config,
                model=config.model or self.model,
                voice=config.voice or self.voice,
                transcribe=self.transcribe,
            ),
            input_rate_hz=INPUT_RATE_HZ,
            output_rate_hz=OUTPUT_RATE_HZ,
            manual_turns=config.turn_detection.mode in ("manual", "local_vad"),
            reconnect=self._reconnect,
            open_timeout_s=self._open_timeout_s,
        )
        await session.start()
        return session
