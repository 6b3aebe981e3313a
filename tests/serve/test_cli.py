"""``vona serve`` as a user runs it: it prints its URL once listening, serves the page and
/ws with a registered backend, and user errors are one line without a traceback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
import websockets

VONA = str(Path(sys.executable).with_name("vona"))


def test_vona_serve_with_a_registered_backend_serves_page_and_ws():
    proc = subprocess.Popen(
        [VONA, "serve", "--bind", "127.0.0.1:0", "--backend", "passthrough"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("vona serve: http://127.0.0.1:"), line
        base = line.split()[2].rstrip("/")
        assert httpx.get(base + "/").status_code == 200

        async def echo() -> tuple[bytes, list[dict[str, object]]]:
            audio, events = bytearray(), []
            url = base.replace("http://", "ws://") + "/ws?rate=16000"
            async with websockets.connect(url) as ws:
                for _ in range(10):
                    await ws.send(np.full(320, 7, np.int16).tobytes())
                    await asyncio.sleep(0.02)
                await ws.send(json.dumps({"type": "end"}))
                async for message in ws:
                    if isinstance(message, bytes):
                        audio.extend(message)
                    else:
                        events.append(json.loads(message))
            return bytes(audio), events

        audio, events = asyncio.run(echo())
        assert np.count_nonzero(np.frombuffer(audio, "<i2") == 7) == 3200
        assert [e["type"] for e in events] == ["metrics"]
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["serve", "--bind", "localhost"], "--bind must be HOST:PORT"),
        (["serve", "--bind", "127.0.0.1:0", "--backend", "no-such-backend"], "no-such-backend"),
        (["talk", "--backend", "passthrough", "--seconds", "0"], "--seconds must be > 0"),
    ],
)
def test_user_errors_are_one_line(args, needle):
    proc = subprocess.run([VONA, *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
