"""Azure Speech speech-to-text over the documented REST recognition for short audio, one
request per utterance (after a local VAD): the whole-utterance ``SpeechToText`` protocol.

The utterance goes up as 16-bit WAV; ``Success`` gives ``DisplayText``, ``NoMatch`` and the
silence timeouts give ``""``. Synchronous (the cascade runs it in a worker thread), with the
same failure rules as every hosted engine: a refused key is fatal, 429/5xx are retried.
"""

from __future__ import annotations

import io
import time
import wave

import numpy as np

from vona.adapters._hosted import Backoff, redacted, require, status_error
from vona.adapters.azure_speech._endpoint import PROVIDER, endpoint, speech_key
from vona.backends.cascade.protocols import Float32Array
from vona.errors import AudioFormatError, BackendError, ConfigError, ProtocolError
from vona.realtime.secrets import ApiKey

__all__ = ["AzureSpeechStt", "wav_bytes"]

_SILENT = frozenset({"NoMatch", "InitialSilenceTimeout", "BabbleTimeout"})
MAX_SECONDS = 60  # the short-audio endpoint's limit


def wav_bytes(audio: Float32Array, sample_rate_hz: int) -> bytes:
    """Mono float32 in [-1, 1] as a 16-bit PCM WAV file."""
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate_hz)
        w.writeframes(pcm.tobytes())
    return out.getvalue()


class AzureSpeechStt:
    """Azure short-audio recognition; ``language`` like ``en-US``. Endpoint and key as for
    ``AzureSpeechTts`` (``region`` gives ``<region>.stt.speech.microsoft.com``)."""

    def __init__(
        self,
        language: str = "en-US",
        *,
        base_url: str | None = None,
        region: str | None = None,
        api_key: str | ApiKey | None = None,
        sample_rate_hz: int = 16000,
        timeout_s: float = 30.0,
        backoff: Backoff | None = None,
        cache_dir: object = None,
    ) -> None:
        del cache_dir  # a hosted engine keeps nothing on disk (the cascade passes one to every STT)
        if sample_rate_hz not in (8000, 16000):
            raise ConfigError(f"{PROVIDER}: sample_rate_hz must be 8000 or 16000")
        self.base_url = endpoint(base_url, region, "stt")
        self._key = speech_key(api_key)
        self.language = language
        self._rate = sample_rate_hz
        self.timeout_s = timeout_s
        self.backoff = backoff or Backoff()

    def __repr__(self) -> str:
        return (
            f"AzureSpeechStt(language={self.language!r}, base_url={self.base_url!r}, "
            f"api_key={self._key!r})"
        )

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    def transcribe(self, audio: Float32Array) -> str:
        if not isinstance(audio, np.ndarray) or audio.ndim != 1 or audio.dtype != np.float32:
            raise AudioFormatError("audio must be a 1-D float32 array")
        if len(audio) > MAX_SECONDS * self._rate:
            raise AudioFormatError(f"{PROVIDER}: an utterance may last at most {MAX_SECONDS} s")
        httpx = require("httpx", "azure", PROVIDER)
        url = self.base_url + "/speech/recognition/conversation/cognitiveservices/v1"
        headers = {
            "Ocp-Apim-Subscription-Key": self._key.reveal(),
            "Content-Type": f"audio/wav; codecs=audio/pcm; samplerate={self._rate}",
            "Accept": "application/json",
        }
        params = {"language": self.language, "format": "simple"}
        body = wav_bytes(audio, self._rate)
        delays = self.backoff.delays()
        with httpx.Client(timeout=self.timeout_s) as client:
            while True:
                try:
                    resp = client.post(url, content=body, headers=headers, params=params)
                    if resp.status_code != 200:
                        raise status_error(PROVIDER, resp.status_code, resp.text, [self._key])
                    return _text(resp.json())
                except httpx.TransportError as exc:
                    error = redacted(exc, PROVIDER, [self._key])
                except BackendError as exc:
                    error = exc
                except ValueError as exc:
                    raise ProtocolError(f"{PROVIDER}: the answer is not JSON") from exc
                delay = next(delays, None) if error.retryable else None
                if delay is None:
                    raise error
                time.sleep(delay)


def _text(answer: object) -> str:
    if not isinstance(answer, dict):
        raise ProtocolError(f"{PROVIDER}: the answer is not a JSON object")
    status = answer.get("RecognitionStatus")
    if status == "Success":
        return str(answer.get("DisplayText") or "").strip()
    if status in _SILENT:
        return ""
    raise BackendError(f"{PROVIDER}: recognition failed: {status}", retryable=status == "Error")
