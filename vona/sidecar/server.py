"""The sidecar process: one backend served over HTTP and, on Unix, an IPC socket.

``Sidecar`` runs in any event loop (tests and benchmarks start it in-process);
``sidecar_main`` is the ``vona sidecar`` command: it serves until SIGTERM or SIGINT,
then drains: new sessions are refused (``/readyz`` turns 503) while existing sessions
keep stepping until they end or ``drain_timeout_s`` passes; then everything closes.
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
from vona.errors import ConfigError, VonaError
from vona.remote.session_host import SessionHost
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


class Sidecar:
    """HTTP (and optional IPC) servers over one ``SessionHost``."""

    def __init__(self, backend: SpeechToSpeechBackend, settings: SidecarSettings) -> None:
        self.settings = settings
        self.host = SessionHost(
            backend, max_sessions=settings.max_sessions, idle_timeout_s=settings.idle_timeout_s
        )
        limits = HttpLimits(max_body_bytes=settings.max_body_bytes)
        self.http = HttpServer(SidecarApp(self.host, token=settings.token), limits)
        self.ipc = None
        if settings.ipc_path:
            from vona.remote.ipc import IpcServer

            self.ipc = IpcServer(
                self.host, settings.ipc_path, max_frame_bytes=settings.max_body_bytes
            )
        self.address: tuple[str, int] | None = None

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

    async def close(self, drain_timeout_s: float | None = None) -> None:
        """Drain (see the module docstring), then stop serving and end what is left."""
        timeout = self.settings.drain_timeout_s if drain_timeout_s is None else drain_timeout_s
        self.host.begin_drain()
        await self.host.wait_empty(timeout)
        await self.http.close(timeout_s=1.0)
        if self.ipc is not None:
            await self.ipc.close()
        await self.host.close(drain_timeout_s=1.0)

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
    print("vona sidecar: draining", flush=True)
    await sidecar.close()
    print("vona sidecar: stopped", flush=True)


def sidecar_main(argv: Sequence[str] | None = None) -> int:
    """``vona sidecar [--bind HOST:PORT] [--backend passthrough|onnx] [--ipc PATH]``.

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
