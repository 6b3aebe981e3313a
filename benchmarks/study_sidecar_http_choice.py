"""Which HTTP server for the sidecar: our asyncio HTTP/1.1 server or uvicorn + ASGI?

Both serve the same routes (``vona.sidecar.app.SidecarApp``) over the passthrough backend,
each in a process pinned to one core; a lean keep-alive client on the other core sends
step requests (640 B CBOR). Measures the sequential round trip (p50, p99) and the
closed-loop throughput of 32 connections. Needs uvicorn + httptools installed (they are
not project dependencies); the result is recorded in docs/architecture.md.

A one-off design study, not a benchmark with a target: named ``study_*`` so that
``make bench`` / ``vona bench`` (which run ``bench_*.py``) leave it out.
"""

from __future__ import annotations

import asyncio
import time

from _sidecar_load import RawHttp, ServerProcess, http_session, pin_client, sequential


async def _throughput(
    server: ServerProcess, conns: int = 32, seconds: float = 2.0
) -> tuple[float, float]:
    sessions = [await http_session(server.port) for _ in range(conns)]
    done = 0
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds

    async def run(conn: RawHttp, req: bytes) -> None:
        nonlocal done
        while loop.time() < end:
            await conn.request(req)
            done += 1

    t0, cpu0 = time.perf_counter(), server.cpu_ns()
    await asyncio.gather(*(run(c, r) for c, r in sessions))
    rate = done / (time.perf_counter() - t0)
    cpu_per_request = (server.cpu_ns() - cpu0) / max(done, 1)
    for c, _ in sessions:
        c.close()
    return rate, cpu_per_request


async def _measure(kind: str) -> tuple[float, float, float, float]:
    server = ServerProcess(kind)
    try:
        conn, req = await http_session(server.port)
        p50, p99 = await sequential(lambda: conn.request(req), n=3000)
        conn.close()
        return (p50, p99, *await _throughput(server))
    finally:
        server.close()


def main() -> None:
    pin_client(1)
    print("| server | step RTT p50 us | p99 us | req/s (32 conns) | server CPU us/request |")
    print("|---|---:|---:|---:|---:|")
    for kind in ("vona", "uvicorn"):
        p50, p99, rps, cpu = asyncio.run(_measure(kind))
        print(f"| {kind} | {p50 / 1e3:.1f} | {p99 / 1e3:.1f} | {rps:,.0f} | {cpu / 1e3:.1f} |")


if __name__ == "__main__":
    main()
