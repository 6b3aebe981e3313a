"""``vona serve``: the browser page, ``/ws`` and the other transports' routes.

``--backend`` is a registered backend name; the default, ``local``, is the offline
cascade with the engines ``vona run`` uses (models from the provisioning cache, fetched
beforehand with ``vona models fetch``). Engines load once, before the server listens,
and every session shares them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vona.errors import ConfigError

if TYPE_CHECKING:
    from vona.serve import VonaServer

__all__ = ["add_parser", "build_backend", "parse_bind"]

LOCAL = "local"


def parse_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` -> (host, port); ``ConfigError`` names ``--bind`` when malformed."""
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"--bind must be HOST:PORT (e.g. 127.0.0.1:8080), got {bind!r}")
    return host.strip("[]"), int(port)


def add_engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        default=LOCAL,
        help="'local' (the offline cascade, default) or a registered backend name "
        "(openai-realtime, gemini-live, ...; keys from the usual environment variables)",
    )
    p.add_argument("--cache-dir", type=Path, default=None, help="model cache (VONA_CACHE_DIR)")


def build_backend(args: argparse.Namespace) -> tuple[Any, Any]:
    """The backend named by ``args.backend`` and the skills factory to give sessions."""
    if args.backend != LOCAL:
        from vona import registry

        return registry.build_backend(args.backend), None
    from vona.backends.cascade.local import build_local_cascade
    from vona.backends.cascade.skills import demo_skills
    from vona.cli.run import DEFAULT_RESPONDER, DEFAULT_STT, DEFAULT_TTS, DEFAULT_VAD

    backend = build_local_cascade(
        stt=DEFAULT_STT,
        tts=DEFAULT_TTS,
        vad=DEFAULT_VAD,
        responder=DEFAULT_RESPONDER,
        cache_dir=args.cache_dir,
    )
    return backend, demo_skills


def add_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve a talk page, /ws and the transport routes")
    p.add_argument("--bind", default="127.0.0.1:8080", help="HOST:PORT (default 127.0.0.1:8080)")
    add_engine_args(p)
    p.set_defaults(func=run)


def mount_call_routes(server: VonaServer) -> None:
    """Phone calls (Twilio Media Streams and their TwiML) and WebRTC offers beside /ws.
    WebRTC needs the ``webrtc`` extra: without it the offer is refused with a 400 naming it."""
    from vona.adapters.twilio import serve_twilio, twiml

    async def webrtc_offer(offer: dict[str, Any]) -> dict[str, Any]:
        from vona.transports.webrtc import answer_offer

        return await answer_offer(offer, server.run)

    server.websocket("/telephony/twilio", lambda conn: serve_twilio(conn, server.run))
    server.post_text(
        "/telephony/twilio/twiml",
        lambda request: twiml(request.ws_url("/telephony/twilio")),
        "text/xml",
    )
    server.post_json("/webrtc/offer", webrtc_offer)


def run(args: argparse.Namespace) -> int:
    from vona.serve import VonaServer, serve_forever

    host, port = parse_bind(args.bind)
    backend, skills = build_backend(args)
    server = VonaServer(backend, skills_factory=skills)
    mount_call_routes(server)

    def ready(bound: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        print(f"vona serve: http://{shown}:{bound}/ (backend {args.backend}); Ctrl-C stops")
        sys.stdout.flush()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(server, host, port, ready))
    return 0
