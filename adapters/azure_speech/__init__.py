"""Azure Speech (the classic service) over its documented REST endpoints.

``AzureSpeechTts`` (registry ``azure-speech``) streams sentence by sentence as
``StreamingTextToSpeech``; ``AzureSpeechStt`` (registry ``azure-speech-stt``) recognizes one
utterance per request as a whole-utterance ``SpeechToText`` behind the local VAD. Both
take ``base_url`` (else ``$AZURE_SPEECH_ENDPOINT``) or ``region`` (else
``$AZURE_SPEECH_REGION``) and ``api_key`` (else ``$AZURE_SPEECH_KEY``, sent as
``Ocp-Apim-Subscription-Key``). httpx comes with the ``azure`` extra.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("azure", "httpx", feature=__name__)

from vona.adapters.azure_speech.stt import AzureSpeechStt
from vona.adapters.azure_speech.tts import AzureSpeechTts

__all__ = ["AzureSpeechStt", "AzureSpeechTts"]
