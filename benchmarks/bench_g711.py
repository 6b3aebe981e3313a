"""G.711 mu-law and A-law against Python's ``audioop`` (C, in the standard library up to
3.12) on the same 20 ms telephony frames, both directions.

A Twilio call moves one 160-sample mu-law frame each way every 20 ms; each row times one
such frame (and a 1-second block, where per-call overhead no longer hides the kernel).
``audioop`` takes and returns bytes; Vona takes int16 arrays and returns arrays, which is
what the transport feeds the driver. Run as a script: ``python benchmarks/bench_g711.py``.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, print_table, render, time_ns_per_call, write_section

from vona.codec import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import audioop
    except ImportError:  # removed in Python 3.13
        audioop = None

FRAME_8K = 160  # 20 ms at 8 kHz
SECOND_8K = 8000


def paired(vona: Callable[[], object], anchor: Callable[[], object]) -> tuple[float, float]:
    """Alternate rounds; keep each side's best (a load burst can hit either side)."""
    v, a = [], []
    for _ in range(3):
        v.append(time_ns_per_call(vona, batch=500, batches=60))
        a.append(time_ns_per_call(anchor, batch=500, batches=60))
    return min(v), min(a)


def _speech_like(n: int) -> np.ndarray:
    rng = np.random.default_rng(711)
    t = np.arange(n) / 8000
    x = 6000 * np.sin(2 * np.pi * 180 * t) + 2500 * rng.standard_normal(n)
    return np.clip(x, -32768, 32767).astype(np.int16)


def _rows_for(n: int, label: str) -> list[Row]:
    assert audioop is not None
    pcm = _speech_like(n)
    pcm_bytes = pcm.tobytes()
    mu, a = ulaw_encode(pcm).tobytes(), alaw_encode(pcm).tobytes()
    rows = []
    cases = [
        ("mu-law encode", lambda: ulaw_encode(pcm), lambda: audioop.lin2ulaw(pcm_bytes, 2)),
        ("mu-law decode", lambda: ulaw_decode(mu), lambda: audioop.ulaw2lin(mu, 2)),
        ("A-law encode", lambda: alaw_encode(pcm), lambda: audioop.lin2alaw(pcm_bytes, 2)),
        ("A-law decode", lambda: alaw_decode(a), lambda: audioop.alaw2lin(a, 2)),
    ]
    for name, vona, anchor in cases:
        v, an = paired(vona, anchor)
        rows.append(Row(f"{name}, {label}", v, "audioop", an, "< 1.0x", v < an))
    return rows


def main() -> None:
    if audioop is None:
        print("bench_g711: audioop is gone from this Python (3.13+); no anchor, no rows")
        return
    rows = _rows_for(FRAME_8K, "20 ms frame (160 samples)") + _rows_for(SECOND_8K, "1 s block")
    print_table("G.711 (telephony codec)", rows)
    write_section("g711", "G.711 mu-law / A-law vs audioop", render(rows))


if __name__ == "__main__":
    main()
