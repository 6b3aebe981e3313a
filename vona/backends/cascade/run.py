"""One spoken question through the offline cascade, measured: the engine side of
``vona run`` and ``vona demo`` (whose command lines, and default engine names, live in
``vona.cli.run``).

``build_measured`` builds the cascade from engine names and times the loads and the VAD;
``answer`` runs PCM of any rate, mono or stereo, through it and reports transcript, reply,
tool calls, per-turn latencies and metrics as one JSON-ready dict; ``answer_timed`` can
feed it in real time and also returns the conversation on one clock (``Timeline``).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np

from vona.backends.cascade.backend import CascadeBackend, CascadeSession
from vona.backends.cascade.drive import DriveResult, drive_audio
from vona.backends.cascade.local import build_local_cascade, load_stt, load_tts, vad_factory
from vona.backends.cascade.protocols import Responder
from vona.backends.cascade.skills import demo_skills
from vona.backends.cascade.timeline import Timeline
from vona.config import SessionConfig
from vona.vad import Float32Array, VadModel
from vona.wavio import resample_int16, to_mono

__all__ = ["Measured", "TimedVad", "answer", "answer_timed", "build_measured"]


class TimedVad:
    """Wraps a VAD model to measure its time per chunk."""

    def __init__(self, model: VadModel) -> None:
        self.model = model
        self.ns = 0
        self.calls = 0

    @property
    def sample_rate_hz(self) -> int:
        return self.model.sample_rate_hz

    @property
    def chunk_samples(self) -> int:
        return self.model.chunk_samples

    def probability(self, chunk: Float32Array) -> float:
        t0 = time.perf_counter_ns()
        p = self.model.probability(chunk)
        self.ns += time.perf_counter_ns() - t0
        self.calls += 1
        return p

    def reset(self) -> None:
        self.model.reset()


Measured = tuple[CascadeBackend, dict[str, float], list[TimedVad]]


def build_measured(
    *,
    stt: str,
    tts: str,
    vad: str,
    responder: str | Responder = "rules",
    turn: str | None = None,
    cache_dir: str | Path | None = None,
) -> Measured:
    """The cascade from registered engine names, warmed up, with load times in ms and the
    timed VAD models of its sessions."""
    loads: dict[str, float] = {}
    t0 = time.perf_counter()
    stt_engine = load_stt(stt, cache_dir=cache_dir)
    loads["stt_load_ms"] = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    tts_engine = load_tts(tts)
    loads["tts_load_ms"] = (time.perf_counter() - t0) * 1e3
    timed: list[TimedVad] = []
    inner = vad_factory(vad, cache_dir=cache_dir)

    def factory() -> VadModel:
        model = TimedVad(inner())
        timed.append(model)
        return model

    backend = build_local_cascade(
        cache_dir=cache_dir,
        stt=stt_engine,
        tts=tts_engine,
        responder=responder,
        vad=factory,
        turn=turn,
    )
    loads["warmup_ms"] = backend.warmup() * 1e3
    timed.clear()
    return backend, loads, timed


async def _converse(
    backend: CascadeBackend, audio16k: np.ndarray, realtime: bool, timeline: Timeline
) -> tuple[CascadeSession, DriveResult]:
    skills = demo_skills()
    session = await backend.start_session(SessionConfig(tools=skills.tool_specs()))
    try:
        result = await drive_audio(
            backend,
            session,
            audio16k,
            skills=skills,
            idle="step" if realtime else "wait",
            realtime=realtime,
            on_step=timeline.on_step,
        )
    finally:
        await backend.end_session(session)
    return session, result


def _report(
    session: CascadeSession,
    result: DriveResult,
    loads: dict[str, float],
    vads: list[TimedVad],
    out_rate: int,
    wall_s: float,
) -> dict[str, Any]:
    vad_ns = sum(v.ns for v in vads)
    vad_calls = sum(v.calls for v in vads)
    turns = [
        {
            "transcript": t.transcript,
            "reply": t.reply,
            "interrupted": t.interrupted,
            "latency_ms": t.latencies_ms(),
        }
        for t in session.turns
    ]
    tool_calls = [c for t in session.turns for c in t.tool_calls]
    return {
        "transcript": " ".join(t.transcript for t in session.turns).strip(),
        "reply": " ".join(t.reply for t in session.turns).strip(),
        "tool_calls": tool_calls,
        "turns": turns,
        "metrics": {
            **{k: round(v, 1) for k, v in loads.items()},
            "vad_us_per_chunk": round(vad_ns / vad_calls / 1e3, 1) if vad_calls else 0.0,
            "input_frames": result.steps,
            "output_frames": len(result.output),
            "reply_audio_s": round(result.pcm().shape[0] / out_rate, 3),
            "wall_s": round(wall_s, 3),
        },
    }


def answer(
    measured: Measured, pcm: np.ndarray, rate: int, channels: int
) -> tuple[dict[str, Any], np.ndarray, int]:
    """Run one question through the cascade: (report, reply PCM int16, its rate)."""
    report, reply, out_rate, _ = answer_timed(measured, pcm, rate, channels)
    return report, reply, out_rate


def answer_timed(
    measured: Measured, pcm: np.ndarray, rate: int, channels: int, *, realtime: bool = False
) -> tuple[dict[str, Any], np.ndarray, int, np.ndarray]:
    """``answer``, fed in real time when ``realtime`` (then silence until the reply ends),
    plus the timeline: interleaved stereo int16 at the reply's rate, left the input as
    received, right the reply as played (on the runtime's clock when ``realtime``)."""
    backend, loads, vads = measured
    in_rate = backend.capabilities().input_sample_rate_hz
    mono = resample_int16(to_mono(pcm, channels), rate, in_rate)
    timeline = Timeline(in_rate, time.monotonic_ns if realtime else None)
    t0 = time.perf_counter()
    session, result = asyncio.run(_converse(backend, mono, realtime, timeline))
    wall = time.perf_counter() - t0
    out_rate = backend.capabilities().output_sample_rate_hz
    report = _report(session, result, loads, vads, out_rate, wall)
    return report, result.pcm(), out_rate, timeline.render(result, out_rate)
