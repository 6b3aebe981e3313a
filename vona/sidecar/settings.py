"""Sidecar settings from command-line flags and the environment (flags win).

Environment: ``VONA_STS_SIDECAR_BIND`` (default ``127.0.0.1:9090``),
``VONA_STS_SIDECAR_BACKEND``, ``VONA_STS_SIDECAR_IPC``, ``VONA_SIDECAR_TOKEN``,
``VONA_STS_SIDECAR_MAX_SESSIONS``, ``VONA_STS_SIDECAR_IDLE_TIMEOUT``,
``VONA_STS_SIDECAR_MAX_BODY_BYTES``, ``VONA_STS_SIDECAR_DRAIN_TIMEOUT``, and for ``--backend onnx``
``VONA_STS_ONNX_MODEL_PATH``, ``VONA_STS_ONNX_INPUT_NAME``, ``VONA_STS_ONNX_OUTPUT_NAME``,
``VONA_STS_ONNX_SAMPLE_RATE``.

The token comes from ``--token-file`` (one line; preferred: it stays out of the process
list), ``--token`` or ``VONA_SIDECAR_TOKEN``. Binding anything but a loopback address
without a strong token (at least 16 characters, no whitespace) is refused: a sidecar on
a network must authenticate its callers. The token guards IPC too.
"""

from __future__ import annotations

import argparse
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from vona import registry
from vona.errors import ConfigError

__all__ = ["SidecarSettings", "backend_names", "is_loopback", "parse_bind"]


def backend_names() -> tuple[str, ...]:
    """The backends ``--backend`` accepts: every registered one (``vona.registry``); one
    that implements the realtime contract is refused when it is built."""
    return registry.names(registry.BACKENDS)


def __getattr__(name: str) -> tuple[str, ...]:
    if name == "BACKENDS":  # the former constant, now read from the registry
        return backend_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


DEFAULT_BIND = "127.0.0.1:9090"
MIN_TOKEN_CHARS = 16


def read_token_file(path: str) -> str:
    """The token in ``path``: its first line, surrounding whitespace stripped."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.readline(4096)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--token-file {path!r}: {exc}") from None
    token = text.strip()
    if not token:
        raise ConfigError(f"--token-file {path!r} is empty")
    return token


def parse_bind(text: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPv6]:PORT`` -> (host, port); port 0 picks a free port."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ConfigError(f"bind address {text!r} is not HOST:PORT")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    port = int(port_text)
    if port > 65535:
        raise ConfigError(f"bind port {port} is outside 0..65535")
    return host, port


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None


def _env_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None


@dataclass(frozen=True, slots=True)
class SidecarSettings:
    host: str = "127.0.0.1"
    port: int = 9090
    backend: str = "passthrough"
    ipc_path: str | None = None
    token: str | None = None
    max_sessions: int = 256
    idle_timeout_s: float = 300.0
    max_body_bytes: int = 1 << 20
    drain_timeout_s: float = 10.0
    max_sessions_per_client: int | None = None
    max_creates_per_s: float = 20.0
    max_connections: int = 1024
    max_loop_lag_s: float = 0.25
    node_id: str = ""
    otel: bool = False
    onnx_model_path: str | None = None
    onnx_input_name: str = "input"
    onnx_output_name: str = "output"
    onnx_sample_rate_hz: int = 16_000

    def __post_init__(self) -> None:
        if self.backend not in backend_names():
            raise ConfigError(f"backend {self.backend!r} is not one of {list(backend_names())}")
        if self.token is not None and (not self.token.strip() or self.token != self.token.strip()):
            raise ConfigError("the token must not be blank or start or end with whitespace")
        if not is_loopback(self.host) and (
            not self.token
            or len(self.token) < MIN_TOKEN_CHARS
            or any(c.isspace() for c in self.token)
        ):
            raise ConfigError(
                f"refusing to bind non-loopback address {self.host!r} without a token or with "
                f"a weak one (it needs {MIN_TOKEN_CHARS}+ characters, no whitespace); "
                "pass --token-file or bind 127.0.0.1"
            )
        if self.max_sessions_per_client is not None and self.max_sessions_per_client < 1:
            raise ConfigError(
                f"max_sessions_per_client must be at least 1, got {self.max_sessions_per_client}"
            )
        if self.max_creates_per_s < 0 or self.max_loop_lag_s < 0:
            raise ConfigError("max_creates_per_s and max_loop_lag_s must be >= 0")
        if self.max_connections < 1:
            raise ConfigError(f"max_connections must be at least 1, got {self.max_connections}")
        if self.max_sessions < 1:
            raise ConfigError(f"max_sessions must be at least 1, got {self.max_sessions}")
        if self.max_body_bytes < 1024:
            raise ConfigError(f"max_body_bytes must be at least 1024, got {self.max_body_bytes}")
        if self.idle_timeout_s < 0 or self.drain_timeout_s < 0:
            raise ConfigError("idle and drain timeouts must be >= 0")
        if self.backend == "onnx" and not self.onnx_model_path:
            raise ConfigError("--backend onnx needs a model: set VONA_STS_ONNX_MODEL_PATH")
        if self.onnx_sample_rate_hz <= 0:
            raise ConfigError(f"ONNX sample rate must be positive, got {self.onnx_sample_rate_hz}")

    @classmethod
    def from_args(
        cls, argv: Sequence[str], environ: Mapping[str, str] | None = None
    ) -> SidecarSettings:
        """Parse ``vona sidecar`` flags over the environment; raises ``ConfigError``."""
        import os

        env = os.environ if environ is None else environ
        args = _parser().parse_args(list(argv))
        host, port = parse_bind(args.bind or env.get("VONA_STS_SIDECAR_BIND") or DEFAULT_BIND)
        if args.token_file:
            token: str | None = read_token_file(args.token_file)
        elif args.token is not None:
            token = args.token
        else:
            token = env.get("VONA_SIDECAR_TOKEN") or None
        return cls(
            host=host,
            port=port,
            backend=args.backend or env.get("VONA_STS_SIDECAR_BACKEND") or "passthrough",
            ipc_path=args.ipc or env.get("VONA_STS_SIDECAR_IPC") or None,
            token=token,
            max_sessions_per_client=args.max_sessions_per_client,
            max_creates_per_s=(
                args.max_creates_per_s if args.max_creates_per_s is not None else 20.0
            ),
            max_connections=args.max_connections if args.max_connections is not None else 1024,
            max_loop_lag_s=args.max_loop_lag if args.max_loop_lag is not None else 0.25,
            node_id=args.node_id or env.get("VONA_STS_SIDECAR_NODE_ID") or "",
            otel=args.otel,
            max_sessions=(
                args.max_sessions
                if args.max_sessions is not None
                else _env_int(env, "VONA_STS_SIDECAR_MAX_SESSIONS", 256)
            ),
            idle_timeout_s=(
                args.idle_timeout
                if args.idle_timeout is not None
                else _env_float(env, "VONA_STS_SIDECAR_IDLE_TIMEOUT", 300.0)
            ),
            max_body_bytes=(
                args.max_body_bytes
                if args.max_body_bytes is not None
                else _env_int(env, "VONA_STS_SIDECAR_MAX_BODY_BYTES", 1 << 20)
            ),
            drain_timeout_s=(
                args.drain_timeout
                if args.drain_timeout is not None
                else _env_float(env, "VONA_STS_SIDECAR_DRAIN_TIMEOUT", 10.0)
            ),
            onnx_model_path=args.onnx_model or env.get("VONA_STS_ONNX_MODEL_PATH") or None,
            onnx_input_name=env.get("VONA_STS_ONNX_INPUT_NAME") or "input",
            onnx_output_name=env.get("VONA_STS_ONNX_OUTPUT_NAME") or "output",
            onnx_sample_rate_hz=_env_int(env, "VONA_STS_ONNX_SAMPLE_RATE", 16_000),
        )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"vona sidecar: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="vona sidecar", description="Serve a speech backend over HTTP and IPC.")
    p.add_argument("--bind", help="HOST:PORT for HTTP (env VONA_STS_SIDECAR_BIND)")
    p.add_argument(
        "--backend", choices=backend_names(), help="backend to serve (default passthrough)"
    )
    p.add_argument("--ipc", help="Unix socket path to serve IPC on as well")
    p.add_argument("--max-sessions", type=int, help="live session cap (default 256)")
    p.add_argument("--idle-timeout", type=float, help="end sessions idle this many s")
    p.add_argument("--drain-timeout", type=float, help="on SIGTERM, wait this long for sessions")
    p.add_argument("--max-body-bytes", type=int, help="largest request body or IPC frame")
    p.add_argument("--token", help="bearer token callers must send (prefer --token-file)")
    p.add_argument("--token-file", help="file whose first line is the bearer token")
    p.add_argument(
        "--max-sessions-per-client", type=int, help="sessions one client address may hold"
    )
    p.add_argument(
        "--max-creates-per-s", type=float, help="session creations per s per client (0: off)"
    )
    p.add_argument("--max-connections", type=int, help="HTTP connection cap (default 1024)")
    p.add_argument(
        "--max-loop-lag", type=float, help="refuse sessions while the loop lags this many s"
    )
    p.add_argument(
        "--node-id",
        help="prefix of session ids, for routing behind a balancer (env VONA_STS_SIDECAR_NODE_ID)",
    )
    p.add_argument(
        "--otel",
        action="store_true",
        help="OpenTelemetry spans per session and turn (the otel extra; configure the SDK)",
    )
    p.add_argument("--onnx-model", help="ONNX model path (env VONA_STS_ONNX_MODEL_PATH)")
    return p
