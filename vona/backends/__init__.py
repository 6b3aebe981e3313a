"""Backends: the step contract and the backends the core ships.

``SpeechToSpeechBackend`` (``vona.backends.step``) is the step-oriented contract;
``PassthroughStsBackend`` and ``GainStsBackend`` (``vona.backends.passthrough``) run in
the native loop's slot; ``vona.backends.cascade`` composes VAD, speech-to-text, a
responder and text-to-speech into one. Provider backends live in ``vona.adapters``.
"""

from __future__ import annotations

from vona.backends.passthrough import GainStsBackend, PassthroughStsBackend
from vona.backends.step import (
    BackendCapabilities,
    BackendStep,
    NativeSlot,
    NativeSlotBackend,
    SpeechToSpeechBackend,
)

__all__ = [
    "BackendCapabilities",
    "BackendStep",
    "GainStsBackend",
    "NativeSlot",
    "NativeSlotBackend",
    "PassthroughStsBackend",
    "SpeechToSpeechBackend",
]
