"""Registrations of what the core ships, so it is found by name like any adapter:
the ``passthrough``, ``gain`` and ``cascade`` step backends, the ``energy`` VAD and the
``rules`` responder (see ``pyproject.toml``'s entry points)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vona.backends.passthrough import GainStsBackend, PassthroughStsBackend
from vona.registry import BackendEntry, EngineEntry
from vona.vad import EnergyVad

__all__ = ["CASCADE", "ENERGY_VAD", "GAIN", "PASSTHROUGH", "RULES"]


def _cascade(*, stt: Any, tts: Any, vad: Any, **options: Any) -> Any:
    from vona.backends.cascade.local import build_local_cascade

    return build_local_cascade(stt=stt, tts=tts, vad=vad, **options)


def _energy(*, cache_dir: str | Path | None = None, **options: Any) -> Callable[[], EnergyVad]:
    del cache_dir  # nothing to provision
    return lambda: EnergyVad(**options)


def _rules(**options: Any) -> Any:
    from vona.backends.cascade.rules import RuleResponder

    return RuleResponder(**options)


PASSTHROUGH = BackendEntry("step", PassthroughStsBackend, "echoes its input (native slot)")
GAIN = BackendEntry("step", GainStsBackend, "echoes its input times gain_db (native slot)")
CASCADE = BackendEntry(
    "step", _cascade, "VAD, speech-to-text, a responder and text-to-speech, by engine names"
)
ENERGY_VAD = EngineEntry("vad", _energy, "an energy threshold VAD (no model, numpy only)")
RULES = EngineEntry("responder", _rules, "keyword rules that can call skills (no model)")
