"""``QwenRealtimeFake``: a loopback Qwen-Omni Realtime (DashScope) server.

Serves ``/api-ws/v1/realtime?model=...`` with ``Authorization: Bearer <key>`` (HTTP 401
with DashScope's ``InvalidApiKey`` body otherwise); beta event names, 16 kHz input,
24 kHz output, no ``conversation.item.truncate`` (answered with an ``error`` event), and
``session.finish`` -> ``session.finished`` then a normal close.
"""

from __future__ import annotations

from typing import Any

from websockets.datastructures import Headers
from websockets.http11 import Response

from vona.adapters.openai_realtime.fake_shaped import OpenAIShapedFake
from vona.testing.loopback import FakeScript

__all__ = ["QwenRealtimeFake"]


class QwenRealtimeFake(OpenAIShapedFake):
    """A Qwen realtime server on 127.0.0.1; ``base_url`` ends in ``/api-ws/v1``."""

    provider = "qwen_realtime"
    shape = "beta"
    supports_truncate = False

    def __init__(
        self,
        *,
        api_key: str = "sk-dashscope-test",
        script: FakeScript | None = None,
        compression: str | None = "deflate",
        record: bool = True,
    ) -> None:
        super().__init__(api_key=api_key, script=script, compression=compression, record=record)

    @property
    def base_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api-ws/v1"

    def input_rate_hz(self, session: dict[str, Any]) -> int:
        return 16_000

    def check_request(self, path: str, query: dict[str, str], headers: Headers) -> Response | None:
        if path.rstrip("/") != "/api-ws/v1/realtime":
            return self.http_error(404, {"code": "NotFound", "message": f"{path} not found"})
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return self.http_error(
                401,
                {
                    "code": "InvalidApiKey",
                    "message": "Invalid API-key provided.",
                    "request_id": "fake-request",
                },
            )
        if "model" not in query:
            return self.http_error(
                400, {"code": "InvalidParameter", "message": "model is required"}
            )
        return None

    def initial_session(self) -> dict[str, Any]:
        return {
            "object": "realtime.session",
            "model": "qwen3-omni-flash-realtime",
            "modalities": ["text", "audio"],
            "voice": "Cherry",
            "input_audio_format": "pcm16",
            "output_audio_format": "pcm24",
            "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 800},
        }
