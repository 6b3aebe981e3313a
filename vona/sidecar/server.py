"""The sidecar process: one backend served over HTTP and, on Unix, an IPC socket.

``Sidecar`` runs in any event loop (tests and benchmarks start it in-process);
``sidecar_main`` is the ``vona sidecar`` command: it serves until SIGTERM or SIGINT,
then drains: new sessions are refused (``/readyz`` turns 503 at once) while existing
sessions keep stepping until they end or ``drain_timeout_s`` passes; sessions still
alive then are ended, and their clients' next call is answered with a retryable error
naming the reason (``drain_timeout``) before everything closes.

The process watches itself: event-loop lag (new sessions are refused and ``/readyz``
turns 503 while it is over ``max_loop_lag_s``), stalls over 50 ms logged with the
blocking stack, and Prometheus metrics on ``/metrics``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
import sys
from collections.abc import Sequence

from vona import registry
from vona.backends.step import SpeechToSpeechBackend
from vona.errors import ConfigError, SessionLimitError, VonaError
from vona.observability.loop_lag import LoopLag
from vona.observability.metrics import SidecarMetrics
from vona.observability.stall import StallMonitor
from vona.remote.session_host import SessionHost, SessionObserver
from vona.sidecar.app import SidecarApp
from vona.sidecar.http11 import HttpLimits, HttpServer
from vona.sidecar.settings import SidecarSettings

__all__ = ["Sidecar", "build_backend", "sidecar_main"]

log = logging.getLogger("vona.sidecar")


def build_backend(settings: SidecarSettings) -> SpeechToSpeechBackend:
    """The step backend registered as ``settings.backend`` (``vona.registry``), built with
    the settings fields prefixed by its name (``onnx_model_path`` -> ``model_path``)."""
    name = settings.backend
    prefix = f"{name}_"
    options = {
        f.name.removeprefix(prefix): getattr(settings, f.name)
        for f in dataclasses.fields(settings)
        if f.name.startswith(prefix)
    }
    backend: SpeechToSpeechBackend = registry.build_backend(name, "step", **options)
    return backend


def _default_per_client(max_sessions: int) -> int:
    """Half the slots per client address (all of them on a tiny server): one client
    cannot lock the others out."""
    return max_sessions // 2 if max_sessions >= 8 else max_sessions


class Sidecar:
    """HTTP (and optional IPC) servers over one ``SessionHost``."""

    def __init__(
        self,
        backend: SpeechToSpeechBackend,
        settings: SidecarSettings,
        *,
        observers: tuple[SessionObserver, ...] = (),
    ) -> None:
        self.settings = settings
        self.metrics = SidecarMetrics(lambda: len(self.host), connections=self._connections)
        self.lag = LoopLag(on_tick=self.metrics.loop_tick)
        self.stalls = StallMonitor(on_stall=self.metrics.stall)
        if settings.otel:
            from vona.observability.tracing import SessionTracer

            observers = (*observers, SessionTracer())
        per_client = settings.max_sessions_per_client
        self.host = SessionHost(
            backend,
            max_sessions=settings.max_sessions,
            idle_timeout_s=settings.idle_timeout_s,
            max_sessions_per_client=(
                per_client if per_client is not None else _default_per_client(settings.max_sessions)
            ),
            max_creates_per_s=settings.max_creates_per_s,
            admit=self._admit,
            observers=(self.metrics, *observers),
            node_id=settings.node_id,
        )
        limits = HttpLimits(
            max_body_bytes=settings.max_body_bytes, max_connections=settings.max_connections
        )
        app = SidecarApp(
            self.host, token=settings.token, metrics=self.metrics.render, lagging=self._lagging
        )
        self.http = HttpServer(app, limits)
        self.ipc = None
        if settings.ipc_path:
            from vona.remote.ipc_server import IpcServer

            self.ipc = IpcServer(
                self.host,
                settings.ipc_path,
                max_frame_bytes=settings.max_body_bytes,
                token=settings.token,
            )
        self.address: tuple[str, int] | None = None

    def _connections(self) -> float:
        return float(self.http.connections)

    def _lagging(self) -> bool:
        limit = self.settings.max_loop_lag_s
        return bool(limit) and self.lag.recent_s > limit

    def _admit(self) -> None:
        if self._lagging():
            raise SessionLimitError(
                f"event loop lags {self.lag.recent_s * 1e3:.0f} ms "
                f"(over {self.settings.max_loop_lag_s * 1e3:.0f} ms); try another node"
            )

    @property
    def url(self) -> str:
        if self.address is None:
            raise ConfigError("the sidecar is not started")
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    async def start(self) -> None:
        self.address = await self.http.start(self.settings.host, self.settings.port)
        if self.ipc is not None:
            await self.ipc.start()
        self.host.start()
        self.lag.start()
        self.stalls.start()

    def begin_drain(self) -> None:
        """Refuse new sessions from now on (``/readyz`` answers 503)."""
        self.host.begin_drain()

    async def close(self, drain_timeout_s: float | None = None) -> None:
        """Drain (see the module docstring), then stop serving and end what is left."""
        timeout = self.settings.drain_timeout_s if drain_timeout_s is None else drain_timeout_s
        self.host.begin_drain()
        if not await self.host.wait_empty(timeout) and timeout > 0:
            left = len(self.host)
            log.warning("drain deadline (%.1f s) passed: ending %d session(s)", timeout, left)
            await self.host.close(drain_timeout_s=1.0, reason="drain_timeout")
            # Stay up a moment so their clients learn why (a retryable 503), not just that
            # the connection is gone.
            await asyncio.sleep(min(1.0, timeout))
        await self.http.close(timeout_s=1.0)
        if self.ipc is not None:
            await self.ipc.close()
        await self.host.close(drain_timeout_s=1.0)
        self.stalls.stop()
        await self.lag.stop()

    async def __aenter__(self) -> Sidecar:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close(drain_timeout_s=0.0)


async def _serve(settings: SidecarSettings) -> None:
    sidecar = Sidecar(build_backend(settings), settings)
    await sidecar.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(sig, stop.set)
    where = sidecar.url + (f" and ipc://{settings.ipc_path}" if settings.ipc_path else "")
    print(f"vona sidecar: {settings.backend} backend listening on {where}", flush=True)
    await stop.wait()
    sidecar.begin_drain()  # readyz turns 503 before anything else happens
    print("vona sidecar: draining", flush=True)
    await sidecar.close()
    print("vona sidecar: stopped", flush=True)


def sidecar_main(argv: Sequence[str] | None = None) -> int:
    """``vona sidecar [--bind HOST:PORT] [--backend NAME] [--ipc PATH] [--token-file F]``.

    Returns the exit status: 0 after a clean drain, 2 on a configuration error.
    """
    try:
        settings = SidecarSettings.from_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except ConfigError as exc:
        print(f"vona sidecar: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(_serve(settings))
    except (ConfigError, OSError) as exc:
        print(f"vona sidecar: {exc}", file=sys.stderr)
        return 2
    except VonaError as exc:
        print(f"vona sidecar: {exc}", file=sys.stderr)
        return 1
    return 0
