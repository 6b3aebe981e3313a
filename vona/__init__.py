"""Vona: a speech-to-speech runtime with a compiled hot path."""

from __future__ import annotations

from vona import errors

__version__ = "0.1.0"

__all__ = ["__version__", "errors"]
