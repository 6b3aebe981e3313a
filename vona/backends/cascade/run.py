"""``vona run`` (one spoken question in, the spoken reply out) and the offline demo.

``run_main`` reads a WAV file of any rate, mono or stereo, sends it through the local
cascade and writes the reply as a WAV; ``--json`` prints transcript, reply, tool calls and
metrics as one JSON object. ``offline_demo_main`` speaks a fixture question with Hibari (or
espeak-ng), runs it through VAD, Whisper, the rule responder (which calls a skill) and
Hibari, and prints what was heard, what was answered and how long each stage took.
Neither fetches models: run ``vona models fetch`` first (``make demo`` does).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from vona.backends.cascade.backend import CascadeBackend, CascadeSession
from vona.backends.cascade.drive import DriveResult, drive_audio
from vona.backends.cascade.local import build_local_cascade, load_stt, load_tts, vad_factory
from vona.backends.cascade.protocols import Responder
from vona.backends.cascade.skills import demo_skills
from vona.config import SessionConfig
from vona.errors import ConfigError, VonaError
from vona.vad import Float32Array, VadModel
from vona.wavio import read_wav, resample_int16, to_mono, write_wav

__all__ = ["offline_demo_main", "run_main"]

DEMO_QUESTION = "What is the weather in Paris today?"


class _TimedVad:
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


def _responder(args: argparse.Namespace) -> Responder | None:
    if args.responder == "rules":
        return None
    import importlib

    ollama = importlib.import_module("vona.adapters.ollama").OllamaLlm
    if not args.ollama_model:
        raise ConfigError("--responder ollama needs --ollama-model (e.g. llama3.2)")
    return ollama(args.ollama_model, host=args.ollama_host)  # type: ignore[no-any-return]


def _build(args: argparse.Namespace) -> tuple[CascadeBackend, dict[str, float], list[_TimedVad]]:
    loads: dict[str, float] = {}
    t0 = time.perf_counter()
    stt = load_stt(args.stt, cache_dir=args.cache_dir)
    loads["stt_load_ms"] = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    tts = load_tts()
    loads["tts_load_ms"] = (time.perf_counter() - t0) * 1e3
    timed: list[_TimedVad] = []
    inner = vad_factory(args.vad, cache_dir=args.cache_dir)

    def factory() -> VadModel:
        vad = _TimedVad(inner())
        timed.append(vad)
        return vad

    backend = build_local_cascade(
        cache_dir=args.cache_dir, stt=stt, tts=tts, responder=_responder(args), vad=factory
    )
    loads["warmup_ms"] = backend.warmup() * 1e3
    timed.clear()
    return backend, loads, timed


async def _converse(
    backend: CascadeBackend, audio16k: np.ndarray
) -> tuple[CascadeSession, DriveResult]:
    skills = demo_skills()
    session = await backend.start_session(SessionConfig(tools=skills.tool_specs()))
    try:
        result = await drive_audio(backend, session, audio16k, skills=skills, idle="wait")
    finally:
        await backend.end_session(session)
    return session, result


def _report(
    session: CascadeSession,
    result: DriveResult,
    loads: dict[str, float],
    vads: list[_TimedVad],
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


def _add_engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cache-dir", type=Path, default=None, help="model cache (VONA_CACHE_DIR)")
    p.add_argument("--stt", choices=("faster-whisper", "mlx"), default="faster-whisper")
    p.add_argument("--vad", choices=("silero", "energy"), default="silero")
    p.add_argument("--responder", choices=("rules", "ollama"), default="rules")
    p.add_argument("--ollama-model", default=None)
    p.add_argument("--ollama-host", default=None)


def _run(args: argparse.Namespace, pcm: np.ndarray, rate: int, channels: int) -> dict[str, Any]:
    mono16k = resample_int16(to_mono(pcm, channels), rate, 16_000)
    backend, loads, vads = _build(args)
    t0 = time.perf_counter()
    session, result = asyncio.run(_converse(backend, mono16k))
    wall = time.perf_counter() - t0
    out_rate = backend.capabilities().output_sample_rate_hz
    write_wav(args.output, result.pcm(), out_rate)
    report = _report(session, result, loads, vads, out_rate, wall)
    report["input"] = {"path": str(args.input), "sample_rate_hz": rate, "channels": channels}
    report["output"] = {"path": str(args.output), "sample_rate_hz": out_rate}
    return report


def run_main(argv: list[str] | None = None) -> int:
    """``vona run --input question.wav --output reply.wav [--backend cascade] [--json]``."""
    p = argparse.ArgumentParser(prog="vona run", description="Answer a spoken question offline.")
    p.add_argument("--input", type=Path, required=True, help="WAV file, any rate, mono/stereo")
    p.add_argument("--output", type=Path, required=True, help="reply WAV to write")
    p.add_argument("--backend", choices=("cascade",), default="cascade")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_engine_args(p)
    args = p.parse_args(argv)
    try:
        pcm, rate, channels = read_wav(args.input)
        report = _run(args, pcm, rate, channels)
    except VonaError as exc:
        print(f"vona run: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_human(report)
    if not report["transcript"]:
        print("vona run: no speech was detected in the input", file=sys.stderr)
        return 1
    return 0


def _print_human(report: dict[str, Any]) -> None:
    print(f"heard:   {report['transcript']}")
    for call in report["tool_calls"]:
        outcome = call.get("result") if call.get("ok") else f"error: {call.get('error')}"
        print(f"tool:    {call['name']}({json.dumps(call['arguments'])}) -> {outcome}")
    print(f"replied: {report['reply']}")
    m = report["metrics"]
    print(
        f"models:  STT load {m['stt_load_ms']:.0f} ms, TTS load {m['tts_load_ms']:.0f} ms, "
        f"VAD {m['vad_us_per_chunk']:.0f} us per 32 ms chunk"
    )
    for i, turn in enumerate(report["turns"], 1):
        lat = turn["latency_ms"]
        stages = ", ".join(f"{k.removesuffix('_ms')} {v:.0f} ms" for k, v in lat.items() if v)
        print(f"turn {i}: from end of speech: {stages}")
    print(f"reply:   {m['reply_audio_s']:.2f} s of audio -> {report['output']['path']}")


def _speak_question(text: str, voice: str, path: Path) -> None:
    if voice == "espeak":
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise ConfigError("espeak-ng is not installed (apt-get install espeak-ng)")
        subprocess.run([exe, "-w", str(path), text], check=True, capture_output=True)
        return
    tts = load_tts()
    audio = tts.synthesize(text)
    pcm = np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16)
    lead = np.zeros(tts.sample_rate_hz // 2, np.int16)  # half a second before speaking
    write_wav(path, np.concatenate([lead, pcm]), tts.sample_rate_hz)


def offline_demo_main(argv: list[str] | None = None) -> int:
    """Speak a question, answer it offline, print transcript, reply and stage latencies."""
    p = argparse.ArgumentParser(prog="vona demo", description="The offline voice loop demo.")
    p.add_argument("--question", default=DEMO_QUESTION, help="what the fixture voice asks")
    p.add_argument("--voice", choices=("hibari", "espeak"), default="hibari")
    p.add_argument("--input", type=Path, default=None, help="use this WAV instead")
    p.add_argument("--out-dir", type=Path, default=None, help="where to keep the WAV files")
    p.add_argument("--json", action="store_true")
    _add_engine_args(p)
    args = p.parse_args(argv)
    out_dir = args.out_dir or Path(tempfile.mkdtemp(prefix="vona-demo-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    question = args.input or out_dir / "question.wav"
    args.output = out_dir / "reply.wav"
    args.input = question
    try:
        if args.input == out_dir / "question.wav":
            _speak_question(args.question, args.voice, question)
        pcm, rate, channels = read_wav(question)
        report = _run(args, pcm, rate, channels)
    except (VonaError, subprocess.CalledProcessError) as exc:
        print(f"vona demo: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"asked:   {args.question if args.input == out_dir / 'question.wav' else question}")
        _print_human(report)
    return 0 if report["transcript"] and report["reply"] else 1
