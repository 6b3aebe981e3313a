"""``HttpStsBackend`` and ``IpcStsBackend`` inside ``run_session`` against a real sidecar
process (``python -m vona.sidecar``), including the sidecar dying mid-session."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import vona
from vona import PassthroughStsBackend
from vona.driver import run_session
from vona.runtime import VonaRuntime, backend_contract
from vona.testing import ScriptedTransport

RATE = 16_000


def _speech(n: int) -> np.ndarray:
    values = np.random.default_rng(7).integers(1, 9000, n, dtype=np.int16)
    return values * np.where(np.arange(n) % 2, 1, -1).astype(np.int16)


class Sidecar:
    def __init__(self, proc: asyncio.subprocess.Process, url: str, ipc: str) -> None:
        self.proc, self.url, self.ipc = proc, url, ipc

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)


@pytest.fixture
async def sidecar() -> AsyncIterator[Sidecar]:
    with tempfile.TemporaryDirectory(prefix="vona-") as d:
        ipc = str(Path(d) / "s.sock")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "vona.sidecar",
            "--bind",
            "127.0.0.1:0",
            "--ipc",
            ipc,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(os.environ),
        )
        try:
            assert proc.stdout is not None
            line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
            match = re.search(r"listening on (http://\S+)", line)
            assert match, line
            yield Sidecar(proc, match.group(1), ipc)
        finally:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()


def _backend(kind: str, sc: Sidecar) -> Any:
    if kind == "http":
        return vona.HttpStsBackend(sc.url)
    return vona.IpcStsBackend(sc.ipc)


def test_remote_backends_declare_the_step_contract() -> None:
    assert backend_contract(vona.HttpStsBackend) == "step"
    assert backend_contract(vona.IpcStsBackend) == "step"


@pytest.mark.parametrize("kind", ["http", "ipc"])
async def test_remote_backend_runs_a_session(sidecar: Sidecar, kind: str) -> None:
    audio = _speech(16_040)
    transport = ScriptedTransport(audio, RATE, realtime=False)
    async with _backend(kind, sidecar) as backend:
        m = await run_session(transport, backend)
    assert m.end_reason == "input_ended", m.error
    played = transport.played_audio()
    np.testing.assert_array_equal(played[: audio.shape[0]], audio)
    assert m.books_balance() == 0
    assert m.dropped_samples == 0


@pytest.mark.parametrize("kind", ["http", "ipc"])
async def test_sidecar_killed_mid_session_falls_back(sidecar: Sidecar, kind: str) -> None:
    transport = ScriptedTransport(_speech(RATE * 2), RATE)  # 2 s at real-time pace

    async def kill_soon() -> None:
        await asyncio.sleep(0.5)
        sidecar.kill()

    async with _backend(kind, sidecar) as backend:
        killer = asyncio.create_task(kill_soon())
        m = await run_session(
            transport,
            backend,
            runtime=VonaRuntime(fallback=PassthroughStsBackend(), step_timeout_s=5.0),
        )
        await killer
    assert m.end_reason == "input_ended", m.error
    assert len(m.fallbacks) == 1
    decision = m.fallbacks[0]
    assert decision.retryable
    assert decision.to_backend == "passthrough"
    assert m.books_balance() == 0
