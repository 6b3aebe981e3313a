"""``MoshiBackend``: a Kyutai Moshi server (``moshi.server``, or the Rust server) as a
full-duplex ``RealtimeVoiceBackend``."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from vona.adapters.moshi.session import MoshiSession
from vona.adapters.moshi.wire import FRAME_SAMPLES, SAMPLE_RATE_HZ
from vona.backends.step import BackendCapabilities
from vona.config import SessionConfig
from vona.errors import ConfigError
from vona.realtime import ApiKey, ReconnectPolicy, redact, websocket_url

__all__ = ["MoshiBackend"]

DEFAULT_URL = "ws://127.0.0.1:8998/api/chat"
# Query parameters that authenticate (the Rust server's workers); redacted from errors.
_SECRET_PARAMS = frozenset({"worker_auth_id", "auth_id", "token", "api_key", "key"})


class MoshiBackend:
    """Moshi over its websocket: Ogg Opus at 24 kHz both ways, text pieces as transcripts.

    ``url`` is the chat endpoint (``ws://host:8998/api/chat``; ``http(s)://`` is mapped to
    ``ws(s)://``); its query may carry the Rust server's sampling parameters. Audio is sent
    in 80 ms frames without pause (Moshi answers only while fed). The backend declares
    ``full_duplex``: the runtime does not treat the user's speech over the model as a
    barge-in unless ``VonaRuntime(interrupt_full_duplex=True)``.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        reconnect: ReconnectPolicy | None = None,
        open_timeout_s: float = 10.0,
        bitrate: int | None = None,
        quiet_steps: int = 12,
    ) -> None:
        if not isinstance(url, str) or not url:
            raise ConfigError("moshi: url must be a non-empty websocket URL")
        self.url = websocket_url(url, provider="moshi", what="url")
        self._secrets = tuple(
            ApiKey(value)
            for name, value in parse_qsl(urlsplit(self.url).query)
            if name in _SECRET_PARAMS and value
        )
        if open_timeout_s <= 0:
            raise ConfigError(f"moshi: open_timeout_s must be positive, got {open_timeout_s}")
        self._reconnect = reconnect
        self._open_timeout_s = open_timeout_s
        self._bitrate = bitrate
        self._quiet_steps = quiet_steps

    def __repr__(self) -> str:
        return f"MoshiBackend(url={redact(self.url, self._secrets)!r})"

    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(
            name="moshi",
            input_sample_rate_hz=SAMPLE_RATE_HZ,
            output_sample_rate_hz=SAMPLE_RATE_HZ,
            channels=1,
            frame_samples=FRAME_SAMPLES,
            supports_tools=False,
            supports_interruption=True,
            streaming=True,
            full_duplex=True,
        )

    async def connect(self, config: SessionConfig) -> MoshiSession:
        """Open a conversation; returns once the server's handshake arrived."""
        for which, fmt in (("input", config.input_format), ("output", config.output_format)):
            if fmt.encoding != "pcm16":
                raise ConfigError(f"moshi: {which}_format.encoding must be pcm16")
        session = MoshiSession(
            url=self.url,
            secrets=self._secrets,
            reconnect=self._reconnect,
            open_timeout_s=self._open_timeout_s,
            bitrate=self._bitrate,
            quiet_steps=self._quiet_steps,
        )
        await session.start()
        return session
