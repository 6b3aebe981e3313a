"""A good node behind a balancer: readiness, drain deadline, admission under loop lag."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time

import httpx
import numpy as np
import pytest

from vona import AudioInputFrame, PassthroughStsBackend, SessionConfig
from vona.errors import BackendError
from vona.observability import LoopLag
from vona.remote.http import HttpStsBackend
from vona.remote.session_host import SessionHost
from vona.sidecar import Sidecar, SidecarSettings

FRAME = AudioInputFrame(3, 16_000, 1, np.arange(320, dtype=np.int16))


async def _start(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    code = "import sys; from vona.sidecar import sidecar_main; sys.exit(sidecar_main(sys.argv[1:]))"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, *args, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
    match = re.search(r"listening on (http://\S+)", line)
    assert match, line
    return proc, match.group(1)


async def test_drain_deadline_ends_sessions_with_a_retryable_reason() -> None:
    proc, url = await _start("--bind", "127.0.0.1:0", "--drain-timeout", "1.5")
    try:
        async with HttpStsBackend(url) as http:
            session = await http.start_session(SessionConfig())
            proc.send_signal(signal.SIGTERM)
            async with httpx.AsyncClient(base_url=url) as raw:
                for _ in range(200):
                    if (await raw.get("/readyz")).status_code == 503:
                        break
                    await asyncio.sleep(0.01)
                assert (await raw.get("/readyz")).json()["status"] == "draining"
            # Still served while the drain lasts ...
            assert (await http.step(session, FRAME)).output_audio[0].sequence == 3
            # ... then ended, and the client is told why (retryable: start again elsewhere).
            ended: BackendError | None = None
            for _ in range(400):
                try:
                    await http.step(session, FRAME)
                except BackendError as exc:
                    ended = exc
                    break
                await asyncio.sleep(0.01)
            assert ended is not None, "the session outlived the drain deadline"
            assert ended.retryable
            assert "drain_timeout" in str(ended)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    finally:
        if proc.returncode is None:
            proc.kill()


async def test_admission_refuses_sessions_while_the_loop_lags() -> None:
    settings = SidecarSettings(port=0, max_loop_lag_s=0.2)
    async with (
        Sidecar(PassthroughStsBackend(), settings) as sc,
        httpx.AsyncClient(base_url=sc.url) as c,
    ):

        async def until_ready() -> None:
            # (a loaded machine can make the loop lag on its own: wait it out)
            for _ in range(200):
                if (await c.get("/readyz")).status_code == 200:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the node never became ready")

        await until_ready()
        assert (await c.post("/v1/sessions")).status_code == 201
        time.sleep(0.8)  # noqa: ASYNC251 - the blocking call under test: ~800 ms of lag
        await asyncio.sleep(0.1)  # the lag timer runs and measures it
        refused = await c.post("/v1/sessions")
        assert refused.status_code == 503
        assert "event loop lags" in refused.json()["error"]["message"]
        assert refused.json()["error"]["retryable"] is True
        assert (await c.get("/readyz")).json()["status"] == "lagging"
        await until_ready()  # once the window passes, the node is ready again
        assert (await c.post("/v1/sessions")).status_code == 201


async def test_loop_lag_measures_a_block() -> None:
    lag = LoopLag(0.01, window_s=5.0)
    lag.start()
    await asyncio.sleep(0.05)
    time.sleep(0.2)  # noqa: ASYNC251 - the block to measure
    await asyncio.sleep(0.05)
    assert lag.recent_s >= 0.15
    assert lag.take_max() >= 0.15
    await lag.stop()


async def test_readyz_reports_free_slots(sidecar: Sidecar) -> None:
    async with httpx.AsyncClient(base_url=sidecar.url) as c:
        assert (await c.get("/readyz")).json()["free_slots"] == 4
        await c.post("/v1/sessions")
        assert (await c.get("/readyz")).json()["free_slots"] == 3


def test_node_ids_are_checked() -> None:
    from vona.errors import ConfigError

    with pytest.raises(ConfigError, match="node_id"):
        SessionHost(PassthroughStsBackend(), node_id="a.b")


async def test_a_session_of_another_node_is_lost_retryably() -> None:
    host = SessionHost(PassthroughStsBackend(), node_id="n1")
    sid = await host.create(SessionConfig())
    assert sid.startswith("n1.")
    with pytest.raises(BackendError, match="node_lost") as info:
        await host.step("n2.abcdef", FRAME)
    assert info.value.retryable
    with pytest.raises(BackendError, match="unknown session") as info:
        await host.step("n1.abcdef", FRAME)
    assert not info.value.retryable
