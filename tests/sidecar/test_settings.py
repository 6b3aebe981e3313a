"""Sidecar settings from flags and environment, and the loopback-without-token rule."""

from __future__ import annotations

import pytest

from vona.errors import ConfigError
from vona.sidecar import SidecarSettings
from vona.sidecar.settings import is_loopback, parse_bind


def test_defaults_and_environment() -> None:
    s = SidecarSettings.from_args([], {})
    assert (s.host, s.port, s.backend, s.ipc_path, s.token) == (
        "127.0.0.1",
        9090,
        "passthrough",
        None,
        None,
    )
    env = {
        "VONA_STS_SIDECAR_BIND": "127.0.0.2:9191",
        "VONA_STS_ONNX_MODEL_PATH": "/m.onnx",
        "VONA_STS_ONNX_INPUT_NAME": "wav",
        "VONA_STS_ONNX_OUTPUT_NAME": "out",
        "VONA_STS_ONNX_SAMPLE_RATE": "24000",
        "VONA_SIDECAR_TOKEN": "t",
    }
    s = SidecarSettings.from_args(["--backend", "onnx"], env)
    assert (s.host, s.port, s.token) == ("127.0.0.2", 9191, "t")
    assert (s.onnx_model_path, s.onnx_input_name, s.onnx_output_name, s.onnx_sample_rate_hz) == (
        "/m.onnx",
        "wav",
        "out",
        24000,
    )


def test_flags_override_environment() -> None:
    env = {"VONA_STS_SIDECAR_BIND": "127.0.0.1:1", "VONA_STS_SIDECAR_MAX_SESSIONS": "3"}
    s = SidecarSettings.from_args(
        ["--bind", "[::1]:0", "--ipc", "/tmp/x.sock", "--max-sessions", "9", "--idle-timeout", "0"],
        env,
    )
    assert (s.host, s.port, s.ipc_path, s.max_sessions, s.idle_timeout_s) == (
        "::1",
        0,
        "/tmp/x.sock",
        9,
        0.0,
    )
    assert SidecarSettings.from_args([], env).max_sessions == 3


@pytest.mark.parametrize(
    ("argv", "env", "match"),
    [
        (["--bind", "0.0.0.0:9090"], {}, "non-loopback address '0.0.0.0' without a token"),
        (["--bind", "example.com:80"], {}, "without a token"),
        (["--bind", "nonsense"], {}, "not HOST:PORT"),
        (["--bind", "127.0.0.1:70000"], {}, "outside 0..65535"),
        (["--backend", "magic"], {}, "invalid choice"),
        (["--backend", "onnx"], {}, "VONA_STS_ONNX_MODEL_PATH"),
        (["--max-sessions", "0"], {}, "max_sessions"),
        ([], {"VONA_STS_ONNX_SAMPLE_RATE": "fast"}, "not an integer"),
        ([], {"VONA_STS_SIDECAR_IDLE_TIMEOUT": "soon"}, "not a number"),
        (["--unknown"], {}, "unrecognized"),
    ],
)
def test_refusals(argv: list[str], env: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        SidecarSettings.from_args(argv, env)


def test_non_loopback_with_token_is_allowed() -> None:
    # Issue 13: a one-character token is refused for a public bind; a strong one passes.
    env = {"VONA_SIDECAR_TOKEN": "x" * 16}
    s = SidecarSettings.from_args(["--bind", "0.0.0.0:9090"], env)
    assert s.host == "0.0.0.0"


def test_helpers() -> None:
    assert parse_bind("[::1]:80") == ("::1", 80)
    assert is_loopback("localhost")
    assert is_loopback("127.3.4.5")
    assert is_loopback("::1")
    assert not is_loopback("10.0.0.1")
    assert not is_loopback("host")
