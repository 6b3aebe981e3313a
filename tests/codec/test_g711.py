"""G.711 mu-law and A-law: every int16 input and every code against tables derived here
from the standard's segment definition, and against sox on the same samples."""

from __future__ import annotations

import shutil
import subprocess
import threading

import numpy as np
import pytest

from vona import errors
from vona.codec import G711_MAX_SAMPLES, alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

ALL = np.arange(-32768, 32768, dtype=np.int16)
CODES = np.arange(256, dtype=np.uint8)


# -- the standard's tables ---------------------------------------------------------------
# G.711 quantises a value on its own linear scale: mu-law (Table 2a) on +-8159 in 8
# segments of 16 steps, steps 2, 4, ..., 256, the first interval [0, 1) half wide; A-law
# (Table 1a) on +-4096, segments 0 and 1 in steps of 2, then 4, 8, ..., 128. A decision
# value starts the upper interval. The decoder output is the middle of the interval
# (0 for mu-law's first). A 16-bit sample maps to that scale by rounding to the nearest
# step (x / 4 for mu-law, x / 8 for A-law, ties up), as sox does.


def _ulaw_tables() -> tuple[np.ndarray, np.ndarray]:
    """(decision values starting intervals 1..127, decoder outputs of intervals 0..127)."""
    lower, outputs = [], []
    start = -1  # segment 0 starts at -1 on paper; its first interval is [0, 1)
    for seg in range(8):
        step = 2 << seg
        for k in range(16):
            lo = start + k * step
            lower.append(lo)
            outputs.append(0 if seg == 0 and k == 0 else lo + step // 2)
        start += 16 * step
    assert start == 8159
    return np.array(lower[1:]), np.array(outputs)


def _alaw_tables() -> tuple[np.ndarray, np.ndarray]:
    lower, outputs = [], []
    start = 0
    for seg in range(8):
        step = 2 if seg == 0 else 1 << seg
        for k in range(16):
            lo = start + k * step
            lower.append(lo)
            outputs.append(lo + step // 2)
        start += 16 * step
    assert start == 4096
    return np.array(lower[1:]), np.array(outputs)


def spec_ulaw_encode(x: np.ndarray) -> np.ndarray:
    v = np.minimum((x.astype(np.int64) + 2) // 4, 8191)  # nearest 14-bit step, saturated
    neg = v < 0
    mag = np.abs(v)
    decisions, _ = _ulaw_tables()
    interval = np.searchsorted(decisions, mag, side="right")  # 0..127, clipped above 8159
    code = np.where(neg, 0x80, 0x00) | interval
    return (code ^ 0xFF).astype(np.uint8)  # every bit inverted on the line


def spec_alaw_encode(x: np.ndarray) -> np.ndarray:
    v = np.minimum((x.astype(np.int64) + 4) // 8, 4095)  # nearest 13-bit step, saturated
    neg = v < 0
    mag = np.where(neg, -v - 1, v)  # negatives mirror about -1/2: A-law has no zero level
    decisions, _ = _alaw_tables()
    interval = np.searchsorted(decisions, mag, side="right")
    code = np.where(neg, 0x00, 0x80) | interval
    return (code ^ 0x55).astype(np.uint8)  # even bits inverted on the line


def spec_ulaw_decode(codes: np.ndarray) -> np.ndarray:
    b = codes.astype(np.int64) ^ 0xFF
    _, outputs = _ulaw_tables()
    y = outputs[b & 0x7F]
    return (np.where(b & 0x80, -y, y) * 4).astype(np.int16)


def spec_alaw_decode(codes: np.ndarray) -> np.ndarray:
    b = codes.astype(np.int64) ^ 0x55
    _, outputs = _alaw_tables()
    y = outputs[b & 0x7F]
    return (np.where(b & 0x80, y, -y) * 8).astype(np.int16)


def test_mu_law_matches_the_standard_for_every_input_and_code() -> None:
    np.testing.assert_array_equal(ulaw_encode(ALL), spec_ulaw_encode(ALL))
    np.testing.assert_array_equal(ulaw_decode(CODES), spec_ulaw_decode(CODES))
    # the standard's end points: +-8031 (x4) at full scale, +0 and -0 at the centre
    assert ulaw_decode(bytes([0x80, 0x00, 0xFF, 0x7F])).tolist() == [32124, -32124, 0, 0]


def test_a_law_matches_the_standard_for_every_input_and_code() -> None:
    np.testing.assert_array_equal(alaw_encode(ALL), spec_alaw_encode(ALL))
    np.testing.assert_array_equal(alaw_decode(CODES), spec_alaw_decode(CODES))
    assert alaw_decode(bytes([0xAA, 0x2A, 0xD5, 0x55])).tolist() == [32256, -32256, 8, -8]


def _sox(data: bytes, src: list[str], dst: list[str]) -> bytes:
    # -D: no dither, so the conversion is the plain quantiser
    common = ["-t", "raw", "-r", "8000", "-c", "1"]
    cmd = ["sox", "-D", *common, *src, "-", *common, *dst, "-"]
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox is a system package (make deps)")
@pytest.mark.parametrize(
    ("encoding", "encode", "decode"),
    [("mu-law", ulaw_encode, ulaw_decode), ("a-law", alaw_encode, alaw_decode)],
)
def test_bit_exact_with_sox_on_all_65536_inputs(encoding, encode, decode) -> None:
    pcm16 = ["-e", "signed", "-b", "16"]
    g711 = ["-e", encoding, "-b", "8"]
    theirs = np.frombuffer(_sox(ALL.tobytes(), pcm16, g711), np.uint8)
    assert theirs.shape == ALL.shape
    np.testing.assert_array_equal(encode(ALL), theirs)
    back = np.frombuffer(_sox(CODES.tobytes(), g711, pcm16), np.int16)
    np.testing.assert_array_equal(decode(CODES), back)


def test_decoded_values_encode_back_to_their_code() -> None:
    u = ulaw_decode(CODES)
    expect = CODES.copy()
    expect[0x7F] = 0xFF  # -0 and +0 decode alike; zero encodes as +0
    np.testing.assert_array_equal(ulaw_encode(u), expect)
    np.testing.assert_array_equal(alaw_encode(alaw_decode(CODES)), CODES)


def test_decoders_take_any_bytes_like_input() -> None:
    codes = ulaw_encode(ALL[::257].copy())
    want = ulaw_decode(codes)
    for form in (codes.tobytes(), bytearray(codes.tobytes()), memoryview(codes.tobytes())):
        np.testing.assert_array_equal(ulaw_decode(form), want)
    assert ulaw_decode(b"").shape == (0,)
    assert ulaw_encode(np.zeros(0, np.int16)).dtype == np.uint8


def test_bad_input_raises_named_errors() -> None:
    with pytest.raises(errors.AudioFormatError, match="samples"):
        ulaw_encode(np.zeros(4, np.float32))  # type: ignore[arg-type]
    with pytest.raises(errors.AudioFormatError, match="samples"):
        alaw_encode(b"\x00\x01")  # type: ignore[arg-type]
    with pytest.raises(errors.CodecError, match="bytes-like"):
        ulaw_decode("abc")  # type: ignore[arg-type]
    with pytest.raises(errors.CodecError, match="bytes-like"):
        alaw_decode(12)  # type: ignore[arg-type]
    with pytest.raises(errors.CodecError, match="max_samples=4"):
        ulaw_decode(b"12345", 4)
    with pytest.raises(errors.ConfigError, match="max_samples"):
        alaw_decode(b"1", G711_MAX_SAMPLES + 1)
    with pytest.raises(errors.ConfigError, match="max_samples"):
        alaw_decode(b"1", -1)


def test_kernels_run_in_parallel_threads() -> None:
    rng = np.random.default_rng(7)
    chunks = [rng.integers(-32768, 32768, 160_000, dtype=np.int16) for _ in range(4)]
    results: list[bool] = [False] * 4

    def work(i: int) -> None:
        ok = True
        for _ in range(20):
            ok &= bool(
                np.array_equal(
                    ulaw_decode(ulaw_encode(chunks[i])),
                    spec_ulaw_decode(spec_ulaw_encode(chunks[i])),
                )
            )
        results[i] = ok

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 4
