"""Servers on loopback for the serve tests, and the suite's real offline models (the
fixtures of tests/local, loaded from there so both directories share one definition)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vona.backends.passthrough import PassthroughStsBackend
from vona.serve import VonaServer


def _local_conftest() -> Any:
    path = Path(__file__).resolve().parents[1] / "local" / "conftest.py"
    spec = importlib.util.spec_from_file_location("vona_tests_local_models", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_models = _local_conftest()
model_cache = _models.model_cache
hibari = _models.hibari
whisper = _models.whisper
to_16k = _models.to_16k


def pcm16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16)


@pytest.fixture
async def echo_server() -> AsyncIterator[VonaServer]:
    """A server on a free loopback port with the passthrough (echo) backend."""
    server = VonaServer(PassthroughStsBackend())
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


class Collected:
    """What a protocol client received: audio bytes and JSON events, in order."""

    def __init__(self) -> None:
        self.audio = bytearray()
        self.events: list[dict[str, Any]] = []
        self.order: list[tuple[str, int]] = []  # ("audio", bytes so far) / ("clear", ...)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    def pcm(self) -> np.ndarray:
        return np.frombuffer(bytes(self.audio), dtype="<i2").astype(np.int16)


async def collect(
    ws: Any, into: Collected, on_event: Callable[[dict[str, Any]], None] | None = None
) -> None:
    """Read ``ws`` (a ``websockets`` client) until it closes."""
    from websockets.exceptions import ConnectionClosed

    try:
        async for message in ws:
            if isinstance(message, bytes):
                into.audio.extend(message)
            else:
                event = json.loads(message)
                into.events.append(event)
                into.order.append((event["type"], len(into.audio)))
                if on_event is not None:
                    on_event(event)
    except ConnectionClosed:
        pass


@pytest.fixture
def client() -> Any:
    """The protocol client helpers (test modules cannot import this conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(Collected=Collected, collect=collect, pcm16=pcm16, to_16k=to_16k)
