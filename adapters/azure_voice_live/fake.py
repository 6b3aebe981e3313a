"""``AzureVoiceLiveFake``: a loopback Azure Voice Live server (beta event names).

Serves ``/voice-live/realtime?api-version=...&model=...``, takes the key from the
``api-key`` header or query (HTTP 401 with Azure's access-denied body otherwise), reads
the input rate from ``input_audio_sampling_rate``, and adds Azure's word timestamps
(``response.audio_timestamp.delta``) when the session asks for them.
"""

from __future__ import annotations

from typing import Any

from websockets.datastructures import Headers
from websockets.http11 import Response

from vona.adapters.openai_realtime.fake_shaped import FakeConnection, OpenAIShapedFake
from vona.testing.loopback import FakeScript

__all__ = ["AzureVoiceLiveFake"]


class AzureVoiceLiveFake(OpenAIShapedFake):
    """An Azure Voice Live server on 127.0.0.1; ``base_url`` is an ``http://`` endpoint."""

    provider = "azure_voice_live"
    shape = "beta"

    def __init__(
        self,
        *,
        api_key: str = "azure-test-key",
        script: FakeScript | None = None,
        compression: str | None = "deflate",
        record: bool = True,
    ) -> None:
        super().__init__(api_key=api_key, script=script, compression=compression, record=record)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def input_rate_hz(self, session: dict[str, Any]) -> int:
        return int(session.get("input_audio_sampling_rate", 24_000))

    def check_request(self, path: str, query: dict[str, str], headers: Headers) -> Response | None:
        if path.rstrip("/") != "/voice-live/realtime":
            return self.http_error(404, {"error": {"code": "404", "message": "Resource not found"}})
        key = headers.get("api-key") or query.get("api-key")
        if key != self.api_key:
            return self.http_error(
                401,
                {
                    "error": {
                        "code": "401",
                        "message": "Access denied due to invalid subscription "
                        "key or wrong API endpoint. Make sure to provide a valid key for an "
                        "active subscription and use a correct regional API endpoint for "
                        "your resource.",
                    }
                },
            )
        if "api-version" not in query or "model" not in query:
            return self.http_error(
                400,
                {"error": {"code": "BadRequest", "message": "api-version and model are required"}},
            )
        return None

    async def after_transcript_delta(
        self, conn: FakeConnection, common: dict[str, Any], text: str, offset_ms: int
    ) -> None:
        if "word" in (conn.session.get("output_audio_timestamp_types") or ()):
            await self._send(
                conn,
                {
                    "type": "response.audio_timestamp.delta",
                    **common,
                    "audio_offset_ms": offset_ms,
                    "audio_duration_ms": 100,
                    "text": text.strip(),
                    "timestamp_type": "word",
                },
            )

    def initial_session(self) -> dict[str, Any]:
        return {
            "object": "realtime.session",
            "model": "gpt-realtime",
            "modalities": ["text", "audio"],
            "voice": {"type": "openai", "name": "alloy"},
            "input_audio_format": "pcm16",
            "output_audio_format": "pcm16",
            "input_audio_sampling_rate": 24000,
            "turn_detection": {"type": "server_vad"},
        }
