"""Echo cancellation: the cost of Vona's AEC stage per 20 ms frame against libspeexdsp called
directly from C, and the echo return loss enhancement on the test echo path.

Cost: ``vona.dsp.EchoCanceller.process`` (argument checks, one output array, the GIL
released around the C call) on 20 ms of 10 ms frames, against ``benchmarks/c/aec_raw.c``
(the same library, configured the same way, the same frames) built as a shared library in
this run and timed inside C; the two alternate in short batches (ABBA) and both count the
thread's CPU time, so other jobs on the shared machine do not land on one side. The ratio
is the median of neighbouring batches' ratios. Target: at most 1.05x.

Echo through the loop: ten replies through the StepLoop's canceller and the room, the
real Silero VAD on its output: starts on the echo alone (self-interruptions; the first
reply included, while the filter converges) and barge-ins by another voice heard.

ERLE: the fixtures' speech played back through the echo path (80 ms, -6 dB, a short room
reverb; ``vona.testing.echo``), after the first 2 s (the filter converging), for the linear
filter alone (the speex preprocessor off, measured from C), with residual echo suppression
(Vona's default) and with noise suppression too, at 8, 16 and 48 kHz. Run as a script to
print the tables and write the "aec" section of docs/benchmark-results.md.
"""

from __future__ import annotations

import ctypes
import itertools
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, codec_flags, print_table, render, write_section

from vona.dsp import EchoCanceller
from vona.testing.echo import echo_of, erle_db, speech

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "bench"
TARGET = 1.05
FILTER_MS = 200
REPLY = ("speech_weather_question", "speech_hello", "speech_interrupt")


@dataclass
class PairedRow(Row):
    """A Row whose ratio is the median of the ratios of neighbouring batches."""

    paired_ratio: float = float("nan")

    @property
    def ratio(self) -> float:
        return self.paired_ratio


def _signals(rate: int) -> tuple[np.ndarray, np.ndarray]:
    far = speech(*REPLY, *REPLY, rate=rate)
    frame = rate // 100
    far = far[: len(far) - len(far) % (2 * frame)]
    return echo_of(far, rate), far


def _c_lib() -> ctypes.CDLL:
    BUILD.mkdir(parents=True, exist_ok=True)
    so = BUILD / "libaec_raw.so"
    flags = codec_flags("speexdsp")  # the libspeexdsp Vona links
    cc = shutil.which("cc") or "gcc"
    src = str(ROOT / "benchmarks" / "c" / "aec_raw.c")
    subprocess.run([cc, "-O3", "-shared", "-fPIC", src, *flags, "-o", str(so)], check=True)
    lib = ctypes.CDLL(str(so))
    p16 = ctypes.POINTER(ctypes.c_int16)
    lib.aec_raw_setup.argtypes = [ctypes.c_int] * 3 + [p16, p16, ctypes.c_int]
    lib.aec_raw_run.argtypes = [ctypes.c_int]
    lib.aec_raw_run.restype = ctypes.c_double
    return lib


def cost_row(rate: int, *, batch: int = 50, batches: int = 40, echo_gate: bool = False) -> Row:
    near, far = _signals(rate)
    frame = rate // 100
    calls = len(far) // (2 * frame)
    lib = _c_lib()
    p16 = ctypes.POINTER(ctypes.c_int16)
    filt = rate * FILTER_MS // 1000
    if lib.aec_raw_setup(
        rate, frame, filt, near.ctypes.data_as(p16), far.ctypes.data_as(p16), calls
    ):
        raise RuntimeError("aec_raw_setup failed")
    aec = EchoCanceller(rate, frame, filter_ms=FILTER_MS, echo_gate=echo_gate)
    pairs = [
        (near[i * 2 * frame : (i + 1) * 2 * frame], far[i * 2 * frame : (i + 1) * 2 * frame])
        for i in range(calls)
    ]
    cycle = itertools.cycle(pairs)

    def vona_batch(n: int) -> float:
        process = aec.process
        chunks = [next(cycle) for _ in range(n)]
        t0 = time.thread_time_ns()
        for a, b in chunks:
            process(a, b)
        return (time.thread_time_ns() - t0) / n

    def c_batch(n: int) -> float:
        return float(lib.aec_raw_run(n))

    for _ in range(5):
        vona_batch(batch)
        c_batch(batch)
    ta, tb, ratios = [], [], []
    for i in range(batches):
        if i % 2 == 0:
            x, y = vona_batch(batch), c_batch(batch)
        else:
            y, x = c_batch(batch), vona_batch(batch)
        ta.append(x)
        tb.append(y)
        ratios.append(x / y)
    gate = " + echo gate (the loop's)" if echo_gate else ""
    row = PairedRow(
        f"AEC 20 ms at {rate // 1000} kHz ({FILTER_MS} ms filter){gate}, EchoCanceller.process",
        statistics.median(ta),
        "libspeexdsp from C (same config)",
        statistics.median(tb),
        f"<= {TARGET}x",
    )
    row.paired_ratio = statistics.median(ratios)
    row.met = row.ratio <= TARGET
    return row


def loop_row(rate: int = 16000, *, batch: int = 50, batches: int = 40) -> Row:
    """Informational: a 20 ms tick of the native StepLoop with the echo canceller on
    (pull_playout of the reply, push_input of its echo: the reference FIFO, the canceller,
    reframing), against the library alone from C on the same frames."""
    from vona.step_loop import StepLoop

    near, far = _signals(rate)
    tick = rate // 50
    calls = len(far) // tick
    lib = _c_lib()
    p16 = ctypes.POINTER(ctypes.c_int16)
    filt = rate * FILTER_MS // 1000
    if lib.aec_raw_setup(
        rate, rate // 100, filt, near.ctypes.data_as(p16), far.ctypes.data_as(p16), calls
    ):
        raise RuntimeError("aec_raw_setup failed")
    lp = StepLoop(rate, rate, tick, playout_capacity_samples=len(far) * 2, echo_cancel_ms=FILTER_MS)
    at = [0]

    def loop_batch(n: int) -> float:
        t0 = time.thread_time_ns()
        for _ in range(n):
            if lp.playout_buffered < tick:
                lp.push_output(far)  # the reply again, in step with its echo below
            k = at[0]
            lp.pull_playout(tick)
            lp.push_input(near[k * tick : (k + 1) * tick])
            at[0] = (k + 1) % calls
        return (time.thread_time_ns() - t0) / n

    def c_batch(n: int) -> float:
        return float(lib.aec_raw_run(n))

    ta, tb = [], []
    for i in range(batches):
        if i % 2 == 0:
            ta.append(loop_batch(batch))
            tb.append(c_batch(batch))
        else:
            tb.append(c_batch(batch))
            ta.append(loop_batch(batch))
    return Row(
        f"StepLoop 20 ms tick at {rate // 1000} kHz with echo cancellation",
        statistics.median(ta),
        "libspeexdsp from C (same config)",
        statistics.median(tb),
        "info (whole tick)",
    )


def _linear_only(near: np.ndarray, far: np.ndarray, rate: int) -> np.ndarray:
    """The speex adaptive filter alone (no residual suppression), called through ctypes."""
    lib = ctypes.CDLL("libspeexdsp.so.1")
    lib.speex_echo_state_init.restype = ctypes.c_void_p
    lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    p16 = ctypes.POINTER(ctypes.c_int16)
    lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p, p16, p16, p16]
    lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
    frame = rate // 100
    st = lib.speex_echo_state_init(frame, rate * FILTER_MS // 1000)
    r = ctypes.c_int(rate)
    lib.speex_echo_ctl(st, 24, ctypes.byref(r))  # SPEEX_ECHO_SET_SAMPLING_RATE
    out = np.empty_like(near)
    for i in range(0, len(near), frame):
        lib.speex_echo_cancellation(
            st,
            near[i:].ctypes.data_as(p16),
            far[i:].ctypes.data_as(p16),
            out[i:].ctypes.data_as(p16),
        )
    lib.speex_echo_state_destroy(st)
    return out


def erle_lines() -> list[str]:
    lines = [
        "| rate | linear filter only | + residual suppression (default) | + noise suppression |",
        "|---|---:|---:|---:|",
    ]
    for rate in (8000, 16000, 48000):
        near, far = _signals(rate)
        frame = rate // 100
        settled = 2 * rate
        linear = _linear_only(near, far, rate)
        default = EchoCanceller(rate, frame, filter_ms=FILTER_MS).process(near, far)
        ns = EchoCanceller(rate, frame, filter_ms=FILTER_MS, noise_suppression=True).process(
            near, far
        )
        cells = [erle_db(near[settled:], x[settled:]) for x in (linear, default, ns)]
        lines.append(f"| {rate // 1000} kHz | " + " | ".join(f"{c:.1f} dB" for c in cells) + " |")
    return lines


def _loop_vad_starts(user: np.ndarray | None, replies: int) -> tuple[list[int], list[int]]:
    """Ten replies through the StepLoop (canceller on) and the room, the real Silero VAD
    on what comes out: its speech starts, and where each reply started (samples)."""
    from vona.adapters.silero_vad import SileroVad, find_model
    from vona.step_loop import StepLoop
    from vona.testing.echo import Room
    from vona.vad import VadParams, VadSegmenter

    rate, tick = 16000, 320
    parts, spans = [], []
    for i in range(replies):
        spans.append(sum(len(p) for p in parts))
        parts += [speech(REPLY[i % 3], rate=rate), np.zeros(rate, np.int16)]
    out = np.concatenate(parts)
    total = len(out) + rate
    mic_user = np.zeros(total, np.int16) if user is None else user[:total]
    loop = StepLoop(rate, rate, 512, echo_cancel_ms=FILTER_MS)
    seg = VadSegmenter(SileroVad(find_model()), VadParams(min_silence_ms=400))
    loop.push_output(out)
    room, starts = Room(rate), []
    for k in range(0, total - tick + 1, tick):
        played = loop.pull_playout(tick)
        played = np.concatenate([played, np.zeros(tick - len(played), np.int16)])
        for frame in loop.push_input(room.hear(played, mic_user[k : k + tick])):
            ev = seg.push(frame)
            if ev is not None and ev.kind == "start":
                starts.append(ev.sample)
    return starts, spans


def echo_loop_lines(replies: int = 10) -> list[str]:
    """Self-interruptions (VAD starts on the echo alone) over ten replies, the first
    included, and barge-ins by another voice (one word over each reply, the first 0.3 s
    into the first) heard within 300 ms of onset, at two talker levels."""
    from vona.testing.echo import another_voice

    rate = 16000
    echo_starts, spans = _loop_vad_starts(None, replies)
    first_end = spans[1] - rate // 2
    lines = [
        f"Echo path through the loop (StepLoop canceller, Silero VAD), {replies} replies: "
        f"VAD starts on the echo alone: {len(echo_starts)} "
        f"({sum(s < first_end for s in echo_starts)} in the first reply).",
        "",
        "| barge-in voice (another, lower) | VAD start within 300 ms of onset | first reply | "
        "median onset to start (start padded back 96 ms) |",
        "|---|---:|---:|---:|",
    ]
    for gain, label in ((1.0, "at the clip's level"), (2.0, "6 dB louder (nearer the mic)")):
        word = another_voice(speech("speech_interrupt", rate=rate), gain=gain)[: rate * 6 // 10]
        total = spans[-1] + 6 * rate
        user = np.zeros(total, np.int16)
        onsets = []
        for i, a in enumerate(spans):
            at = a + (rate * 3 // 10 if i == 0 else rate // 2 + i * rate // 20)
            user[at : at + len(word)] = word
            onsets.append(at)
        starts, _ = _loop_vad_starts(user, replies)
        lat = []
        for at in onsets:
            hits = [s for s in starts if at - rate // 5 <= s]
            lat.append((hits[0] - at) * 1000 / rate if hits else float("inf"))
        ok = [x <= 300 for x in lat]
        lines.append(
            f"| {label} | {sum(ok)}/{len(ok)} | {'yes' if ok[0] else 'no'} | "
            f"{statistics.median(lat):.0f} ms |"
        )
    return lines


def main() -> int:
    rows = [
        cost_row(16000),
        cost_row(16000, echo_gate=True),
        cost_row(48000),
        loop_row(16000),
    ]
    print_table("Echo cancellation per 20 ms frame", rows)
    erle = erle_lines()
    print("\n".join(erle))
    echo_loop = echo_loop_lines()
    print("\n".join(echo_loop))
    text = "\n".join(
        [
            render(rows),
            "",
            f"ERLE on the test echo path (80 ms, -6 dB, room reverb), {FILTER_MS} ms filter, "
            "10 ms frames, after the first 2 s:",
            "",
            *erle,
            "",
            *echo_loop,
        ]
    )
    write_section("aec", "Echo cancellation (libspeexdsp)", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
