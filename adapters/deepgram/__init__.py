"""Deepgram as streaming engines: listen v1 and Flux speech-to-text, Aura text-to-speech.

``DeepgramStt`` (registry ``deepgram``), ``DeepgramFluxStt`` (``deepgram-flux``) and
``DeepgramAuraTts`` (``deepgram-aura``) take ``base_url`` (else ``$DEEPGRAM_BASE_URL``,
else Deepgram's) and ``api_key`` (else ``$DEEPGRAM_API_KEY``), sent as
``Authorization: Token``. A refused key is a non-retryable ``BackendError``; 429, 5xx
and network failures are retried with backoff; a socket dropped mid-stream is redialled.
The websockets dependency comes with the ``deepgram`` extra.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("deepgram", "websockets", feature=__name__)

from vona.adapters.deepgram.aura import DeepgramAuraTts
from vona.adapters.deepgram.stt import DeepgramFluxStt, DeepgramStt

__all__ = ["DeepgramAuraTts", "DeepgramFluxStt", "DeepgramStt"]
