"""The WebSocket transport: server CPU per 20 ms frame against pipecat, and echo sessions
per core.

    python benchmarks/bench_websocket.py
    VONA_BENCH_PYTHON=/path/to/python ...   # the venv that has pipecat-ai 1.14.0

- Per frame: a client streams 20 ms PCM16 frames in real time to an echo server in its
  own process and reads the echo back; the server's CPU time (user + system) over the
  session divided by the frames is the cost of one frame through the server's WebSocket
  transport and its pipeline. Vona: ``vona serve``'s server (aiohttp, ``WebSocketTransport``,
  the session driver, the passthrough backend), with the driver pacing output and with
  the transport sending frames as they come. Anchor, same run: pipecat 1.14's
  ``WebsocketServerTransport`` with a pass-through pipeline
  (``benchmarks/anchors/pipecat_websocket.py`` in the bench venv). Target <= 0.2x.
- Sessions per core: K echo sessions at once against one server process (one core),
  each frame's round trip timed by the client; the most sessions with p99 < 20 ms, and
  the server's CPU share at that load.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, print_table, render, write_section

ROOT = Path(__file__).resolve().parent.parent
FRAME = 320  # 20 ms at 16 kHz
FRAMES = 500  # 10 s per measured session
SWEEP = (10, 20, 30, 40, 60, 80, 120)
SWEEP_FRAMES = 150
CLIENT_PROCS = 2


def bench_python() -> Path | None:
    env = os.environ.get("VONA_BENCH_PYTHON")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT / ".benchvenv" / "bin" / "python")
    return next((p for p in candidates if p.is_file() and os.access(p, os.X_OK)), None)


# ---- the servers (child processes) ---------------------------------------------------


def serve_child(paces: bool) -> None:
    """Child: a Vona echo server; prints its port, answers ``cpu`` lines."""
    from vona.backends.passthrough import PassthroughStsBackend
    from vona.serve import VonaServer

    async def main() -> None:
        server = VonaServer(PassthroughStsBackend(), paces_output=paces)
        print(await server.start("127.0.0.1", 0), flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip() == "cpu":
                r = resource.getrusage(resource.RUSAGE_SELF)
                print(f"{r.ru_utime + r.ru_stime:.6f}", flush=True)
        await server.stop()

    asyncio.run(main())


def bare_child() -> None:
    """Child: a bare aiohttp WebSocket echo (no Vona): the floor of socket work per frame."""
    from aiohttp import WSMsgType, web

    async def echo(request: Any) -> Any:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/ws", echo)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        assert site._server is not None
        print(site._server.sockets[0].getsockname()[1], flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip() == "cpu":
                r = resource.getrusage(resource.RUSAGE_SELF)
                print(f"{r.ru_utime + r.ru_stime:.6f}", flush=True)
        await runner.cleanup()

    asyncio.run(main())


class Server:
    def __init__(self, cmd: list[str], path: str) -> None:
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        self.url = f"ws://127.0.0.1:{self.port}{path}"

    def cpu(self) -> float:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write("cpu\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(10)


def vona_server(paces: bool) -> Server:
    mode = "--child-paced" if paces else "--child"
    return Server([sys.executable, __file__, mode], "/ws?rate=16000")


# ---- the client --------------------------------------------------------------------


async def echo_session(url: str, frames: int, rtts: list[float] | None) -> int:
    """Stream ``frames`` 20 ms frames in real time; returns the echoed bytes. Each frame
    carries its index in its first sample, so the echo's round trip can be timed."""
    import websockets

    sent: dict[int, float] = {}
    got = 0
    want = frames * FRAME * 2

    async with websockets.connect(url, max_size=None) as ws:

        async def read() -> None:
            nonlocal got
            async for message in ws:
                if not isinstance(message, bytes):
                    continue
                now = time.perf_counter()
                if rtts is not None and len(message) % (FRAME * 2) == 0 and got % (FRAME * 2) == 0:
                    for k in range(0, len(message), FRAME * 2):
                        index = int.from_bytes(message[k : k + 2], "little", signed=True)
                        if index in sent:
                            rtts.append(now - sent.pop(index))
                got += len(message)
                if got >= want:
                    return

        reader = asyncio.create_task(read())
        loop = asyncio.get_running_loop()
        start = loop.time()
        pcm = np.full(FRAME, 1000, np.int16)
        for i in range(frames):
            pcm[0] = i % 30000 + 1
            sent[i % 30000 + 1] = time.perf_counter()
            await ws.send(pcm.tobytes())
            await asyncio.sleep(max(start + (i + 1) * 0.02 - loop.time(), 0))
        try:
            await asyncio.wait_for(reader, 5)
        except asyncio.TimeoutError:
            reader.cancel()
    return got


def cpu_per_frame(server: Server, frames: int = FRAMES) -> float:
    asyncio.run(echo_session(server.url, 20, None))  # warm-up: imports, first session
    c0 = server.cpu()
    got = asyncio.run(echo_session(server.url, frames, None))
    c1 = server.cpu()
    if got < frames * FRAME * 2 * 0.9:
        print(f"warning: only {got // (FRAME * 2)} of {frames} frames came back", file=sys.stderr)
    return (c1 - c0) / frames * 1e9


def client_child(url: str, sessions: int, frames: int) -> None:
    """Child: ``sessions`` echo sessions at once; prints their round trips (s) as JSON."""
    rtts: list[float] = []

    async def many() -> None:
        await asyncio.gather(*(echo_session(url, frames, rtts) for _ in range(sessions)))

    asyncio.run(many())
    print(json.dumps(rtts))


def load(url: str, sessions: int) -> list[float]:
    """``sessions`` echo sessions from CLIENT_PROCS client processes (one would be the
    bottleneck before the server)."""
    procs = []
    for i in range(CLIENT_PROCS):
        n = sessions // CLIENT_PROCS + (i < sessions % CLIENT_PROCS)
        cmd = [sys.executable, __file__, "--client", url, str(n), str(SWEEP_FRAMES)]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT))
    rtts: list[float] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        rtts += json.loads(out.strip().splitlines()[-1])
    return rtts


def sweep(paces: bool) -> list[dict[str, Any]]:
    rows = []
    server = vona_server(paces)
    try:
        asyncio.run(echo_session(server.url, 20, None))
        for k in SWEEP:
            c0, t0 = server.cpu(), time.perf_counter()
            rtts = load(server.url, k)
            share = (server.cpu() - c0) / (time.perf_counter() - t0)
            p99 = float(np.percentile(rtts, 99)) * 1e3 if rtts else float("inf")
            p50 = statistics.median(rtts) * 1e3 if rtts else float("inf")
            us = share / (k * 50) * 1e6  # server CPU per frame at this load
            rows.append({"sessions": k, "p50_ms": p50, "p99_ms": p99, "cpu_share": share, "us": us})
            print(
                f"  {k:4d} sessions: p50 {p50:6.2f} ms, p99 {p99:6.2f} ms, "
                f"server CPU {share:.0%} ({us:.0f} us per frame)"
            )
            if p99 >= 100:  # far past the bar (a shared machine is noisy: go on until then)
                break
    finally:
        server.close()
    return rows


def main() -> None:
    rows: list[Row] = []
    results: dict[str, float] = {}
    for paces, name in ((False, "driver-paced"), (True, "transport-paced")):
        server = vona_server(paces)
        try:
            results[name] = cpu_per_frame(server)
        finally:
            server.close()
        print(f"vona ({name}): {results[name] / 1e3:.1f} us of server CPU per frame")
    bare = Server([sys.executable, __file__, "--child-bare"], "/ws")
    try:
        floor = cpu_per_frame(bare)
    finally:
        bare.close()
    print(f"bare aiohttp echo (no Vona): {floor / 1e3:.1f} us of server CPU per frame")
    py = bench_python()
    anchor = None
    if py is None:
        print(
            "pipecat anchor unavailable: run `make benchenv` or set VONA_BENCH_PYTHON",
            file=sys.stderr,
        )
    else:
        script = ROOT / "benchmarks" / "anchors" / "pipecat_websocket.py"
        server = Server([str(py), str(script)], "/")
        try:
            anchor = cpu_per_frame(server)
        finally:
            server.close()
        print(f"pipecat: {anchor / 1e3:.1f} us of server CPU per frame")
    for name, ns in results.items():
        if anchor is not None:
            rows.append(
                Row(
                    f"20 ms frame through the WebSocket server ({name})",
                    ns,
                    "pipecat 1.14 WebsocketServerTransport + pass-through",
                    anchor,
                    "<= 0.2x",
                    ns / anchor <= 0.2,
                )
            )
    print("echo sessions on one server process (transport-paced):")
    table = sweep(True)
    ok = [r for r in table if r["p99_ms"] < 20]
    best = ok[-1] if ok else None
    title = "WebSocket transport: server CPU per frame, echo sessions per core"
    if rows:
        print_table(title, rows)
    body = render(rows) if rows else "pipecat anchor unavailable."
    lines = [
        "",
        "| sessions | p50 ms | p99 ms | server CPU | us per frame |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['sessions']} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['cpu_share']:.0%} "
        f"| {r['us']:.0f} |"
        for r in table
    ]
    if best is not None:
        per_core = best["sessions"] / max(best["cpu_share"], 1e-9)
        summary = (f"\n{best['sessions']} echo sessions with p99 {best['p99_ms']:.1f} ms on one "
                   f"server process at {best['cpu_share']:.0%} CPU: about {per_core:.0f} "
                   "sessions per core at that cost per session.")  # fmt: skip
        print(summary.strip())
        lines.append(summary)
    floor_line = (
        f"\nA bare aiohttp WebSocket echo (no Vona, same client) costs {floor / 1e3:.0f} us "
        "of server CPU per frame on this machine: the socket floor both servers pay."
    )
    lines.append(floor_line)
    write_section("websocket", title, body + "\n" + "\n".join(lines))
    out = {"cpu_per_frame_ns": results, "bare_ns": floor, "pipecat_ns": anchor, "sweep": table}
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        client_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1:2] == ["--child"]:
        serve_child(False)
    elif sys.argv[1:2] == ["--child-bare"]:
        bare_child()
    elif sys.argv[1:2] == ["--child-paced"]:
        serve_child(True)
    else:
        main()
