"""Codec benchmarks: Opus and Ogg Opus against raw C libopus, opuslib and sphn.

Run as a script (``python benchmarks/bench_codec.py``). Each row function returns Rows and
is listed in ROW_FUNCTIONS; main() prints the table and writes the "codec" section of
docs/benchmark-results.md. The audio is the espeak-ng speech fixture resampled to 48 kHz,
20 ms mono frames.

The machine is shared and noisy, so each comparison is *paired*: batches of Vona and of its
anchor alternate (ABBA order) in the same process, the C floor included (opus_raw.c built
as a shared library and called once per batch through ctypes), and each side reports the
median of its batches. Both sides then see the same load.
"""

from __future__ import annotations

import ctypes
import itertools
import shutil
import statistics
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, print_table, render, write_section

from vona.codec import OggOpusReader, OggOpusWriter, OpusDecoder, OpusEncoder

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"
FRAME = 960  # 20 ms at 48 kHz
FRAMES = 100
DEC = {"batch": 40, "batches": 150, "warmup": 2}  # ~30 us per call
ENC = {"batch": 6, "batches": 120, "warmup": 2}  # ~150-260 us per call

Batch = Callable[[int], object]  # runs n calls


def loop(fn: Callable[[], object]) -> Batch:
    """A batch runner for a Python callable."""

    def run(n: int) -> None:
        for _ in range(n):
            fn()

    return run


def paired(a: Batch, b: Batch, *, batch: int, batches: int, warmup: int) -> tuple[float, float]:
    """Median ns per call of a and of b, timed in alternating batches (ABBA)."""
    perf = time.perf_counter_ns
    for _ in range(warmup):
        a(batch)
        b(batch)
    ta, tb = [], []
    for i in range(batches):
        order = ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta))
        for fn, out in order:
            t0 = perf()
            fn(batch)
            out.append((perf() - t0) / batch)
    return statistics.median(ta), statistics.median(tb)


@cache
def speech_frames() -> tuple[np.ndarray, ...]:
    """FRAMES frames of 48 kHz int16 speech (the 16 kHz fixture resampled with soxr)."""
    import soxr

    with wave.open(str(ROOT / "fixtures" / "audio" / "speech_weather_question.wav")) as f:
        pcm16k = np.frombuffer(f.readframes(f.getnframes()), np.int16)
    pcm = soxr.resample(pcm16k, 16000, 48000)
    return tuple(np.ascontiguousarray(pcm[i * FRAME : (i + 1) * FRAME]) for i in range(FRAMES))


@cache
def speech_packets() -> tuple[bytes, ...]:
    enc = OpusEncoder(48000, 1, "voip")  # libopus defaults, as opus_raw.c
    return tuple(enc.encode(f) for f in speech_frames())


# ---- the C floor ----


def _cc(*args: str) -> None:
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "opus"], capture_output=True, text=True, check=True
    ).stdout.split()
    cc = shutil.which("cc") or "gcc"
    src = str(ROOT / "benchmarks" / "c" / "opus_raw.c")
    subprocess.run([cc, "-O3", *args[:-1], src, *flags, "-o", args[-1]], check=True)


@cache
def pcm_file() -> Path:
    BUILD.mkdir(parents=True, exist_ok=True)
    path = BUILD / "speech48k.raw"
    path.write_bytes(b"".join(f.tobytes() for f in speech_frames()))
    return path


@cache
def opus_raw_lib() -> ctypes.CDLL:
    """opus_raw.c as a shared library, set up with the benchmark's frames."""
    so = BUILD / "libopus_raw.so"
    pcm = pcm_file()
    _cc("-shared", "-fPIC", "-DOPUS_RAW_LIB", str(so))
    lib = ctypes.CDLL(str(so))
    lib.opus_raw_setup.argtypes = [ctypes.c_char_p, ctypes.c_int]
    lib.opus_raw_decode.argtypes = [ctypes.c_int]
    lib.opus_raw_decode.restype = ctypes.c_double
    lib.opus_raw_encode.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.opus_raw_encode.restype = ctypes.c_double
    if lib.opus_raw_setup(str(pcm).encode(), FRAMES) != 0:
        raise RuntimeError("opus_raw_setup failed")
    return lib


def c_standalone() -> str:
    """One run of the opus_raw program (its own process; shown for reference)."""
    exe = BUILD / "opus_raw"
    _cc(str(exe))
    out = subprocess.run(
        [str(exe), str(pcm_file()), str(FRAMES), "40", "60"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return ", ".join(f"{k} {float(v):,.0f} ns" for k, v in (ln.split() for ln in out.splitlines()))


# ---- rows ----


def check(row: Row, limit: float) -> Row:
    row.met = row.ratio <= limit
    return row


def opus_rows() -> list[Row]:
    """Opus decode and encode from Python vs the raw C call, and vs opuslib."""
    import opuslib

    lib = opus_raw_lib()
    packets, frames = speech_packets(), speech_frames()
    raw_bytes = [f.tobytes() for f in frames]

    dec, pk = OpusDecoder(48000, 1), itertools.cycle(packets)
    vona_dec = loop(lambda: dec.decode(next(pk)))
    c_dec = lib.opus_raw_decode
    ours, c = paired(vona_dec, c_dec, **DEC)
    rows = [check(Row("Opus decode 48 kHz 20 ms", ours, "C opus_decode", c, "<= 1.10"), 1.10)]

    ref, rk = opuslib.Decoder(48000, 1), itertools.cycle(packets)
    ours, theirs = paired(vona_dec, loop(lambda: ref.decode(next(rk), FRAME)), **DEC)
    rows.append(check(Row("Opus decode 48 kHz 20 ms", ours, "opuslib", theirs, "<= 0.50"), 0.50))

    for which, complexity in enumerate((10, 5)):
        enc = OpusEncoder(48000, 1, "voip", complexity=complexity)
        fk = itertools.cycle(frames)
        vona_enc = loop(lambda enc=enc, fk=fk: enc.encode(next(fk)))
        name = f"Opus encode 48 kHz, complexity {complexity}"
        ours, c = paired(vona_enc, lambda n, w=which: lib.opus_raw_encode(w, n), **ENC)
        rows.append(check(Row(name, ours, "C opus_encode", c, "<= 1.03"), 1.03))
        ref_enc = opuslib.Encoder(48000, 1, opuslib.APPLICATION_VOIP)
        ref_enc.complexity = complexity
        bk = itertools.cycle(raw_bytes)
        ours, theirs = paired(
            vona_enc, loop(lambda r=ref_enc, bk=bk: r.encode(next(bk), FRAME)), **ENC
        )
        rows.append(Row(name, ours, "opuslib", theirs))
    return rows


def ogg_write_rows() -> list[Row]:
    """Encode + Ogg page per 20 ms frame vs encode alone, and vs sphn's stream writer."""
    import sphn

    frames = speech_frames()
    floats = [(f.astype(np.float32) / 32768.0) for f in frames]

    def encode_only() -> Batch:
        enc, fk = OpusEncoder(48000, 1, "voip"), itertools.cycle(frames)
        return loop(lambda: enc.encode(next(fk)))

    def encode_and_write(flush: bool) -> Batch:
        enc, fk = OpusEncoder(48000, 1, "voip"), itertools.cycle(frames)
        w = OggOpusWriter(48000, 1, pre_skip=enc.lookahead, flush_every_packet=flush)
        return loop(lambda: w.write(enc.encode(next(fk))))

    rows = []
    for flush, mode in ((True, "realtime pages"), (False, "filled pages")):
        ours, raw = paired(encode_and_write(flush), encode_only(), **ENC)
        name = f"Ogg Opus write (encode + page), {mode}"
        rows.append(check(Row(name, ours, "vona encode alone", raw, "<= 1.05"), 1.05))
    sw, fl = sphn.OpusStreamWriter(48000), itertools.cycle(floats)
    ours, theirs = paired(encode_and_write(True), loop(lambda: sw.append_pcm(next(fl))), **ENC)
    name = "Ogg Opus write (encode + page), realtime pages"
    rows.append(check(Row(name, ours, "sphn OpusStreamWriter", theirs, "< 1"), 0.999))
    return rows


def ogg_read_rows() -> list[Row]:
    """Read one page + decode its packet vs decode alone, and vs sphn's stream reader."""
    import sphn

    packets = speech_packets()
    calls = 2 * (DEC["warmup"] + DEC["batch"] * DEC["batches"])
    w = OggOpusWriter(48000, 1, pre_skip=312)
    first = w.write(packets[0])
    split = first.index(b"OggS", first.index(b"OggS", 4) + 4)
    headers = first[:split]
    pages = [first[split:]] + [w.write(packets[i % FRAMES]) for i in range(1, calls)]

    def read_and_decode() -> Batch:
        dec, reader = OpusDecoder(48000, 1), OggOpusReader()
        reader.feed(headers)
        it = iter(pages)

        def step() -> None:
            for p in reader.feed(next(it)):
                dec.decode(p)

        return loop(step)

    dec, pk = OpusDecoder(48000, 1), itertools.cycle(packets)
    ours, raw = paired(read_and_decode(), loop(lambda: dec.decode(next(pk))), **DEC)
    name = "Ogg Opus read (page + decode)"
    rows = [check(Row(name, ours, "vona decode alone", raw, "<= 1.05"), 1.05)]
    sr = sphn.OpusStreamReader(48000)
    sr.append_bytes(headers)
    sk = iter(pages)
    ours, theirs = paired(read_and_decode(), loop(lambda: sr.append_bytes(next(sk))), **DEC)
    rows.append(check(Row(name, ours, "sphn OpusStreamReader", theirs, "< 1"), 0.999))
    return rows


# The codec-cbor work adds its row functions to this list.
ROW_FUNCTIONS: list[Callable[[], list[Row]]] = [opus_rows, ogg_write_rows, ogg_read_rows]

NOTES = """
Opus rows run libopus's own code on both sides, so the ratio is the binding's cost: one
buffer view, one output allocation and a GIL release per call. The C floor is
`benchmarks/c/opus_raw.c` (cc -O3, same libopus, same frames) built as a shared library so
its batches alternate with Vona's under the same machine load. Ogg rows compare whole 20 ms
steps: encode + page against encode alone (the Ogg overhead), and against sphn (Kyutai's
Rust implementation; libopus default complexity, VoIP, on both sides). sphn's stream reader
decodes on a background thread, so its row is the time seen by the calling thread, not
its total CPU.
"""


def main() -> None:
    rows: list[Row] = []
    for fn in ROW_FUNCTIONS:
        rows += fn()
    standalone = c_standalone()
    print_table("codec", rows)
    print(f"opus_raw standalone run: {standalone}")
    body = render(rows) + "\n\n" + NOTES.strip() + f"\n\nopus_raw standalone run: {standalone}.\n"
    write_section("codec", "Codecs: Opus and Ogg Opus", body)


if __name__ == "__main__":
    main()
