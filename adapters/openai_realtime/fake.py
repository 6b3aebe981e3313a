"""``OpenAIRealtimeFake``: a loopback OpenAI Realtime server (GA or beta event names).

Checks ``Authorization: Bearer <key>`` (HTTP 401 with OpenAI's error body otherwise),
serves ``/v1/realtime?model=...``, and, for ``shape="beta"``, expects the
``OpenAI-Beta: realtime=v1`` header. The official SDK can talk to it too:
``AsyncOpenAI(api_key=key, websocket_base_url=fake.base_url)``.
"""

from __future__ import annotations

from typing import Any, Literal

from websockets.datastructures import Headers
from websockets.http11 import Response

from vona.adapters.openai_realtime.fake_shaped import OpenAIShapedFake
from vona.testing.loopback import FakeScript

__all__ = ["OpenAIRealtimeFake"]


class OpenAIRealtimeFake(OpenAIShapedFake):
    """An OpenAI Realtime server on 127.0.0.1; ``base_url`` ends in ``/v1``."""

    provider = "openai_realtime"

    def __init__(
        self,
        *,
        api_key: str = "sk-test-key",
        shape: Literal["ga", "beta"] = "ga",
        script: FakeScript | None = None,
        compression: str | None = "deflate",
        record: bool = True,
    ) -> None:
        super().__init__(api_key=api_key, script=script, compression=compression, record=record)
        self.shape = shape

    @property
    def base_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1"

    def check_request(self, path: str, query: dict[str, str], headers: Headers) -> Response | None:
        if path.rstrip("/") != "/v1/realtime":
            return self.http_error(
                404,
                {
                    "error": {
                        "message": f"Invalid URL (GET {path})",
                        "type": "invalid_request_error",
                    }
                },
            )
        auth = headers.get("Authorization", "")
        if auth != f"Bearer {self.api_key}":
            given = auth.removeprefix("Bearer ")
            return self.http_error(
                401,
                {
                    "error": {
                        "message": f"Incorrect API key provided: {given}.",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
            )
        if "model" not in query:
            return self.http_error(
                400,
                {
                    "error": {
                        "message": "Missing required parameter: 'model'.",
                        "type": "invalid_request_error",
                    }
                },
            )
        if self.shape == "beta" and headers.get("OpenAI-Beta") != "realtime=v1":
            return self.http_error(
                400,
                {
                    "error": {
                        "message": "Missing the OpenAI-Beta header",
                        "type": "invalid_request_error",
                    }
                },
            )
        return None

    def initial_session(self) -> dict[str, Any]:
        if self.shape == "ga":
            return {
                "type": "realtime",
                "object": "realtime.session",
                "model": "gpt-realtime",
                "output_modalities": ["audio"],
                "audio": {
                    "input": {
                        "format": {"type": "audio/pcm", "rate": 24000},
                        "turn_detection": {"type": "server_vad"},
                    },
                    "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"},
                },
            }
        return {
            "object": "realtime.session",
            "model": "gpt-4o-realtime-preview",
            "modalities": ["text", "audio"],
            "voice": "alloy",
            "input_audio_format": "pcm16",
            "output_audio_format": "pcm16",
            "turn_detection": {"type": "server_vad"},
        }
