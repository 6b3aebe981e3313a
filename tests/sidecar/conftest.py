"""Fixtures: a real sidecar on 127.0.0.1 (ephemeral port) with an IPC socket in tmp."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vona import PassthroughStsBackend
from vona.sidecar import Sidecar, SidecarSettings


@pytest.fixture
def ipc_path() -> AsyncIterator[str]:
    # AF_UNIX paths are limited to ~100 bytes: pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="vona-") as d:
        yield str(Path(d) / "sidecar.sock")


@pytest.fixture
async def sidecar(ipc_path: str) -> AsyncIterator[Sidecar]:
    settings = SidecarSettings(
        port=0,
        ipc_path=ipc_path,
        max_sessions=4,
        max_sessions_per_client=4,
        max_body_bytes=64 * 1024,
    )
    async with Sidecar(PassthroughStsBackend(), settings) as sc:
        yield sc
