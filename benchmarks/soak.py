"""Soak: many concurrent sessions through a sidecar process for minutes; nothing may leak
and no frame may be lost.

A real ``vona sidecar`` process (passthrough backend) on loopback; ``--sessions`` sessions
(default 200), each on its own keep-alive HTTP connection, each stepping a 20 ms frame
every 20 ms (closed loop: a session whose reply is late sends its next frame when the
reply arrives, so an overloaded server slows the rate instead of piling up requests).
Every reply is compared byte for byte with the echo that frame must produce: a missing,
wrong or failed reply is a lost frame. The server's RSS and open file descriptors are
sampled every few seconds and their least-squares slope printed.

Run: ``python benchmarks/soak.py [--seconds 600] [--sessions 200]`` (``make soak``).
Exits 1 if any frame was lost. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys

import cbor2
import numpy as np
from _harness import write_section

from vona.codec import cbor_dumps

FRAMES = 50  # distinct frames, cycled: one second of audio per session


def _request(sid: str, key: str, seq: int) -> bytes:
    pcm = (np.arange(320) * (seq + 1) % 32000).astype("<i2").tobytes()
    body = cbor2.dumps({"seq": seq, "rate": 16_000, "ch": 1, "pcm": pcm})
    head = (
        f"POST /v1/sessions/{sid}/step HTTP/1.1\r\nHost: s\r\nContent-Type: application/cbor\r\n"
        f"X-Vona-Session-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _expected(seq: int) -> bytes:
    """The echo's bytes (the server's canonical CBOR), checked against cbor2's reading."""
    pcm = (np.arange(320) * (seq + 1) % 32000).astype("<i2").tobytes()
    frame = {"type": "out", "seq": seq, "rate": 16_000, "ch": 1, "pcm": pcm, "filler": False}
    reply = {"audio": [frame], "events": []}
    data = bytes(cbor_dumps(reply))
    assert cbor2.loads(data) == reply
    return data


class _Session(asyncio.Protocol):
    """One session on its own connection: send, wait for the reply, check it, pace."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.reply: asyncio.Future[bytes] | None = None
        self.lost_connection = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0 or self.reply is None or self.reply.done():
            return
        m = re.search(rb"content-length: *(\d+)", bytes(self.buf[:end]), re.IGNORECASE)
        length = int(m.group(1)) if m else 0
        if len(self.buf) < end + 4 + length:
            return
        status = bytes(self.buf[9:12])
        body = bytes(self.buf[end + 4 : end + 4 + length])
        del self.buf[: end + 4 + length]
        self.reply.set_result(body if status == b"200" else b"status " + status + b" " + body)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost_connection = True
        if self.reply is not None and not self.reply.done():
            self.reply.set_result(b"connection lost")

    async def call(self, request: bytes) -> bytes:
        assert self.transport is not None
        self.reply = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.reply


class _Stats:
    def __init__(self) -> None:
        self.sent = 0
        self.ok = 0
        self.lost: list[str] = []
        self.stalls = -1.0


async def _stalls(port: int) -> float:
    """The server's count of event-loop stalls over 50 ms, from its /metrics."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n")
    text = (await reader.read()).decode("latin-1")
    writer.close()
    m = re.search(r"^vona_event_loop_stalls_total (\S+)$", text, re.MULTILINE)
    return float(m.group(1)) if m else -1.0


async def _run_session(port: int, stats: _Stats, until: float) -> None:
    loop = asyncio.get_running_loop()
    _, conn = await loop.create_connection(_Session, "127.0.0.1", port)
    body = b"{}"
    create = (
        "POST /v1/sessions HTTP/1.1\r\nHost: s\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    reply = await conn.call(create)
    m = re.search(rb'"session_id": "([^"]+)", "session_key": "([^"]+)"', reply)
    if m is None:
        stats.lost.append(f"session not created: {reply[:200]!r}")
        return
    sid, key = m.group(1).decode(), m.group(2).decode()
    requests = [_request(sid, key, i) for i in range(FRAMES)]
    expected = [_expected(i) for i in range(FRAMES)]
    seq = 0
    next_at = loop.time()
    while loop.time() < until:
        stats.sent += 1
        got = await conn.call(requests[seq % FRAMES])
        if got == expected[seq % FRAMES]:
            stats.ok += 1
        else:
            stats.lost.append(f"frame {seq}: {got[:200]!r}")
            if conn.lost_connection:
                return
        seq += 1
        next_at += 0.02
        delay = next_at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            next_at = loop.time()  # behind: go on at once, do not burst to catch up
    delete = f"DELETE /v1/sessions/{sid} HTTP/1.1\r\nHost: s\r\nX-Vona-Session-Key: {key}\r\n\r\n"
    await conn.call(delete.encode())
    assert conn.transport is not None
    conn.transport.close()


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope (per minute) of (seconds, value) points."""
    if len(points) < 2:
        return 0.0
    t = np.array([p[0] for p in points]) / 60.0
    v = np.array([p[1] for p in points])
    return float(np.polyfit(t, v, 1)[0])


async def _soak(seconds: float, sessions: int) -> tuple[_Stats, list[tuple[float, int, int]]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vona.sidecar",
        "--bind",
        "127.0.0.1:0",
        "--max-sessions",
        str(sessions + 16),
        "--max-sessions-per-client",
        str(sessions + 16),
        "--max-creates-per-s",
        "0",
        "--max-loop-lag",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,  # its stall log; the count comes from /metrics
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
    m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
    assert m, line
    port = int(m.group(1))
    stats = _Stats()
    samples: list[tuple[float, int, int]] = []
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    until = t0 + seconds
    try:
        tasks = [loop.create_task(_run_session(port, stats, until)) for _ in range(sessions)]
        while loop.time() < until:
            await asyncio.sleep(min(5.0, max(0.0, until - loop.time())))
            samples.append((loop.time() - t0, _rss_kb(proc.pid), _fds(proc.pid)))
            print(
                f"  t={samples[-1][0]:6.0f} s  steps ok {stats.ok:>9}  lost {len(stats.lost)}  "
                f"server RSS {samples[-1][1] / 1024:.1f} MiB  fds {samples[-1][2]}",
                flush=True,
            )
        await asyncio.gather(*tasks)
        stats.stalls = await _stalls(port)
    finally:
        proc.terminate()
        await proc.wait()
    return stats, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="soak duration")
    parser.add_argument("--sessions", type=int, default=200, help="concurrent sessions")
    args = parser.parse_args()
    stats, samples = asyncio.run(_soak(args.seconds, args.sessions))
    # The first minute warms up (allocator pools, connection buffers): slopes after it.
    steady = [s for s in samples if s[0] >= min(60.0, args.seconds / 3)]
    rss_slope = _slope([(t, rss / 1024) for t, rss, _ in steady])
    fd_slope = _slope([(t, fds) for t, _, fds in steady])
    rate = stats.ok / max(args.seconds, 1e-9)
    first, last = samples[0], samples[-1]
    print(
        f"soak: {args.sessions} sessions for {args.seconds:.0f} s: {stats.sent} frames sent, "
        f"{stats.ok} echoed correctly, {len(stats.lost)} lost; {rate:.0f} steps/s"
    )
    print(
        f"soak: server RSS {first[1] / 1024:.1f} -> {last[1] / 1024:.1f} MiB "
        f"(slope {rss_slope:+.3f} MiB/min after warm-up), open fds {first[2]} -> {last[2]} "
        f"(slope {fd_slope:+.3f}/min)"
    )
    print(f"soak: {stats.stalls:.0f} event-loop stalls over 50 ms in the server")
    for problem in stats.lost[:5]:
        print("  lost:", problem)
    body = (
        "| sessions | duration s | frames sent | echoed correctly | lost | steps/s "
        "| server RSS MiB (start -> end) | RSS slope MiB/min | open fds (start -> end) "
        "| fd slope /min | loop stalls > 50 ms |\n"
        "|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|\n"
        f"| {args.sessions} | {args.seconds:.0f} | {stats.sent} | {stats.ok} | "
        f"{len(stats.lost)} | {rate:.0f} | {first[1] / 1024:.1f} -> {last[1] / 1024:.1f} | "
        f"{rss_slope:+.3f} | {first[2]} -> {last[2]} | {fd_slope:+.3f} | {stats.stalls:.0f} |\n\n"
        "A `vona sidecar` process (passthrough backend) on loopback; each session on its own "
        "keep-alive HTTP connection steps a 20 ms frame every 20 ms (closed loop: a late reply "
        "delays the next frame). Every reply is compared byte for byte with its expected echo. "
        "Slopes are least squares over samples every 5 s after the first minute."
        f"\n\n_Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs._"
    )
    write_section("soak", "Soak: sessions through the sidecar for minutes", body)
    raise SystemExit(1 if stats.lost or stats.sent != stats.ok else 0)


if __name__ == "__main__":
    main()
