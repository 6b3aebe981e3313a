"""``sidecar_main`` as a real process: serve, step over HTTP and IPC, drain on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys

import httpx
import numpy as np
import pytest

from vona import AudioInputFrame, SessionConfig
from vona.remote.http import HttpStsBackend
from vona.remote.ipc import IpcStsBackend
from vona.sidecar import sidecar_main

_CODE = "import sys; from vona.sidecar import sidecar_main; sys.exit(sidecar_main(sys.argv[1:]))"


async def _start(
    *args: str, env: dict[str, str] | None = None
) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CODE,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
    match = re.search(r"listening on (http://\S+)", line)
    assert match, line
    return proc, match.group(1)


async def test_serve_step_and_drain_on_sigterm(ipc_path: str) -> None:
    proc, url = await _start("--bind", "127.0.0.1:0", "--ipc", ipc_path, "--drain-timeout", "20")
    frame = AudioInputFrame(3, 16_000, 1, np.arange(320, dtype=np.int16))
    try:
        async with HttpStsBackend(url) as http, IpcStsBackend(ipc_path) as ipc:
            hs = await http.start_session(SessionConfig())
            is_ = await ipc.start_session(SessionConfig())
            assert (await http.step(hs, frame)).output_audio[0].samples.tolist() == list(range(320))
            assert (await ipc.step(is_, frame)).output_audio[0].sequence == 3
            await ipc.end_session(is_)
            proc.send_signal(signal.SIGTERM)
            async with httpx.AsyncClient(base_url=url) as raw:
                for _ in range(100):  # readiness flips to draining
                    if (await raw.get("/readyz")).status_code == 503:
                        break
                    await asyncio.sleep(0.02)
                assert (await raw.get("/readyz")).json()["status"] == "draining"
                assert (await raw.post("/v1/sessions")).status_code == 503
            # The open session keeps working while the sidecar drains ...
            assert (await http.step(hs, frame)).output_audio[0].sequence == 3
            # ... and ending it lets the process exit well before the drain timeout.
            await http.end_session(hs)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
        out = (await proc.stdout.read()).decode() if proc.stdout else ""
        assert "stopped" in out
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_config_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert sidecar_main(["--bind", "0.0.0.0:9090"]) == 2
    assert "without a token" in capsys.readouterr().err
    assert sidecar_main(["--backend", "onnx"]) == 2
    assert sidecar_main(["--help"]) == 0


def test_onnx_backend_is_built_from_the_environment(tmp_path: object) -> None:
    pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from vona.sidecar import SidecarSettings, build_backend

    node = helper.make_node("Identity", ["wav"], ["out"])
    io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, "N"]) for n in ("wav", "out")]
    model = helper.make_model(
        helper.make_graph([node], "id", io[:1], io[1:]), opset_imports=[helper.make_opsetid("", 17)]
    )
    model.ir_version = 8
    path = f"{tmp_path}/id.onnx"
    onnx.save(model, path)
    env = {
        "VONA_STS_ONNX_MODEL_PATH": path,
        "VONA_STS_ONNX_INPUT_NAME": "wav",
        "VONA_STS_ONNX_OUTPUT_NAME": "out",
        "VONA_STS_ONNX_SAMPLE_RATE": "24000",
    }
    backend = build_backend(SidecarSettings.from_args(["--backend", "onnx"], env))
    assert backend.capabilities().input_sample_rate_hz == 24_000
    env["VONA_STS_ONNX_INPUT_NAME"] = "input"
    res = subprocess.run(
        [sys.executable, "-c", _CODE, "--backend", "onnx", "--bind", "127.0.0.1:0"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2
    assert "no input 'input'" in res.stderr
