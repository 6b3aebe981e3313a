"""The sidecar's HTTP contract end to end on loopback, with cbor2 as the wire oracle."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import cbor2
import httpx
import numpy as np
import pytest

from vona import PassthroughStsBackend
from vona.sidecar import Sidecar, SidecarSettings

CBOR = {"Content-Type": "application/cbor"}


@pytest.fixture
async def client(sidecar: Sidecar) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sidecar.url) as c:
        yield c


async def _session(client: httpx.AsyncClient) -> str:
    resp = await client.post("/v1/sessions", json={"instructions": "hi"})
    assert resp.status_code == 201
    sid = resp.json()["session_id"]
    assert isinstance(sid, str)
    # Calls on a session carry its key: this client's later requests act on this session.
    client.headers["X-Vona-Session-Key"] = resp.json()["session_key"]
    return sid


def _pcm(n: int, ch: int = 1) -> bytes:
    return np.arange(-n * ch // 2, n * ch - n * ch // 2, dtype="<i2").tobytes()


async def test_probes_and_capabilities(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "free_slots": 4, "sessions": 0, "max_sessions": 4}
    caps = (await client.get("/v1/capabilities")).json()
    assert caps["name"] == "passthrough"
    assert caps["input_sample_rate_hz"] == 16_000


@pytest.mark.parametrize(("n", "ch"), [(0, 1), (1, 1), (320, 1), (321, 1), (960, 2)])
async def test_cbor_step_echoes(client: httpx.AsyncClient, n: int, ch: int) -> None:
    sid = await _session(client)
    body = cbor2.dumps({"seq": 42, "rate": 16_000, "ch": ch, "pcm": _pcm(n, ch)})
    resp = await client.post(f"/v1/sessions/{sid}/step", content=body, headers=CBOR)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/cbor"
    reply = cbor2.loads(resp.content)
    assert reply == {
        "audio": [
            {
                "type": "out",
                "seq": 42,
                "rate": 16_000,
                "ch": ch,
                "pcm": _pcm(n, ch),
                "filler": False,
            }
        ],
        "events": [],
    }


async def test_json_step_with_base64(client: httpx.AsyncClient) -> None:
    sid = await _session(client)
    pcm = _pcm(160)
    body = {"seq": 1, "rate": 16_000, "ch": 1, "pcm": base64.b64encode(pcm).decode()}
    resp = await client.post(f"/v1/sessions/{sid}/step", json=body)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    (audio,) = resp.json()["audio"]
    assert base64.b64decode(audio["pcm"]) == pcm
    # Accept overrides the reply format.
    resp = await client.post(
        f"/v1/sessions/{sid}/step", json=body, headers={"Accept": "application/cbor"}
    )
    assert cbor2.loads(resp.content)["audio"][0]["pcm"] == pcm


async def test_events_and_delete(sidecar: Sidecar, client: httpx.AsyncClient) -> None:
    sid = await _session(client)
    event = {"kind": "tool_result", "payload": {"name": "w", "ok": True}, "call_id": "c1"}
    assert (await client.post(f"/v1/sessions/{sid}/events", json=event)).status_code == 204
    resp = await client.post(
        f"/v1/sessions/{sid}/events", content=cbor2.dumps({"kind": "app"}), headers=CBOR
    )
    assert resp.status_code == 204
    hosted = sidecar.host._sessions[sid].session
    assert [e.kind for e in hosted.context] == ["tool_result", "app"]
    assert hosted.context[0].call_id == "c1"
    assert (await client.delete(f"/v1/sessions/{sid}")).status_code == 204
    resp = await client.delete(f"/v1/sessions/{sid}")
    assert resp.status_code == 404
    assert resp.json()["error"] == {
        "type": "UnknownSessionError",
        "message": f"unknown session {sid!r}",
        "retryable": False,
    }


@pytest.mark.parametrize(
    ("body", "headers", "status", "match"),
    [
        (b"\xff\xfe", CBOR, 400, "malformed CBOR"),
        (b"{not json", {"Content-Type": "application/json"}, 400, "malformed JSON"),
        (cbor2.dumps([1, 2]), CBOR, 400, "must be a map"),
        (cbor2.dumps({"seq": 0, "rate": 16_000, "ch": 1}), CBOR, 400, "no 'pcm'"),
        (cbor2.dumps({"seq": 0, "rate": 16_000, "ch": 1, "pcm": b"\x00"}), CBOR, 400, "whole"),
        (b"x", {"Content-Type": "text/plain"}, 415, "not supported"),
        (b"x" * (64 * 1024 + 1), CBOR, 413, "max_body_bytes"),
    ],
)
async def test_bad_step_bodies(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], status: int, match: str
) -> None:
    sid = await _session(client)
    resp = await client.post(f"/v1/sessions/{sid}/step", content=body, headers=headers)
    assert resp.status_code == status
    assert match in resp.json()["error"]["message"]
    # The session is still fine afterwards (on a fresh connection if the server closed it).
    good = cbor2.dumps({"seq": 1, "rate": 16_000, "ch": 1, "pcm": b"\x01\x00"})
    assert (
        await client.post(f"/v1/sessions/{sid}/step", content=good, headers=CBOR)
    ).status_code == 200


async def test_session_errors(client: httpx.AsyncClient) -> None:
    body = cbor2.dumps({"seq": 1, "rate": 16_000, "ch": 1, "pcm": b""})
    resp = await client.post("/v1/sessions/nope/step", content=body, headers=CBOR)
    assert resp.status_code == 404
    resp = await client.post("/v1/sessions", json={"temperature": 9})
    assert resp.status_code == 400
    assert "temperature" in resp.json()["error"]["message"]
    resp = await client.post(
        "/v1/sessions", content=b"[", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400
    resp = await client.post("/v1/sessions", content=b"\xa0", headers=CBOR)
    assert resp.status_code == 415
    assert (await client.get("/v1/sessions")).status_code == 405
    assert (await client.get("/v1/sessions/x/step")).status_code == 405
    assert (await client.post("/v1/sessions/x/other")).status_code == 404
    assert (await client.get("/elsewhere")).status_code == 404
    assert (await client.post("/healthz")).status_code == 405


async def test_session_limit_and_readiness(sidecar: Sidecar, client: httpx.AsyncClient) -> None:
    ids = [await _session(client) for _ in range(4)]
    resp = await client.post("/v1/sessions")
    assert resp.status_code == 503
    assert resp.json()["error"]["retryable"] is True
    assert (await client.get("/readyz")).json()["status"] == "full"
    await client.delete(f"/v1/sessions/{ids[-1]}")
    assert (await client.post("/v1/sessions")).status_code == 201  # empty body: defaults
    sidecar.host.begin_drain()
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "draining"


async def test_bearer_token() -> None:
    settings = SidecarSettings(port=0, token="s3cret")
    async with (
        Sidecar(PassthroughStsBackend(), settings) as sc,
        httpx.AsyncClient(base_url=sc.url) as c,
    ):
        assert (await c.get("/healthz")).status_code == 200
        resp = await c.post("/v1/sessions")
        assert resp.status_code == 401
        assert resp.headers["www-authenticate"] == "Bearer"
        bad = {"Authorization": "Bearer wrong"}
        assert (await c.post("/v1/sessions", headers=bad)).status_code == 401
        good = {"Authorization": "Bearer s3cret"}
        assert (await c.post("/v1/sessions", headers=good)).status_code == 201


async def test_backend_errors_map_to_status() -> None:
    from vona.errors import BackendError

    class Failing(PassthroughStsBackend):
        async def step(self, session, frame):  # type: ignore[no-untyped-def]
            raise BackendError("overloaded", retryable=frame.sequence == 1)

    async with (
        Sidecar(Failing(), SidecarSettings(port=0)) as sc,
        httpx.AsyncClient(base_url=sc.url) as c,
    ):
        sid = await _session(c)
        for seq, status in ((1, 503), (2, 422)):
            body = cbor2.dumps({"seq": seq, "rate": 16_000, "ch": 1, "pcm": b""})
            resp = await c.post(f"/v1/sessions/{sid}/step", content=body, headers=CBOR)
            assert resp.status_code == status
            assert resp.json()["error"]["retryable"] is (seq == 1)
