"""Codec benchmarks: Opus and Ogg Opus against raw C libopus, opuslib and sphn.

Run as a script (``python benchmarks/bench_codec.py``). Each row function returns Rows and
is listed in ROW_FUNCTIONS; main() prints the table and writes the "codec" section of
docs/benchmark-results.md. The audio is the espeak-ng speech fixture resampled to 48 kHz,
20 ms mono frames.

The machine is shared and noisy, so each comparison is *paired*: short batches of Vona and
of its anchor alternate (ABBA order) in the same process, the C floor included (opus_raw.c
built as a shared library, called once per batch through ctypes and timing itself inside
C). Each side reports the median of its batches; the ratio is the median of the ratios of
neighbouring batches, so a change of load on the machine hits both sides alike.
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
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, codec_flags, print_table, render, write_section

from vona.codec import OggOpusReader, OggOpusWriter, OpusDecoder, OpusEncoder

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"
FRAME = 960  # 20 ms at 48 kHz
FRAMES = 100
DEC = {"batch": 20, "batches": 300, "warmup": 5}  # ~30 us per call
ENC = {"batch": 5, "batches": 160, "warmup": 3}  # ~150-260 us per call

Batch = Callable[[int], float]  # runs n calls, returns ns per call


def loop(fn: Callable[[], object]) -> Batch:
    """A timed batch runner for a Python callable."""
    perf = time.perf_counter_ns

    def run(n: int) -> float:
        t0 = perf()
        for _ in range(n):
            fn()
        return (perf() - t0) / n

    return run


@dataclass
class PairedRow(Row):
    """A Row whose ratio is the median of per-pair ratios (robust to load drift)."""

    paired_ratio: float = float("nan")

    @property
    def ratio(self) -> float:
        return self.paired_ratio


def paired(
    name: str, a: Batch, anchor: str, b: Batch, target: str, limit: float | None, **cfg: int
) -> Row:
    """Time a (Vona) and b (anchor) in short alternating batches (ABBA order).

    Each side reports the median ns per call of its batches; the ratio is the median of the
    ratios of neighbouring batches, so a load change on the shared machine hits both.
    """
    for _ in range(cfg["warmup"]):
        a(cfg["batch"])
        b(cfg["batch"])
    ta, tb, ratios = [], [], []
    for i in range(cfg["batches"]):
        if i % 2 == 0:
            x, y = a(cfg["batch"]), b(cfg["batch"])
        else:
            y, x = b(cfg["batch"]), a(cfg["batch"])
        ta.append(x)
        tb.append(y)
        ratios.append(x / y)
    row = PairedRow(name, statistics.median(ta), anchor, statistics.median(tb), target)
    row.paired_ratio = statistics.median(ratios)
    if limit is not None:
        row.met = row.ratio <= limit
    return row


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
    flags = codec_flags("opus")
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


def opus_rows() -> list[Row]:
    """Opus decode and encode from Python vs the raw C call, and vs opuslib."""
    from vona.testing.oracles import import_opuslib

    opuslib = import_opuslib()  # the libopus Vona links, not whatever the system has

    lib = opus_raw_lib()
    packets, frames = speech_packets(), speech_frames()
    raw_bytes = [f.tobytes() for f in frames]

    dec, pk = OpusDecoder(48000, 1), itertools.cycle(packets)
    vona_dec = loop(lambda: dec.decode(next(pk)))
    name = "Opus decode 48 kHz 20 ms"
    rows = [paired(name, vona_dec, "C opus_decode", lib.opus_raw_decode, "<= 1.10", 1.10, **DEC)]
    ref, rk = opuslib.Decoder(48000, 1), itertools.cycle(packets)
    lib_dec = loop(lambda: ref.decode(next(rk), FRAME))
    rows.append(paired(name, vona_dec, "opuslib", lib_dec, "<= 0.50", 0.50, **DEC))

    for which, complexity in enumerate((10, 5)):
        enc = OpusEncoder(48000, 1, "voip", complexity=complexity)
        fk = itertools.cycle(frames)
        vona_enc = loop(lambda enc=enc, fk=fk: enc.encode(next(fk)))
        c_enc: Batch = lambda n, w=which: lib.opus_raw_encode(w, n)  # noqa: E731
        name = f"Opus encode 48 kHz, complexity {complexity}"
        rows.append(paired(name, vona_enc, "C opus_encode", c_enc, "<= 1.03", 1.03, **ENC))
        ref_enc = opuslib.Encoder(48000, 1, opuslib.APPLICATION_VOIP)
        ref_enc.complexity = complexity
        bk = itertools.cycle(raw_bytes)
        lib_enc = loop(lambda r=ref_enc, bk=bk: r.encode(next(bk), FRAME))
        rows.append(paired(name, vona_enc, "opuslib", lib_enc, "", None, **ENC))
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
        name = f"Ogg Opus write (encode + page), {mode}"
        ours, raw = encode_and_write(flush), encode_only()
        rows.append(paired(name, ours, "vona encode alone", raw, "<= 1.05", 1.05, **ENC))
    sw, fl = sphn.OpusStreamWriter(48000), itertools.cycle(floats)
    theirs = loop(lambda: sw.append_pcm(next(fl)))
    name = "Ogg Opus write (encode + page), realtime pages"
    rows.append(
        paired(name, encode_and_write(True), "sphn OpusStreamWriter", theirs, "< 1", 0.999, **ENC)
    )
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

    def read_and_decode(as_float: bool = False) -> Batch:
        dec, reader = OpusDecoder(48000, 1), OggOpusReader()
        decode = dec.decode_float if as_float else dec.decode
        reader.feed(headers)
        it = iter(pages)

        def step() -> None:
            for p in reader.feed(next(it)):
                decode(p)

        return loop(step)

    def sphn_reader() -> Batch:
        sr = sphn.OpusStreamReader(48000)
        sr.append_bytes(headers)
        sk = iter(pages)
        return loop(lambda: sr.append_bytes(next(sk)))

    dec, pk = OpusDecoder(48000, 1), itertools.cycle(packets)
    raw = loop(lambda: dec.decode(next(pk)))
    name = "Ogg Opus read (page + decode to int16)"
    rows = [paired(name, read_and_decode(), "vona decode alone", raw, "<= 1.05", 1.05, **DEC)]
    rows.append(
        paired(name, read_and_decode(), "sphn OpusStreamReader", sphn_reader(), "", None, **DEC)
    )
    name = "Ogg Opus read (page + decode to float32)"
    ours = read_and_decode(as_float=True)
    rows.append(paired(name, ours, "sphn OpusStreamReader", sphn_reader(), "< 1", 0.999, **DEC))
    return rows


# The codec-cbor work adds its row functions to this list.
ROW_FUNCTIONS: list[Callable[[], list[Row]]] = [opus_rows, ogg_write_rows, ogg_read_rows]

NOTES = """
Opus rows run libopus's own code on both sides, so the ratio is the binding's cost: one
buffer view, one output allocation and a GIL release per call. The C floor is
`benchmarks/c/opus_raw.c` (cc -O3, same libopus, same frames) built as a shared library so
its batches alternate with Vona's under the same machine load; *ratio* is the median of
per-pair ratios (it can differ from the quotient of the two medians). Ogg rows compare whole 20 ms
steps: encode + page against encode alone (the Ogg overhead), and against sphn (Kyutai's
Rust implementation; libopus default complexity, VoIP, on both sides). sphn's stream reader
returns float32 samples (libopus's float path), so the like-for-like row decodes to float32
too (`OpusDecoder.decode_float`); libopus's int16 output adds a soft clip and a conversion
(5-15% of a decode), which the int16 row carries. sphn links its own build of libopus.
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
