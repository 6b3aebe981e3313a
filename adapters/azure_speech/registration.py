"""What this adapter registers: ``azure-speech`` (text-to-speech, streaming) and
``azure-speech-stt`` (whole-utterance speech-to-text). A registry name has one kind, so the
speech-to-text engine carries the suffix."""

from __future__ import annotations

from vona.adapters.azure_speech import AzureSpeechStt, AzureSpeechTts
from vona.registry import EngineEntry

__all__ = ["STT", "TTS"]

TTS = EngineEntry("tts", AzureSpeechTts, "Azure Speech neural TTS (REST, streamed per sentence)")
STT = EngineEntry("stt", AzureSpeechStt, "Azure Speech short-audio recognition per utterance")
