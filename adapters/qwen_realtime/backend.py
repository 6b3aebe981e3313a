"""``QwenRealtimeBackend``: SessionConfig -> a DashScope realtime ``session.update``."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

from vona.adapters.openai_realtime.models import BetaSession, manual_turns, turn_detection_wire
from vona.adapters.openai_realtime.session import OpenAIDialect, OpenAIShapedSession
from vona.backends.step import BackendCapabilities
from vona.config import SessionConfig
from vona.errors import ConfigError
from vona.realtime import ApiKey, ReconnectPolicy, websocket_url
from vona.realtime import resolve_api_key as _resolve_key

__all__ = ["QwenRealtimeBackend", "build_session"]

ENV_VARS = ("DASHSCOPE_API_KEY",)
DEFAULT_BASE_URL = "wss://dashscope-intl.aliyuncs.com/api-ws/v1"
INPUT_RATE_HZ = 16_000
OUTPUT_RATE_HZ = 24_000


def build_session(
    config: SessionConfig,
    *,
    voice: str,
    output_audio_format: str,
    transcription_model: str | None,
    tool_format: Literal["nested", "flat"],
) -> dict[str, Any]:
    """The Qwen ``session.update.session`` for ``config``.

    Tools use the nested Chat-Completions form by default (what tool-capable Qwen models
    accept); ``tool_choice`` and VAD ``prefix_padding_ms`` are left out (rejected there).
    """
    for which, fmt in (("input", config.input_format), ("output", config.output_format)):
        if fmt.encoding != "pcm16":
            raise ConfigError(f"qwen_realtime: {which}_format.encoding must be pcm16")
    tools: list[dict[str, Any]] = []
    for t in config.tools:
        fn = {"name": t.name, "description": t.description, "parameters": t.parameters}
        tools.append(
            {"type": "function", "function": fn}
            if tool_format == "nested"
            else {"type": "function", **fn}
        )
    session = BetaSession(
        modalities=["text", "audio"],
        instructions=config.instructions,
        voice=voice,
        input_audio_format="pcm16",
        output_audio_format=output_audio_format,
        turn_detection=turn_detection_wire(config.turn_detection, padding=False),
    )
    if transcription_model:
        session.input_audio_transcription = {"model": transcription_model}
    if tools:
        session.tools = tools
    if config.temperature is not None:
        session.temperature = config.temperature
    wire = session.wire()
    if config.max_output_tokens is not None:
        wire["max_tokens"] = config.max_output_tokens
    return wire


class QwenRealtimeBackend:
    """Qwen-Omni Realtime: PCM16 16 kHz in, 24 kHz out, tools on tool-capable models.

    ``api_key`` defaults to ``DASHSCOPE_API_KEY``; ``base_url`` defaults to the
    international endpoint (``wss://dashscope.aliyuncs.com/api-ws/v1`` for Beijing).
    Qwen documents no ``conversation.item.truncate``: a barge-in cancels the response and
    the server keeps its own history. Closing sends ``session.finish``.
    """

    vona_contract = "realtime"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str = "qwen3-omni-flash-realtime",
        voice: str = "Cherry",
        output_audio_format: Literal["pcm24", "pcm16"] = "pcm24",
        transcription_model: str | None = "gummy-realtime-v1",
        tool_format: Literal["nested", "flat"] = "nested",
        workspace: str | None = None,
        reconnect: ReconnectPolicy | None = None,
        open_timeout_s: float = 10.0,
    ) -> None:
        self._key: ApiKey = _resolve_key(api_key, ENV_VARS, provider="qwen_realtime")
        self.base_url = websocket_url(base_url or DEFAULT_BASE_URL, provider="qwen_realtime")
        self.model = model
        self.voice = voice
        self.output_audio_format = output_audio_format
        self.transcription_model = transcription_model
        self.tool_format = tool_format
        self._workspace = workspace
        self._reconnect = reconnect
        self._open_timeout_s = open_timeout_s

    def __repr__(self) -> str:
        return (
            f"QwenRealtimeBackend(base_url={self.base_url!r}, model={self.model!r}, "
            f"voice={self.voice!r}, api_key='***')"
        )

    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(
            name="qwen_realtime",
            input_sample_rate_hz=INPUT_RATE_HZ,
            output_sample_rate_hz=OUTPUT_RATE_HZ,
            channels=1,
            frame_samples=INPUT_RATE_HZ // 50,
            supports_tools=True,
            supports_interruption=True,
            streaming=True,
            extra={"truncation": False},
        )

    def url(self, model: str) -> str:
        return f"{self.base_url}/realtime?{urlencode({'model': model})}"

    async def connect(self, config: SessionConfig) -> OpenAIShapedSession:
        """Open a Qwen realtime session configured by ``config``."""
        model = config.model or self.model
        headers = {"Authorization": f"Bearer {self._key.reveal()}"}
        if self._workspace:
            headers["X-DashScope-WorkSpace"] = self._workspace
        realtime = OpenAIShapedSession(
            provider="qwen_realtime",
            url=self.url(model),
            headers=headers,
            secrets=(self._key,),
            session=build_session(
                config,
                voice=config.voice or self.voice,
                output_audio_format=self.output_audio_format,
                transcription_model=self.transcription_model,
                tool_format=self.tool_format,
            ),
            input_rate_hz=INPUT_RATE_HZ,
            output_rate_hz=OUTPUT_RATE_HZ,
            manual_turns=manual_turns(config),
            server_interrupts=config.turn_detection.interrupt_response,
            dialect=OpenAIDialect(
                name="qwen",
                supports_truncate=False,
                response_create={"modalities": ["text", "audio"]},
                goodbye="session.finish",
            ),
            reconnect=self._reconnect,
            open_timeout_s=self._open_timeout_s,
        )
        await realtime.start()
        return realtime
