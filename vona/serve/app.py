"""``VonaServer``: the page, ``/ws`` and the routes other transports mount, on aiohttp.

One backend (engines loaded once) serves every session; each session gets its own
transcript tap (``vona.serve.tap``) and runs through ``run_session``. ``run(transport)``
is the session runner other transports receive: ``Callable[[AudioTransport],
Awaitable[SessionMetrics]]``.

Routes are registered before ``start``: ``websocket(path, handler)`` gives ``handler`` a
``ServerConnection``; ``post_json(path, handler)`` maps a JSON object to a JSON object;
``post_text(path, handler, content_type)`` gives ``handler`` a ``RequestInfo`` and
answers its text. aiohttp is used rather than the ``websockets`` server because the
latter refuses request bodies, which the POST routes carry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from vona.driver import run_session
from vona.errors import ConfigError
from vona.metrics import SessionMetrics
from vona.runtime import AnyBackend, VonaRuntime
from vona.serve.connection import ServerConnection
from vona.serve.tap import tap_transcripts
from vona.skills import SkillRegistry
from vona.transports.base import AudioTransport
from vona.transports.websocket import (
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    DEFAULT_MAX_MESSAGE_BYTES,
    WebSocketTransport,
    parse_rate,
)

__all__ = ["RequestInfo", "SessionRunner", "VonaServer"]

log = logging.getLogger("vona.serve")

SessionRunner = Callable[[AudioTransport], Awaitable[SessionMetrics]]
WebSocketHandler = Callable[[ServerConnection], Awaitable[None]]
JsonHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
TextHandler = Callable[["RequestInfo"], "str | Awaitable[str]"]

_PAGES = {"/": "index.html"}
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What a text route sees of its request."""

    path: str
    host: str
    secure: bool
    form: dict[str, str]

    def ws_url(self, path: str) -> str:
        """The WebSocket URL of ``path`` on the host the client reached."""
        return f"{'wss' if self.secure else 'ws'}://{self.host}{path}"


def _aiohttp() -> Any:
    try:
        from aiohttp import web
    except ImportError:
        raise ConfigError("vona serve needs the 'serve' extra: pip install 'vona[serve]'") from None
    return web


class VonaServer:
    """Serves ``backend`` to browsers and WebSocket clients.

    ``runtime_factory`` makes the ``VonaRuntime`` of each session (default policy),
    ``skills_factory`` its skills (none by default); ``max_message_bytes`` bounds one
    incoming WebSocket message; ``transport_class`` makes the ``/ws`` transports (a
    ``WebSocketTransport`` subclass, for instance one that measures); ``paces_output``:
    send reply audio as it is made and let clients pace it (default: the driver paces).
    """

    def __init__(
        self,
        backend: AnyBackend,
        *,
        runtime_factory: Callable[[], VonaRuntime] = VonaRuntime,
        skills_factory: Callable[[], SkillRegistry] | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        transport_class: type[WebSocketTransport] = WebSocketTransport,
        paces_output: bool = False,
    ) -> None:
        self.backend = backend
        self.runtime_factory = runtime_factory
        self.skills_factory = skills_factory
        self.max_message_bytes = max_message_bytes
        self.transport_class = transport_class
        self.paces_output = paces_output
        self.sessions = 0  # sessions running now
        self.finished: list[SessionMetrics] = []
        self._ws_routes: dict[str, WebSocketHandler] = {"/ws": self._audio_socket}
        self._json_routes: dict[str, JsonHandler] = {}
        self._text_routes: dict[str, tuple[TextHandler, str]] = {}
        self._runner: Any = None
        self.port: int | None = None

    # -- the session runner ------------------------------------------------------------

    async def run(self, transport: AudioTransport) -> SessionMetrics:
        """Run one session on the server's backend until the transport's input ends."""
        on_transcript = getattr(transport, "transcript", None)
        backend = self.backend
        if on_transcript is not None:
            backend = tap_transcripts(backend, on_transcript)
        self.sessions += 1
        try:
            skills = self.skills_factory() if self.skills_factory is not None else None
            metrics = await run_session(
                transport, backend, runtime=self.runtime_factory(), skills=skills
            )
        finally:
            self.sessions -= 1
        self.finished.append(metrics)
        del self.finished[:-100]  # recent sessions only
        return metrics

    # -- routes ------------------------------------------------------------------------

    def websocket(self, path: str, handler: WebSocketHandler) -> None:
        self._ws_routes[path] = handler

    def post_json(self, path: str, handler: JsonHandler) -> None:
        self._json_routes[path] = handler

    def post_text(self, path: str, handler: TextHandler, content_type: str = "text/plain") -> None:
        self._text_routes[path] = (handler, content_type)

    def application(self) -> Any:
        """The aiohttp ``web.Application`` with every route registered so far."""
        web = _aiohttp()
        app = web.Application(client_max_size=self.max_message_bytes)
        for path in _PAGES:
            app.router.add_get(path, self._page)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/healthz", self._health)
        for path in self._ws_routes:
            app.router.add_get(path, self._socket)
        for path in self._json_routes:
            app.router.add_post(path, self._post_json)
        for path in self._text_routes:
            app.router.add_post(path, self._post_text)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 8080) -> int:
        """Start listening (port 0 picks a free one); returns the bound port."""
        web = _aiohttp()
        runner = web.AppRunner(self.application(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        self._runner = runner
        sockets = site._server.sockets if site._server is not None else []
        self.port = int(sockets[0].getsockname()[1]) if sockets else port
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # -- handlers ----------------------------------------------------------------------

    async def _page(self, request: Any) -> Any:
        return self._file(_PAGES[request.path])

    async def _static(self, request: Any) -> Any:
        return self._file(request.match_info["name"])

    def _file(self, name: str) -> Any:
        web = _aiohttp()
        suffix = name[name.rfind(".") :] if "." in name else ""
        if "/" in name or name.startswith(".") or suffix not in _TYPES:
            raise web.HTTPNotFound()
        node = resources.files("vona.serve").joinpath("static", name)
        if not node.is_file():
            raise web.HTTPNotFound()
        return web.Response(
            body=node.read_bytes(),
            content_type=_TYPES[suffix],
            headers={"Cache-Control": "no-cache"},
        )

    async def _health(self, request: Any) -> Any:
        return _aiohttp().json_response({"ok": True, "sessions": self.sessions})

    async def _socket(self, request: Any) -> Any:
        web = _aiohttp()
        ws = web.WebSocketResponse(max_msg_size=self.max_message_bytes)
        await ws.prepare(request)
        connection = ServerConnection(ws, request.path, request.query)
        try:
            await self._ws_routes[request.path](connection)
        except Exception:
            log.exception("WebSocket route %s failed", request.path)
        finally:
            await connection.close()
        return ws

    async def _audio_socket(self, connection: ServerConnection) -> None:
        """``/ws``: one voice session per connection (docs/websocket-protocol.md)."""
        try:
            rate = parse_rate(connection.query)
        except ConfigError as exc:
            transport = WebSocketTransport(connection, max_message_bytes=self.max_message_bytes)
            await transport.fail(str(exc), CLOSE_POLICY)
            return
        transport = self.transport_class(
            connection,
            rate,
            max_message_bytes=self.max_message_bytes,
            paces_output=self.paces_output,
        )
        metrics = await self.run(transport)
        if connection.error is not None and transport.error is None:
            # The server refused a message before the transport saw it (too big).
            await transport.fail(connection.error, CLOSE_TOO_BIG)
            return
        if transport.error is None:
            await transport.event({"type": "metrics", **metrics.to_dict()})
            await transport.close(1000, "session ended")

    async def _post_json(self, request: Any) -> Any:
        web = _aiohttp()
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "the body is not JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        try:
            answer = await self._json_routes[request.path](body)
        except ConfigError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(answer)

    async def _post_text(self, request: Any) -> Any:
        web = _aiohttp()
        handler, content_type = self._text_routes[request.path]
        form = {k: str(v) for k, v in (await request.post()).items()}
        info = RequestInfo(request.path, request.host, request.secure, form)
        text = handler(info)
        if not isinstance(text, str):
            text = await text
        return web.Response(text=text, content_type=content_type)


async def serve_forever(
    server: VonaServer, host: str, port: int, on_ready: Callable[[int], None] | None = None
) -> None:
    """Start ``server``, call ``on_ready(port)``, and run until cancelled."""
    bound = await server.start(host, port)
    if on_ready is not None:
        on_ready(bound)
    try:
        await asyncio.Event().wait()
    finally:
        with contextlib.suppress(Exception):
            await server.stop()
