"""The sidecar's HTTP side against hostile clients, reproduced on loopback (issue 13)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import cbor2
import httpx
import pytest

from vona import PassthroughStsBackend
from vona.errors import ConfigError
from vona.sidecar import Sidecar, SidecarSettings

CBOR = {"Content-Type": "application/cbor"}
STEP = cbor2.dumps({"seq": 1, "rate": 16_000, "ch": 1, "pcm": b"\x01\x00" * 320})


@pytest.fixture
async def small() -> AsyncIterator[Sidecar]:
    settings = SidecarSettings(port=0, max_sessions=8, max_connections=16, max_creates_per_s=0)
    async with Sidecar(PassthroughStsBackend(), settings) as sc:
        yield sc


async def _raw(port: int, data: bytes) -> tuple[int, bytes]:
    """Send ``data`` on a fresh connection; the status and body of the first response."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        lines = head.decode("latin-1").split("\r\n")
        length = next(
            int(x.split(":", 1)[1]) for x in lines if x.lower().startswith("content-length:")
        )
        body = await reader.readexactly(length)
        return int(lines[0].split(" ")[1]), body
    finally:
        writer.close()


async def _idle_connections(port: int, n: int) -> list[asyncio.StreamWriter]:
    conns = []
    for _ in range(n):
        _, w = await asyncio.open_connection("127.0.0.1", port)
        conns.append(w)
    return conns


async def test_idle_connections_cannot_starve_new_clients(small: Sidecar) -> None:
    assert small.address is not None
    port = small.address[1]
    idle = await _idle_connections(port, 40)  # far over max_connections=16
    try:
        async with httpx.AsyncClient(base_url=small.url) as c:
            assert (await c.get("/healthz")).status_code == 200
            created = await c.post("/v1/sessions")
            assert created.status_code == 201
        # The oldest idle connections were shed to make room.
        assert small.http.connections <= 16 + 1
    finally:
        for w in idle:
            w.close()


async def test_probes_answer_when_every_slot_is_busy(small: Sidecar) -> None:
    assert small.address is not None
    port = small.address[1]
    # Connections in the middle of a request are not idle: none can be shed.
    busy = await _idle_connections(port, 16)
    for w in busy:
        w.write(b"GET /v1/capabilities HTTP/1.1\r\nHost: x\r\n")
    await asyncio.sleep(0.1)
    try:
        status, body = await _raw(port, b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 200
        assert json.loads(body)["status"] == "ready"
        status, body = await _raw(port, b"GET /v1/capabilities HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 503
        assert b"too many connections" in body
    finally:
        for w in busy:
            w.close()


async def test_session_belongs_to_its_creator(small: Sidecar) -> None:
    async with httpx.AsyncClient(base_url=small.url) as c:
        made = (await c.post("/v1/sessions")).json()
        sid, key = made["session_id"], made["session_key"]
        url = f"/v1/sessions/{sid}"
        for headers in ({}, {"X-Vona-Session-Key": "guess"}):
            step = await c.post(f"{url}/step", content=STEP, headers={**CBOR, **headers})
            assert step.status_code == 404  # no hint that the session exists
            event = await c.post(f"{url}/events", json={"kind": "app"}, headers=headers)
            assert event.status_code == 404
            assert (await c.delete(url, headers=headers)).status_code == 404
        own = {"X-Vona-Session-Key": key}
        assert (
            await c.post(f"{url}/step", content=STEP, headers={**CBOR, **own})
        ).status_code == 200
        assert (await c.delete(url, headers=own)).status_code == 204


async def test_one_client_cannot_take_every_slot(small: Sidecar) -> None:
    # Half the 8 slots per client address; a client from 127.0.0.2 still gets in.
    async with httpx.AsyncClient(base_url=small.url) as greedy:
        got = [(await greedy.post("/v1/sessions")).status_code for _ in range(8)]
    assert got == [201] * 4 + [429] * 4
    other = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=small.url, transport=other) as polite:
        resp = await polite.post("/v1/sessions")
    assert resp.status_code == 201


async def test_session_creation_rate_per_client() -> None:
    settings = SidecarSettings(port=0, max_sessions=64, max_creates_per_s=5)
    async with (
        Sidecar(PassthroughStsBackend(), settings) as sc,
        httpx.AsyncClient(base_url=sc.url) as c,
    ):
        codes = [(await c.post("/v1/sessions")).status_code for _ in range(8)]
        assert codes[:5] == [201] * 5
        assert 429 in codes[5:]
        refused = await c.post("/v1/sessions")
        if refused.status_code == 429:
            assert refused.json()["error"]["retryable"] is True


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (
            b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n\r\n",
            "Content-Length",
        ),
        (
            b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nX: a\nTransfer-Encoding: chunked\r\n"
            b"Content-Length: 0\r\n\r\n",
            "header value",
        ),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", "header value"),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", "header value"),
    ],
)
async def test_smuggling_shapes_are_refused(small: Sidecar, raw: bytes, why: str) -> None:
    assert small.address is not None
    status, body = await _raw(small.address[1], raw)
    assert status == 400
    assert why in json.loads(body)["error"]["message"]
    assert len(small.host) == 0


async def test_deep_json_is_a_client_error(
    small: Sidecar, caplog: pytest.LogCaptureFixture
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    async with httpx.AsyncClient(base_url=small.url) as c:
        json_ct = {"Content-Type": "application/json"}
        made = await c.post("/v1/sessions", content=deep[:200_000], headers=json_ct)
        assert made.status_code == 400
        sid = (await c.post("/v1/sessions")).json()
        url = f"/v1/sessions/{sid['session_id']}"
        own = {"X-Vona-Session-Key": sid["session_key"], **json_ct}
        nested = b'{"a":' * 5000 + b"1" + b"}" * 5000
        for path in ("/step", "/events"):
            resp = await c.post(url + path, content=nested, headers=own)
            assert resp.status_code == 400, resp.text
            assert resp.json()["error"]["retryable"] is False
    assert "Traceback" not in caplog.text


async def test_invalid_rate_is_refused(small: Sidecar) -> None:
    async with httpx.AsyncClient(base_url=small.url) as c:
        made = (await c.post("/v1/sessions")).json()
        own = {"X-Vona-Session-Key": made["session_key"], **CBOR}
        body = cbor2.dumps({"seq": 1, "rate": 7, "ch": 1, "pcm": b"\x01\x00" * 2})
        resp = await c.post(f"/v1/sessions/{made['session_id']}/step", content=body, headers=own)
        assert resp.status_code == 400
        assert "'rate'=7" in resp.json()["error"]["message"]


async def test_probes_reveal_nothing_without_the_token() -> None:
    token = "t" * 24
    async with (
        Sidecar(PassthroughStsBackend(), SidecarSettings(port=0, token=token)) as sc,
        httpx.AsyncClient(base_url=sc.url) as c,
    ):
        assert (await c.get("/healthz")).json() == {"status": "ok"}
        assert (await c.get("/readyz")).json() == {"status": "ready", "free_slots": 256}
        assert (await c.get("/metrics")).status_code == 401
        auth = {"Authorization": f"Bearer {token}"}
        full = (await c.get("/readyz", headers=auth)).json()
        assert full["sessions"] == 0
        assert full["max_sessions"] == 256
        metrics = await c.get("/metrics", headers=auth)
        assert metrics.status_code == 200
        assert "vona_sessions_active 0.0" in metrics.text


def test_token_flags_and_weak_tokens(tmp_path: object) -> None:
    import pathlib

    assert isinstance(tmp_path, pathlib.Path)
    f = tmp_path / "token"
    f.write_text("a" * 32 + "\n")
    s = SidecarSettings.from_args(["--bind", "0.0.0.0:0", "--token-file", str(f)], environ={})
    assert s.token == "a" * 32
    s = SidecarSettings.from_args(["--token", "b" * 20], environ={})
    assert s.token == "b" * 20
    for weak in ("x", " ", "short-token", "has space in the middle!"):
        with pytest.raises(ConfigError, match="token"):
            SidecarSettings(host="0.0.0.0", token=weak)
    with pytest.raises(ConfigError, match="blank"):
        SidecarSettings(token="   ")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ConfigError, match="empty"):
        SidecarSettings.from_args(["--token-file", str(tmp_path / "empty")], environ={})
