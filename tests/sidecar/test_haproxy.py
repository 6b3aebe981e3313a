"""Scale-out on a real balancer: HAProxy (Debian's binary) in front of three sidecars.

HAProxy health-checks each node on /readyz and balances new sessions by least
connections; session ids carry their node's name (``--node-id``), and HAProxy routes a
session's calls to its node (``use-server`` + ``force-persist``, the layout of
deploy/haproxy.cfg). Killing a node mid-run must leave the other nodes' sessions
untouched (every frame back) while its own sessions get a retryable error and start
again through the balancer; a draining node gets no new sessions but finishes its own.
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from vona import AudioInputFrame, SessionConfig
from vona.errors import BackendError
from vona.remote.http import HttpStsBackend
from vona.remote.wire import RemoteSession

# make installs haproxy (apt-get or brew): a missing one fails the test, it is not skipped

_CODE = "import sys; from vona.sidecar import sidecar_main; sys.exit(sidecar_main(sys.argv[1:]))"
NODES = ("s1", "s2", "s3")

_CFG = """
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 1
    option redispatch
    option http-keep-alive

frontend vona
    bind 127.0.0.1:{port}
    default_backend sidecars

backend sidecars
    balance leastconn
    option httpchk GET /readyz
    http-check expect status 200
    default-server check inter 100ms fall 1 rise 2
{servers}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _node(name: str) -> tuple[asyncio.subprocess.Process, int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CODE,
        "--bind",
        "127.0.0.1:0",
        "--node-id",
        name,
        "--max-creates-per-s",
        "0",
        "--max-sessions-per-client",
        "64",
        "--drain-timeout",
        "60",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
    match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
    assert match, line
    return proc, int(match.group(1))


@pytest.fixture
async def fleet() -> AsyncIterator[tuple[str, dict[str, asyncio.subprocess.Process]]]:
    nodes: dict[str, asyncio.subprocess.Process] = {}
    haproxy: asyncio.subprocess.Process | None = None
    with tempfile.TemporaryDirectory(prefix="vona-haproxy-") as d:
        try:
            lines = []
            for name in NODES:
                nodes[name], port = await _node(name)
                lines.append(f"    server {name} 127.0.0.1:{port}")
                prefix = f"{{ path_beg /v1/sessions/{name}. }}"
                lines.append(f"    use-server {name} if {prefix}")
                lines.append(f"    force-persist if {prefix}")
            lb_port = _free_port()
            cfg = Path(d) / "haproxy.cfg"
            cfg.write_text(_CFG.format(port=lb_port, servers="\n".join(lines)))
            haproxy = await asyncio.create_subprocess_exec(
                "haproxy",
                "-db",
                "-f",
                str(cfg),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            url = f"http://127.0.0.1:{lb_port}"
            await _until_all_up(url)
            yield url, nodes
        finally:
            if haproxy is not None:
                haproxy.terminate()
                await asyncio.wait_for(haproxy.wait(), 10)
            for proc in nodes.values():
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()


async def _until_all_up(url: str) -> None:
    """Wait until the balancer sends new sessions to every node (health checks passed)."""
    seen: set[str] = set()
    probe = HttpStsBackend(url, timeout_s=5)
    try:
        for _ in range(300):
            try:  # refused until HAProxy listens, 503 until its health checks pass
                s = await probe.start_session(SessionConfig())
            except BackendError:
                await asyncio.sleep(0.1)
                continue
            seen.add(s.session_id.split(".")[0])
            await probe.end_session(s)
            if seen == set(NODES):
                return
            await asyncio.sleep(0.05)
    finally:
        await probe.close()
    raise AssertionError(f"the balancer never reached every node: {seen}")


def _frame(seq: int) -> AudioInputFrame:
    return AudioInputFrame(seq, 16_000, 1, (np.arange(320) + seq).astype(np.int16))


def _node_of(session: RemoteSession) -> str:
    return session.session_id.split(".")[0]


async def _step_ok(backend: HttpStsBackend, session: RemoteSession, seq: int) -> None:
    out = (await backend.step(session, _frame(seq))).output_audio
    assert [f.sequence for f in out] == [seq]
    assert out[0].samples.tolist() == _frame(seq).samples.tolist()


async def test_kill_a_node_and_drain_another(
    fleet: tuple[str, dict[str, asyncio.subprocess.Process]],
) -> None:
    url, nodes = fleet
    async with HttpStsBackend(url, timeout_s=10) as backend:
        sessions = [await backend.start_session(SessionConfig()) for _ in range(6)]
        by_node = {n: [s for s in sessions if _node_of(s) == n] for n in NODES}
        assert all(by_node.values()), by_node  # least connections spread them
        steps = 60
        halfway = asyncio.Event()
        progress = {id(s): 0 for s in sessions}
        restarted: list[tuple[str, BackendError, str]] = []  # old node, error, new node
        finals: list[RemoteSession] = []

        async def run(session: RemoteSession) -> None:
            seq = 0
            while seq < steps:
                try:
                    await _step_ok(backend, session, seq)
                except BackendError as exc:
                    lost = _node_of(session)
                    session = await backend.start_session(SessionConfig())  # via the balancer
                    restarted.append((lost, exc, _node_of(session)))
                    continue
                seq += 1
                progress[id(session)] = seq
                if min(progress.values()) >= 10:
                    halfway.set()
                await asyncio.sleep(0.005)
            finals.append(session)

        async def kill_s2() -> None:
            await halfway.wait()
            nodes["s2"].kill()

        await asyncio.gather(kill_s2(), *(run(s) for s in sessions))
        # Only the killed node's sessions failed, each once, retryably, and started again
        # on a live node.
        assert sorted(lost for lost, _, _ in restarted) == ["s2"] * len(by_node["s2"])
        assert all(exc.retryable for _, exc, _ in restarted), restarted
        assert {node for _, _, node in restarted} <= {"s1", "s3"}

        # Drain s3: its sessions finish, new sessions all go to s1.
        draining = [s for s in finals if _node_of(s) == "s3"]  # some restarted ones too
        nodes["s3"].send_signal(signal.SIGTERM)
        await asyncio.sleep(1.0)  # a few health checks (every 100 ms)
        fresh = [await backend.start_session(SessionConfig()) for _ in range(4)]
        assert {_node_of(s) for s in fresh} == {"s1"}
        for session in draining:
            await _step_ok(backend, session, 1000)
            await backend.end_session(session)
        assert await asyncio.wait_for(nodes["s3"].wait(), 30) == 0


def test_example_config_names_the_same_routing() -> None:
    example = Path(__file__).parents[2] / "deploy" / "haproxy.cfg"
    text = example.read_text()
    for needle in ("balance leastconn", "httpchk GET /readyz", "use-server", "force-persist"):
        assert needle in text
