"""Sidecar benchmark: what a remote backend adds per step, and how many sessions a core holds.

Loopback only. Each server runs in a subprocess pinned to core 0 (the client is pinned
to core 1); the anchor is a plain-Python server (asyncio streams + cbor2 + struct) that
speaks the same IPC messages and HTTP routes, measured in the same run with the same
clients. Rows:

- step round trip over IPC (``IpcStsBackend``) and over HTTP keep-alive
  (``HttpStsBackend``), p50 and p99, and the latency added over an in-process call;
- server CPU per step (from /proc schedstat: robust to a busy machine);
- sessions at 50 steps/s each that the one-core server holds with p99 under 20 ms
  (target: at least 200 over IPC). Every load level is bounded in steps and time.

Run: ``python benchmarks/bench_sidecar.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from _harness import Row, print_table, render, time_ns_per_call, write_section
from _sidecar_load import LoadResult, ServerProcess, pin_client, sequential
from _sidecar_pacer import http_capacity_load, ipc_capacity_load

from vona import AudioInputFrame, PassthroughStsBackend, SessionConfig
from vona.remote.http import HttpStsBackend
from vona.remote.ipc import IpcStsBackend

FRAME = AudioInputFrame(1, 16_000, 1, np.arange(-160, 160, dtype=np.int16))
LEVELS = (10, 25, 50, 100, 200, 300, 400, 600)
CPU_LEVEL = 100  # every server also runs this level, for CPU per step at the same load


def in_process_ns() -> float:
    backend = PassthroughStsBackend()
    session = asyncio.run(backend.start_session(SessionConfig()))

    def call() -> None:
        coro = backend.step(session, FRAME)
        with contextlib.suppress(StopIteration):
            coro.send(None)

    return time_ns_per_call(call)


async def _ipc_latency(path: str, server: ServerProcess) -> tuple[float, float, float]:
    async with IpcStsBackend(path) as client:
        session = await client.start_session(SessionConfig())
        cpu0 = server.cpu_ns()
        p50, p99 = await sequential(lambda: client.step(session, FRAME))
        cpu = (server.cpu_ns() - cpu0) / 2200
    return p50, p99, cpu


async def _http_latency(port: int, server: ServerProcess) -> tuple[float, float, float]:
    async with HttpStsBackend(f"http://127.0.0.1:{port}") as client:
        session = await client.start_session(SessionConfig())
        cpu0 = server.cpu_ns()
        p50, p99 = await sequential(lambda: client.step(session, FRAME))
        cpu = (server.cpu_ns() - cpu0) / 2200
    return p50, p99, cpu


def _level(kind: str, transport: str, n: int, seconds: float) -> tuple[LoadResult, float]:
    """One load level on a fresh server: the result and the server's CPU µs per step."""
    with tempfile.TemporaryDirectory(prefix="vona-bench-") as d:
        path = str(Path(d) / "s.sock")
        server = ServerProcess(kind, ipc=path)
        try:
            cpu0 = server.cpu_ns()
            if transport == "ipc":
                res = asyncio.run(ipc_capacity_load(path, n, seconds))
            else:
                res = asyncio.run(http_capacity_load(server.port, n, seconds))
            # Server CPU over the level (session setup included: ~1% of the steps).
            return res, (server.cpu_ns() - cpu0) / max(1, res.steps) / 1e3
        finally:
            server.close()


def capacity(
    kind: str, transport: str, seconds: float, levels: tuple[int, ...], log: list[str]
) -> tuple[int, dict[int, float]]:
    """The largest level whose p99 stays under 20 ms with no errors (fresh server each;
    a level that misses is tried once more, as other jobs' bursts on this shared machine
    can stall either process for tens of ms), and the server CPU µs per step at each
    level tried. Every try is added to ``log`` as a table row."""
    best = 0
    cpu: dict[int, float] = {}
    for n in levels:
        for _attempt in range(2):
            res, cpu_us = _level(kind, transport, n, seconds)
            cpu[n] = cpu_us
            print(
                f"  {kind} {transport} {n} sessions: p50 {res.p50_ms:.2f} ms, "
                f"p99 {res.p99_ms:.2f} ms, errors {res.errors}, server {cpu_us:.0f} us/step, "
                f"client CPU {res.client_cpu:.0%}"
            )
            log.append(
                f"| {transport} | {'vona' if kind == 'vona' else 'asyncio+cbor2'} | {n} | "
                f"{res.steps} | {res.p50_ms:.2f} | {res.p99_ms:.2f} | {res.errors} | "
                f"{cpu_us:.0f} | {res.client_cpu:.0%} | {'yes' if res.ok else 'no'} |"
            )
            if res.ok:
                break
        if not res.ok:
            break
        best = n
    return best, cpu


def latencies(kind: str) -> dict[str, tuple[float, float, float]]:
    with tempfile.TemporaryDirectory(prefix="vona-bench-") as d:
        path = str(Path(d) / "s.sock")
        server = ServerProcess(kind, ipc=path)
        try:
            ipc = asyncio.run(_ipc_latency(path, server))
            http = asyncio.run(_http_latency(server.port, server))
        finally:
            server.close()
    return {"ipc": ipc, "http": http}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter load levels")
    args = parser.parse_args()
    seconds = 1.0 if args.quick else 2.0
    pin_client(1)
    t0 = time.time()
    inproc = in_process_ns()
    lat = {kind: latencies(kind) for kind in ("vona", "baseline")}
    rows: list[Row] = [Row("in-process passthrough step (await)", inproc, "-", inproc)]
    for transport in ("ipc", "http"):
        v50, v99, vcpu = lat["vona"][transport]
        b50, b99, bcpu = lat["baseline"][transport]
        name = "IPC" if transport == "ipc" else "HTTP keep-alive"
        rows += [
            Row(f"{name} step round trip p50", v50, "asyncio+cbor2 p50", b50),
            Row(f"{name} step round trip p99", v99, "asyncio+cbor2 p99", b99),
            Row(
                f"{name} added latency p50 (minus in-process)",
                v50 - inproc,
                "asyncio+cbor2",
                b50 - inproc,
            ),
            Row(
                f"{name} server CPU per step",
                vcpu,
                "asyncio+cbor2",
                bcpu,
                "below anchor",
                vcpu < bcpu,
            ),
        ]
    cap: dict[tuple[str, str], tuple[int, dict[int, float]]] = {}
    levels_log = [
        "| transport | server | sessions | steps | p50 ms | p99 ms | errors "
        "| server CPU µs/step | client CPU | p99 < 20 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for transport in ("ipc", "http"):
        for kind in ("vona", "baseline"):
            cap[(kind, transport)] = capacity(kind, transport, seconds, LEVELS, levels_log)
            cpu = cap[(kind, transport)][1]
            if CPU_LEVEL not in cpu:  # a same-load CPU figure for both servers
                res, cpu[CPU_LEVEL] = _level(kind, transport, CPU_LEVEL, seconds)
                levels_log.append(
                    f"| {transport} | {'vona' if kind == 'vona' else 'asyncio+cbor2'} | "
                    f"{CPU_LEVEL} | {res.steps} | {res.p50_ms:.2f} | {res.p99_ms:.2f} | "
                    f"{res.errors} | {cpu[CPU_LEVEL]:.0f} | {res.client_cpu:.0%} | "
                    "(CPU only) |"
                )
    print_table("sidecar", rows)
    cap_lines = [
        "| transport | vona sessions | asyncio+cbor2 sessions | CPU bound, one step at a time "
        "(vona / anchor) | CPU bound under load (vona / anchor, at sessions) | target | met |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for transport in ("ipc", "http"):
        (v, vcpu), (b, bcpu) = cap[("vona", transport)], cap[("baseline", transport)]
        at = max(set(vcpu) & set(bcpu))  # the busiest level both servers ran
        # What one core's CPU allows at the measured server CPU per step (no queueing).
        vb = 1e9 / (50 * lat["vona"][transport][2])
        bb = 1e9 / (50 * lat["baseline"][transport][2])
        target = ">= 200" if transport == "ipc" else ">= anchor"
        met = v >= 200 if transport == "ipc" else v >= b
        cap_lines.append(
            f"| {transport} | {v} | {b} | {vb:.0f} / {bb:.0f} | "
            f"{1e6 / (50 * vcpu[at]):.0f} / {1e6 / (50 * bcpu[at]):.0f}, at {at} | {target} | "
            f"{'yes' if met else '**no**'} |"
        )
    print("\n".join(cap_lines))
    print("\n".join(levels_log))
    body = (
        render(rows)
        + "\n\nSessions at 50 steps/s each (20 ms passthrough frames, 640 B) that a server pinned "
        f"to one core holds with p99 < 20 ms, levels {list(LEVELS)}, {seconds:.0f} s each; "
        "latency counted from each step's scheduled time. The load generator "
        "(`_sidecar_pacer.py`: pre-encoded requests, raw protocols, one 1 ms tick for all "
        "sessions) runs on the other core; its CPU share is in the *client CPU* column.\n\n"
        + "\n".join(cap_lines)
        + "\n\n*CPU bound* is 1e9 / (50 x server CPU ns per step): the sessions one core's "
        "CPU time allows, before queueing; *one step at a time* uses the sequential rows "
        "above (a socket wake-up per step), *under load* the server CPU per step at the busiest "
        "level both servers ran (wake-ups shared by the requests that arrive together). "
        "A level that misses is tried once more. Every try:\n\n"
        + "\n".join(levels_log)
        + f"\n\n_Load average at the end of the run: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs shared with other jobs._"
        + f"\n\n_Run took {time.time() - t0:.0f} s._"
    )
    write_section("sidecar", "Sidecar: IPC and HTTP round trips, sessions per core", body)


if __name__ == "__main__":
    main()
