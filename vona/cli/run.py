"""``vona run`` (one spoken question in, the spoken reply out) and the offline demo.

``run_main`` reads a WAV file of any rate, mono or stereo, sends it through the local
cascade and writes the reply as a WAV (``--realtime`` feeds it at real time; ``--timeline``
also writes input and reply side by side on the runtime's clock); ``--json`` prints
transcript, reply, tool calls and metrics as one JSON object. ``offline_demo_main`` speaks
a fixture question with Hibari (or espeak-ng), runs it through VAD, Whisper, the rule
responder (which calls a skill) and Hibari, and prints what was heard, what was answered
and how long each stage took. Neither fetches models: run ``vona models fetch`` first
(``make demo`` does).

This is the one place that names the default engines; the cascade takes whatever
registered names (``vona.registry``) it is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from vona import registry
from vona.backends.cascade.local import load_responder, load_tts
from vona.backends.cascade.protocols import Responder
from vona.backends.cascade.run import answer_timed, build_measured
from vona.errors import ConfigError, VonaError
from vona.wavio import read_wav, write_wav

__all__ = [
    "DEFAULT_RESPONDER",
    "DEFAULT_STT",
    "DEFAULT_TTS",
    "DEFAULT_TURN",
    "DEFAULT_VAD",
    "DEMO_QUESTION",
    "add_offline_demo_args",
    "offline_demo",
    "offline_demo_main",
    "run_main",
]

DEMO_QUESTION = "What is the weather in Paris today?"

# The offline default cascade, by registry name.
DEFAULT_STT = "faster-whisper"
DEFAULT_TTS = "hibari"
DEFAULT_VAD = "silero-vad"
DEFAULT_RESPONDER = "rules"
# The end-of-turn model, used when it is installed (registry kind "turn").
DEFAULT_TURN = "smart-turn"

# the short names the flags have always accepted
_ALIASES = {"mlx": "mlx-whisper", "silero": "silero-vad"}


def _responder(args: argparse.Namespace) -> str | Responder:
    name = args.llm or args.responder
    if args.llm_model and name != "ollama":  # any registered responder taking a model
        return load_responder(name, model=args.llm_model)
    if name != "ollama":
        return str(name)
    model = args.ollama_model or args.llm_model
    if not model:
        raise ConfigError("--responder ollama needs --ollama-model (e.g. llama3.2)")
    return load_responder("ollama", model=model, host=args.ollama_host)


def _turn(name: str | None, cache_dir: Path | None = None) -> str | None:
    """The end-of-turn model: the one asked for, or by default Smart Turn when it is
    registered and its model is in the cache (``vona models fetch smart-turn``), else none
    (the turn then ends on silence alone)."""
    if name is not None:
        return None if name == "none" else name
    if DEFAULT_TURN not in registry.names("vona.engines"):
        return None
    from vona.provisioning import DEFAULT_MANIFEST, ModelStore

    try:
        artifact = DEFAULT_MANIFEST.get(DEFAULT_TURN)
    except VonaError:
        return None
    return DEFAULT_TURN if ModelStore(cache_dir).is_installed(artifact) else None


def _add_engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cache-dir", type=Path, default=None, help="model cache (VONA_CACHE_DIR)")
    p.add_argument("--stt", default=DEFAULT_STT, help="STT engine: any registered name")
    p.add_argument("--tts", default=DEFAULT_TTS, help="TTS engine: any registered name")
    p.add_argument("--vad", default=DEFAULT_VAD, help="VAD engine (silero, energy)")
    p.add_argument("--responder", default=DEFAULT_RESPONDER, help="any registered responder")
    p.add_argument("--llm", default=None, help="responder by registry name (e.g. openai-chat)")
    p.add_argument("--llm-model", default=None, help="the --llm's model (else OPENAI_MODEL)")
    p.add_argument(
        "--turn",
        default=None,
        help=f"end-of-turn model, or 'none' (default: {DEFAULT_TURN} when installed)",
    )
    p.add_argument("--ollama-model", default=None)
    p.add_argument("--ollama-host", default=None)


def _run(args: argparse.Namespace, pcm: np.ndarray, rate: int, channels: int) -> dict[str, Any]:
    measured = build_measured(
        stt=_ALIASES.get(args.stt, args.stt),
        tts=args.tts,
        vad=_ALIASES.get(args.vad, args.vad),
        responder=_responder(args),
        turn=_turn(args.turn, args.cache_dir),
        cache_dir=args.cache_dir,
    )
    realtime = bool(getattr(args, "realtime", False))
    report, reply, out_rate, stereo = answer_timed(measured, pcm, rate, channels, realtime=realtime)
    write_wav(args.output, reply, out_rate)
    timeline = getattr(args, "timeline", None)
    if timeline is not None:
        write_wav(timeline, stereo, out_rate, channels=2)
        report["timeline"] = {"path": str(timeline), "sample_rate_hz": out_rate, "channels": 2}
    report["input"] = {"path": str(args.input), "sample_rate_hz": rate, "channels": channels}
    report["output"] = {"path": str(args.output), "sample_rate_hz": out_rate}
    return report


def run_main(argv: list[str] | None = None) -> int:
    """``vona run --input q.wav --output a.wav [--realtime] [--timeline t.wav] [--json]``."""
    p = argparse.ArgumentParser(prog="vona run", description="Answer a spoken question offline.")
    p.add_argument("--input", type=Path, required=True, help="WAV file, any rate, mono/stereo")
    p.add_argument("--output", type=Path, required=True, help="reply WAV to write")
    p.add_argument("--backend", choices=("cascade",), default="cascade")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--realtime",
        action="store_true",
        help="feed the input at real time, then silence until the reply ends",
    )
    p.add_argument(
        "--timeline",
        type=Path,
        default=None,
        help="write a 2-channel WAV: left the input as received, right the reply as played",
    )
    _add_engine_args(p)
    args = p.parse_args(argv)
    problem = _unwritable(args.output)
    if problem:  # before any model loads: a user error costs no time
        print(f"vona run: error: {problem}", file=sys.stderr)
        return 2
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


def _unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written, or None."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return f"--output {path} is a folder; give a file name"
    if not folder.is_dir():
        return f"--output folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"--output folder {folder} is not writable"
    return None


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
    where = report["output"]["path"]
    print(f"reply:   {m['reply_audio_s']:.2f} s of audio" + (f" -> {where}" if where else ""))


def _speak_question(text: str, voice: str, path: Path) -> None:
    if voice == "espeak":
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise ConfigError("espeak-ng is not installed (apt-get install espeak-ng)")
        subprocess.run([exe, "-w", str(path), text], check=True, capture_output=True)
        return
    tts = load_tts(voice)
    audio = tts.synthesize(text)
    pcm = np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16)
    lead = np.zeros(tts.sample_rate_hz // 2, np.int16)  # half a second before speaking
    write_wav(path, np.concatenate([lead, pcm]), tts.sample_rate_hz)


def add_offline_demo_args(p: argparse.ArgumentParser) -> None:
    """The offline demo's flags (``vona demo`` has one parser for both of its modes)."""
    p.add_argument("--question", default=DEMO_QUESTION, help="what the fixture voice asks")
    p.add_argument("--voice", choices=(DEFAULT_TTS, "espeak"), default=DEFAULT_TTS)
    p.add_argument("--input", type=Path, default=None, help="answer this audio file instead")
    p.add_argument(
        "--out-dir", type=Path, default=None, help="keep question.wav and reply.wav here"
    )
    _add_engine_args(p)


def offline_demo_main(argv: list[str] | None = None) -> int:
    """Speak a question, answer it offline, print transcript, reply and stage latencies."""
    p = argparse.ArgumentParser(prog="vona demo", description="The offline voice loop demo.")
    add_offline_demo_args(p)
    p.add_argument("--json", action="store_true")
    return offline_demo(p.parse_args(argv))


def offline_demo(args: argparse.Namespace) -> int:
    """The offline demo on parsed arguments; without ``--out-dir`` its WAV files live in
    a temporary folder removed at the end."""
    if args.out_dir is not None:
        return _offline_demo_in(args, args.out_dir, keep=True)
    with tempfile.TemporaryDirectory(prefix="vona-demo-") as tmp:
        return _offline_demo_in(args, Path(tmp), keep=False)


def _offline_demo_in(args: argparse.Namespace, out_dir: Path, *, keep: bool) -> int:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"vona demo: error: cannot create {out_dir}: {exc.strerror}", file=sys.stderr)
        return 2
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
    if not keep:
        report["output"]["path"] = None  # the temporary folder is gone when this returns
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"asked:   {args.question if args.input == out_dir / 'question.wav' else question}")
        _print_human(report)
        if not keep:
            print("         (temporary; pass --out-dir DIR to keep question.wav and reply.wav)")
    return 0 if report["transcript"] and report["reply"] else 1
