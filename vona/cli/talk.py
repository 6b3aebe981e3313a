"""``vona talk``: speak into the default microphone, hear the reply on the speaker, and
read both sides' transcripts in the terminal (rich). The local cascade by default,
``--backend NAME`` for a registered one. Ctrl-C (or ``--seconds``) ends the session and
prints its turn latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from vona.cli.serve import add_engine_args, build_backend
from vona.errors import ConfigError

__all__ = ["add_parser"]


def _device(value: str | None) -> str | int | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def add_parser(sub: Any) -> None:
    p = sub.add_parser("talk", help="talk through the local microphone and speaker")
    add_engine_args(p)
    p.add_argument("--rate", type=int, default=16000, help="device sample rate (default 16000)")
    p.add_argument("--input-device", default=None, help="PortAudio input name or index")
    p.add_argument("--output-device", default=None, help="PortAudio output name or index")
    p.add_argument("--seconds", type=float, default=None, help="end after this long")
    p.add_argument("--list-devices", action="store_true", help="list audio devices and exit")
    p.set_defaults(func=run)


def _console() -> Any:
    try:
        from rich.console import Console
    except ImportError:
        raise ConfigError("vona talk needs the 'talk' extra: pip install 'vona[talk]'") from None
    return Console(highlight=False)


async def _talk(args: argparse.Namespace, console: Any) -> Any:
    from vona.driver import run_session
    from vona.runtime import VonaRuntime
    from vona.serve.tap import tap_transcripts
    from vona.transports.device import DeviceTransport

    if args.seconds is not None and args.seconds <= 0:
        raise ConfigError(f"--seconds must be > 0, got {args.seconds}")
    backend, skills = build_backend(args)
    partial: dict[str, str] = {}

    async def show(role: str, text: str, final: bool) -> None:
        if not final:
            partial[role] = text
            return
        partial.pop(role, None)
        style = "bold cyan" if role == "user" else "bold green"
        console.print(f"[{style}]{'you' if role == 'user' else 'vona'}:[/] {text}")

    transport = DeviceTransport(
        args.rate,
        input_device=_device(args.input_device),
        output_device=_device(args.output_device),
    )
    console.print("[dim]listening; speak now (Ctrl-C ends)[/]")
    async with transport:
        return await run_session(
            transport,
            tap_transcripts(backend, show),
            runtime=VonaRuntime(max_session_s=args.seconds),
            skills=skills() if skills is not None else None,
        )


def run(args: argparse.Namespace) -> int:
    console = _console()
    if args.list_devices:
        from vona.transports.device import load_sounddevice

        console.print(str(load_sounddevice().query_devices()))
        return 0
    try:
        metrics = asyncio.run(_talk(args, console))
    except KeyboardInterrupt:
        return 130
    latencies = ", ".join(f"{ns / 1e6:.0f} ms" for ns in metrics.turn_latencies_ns) or "none"
    console.print(f"[dim]{len(metrics.turn_latencies_ns)} turn(s); latencies: {latencies}[/]")
    if metrics.error is not None:
        print(f"vona talk: {metrics.error.get('message')}", file=sys.stderr)
        return 1
    return 0
