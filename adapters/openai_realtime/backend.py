"""``OpenAIRealtimeBackend``: SessionConfig -> ``session.update``, a URL and auth headers."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

from vona.adapters.openai_realtime.models import (
    BetaSession,
    GAAudio,
    GAAudioFormat,
    GAAudioInput,
    GAAudioOutput,
    GASession,
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

__all__ = ["OpenAIRealtimeBackend", "build_session"]

RATE_HZ = 24_000
DEFAULT_BASE_URL = "wss://api.openai.com/v1"
ENV_VARS = ("OPENAI_API_KEY",)


def _ws_base(base_url: str) -> str:
    return websocket_url(base_url, provider="openai_realtime")


def _check_pcm16(config: SessionConfig) -> None:
    for which, fmt in (("input", config.input_format), ("output", config.output_format)):
        if fmt.encoding != "pcm16":
            raise ConfigError(
                f"{which}_format.encoding {fmt.encoding!r} is not supported by realtime "
                "adapters; they carry pcm16 (transports convert)"
            )


def build_session(
    config: SessionConfig,
    *,
    api_shape: Literal["ga", "beta"],
    model: str,
    voice: str,
    transcription_model: str | None,
) -> dict[str, Any]:
    """The ``session.update.session`` object for ``config`` in the GA or beta shape."""
    _check_pcm16(config)
    td = turn_detection_wire(config.turn_detection)
    transcription: dict[str, Any] | None = None
    if transcription_model:
        transcription = {"model": transcription_model}
        if config.language:
            transcription["language"] = config.language
    tools = function_tools(config.tools)
    if api_shape == "ga":
        pcm = GAAudioFormat(type="audio/pcm", rate=RATE_HZ)
        ga = GASession(
            model=model,
            instructions=config.instructions,
            output_modalities=["audio"],
            audio=GAAudio(
                input=GAAudioInput(format=pcm, transcription=transcription, turn_detection=td),
                output=GAAudioOutput(format=pcm, voice=voice),
            ),
            tools=tools,
            tool_choice=config.tool_choice,
        )
        if config.max_output_tokens is not None:
            ga.max_output_tokens = config.max_output_tokens
        return ga.wire()
    beta = BetaSession(
        modalities=["text", "audio"],
        instructions=config.instructions,
        voice=voice,
        input_audio_format="pcm16",
        output_audio_format="pcm16",
        input_audio_transcription=transcription,
        turn_detection=td,
        tools=[t.wire() for t in tools],
        tool_choice=config.tool_choice,
    )
    if config.temperature is not None:
        beta.temperature = config.temperature
    if config.max_output_tokens is not None:
        beta.max_response_output_tokens = config.max_output_tokens
    return beta.wire()


class OpenAIRealtimeBackend:
    """OpenAI Realtime over websockets: PCM16 24 kHz both ways, tools, barge-in truncation.

    ``api_key`` defaults to ``OPENAI_API_KEY``; ``base_url`` (``wss://api.openai.com/v1``)
    may point at a proxy or a loopback fake (``http(s)`` is turned into ``ws(s)``).
    ``api_shape="beta"`` speaks the legacy beta events (``OpenAI-Beta: realtime=v1``).
    ``SessionConfig.model``/``voice`` override the backend's ``model``/``voice``.
    """

    vona_contract = "realtime"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str = "gpt-realtime",
        voice: str = "marin",
        api_shape: Literal["ga", "beta"] = "ga",
        transcription_model: str | None = "gpt-4o-mini-transcribe",
        organization: str | None = None,
        project: str | None = None,
        reconnect: ReconnectPolicy | None = None,
        open_timeout_s: float = 10.0,
    ) -> None:
        if api_shape not in ("ga", "beta"):
            raise ConfigError(
                f"openai_realtime: api_shape must be 'ga' or 'beta', got {api_shape!r}"
            )
        self._key: ApiKey = _resolve_key(api_key, ENV_VARS, provider="openai_realtime")
        self.base_url = _ws_base(base_url or DEFAULT_BASE_URL)
        self.model = model
        self.voice = voice
        self.api_shape = api_shape
        self.transcription_model = transcription_model
        self._organization = organization
        self._project = project
        self._reconnect = reconnect
        self._open_timeout_s = open_timeout_s

    def __repr__(self) -> str:
        return (
            f"OpenAIRealtimeBackend(base_url={self.base_url!r}, model={self.model!r}, "
            f"voice={self.voice!r}, api_shape={self.api_shape!r}, api_key='***')"
        )

    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(
            name="openai_realtime",
            input_sample_rate_hz=RATE_HZ,
            output_sample_rate_hz=RATE_HZ,
            channels=1,
            frame_samples=RATE_HZ // 50,
            supports_tools=True,
            supports_interruption=True,
            streaming=True,
            extra={"api_shape": self.api_shape, "truncation": True},
        )

    def url(self, model: str) -> str:
        """The websocket URL for ``model`` (no secrets in it)."""
        return f"{self.base_url}/realtime?{urlencode({'model': model})}"

    def headers(self) -> dict[str, str]:
        """Auth and shape headers (they carry the key: never log them)."""
        headers = {"Authorization": f"Bearer {self._key.reveal()}"}
        if self.api_shape == "beta":
            headers["OpenAI-Beta"] = "realtime=v1"
        if self._organization:
            headers["OpenAI-Organization"] = self._organization
        if self._project:
            headers["OpenAI-Project"] = self._project
        return headers

    async def connect(self, config: SessionConfig) -> OpenAIShapedSession:
        """Open a session configured by ``config``; raises ``BackendError`` if refused."""
        model = config.model or self.model
        session = build_session(
            config,
            api_shape=self.api_shape,
            model=model,
            voice=config.voice or self.voice,
            transcription_model=self.transcription_model,
        )
        realtime = OpenAIShapedSession(
            provider="openai_realtime",
            url=self.url(model),
            headers=self.headers(),
            secrets=(self._key,),
            session=session,
            input_rate_hz=RATE_HZ,
            output_rate_hz=RATE_HZ,
            manual_turns=manual_turns(config),
            server_interrupts=config.turn_detection.interrupt_response,
            dialect=OpenAIDialect(name=self.api_shape),
            reconnect=self._reconnect,
            open_timeout_s=self._open_timeout_s,
        )
        await realtime.start()
        return realtime
