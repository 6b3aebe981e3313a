"""The session layer against its anchors: per-frame cost of the driver, the native loop,
a full codec step, and memory per session.

    python benchmarks/bench_session.py            # all rows, writes the "session" section
    VONA_BENCH_PYTHON=/path/to/python ...         # the venv that has pipecat-ai 1.14.0

Rows (each anchor measured in this run):

- one 20 ms frame through transport -> ``run_session`` driver -> ``PassthroughStsBackend``
  -> transport (one frame in flight, virtual clock so playout pacing costs no wall time)
  against pipecat 1.14's latency through two pass-through processors (minimal worker; run
  in the bench venv by ``benchmarks/anchors/pipecat_passthrough.py``); target <= 0.1x;
  transport-paced and driver-paced, passthrough in the native slot and as a Python step,
  in paired fresh-process rounds (``--driver-child`` runs one Vona round);
- the same frames through the native session path (``StepLoop`` with its native
  passthrough: ``process`` + ``pull_playout``, no Python per frame inside);
- the native loop's own glue per frame (many frames per ``process`` call): < 1 µs;
- a full step (Opus decode 48 kHz, resample to 16 kHz, passthrough, resample to 48 kHz,
  Opus encode) against the plain-C floor (``benchmarks/c/session_step.c``, <= 1.15x) and
  the plain-Python step (opuslib + soxr + numpy, >= 1.8x faster), in alternating batches;
- resident memory per active session (StepLoop + Opus codec state), 200 sessions in a
  child process: <= 1 MiB;
- driver density: sessions per core of ``run_session`` with real-time input and
  driver-paced output (100 sessions on one loop, CPU time per session-second).
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, codec_flags, print_table, render, time_ns_per_call, write_section

from vona import PassthroughStsBackend
from vona.codec import OpusDecoder, OpusEncoder
from vona.driver import run_session
from vona.frames import AudioInputFrame, AudioOutputFrame
from vona.runtime import VonaRuntime
from vona.step_loop import StepLoop
from vona.testing import ScriptedTransport, VirtualClock, run_virtual

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"
FRAME = 960  # 20 ms at 48 kHz
FRAME_16K = 320
FRAMES = 100
COMPLEXITY = 5  # the realtime encoder setting of the C floor in docs/anchors
STEP = {"batch": 10, "batches": 60, "warmup": 3}  # ~170-400 us per step
SESSIONS = 200

Batch = Callable[[int], float]  # runs n calls, returns ns per call


# ---- pipecat (subprocess in the bench venv) ----


def bench_python() -> Path | None:
    """The bench venv's python: $VONA_BENCH_PYTHON, else the checkout's .benchvenv."""
    env = os.environ.get("VONA_BENCH_PYTHON")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT / ".benchvenv" / "bin" / "python")
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def _shown(path: Path | None) -> str:
    """``path`` as the results page may name it: relative to the checkout, never a machine
    path."""
    if path is None:
        return "no bench venv"
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    return "the venv of $VONA_BENCH_PYTHON" if rel.startswith("..") else rel


def pipecat_anchor(runs: int = 5) -> dict[str, float] | None:
    """pipecat's throughput and single-frame latency (one child process, ``runs`` runs)."""
    py = bench_python()
    if py is None:
        print(
            "pipecat anchor unavailable: no bench venv. Create it with `make benchenv` "
            "(or: python3 -m venv .benchvenv && .benchvenv/bin/pip install "
            "pipecat-ai==1.14.0 soxr opuslib numpy) or set VONA_BENCH_PYTHON.",
            file=sys.stderr,
        )
        return None
    script = ROOT / "benchmarks" / "anchors" / "pipecat_passthrough.py"
    proc = subprocess.run(
        [str(py), str(script), "--runs", str(runs)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        print(f"pipecat anchor failed ({py}):\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    data: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


# ---- Vona: the Python driver with the passthrough backend ----

PCM_16K = np.ones(FRAME_16K, np.int16)


class PingTransport:
    """One frame in flight: ``recv`` hands out frame i+1 once frame i has been sent back,
    and records the wall time from handing a frame out to getting it back."""

    def __init__(self, frames: int, clock: VirtualClock) -> None:
        self.frames, self.clock = frames, clock
        self.i = 0
        self.back: asyncio.Future[None] | None = None
        self.t0 = 0
        self.latencies: list[int] = []

    async def recv(self) -> AudioInputFrame | None:
        if self.back is not None:
            await self.back
            self.latencies.append(time.perf_counter_ns() - self.t0)
        if self.i >= self.frames:
            return None
        self.i += 1
        self.back = asyncio.get_running_loop().create_future()
        self.t0 = time.perf_counter_ns()
        return AudioInputFrame(self.i, 16000, 1, PCM_16K, self.clock.now_ns())

    async def send(self, frame: AudioOutputFrame) -> None:
        if self.back is not None and not self.back.done():
            self.back.set_result(None)

    async def clear(self) -> int:
        return 0


class FloodTransport:
    """Every frame available at once (throughput); counts what comes back."""

    def __init__(self, frames: int, clock: VirtualClock) -> None:
        self.frames, self.clock, self.i, self.sent = frames, clock, 0, 0

    async def recv(self) -> AudioInputFrame | None:
        if self.i >= self.frames:
            return None
        self.i += 1
        return AudioInputFrame(self.i, 16000, 1, PCM_16K, self.clock.now_ns())

    async def send(self, frame: AudioOutputFrame) -> None:
        self.sent += 1

    async def clear(self) -> int:
        return 0


def driver_latency_ns(pacing: str, native: bool = True, frames: int = 1500, runs: int = 3) -> float:
    """Median wall time of one frame in flight, transport -> driver -> passthrough ->
    transport, with ``pacing`` ("transport" or "driver", see ``VonaRuntime.pacing``) and
    the passthrough in the native loop's slot (``native``) or awaited as a Python step."""
    results = []
    for _ in range(runs):
        clock = VirtualClock()
        t = PingTransport(frames, clock)
        m = run_virtual(
            run_session(
                t,
                PassthroughStsBackend(),
                runtime=VonaRuntime(pacing=pacing, native_backends=native),  # type: ignore[arg-type]
                clock=clock,
                transport_sample_rate_hz=16000,
            ),
            clock=clock,
        )
        assert m.ok, m.error
        assert m.frames_out == frames, (m.frames_out, frames)
        results.append(statistics.median(t.latencies[100:]))
    return statistics.median(results)


def driver_throughput_ns(pacing: str, frames: int = 3000, runs: int = 3) -> float:
    """Wall ns per frame with all input available at once (native passthrough)."""
    results = []
    for _ in range(runs):
        clock = VirtualClock()
        t = FloodTransport(frames, clock)
        # drain_timeout_s: let driver-paced playout drain all of it
        runtime = VonaRuntime(drain_timeout_s=frames / 50 + 1, pacing=pacing)  # type: ignore[arg-type]
        t0 = time.perf_counter_ns()
        m = run_virtual(
            run_session(
                t,
                PassthroughStsBackend(),
                runtime=runtime,
                clock=clock,
                transport_sample_rate_hz=16000,
            ),
            clock=clock,
        )
        results.append((time.perf_counter_ns() - t0) / frames)
        assert m.ok, m.error
        assert t.sent >= frames - 1, (t.sent, frames)
    return statistics.median(results)


DRIVER_ROUNDS = 7
DENSITY_SESSIONS = 100


def driver_sessions_per_core(native: bool, seconds: int = 2) -> float:
    """Session-seconds of audio per CPU-second: DENSITY_SESSIONS sessions on one loop, each
    a ``ScriptedTransport`` delivering 20 ms chunks at real-time pace (virtual clock) to a
    passthrough and playing the echo back, driver-paced."""
    clock = VirtualClock()
    audio = (np.arange(seconds * 16000) % 200 * 100 - 10000).astype(np.int16)
    runtime = VonaRuntime(native_backends=native)

    async def sessions() -> list[Any]:
        return await asyncio.gather(
            *(
                run_session(
                    ScriptedTransport(audio, 16000, clock=clock),
                    PassthroughStsBackend(),
                    runtime=runtime,
                    clock=clock,
                )
                for _ in range(DENSITY_SESSIONS)
            )
        )

    t0 = time.process_time_ns()
    done = run_virtual(sessions(), clock=clock)
    cpu_s = (time.process_time_ns() - t0) / 1e9
    assert all(m.ok and m.samples_out == audio.shape[0] for m in done)
    return DENSITY_SESSIONS * seconds / cpu_s


def driver_child() -> None:
    """``--driver-child``: one round of the driver rows in a fresh process (prints JSON)."""
    out = {
        "transport": driver_latency_ns("transport"),
        "transport_python": driver_latency_ns("transport", native=False),
        "driver": driver_latency_ns("driver"),
        "driver_python": driver_latency_ns("driver", native=False),
        "throughput": driver_throughput_ns("driver"),
        "throughput_transport": driver_throughput_ns("transport"),
        "density": driver_sessions_per_core(native=True),
        "density_python": driver_sessions_per_core(native=False),
    }
    print(json.dumps(out))


def driver_rounds() -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Alternate fresh Vona and pipecat processes, DRIVER_ROUNDS times.

    This VM runs a whole process fast or slow (up to 2x apart, both for Vona and for
    pipecat), so each round pairs one process of each and the ratio is the median of the
    per-round ratios."""
    ours, theirs = [], []
    for _ in range(DRIVER_ROUNDS):
        proc = subprocess.run(
            [sys.executable, __file__, "--driver-child"], capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise RuntimeError(f"driver child failed:\n{proc.stderr[-2000:]}")
        ours.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        anchor = pipecat_anchor(runs=1)
        if anchor is None:
            return ours, []
        theirs.append(anchor)
    return ours, theirs


def native_session_frame_ns() -> float:
    loop = StepLoop(16000, 16000, FRAME_16K, playout_capacity_samples=FRAME_16K * 8)
    loop.set_native_backend("passthrough")

    def call() -> None:
        loop.process(PCM_16K)
        loop.pull_playout(FRAME_16K)

    return time_ns_per_call(call)


def asyncio_queue_hop_ns(items: int = 4000, runs: int = 7) -> float:
    """One ``asyncio.Queue`` hop between two tasks (the glue anchor of docs/anchors)."""

    async def once() -> float:
        q: asyncio.Queue[int | None] = asyncio.Queue()

        async def consumer() -> None:
            while await q.get() is not None:
                pass

        task = asyncio.create_task(consumer())
        t0 = time.perf_counter_ns()
        for i in range(items):
            await q.put(i)
            await asyncio.sleep(0)
        await q.put(None)
        await task
        return (time.perf_counter_ns() - t0) / items

    return statistics.median(asyncio.run(once()) for _ in range(runs))


def native_glue_ns() -> float:
    """C-side cost per frame: 500 frames per ``process`` call, passthrough, no resampling."""
    frames = 500
    chunk = (np.arange(FRAME_16K * frames) % 2000 - 1000).astype(np.int16)
    loop = StepLoop(16000, 16000, FRAME_16K, playout_capacity_samples=chunk.size * 2)
    loop.set_native_backend("passthrough")

    def call() -> None:
        loop.process(chunk)
        loop.interrupt()  # O(1) clear so the playout ring never fills

    return time_ns_per_call(call, batch=5, batches=60, warmup=5) / frames


# ---- the full step: Vona, plain Python, plain C ----


@cache
def speech_frames() -> tuple[np.ndarray, ...]:
    """FRAMES frames of 48 kHz speech (the 16 kHz fixture resampled with soxr)."""
    import soxr

    with wave.open(str(ROOT / "fixtures" / "audio" / "speech_weather_question.wav")) as f:
        pcm16k = np.frombuffer(f.readframes(f.getnframes()), np.int16)
    pcm = soxr.resample(pcm16k, 16000, 48000)
    return tuple(np.ascontiguousarray(pcm[i * FRAME : (i + 1) * FRAME]) for i in range(FRAMES))


@cache
def speech_packets() -> tuple[bytes, ...]:
    enc = OpusEncoder(48000, 1, "voip")  # libopus defaults, as session_step.c
    return tuple(enc.encode(f) for f in speech_frames())


def cycle(n: int) -> Callable[[], int]:
    state = [0]

    def nxt() -> int:
        i = state[0]
        state[0] = (i + 1) % n
        return i

    return nxt


def vona_step() -> Batch:
    packets = speech_packets()
    dec = OpusDecoder(48000, 1)
    enc = OpusEncoder(48000, 1, "voip", complexity=COMPLEXITY)
    loop = StepLoop(48000, 16000, FRAME_16K, playout_capacity_samples=FRAME * 8)
    loop.set_native_backend("passthrough")
    nxt = cycle(len(packets))
    zeros = np.zeros(FRAME, np.int16)

    def one() -> None:
        loop.process(dec.decode(packets[nxt()]))
        out = loop.pull_playout(FRAME)
        enc.encode(out if out.shape[0] == FRAME else zeros)  # zeros during warm-up only

    return batch_of(one)


def python_step(complexity: int | None) -> Batch:
    """What a Python user writes today: opuslib + soxr streams + a numpy FIFO."""
    from vona.testing.oracles import import_opuslib

    opuslib = import_opuslib()  # the libopus Vona links, not whatever the system has
    import soxr

    packets = speech_packets()
    dec = opuslib.Decoder(48000, 1)
    enc = opuslib.Encoder(48000, 1, "voip")
    if complexity is not None:
        enc.complexity = complexity
    down = soxr.ResampleStream(48000, 16000, 1, dtype="int16", quality="HQ")
    up = soxr.ResampleStream(16000, 48000, 1, dtype="int16", quality="HQ")
    fifo = [np.zeros(0, np.int16)]
    nxt = cycle(len(packets))

    def one() -> None:
        pcm = np.frombuffer(dec.decode(packets[nxt()], FRAME), np.int16)
        low = down.resample_chunk(pcm)
        buf = np.concatenate([fifo[0], up.resample_chunk(low)])
        if buf.shape[0] < FRAME:
            buf = np.concatenate([buf, np.zeros(FRAME - buf.shape[0], np.int16)])
        enc.encode(buf[:FRAME].tobytes(), FRAME)
        fifo[0] = buf[FRAME:]

    return batch_of(one)


def batch_of(fn: Callable[[], object]) -> Batch:
    perf = time.perf_counter_ns

    def run(n: int) -> float:
        t0 = perf()
        for _ in range(n):
            fn()
        return (perf() - t0) / n

    return run


def _cc(out: Path) -> None:
    flags = codec_flags("opus", "soxr")
    cc = shutil.which("cc") or "gcc"
    src = ROOT / "benchmarks" / "c" / "session_step.c"
    subprocess.run(
        [cc, "-O3", "-march=native", "-fno-math-errno", "-shared", "-fPIC", str(src), *flags,
         "-o", str(out)],
        check=True,
    )  # fmt: skip


def c_step() -> Batch:
    BUILD.mkdir(parents=True, exist_ok=True)
    pcm = BUILD / "session48k.raw"
    pcm.write_bytes(b"".join(f.tobytes() for f in speech_frames()))
    so = BUILD / "libsession_step.so"
    _cc(so)
    lib = ctypes.CDLL(str(so))
    lib.session_step_setup.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
    lib.session_step_run.argtypes = [ctypes.c_int]
    lib.session_step_run.restype = ctypes.c_double
    if lib.session_step_setup(str(pcm).encode(), FRAMES, COMPLEXITY) != 0:
        raise RuntimeError("session_step_setup failed")

    def run(n: int) -> float:
        ns = float(lib.session_step_run(n))
        if ns < 0:
            raise RuntimeError("session_step_run failed")
        return ns

    return run


@dataclass
class PairedRow(Row):
    """A Row whose ratio is the median of per-pair ratios (robust to load drift)."""

    paired_ratio: float = float("nan")

    @property
    def ratio(self) -> float:
        return self.paired_ratio


def paired(
    name: str, a: Batch, anchor: str, b: Batch, target: str = "", limit: float | None = None
) -> PairedRow:
    """Time a (Vona) and b (anchor) in alternating batches (ABBA); ratio = median of the
    per-pair ratios, so a load change on the shared machine hits both sides."""
    for _ in range(STEP["warmup"]):
        a(STEP["batch"])
        b(STEP["batch"])
    ta, tb, ratios = [], [], []
    for i in range(STEP["batches"]):
        if i % 2 == 0:
            x, y = a(STEP["batch"]), b(STEP["batch"])
        else:
            y, x = b(STEP["batch"]), a(STEP["batch"])
        ta.append(x)
        tb.append(y)
        ratios.append(x / y)
    row = PairedRow(name, statistics.median(ta), anchor, statistics.median(tb), target)
    row.paired_ratio = statistics.median(ratios)
    row.met = row.ratio <= limit if limit is not None else None
    return row


# ---- memory per session (child process) ----

MEMORY_CHILD = """
import sys, numpy as np
from vona.codec import OpusDecoder, OpusEncoder
from vona.step_loop import StepLoop
from vona.runtime import VonaRuntime
n, frames, capacity = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
page = __import__("os").sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page
pcm = (np.arange(960) % 200 * 50 - 5000).astype(np.int16)
def session():
    dec, enc = OpusDecoder(48000, 1), OpusEncoder(48000, 1, "voip", complexity=5)
    loop = StepLoop(48000, 16000, 320, playout_capacity_samples=capacity)
    loop.set_native_backend("passthrough")
    packet = enc.encode(pcm)
    for _ in range(frames):
        loop.process(dec.decode(packet))
        enc.encode(loop.pull_playout(960)[:960] if loop.playout_buffered >= 960 else pcm)
    return dec, enc, loop
warm = [session() for _ in range(3)]
before = rss()
live = [session() for _ in range(n)]
after = rss()
print(after - before, before)
"""


def memory_per_session(capacity_s: float, frames: int = 150) -> tuple[float, int]:
    """(bytes of RSS growth per session, baseline RSS) for SESSIONS live sessions that have
    each run ``frames`` steps (3 s: the playout ring wraps, so its pages are all touched)."""
    capacity = int(48000 * capacity_s)
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(SESSIONS), str(frames), str(capacity)],
        capture_output=True,
        text=True,
        check=True,
    )
    grown, base = (int(x) for x in proc.stdout.split())
    return grown / SESSIONS, base


def main() -> None:
    rows: list[Row] = []
    notes: list[str] = []
    hop = asyncio_queue_hop_ns()
    ours, theirs = driver_rounds()
    native = native_session_frame_ns()

    def driver_row(key: str, name: str, anchor_key: str, target: str = "") -> Row:
        vona = statistics.median(r[key] for r in ours)
        if not theirs:
            return Row(name, vona, "one asyncio.Queue hop", hop)
        anchor_ns = statistics.median(r[f"{anchor_key}_ns"] for r in theirs)
        anchor = f"pipecat 1.14, 2 pass-throughs, {anchor_key}"
        row = PairedRow(name, vona, anchor, anchor_ns, target)
        row.paired_ratio = statistics.median(
            a[key] / b[f"{anchor_key}_ns"] for a, b in zip(ours, theirs, strict=True)
        )
        if target:
            row.met = row.ratio <= 0.1
        return row

    via = "frame via driver + PassthroughStsBackend"
    rows.append(driver_row("transport", f"{via}, latency (1 in flight), transport-paced "
                           "output", "latency", "<= 0.1x"))  # fmt: skip
    rows.append(driver_row("transport_python", "the same, passthrough awaited as a Python "
                           "step (`native_backends=False`)", "latency"))  # fmt: skip
    rows.append(driver_row("driver", "the same as the first, driver-paced playout (one "
                           "playout-timer wake per frame)", "latency"))  # fmt: skip
    rows.append(driver_row("driver_python", "driver-paced playout, passthrough as a Python "
                           "step", "latency"))  # fmt: skip
    rows.append(driver_row("throughput", f"{via}, throughput (driver-paced)",
                           "throughput"))  # fmt: skip
    rows.append(driver_row("throughput_transport", f"{via}, throughput (transport-paced)",
                           "throughput"))  # fmt: skip
    if theirs:
        p_lat = statistics.median(r["latency_ns"] for r in theirs)
        rows.append(Row("frame via native session path (process + pull_playout)", native,
                        "pipecat 1.14, 2 pass-throughs, latency", p_lat, "<= 0.1x",
                        native <= 0.1 * p_lat))  # fmt: skip
    else:
        notes.append("pipecat anchor unavailable (no bench venv): driver rows use the asyncio hop.")
        rows.append(Row("frame via native session path (process + pull_playout)", native,
                        "one asyncio.Queue hop", hop))  # fmt: skip
    glue = native_glue_ns()
    rows.append(Row("native loop glue per frame (StepLoop native backend slot)", glue,
                    "one asyncio.Queue hop", hop, "< 1 µs per frame", glue < 1000))  # fmt: skip

    vona = vona_step()
    c_row = paired("full step: decode, 48k->16k, passthrough, 16k->48k, encode c5", vona,
                   "plain C (libopus + libsoxr)", c_step(), "<= 1.15x", 1.15)  # fmt: skip
    py_default = paired("full step (vona c5)", vona,
                        "plain-Python step as docs/anchors measured it (opuslib at libopus' "
                        "default complexity 9)", python_step(None),
                        ">= 1.8x faster", 1 / 1.8)  # fmt: skip
    same = "plain Python (opuslib + soxr + numpy), c5"
    py_row = paired("full step, same settings", vona, same, python_step(COMPLEXITY))
    rows += [c_row, py_default, py_row]

    per_session, base = memory_per_session(2.0)
    per_session_default, _ = memory_per_session(60.0)
    sessions_per_core = 1e9 / (50 * c_row.vona_ns)
    print_table("Session layer", rows)
    mib = 1024 * 1024
    mem = [
        "| measure | value | target | met |",
        "|---|---:|---|---|",
        f"| resident memory per active session (StepLoop 48k<->16k, 2 s playout ring, Opus "
        f"decoder + encoder), {SESSIONS} sessions | {per_session / 1024:,.0f} KiB | <= 1 MiB "
        f"| {'yes' if per_session <= mib else '**no**'} |",
        f"| the same with the StepLoop's default 60 s playout ring, after 3 s of audio | "
        f"{per_session_default / 1024:,.0f} KiB |  |  |",
        f"| sessions per core (full step, 50 steps/s) | {sessions_per_core:,.0f} |  |  |",
        f"| driver sessions per core: {DENSITY_SESSIONS} `run_session`s on one loop, real-time "
        f"20 ms input and driver-paced echo, PassthroughStsBackend in the native slot / as a "
        f"Python step | {statistics.median(r['density'] for r in ours):,.0f} / "
        f"{statistics.median(r['density_python'] for r in ours):,.0f} |  |  |",
    ]
    print("\n".join(mem))
    if theirs:
        notes.append(
            f"pipecat {theirs[0].get('pipecat')} measured in {_shown(bench_python())}. "
            "Driver rows: "
            f"{DRIVER_ROUNDS} rounds, each a fresh Vona process and a fresh pipecat process "
            "(this VM runs whole processes up to 2x faster or slower), ratio = median of the "
            "per-round ratios."
        )
    body = "\n\n".join(
        [
            render(rows),
            "\n".join(mem),
            " ".join(notes)
            + " Driver rows run `run_session` on the virtual clock, so the 20 ms playout "
            "pacing costs no wall time but every event-loop pass is counted. Transport-paced "
            'output (`VonaRuntime(pacing="transport")`, for transports that queue and '
            "play at real time themselves) sends a frame from the task that stepped the "
            "backend: no event-loop pass per frame, like pipecat's pass-throughs, which push "
            "without pacing. Driver-paced playout sends one frame per 20 ms from a loop "
            "timer, so a frame in flight also waits for that timer's event-loop pass (about "
            "6 µs here) and the input task's wake-up after it. The native session path is what a "
            "native backend runs per frame: the whole input -> resample -> backend -> "
            "resample -> playout chain in one C call without the GIL, plus one pull. Full "
            "steps alternate Vona and anchor batches (ratio = median of per-pair ratios); all "
            f"sides encode at complexity {COMPLEXITY} (the C floor's setting in "
            "docs/anchors) except the plain-Python row with the 1.8x target, which keeps "
            "opuslib at libopus' default as docs/anchors measured the plain-Python step "
            "(373 µs there, against a 170 µs C floor at complexity 5: the target is set "
            "against that pair). At equal complexity the gap is smaller, since Opus encode "
            "is most of both steps and the same libopus does it: the C floor itself is "
            "only about 1.5-1.8x faster than plain Python there, so Vona (within 1.15x of "
            "the floor) cannot reach 1.8x at equal settings. Memory: RSS growth of a child "
            f"process over {SESSIONS} live sessions that each ran 150 steps (baseline "
            f"{base / mib:.0f} MiB); playout ring pages count once touched, so a long "
            "session with a 60 s ring grows towards 60 s x 48 kHz x 2 B = 5.5 MiB: size "
            "`VonaRuntime.playout_capacity_s` for the audio you really buffer.",
        ]
    )
    write_section("session", "Session layer: driver, native loop, full step, memory", body)


if __name__ == "__main__":
    if sys.argv[1:] == ["--driver-child"]:
        driver_child()
    else:
        main()
