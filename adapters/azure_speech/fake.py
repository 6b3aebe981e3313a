"""A loopback fake of Azure Speech's REST endpoints: TTS and short-audio recognition.

``POST /cognitiveservices/v1`` checks the SSML (well-formed, one ``voice``) and the output
format, and streams ``ms_per_char`` of raw PCM per character of the spoken text in
``chunk_ms`` chunks (spaced by ``chunk_delay_s``).
``POST /speech/recognition/conversation/cognitiveservices/v1`` checks the WAV and answers
``Success`` with ``transcript`` when the audio is not silent, else ``NoMatch``.

A wrong ``Ocp-Apim-Subscription-Key`` gets 401; ``statuses`` are answered, one per
request, before anything succeeds (429 and 5xx for retry tests); ``drop_after`` hangs up
a TTS answer after that many chunks, once.
"""

from __future__ import annotations

import asyncio
import io
import json
import wave
from collections.abc import AsyncIterator
from xml.etree import ElementTree

import numpy as np

from vona.adapters._httpfake import HttpReply, HttpRequest, LoopbackHttp, json_reply
from vona.testing.loopback import reply_pcm

__all__ = ["AzureSpeechFake"]

_NS = "{http://www.w3.org/2001/10/synthesis}"


class AzureSpeechFake(LoopbackHttp):
    """The fake server; see the module docstring."""

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        transcript: str = "what's the weather in paris",
        ms_per_char: int = 10,
        chunk_ms: int = 40,
        chunk_delay_s: float = 0.0,
        statuses: list[int] | None = None,
        drop_after: int | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.transcript = transcript
        self.ms_per_char = ms_per_char
        self.chunk_ms = chunk_ms
        self.chunk_delay_s = chunk_delay_s
        self.statuses = list(statuses or [])
        self.drop_after = drop_after
        self.spoken: list[str] = []
        self.heard_samples: list[int] = []

    async def reply(self, request: HttpRequest) -> HttpReply:
        if request.headers.get("ocp-apim-subscription-key") != self.api_key:
            return json_reply(
                401,
                {
                    "error": {
                        "code": "401",
                        "message": "Access denied due to invalid subscription key.",
                    }
                },
            )
        if self.statuses:
            status = self.statuses.pop(0)
            return json_reply(status, {"error": {"code": str(status), "message": "fake failure"}})
        if request.method == "POST" and request.path == "/cognitiveservices/v1":
            return self._tts(request)
        if request.method == "POST" and request.path.endswith("/conversation/cognitiveservices/v1"):
            return self._stt(request)
        return json_reply(404, {"error": {"code": "404", "message": "Resource not found"}})

    def _tts(self, request: HttpRequest) -> HttpReply:
        fmt = request.headers.get("x-microsoft-outputformat", "")
        if not (fmt.startswith("raw-") and fmt.endswith("khz-16bit-mono-pcm")):
            return json_reply(400, {"error": {"code": "400", "message": f"bad format {fmt}"}})
        if not request.headers.get("content-type", "").startswith("application/ssml+xml"):
            return json_reply(415, {"error": {"code": "415", "message": "not SSML"}})
        try:
            root = ElementTree.fromstring(request.body)
        except ElementTree.ParseError as exc:
            return json_reply(400, {"error": {"code": "400", "message": f"bad SSML: {exc}"}})
        voices = root.findall(f"{_NS}voice") or root.findall("voice")
        if root.tag.split("}")[-1] != "speak" or len(voices) != 1 or not voices[0].get("name"):
            return json_reply(400, {"error": {"code": "400", "message": "need one <voice>"}})
        text = "".join(voices[0].itertext())
        self.spoken.append(text)
        rate = int(fmt.split("-")[1].removesuffix("khz")) * 1000
        drop, self.drop_after = self.drop_after, None
        return HttpReply(
            200, {"content-type": "audio/basic"}, self._pcm(text, rate), drop_after=drop
        )

    async def _pcm(self, text: str, rate: int) -> AsyncIterator[bytes]:
        total = len(text) * self.ms_per_char
        offset = 0
        for start in range(0, total, self.chunk_ms):
            pcm = reply_pcm(min(self.chunk_ms, total - start), rate, offset=offset)
            offset += len(pcm)
            if self.chunk_delay_s:
                await asyncio.sleep(self.chunk_delay_s)
            yield pcm.tobytes()

    def _stt(self, request: HttpRequest) -> HttpReply:
        if "language" not in request.query:
            return json_reply(400, {"error": {"code": "400", "message": "language is required"}})
        try:
            with wave.open(io.BytesIO(request.body), "rb") as w:
                if w.getnchannels() != 1 or w.getsampwidth() != 2:
                    raise wave.Error("need mono 16-bit")
                pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        except (wave.Error, EOFError) as exc:
            return json_reply(400, {"error": {"code": "400", "message": f"bad audio: {exc}"}})
        self.heard_samples.append(len(pcm))
        loud = len(pcm) > 0 and float(np.abs(pcm.astype(np.float32)).mean()) > 100.0
        if not loud:
            answer = {"RecognitionStatus": "NoMatch", "Offset": 0, "Duration": 0}
        else:
            answer = {
                "RecognitionStatus": "Success",
                "DisplayText": self.transcript,
                "Offset": 1_000_000,
                "Duration": len(pcm) * 10_000_000 // 16000,
            }
        return HttpReply(200, {"content-type": "application/json"}, json.dumps(answer).encode())
