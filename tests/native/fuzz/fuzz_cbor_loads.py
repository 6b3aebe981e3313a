"""Fuzz cbor_loads: any bytes must decode or raise CodecError, never crash or hang.

Input layout: byte 0 picks the limits (small ones reach the limit paths); the rest is
the CBOR input. Whatever decodes must re-encode deterministically (dumps . loads . dumps
is a fixed point) and, where cbor2 also decodes the input, to the same bytes.
The fast and generic decode paths must agree (same value or same error).
Run under atheris: ``python fuzz_cbor_loads.py -max_total_time=60``.
"""

from __future__ import annotations

import sys

from vona._native._cbor_decode import _loads_generic
from vona.codec import cbor_dumps, cbor_loads
from vona.errors import CodecError

try:
    import cbor2
except ImportError:  # pragma: no cover - cbor2 is a dev dependency
    cbor2 = None


def seeds() -> list[bytes]:
    values: list[object] = [
        0,
        -1,
        2**64 - 1,
        -(2**64),
        1.5,
        1.1,
        float("inf"),
        "IETF",
        "ü水",
        b"\x01\x02",
        [1, [2, 3]],
        {"a": 1, "b": [2, 3]},
        {1: None, b"k": True, (1, 2): False},
        {"type": "in", "seq": 1, "rate": 16000, "ch": 1, "pcm": bytes(64), "ts": 9},
    ]
    out = [b"\x00" + cbor_dumps(v) for v in values]
    out += [
        b"\x00" + bytes.fromhex(h)
        for h in (
            "5f42010243030405ff",
            "7f657374726561646d696e67ff",
            "9f018202039f0405ffff",
            "bf61610161629f0203ffff",
            "c11a514b67b0",
            "f7",
            "f818",
            "fa47c35000",
        )
    ]
    out.append(b"\x03" + b"\x81" * 10 + b"\x00")
    return out


def _generic_error(body: bytes, limits: dict[str, int]) -> str:
    try:
        _loads_generic(body, **limits)
    except CodecError as exc:
        return str(exc)
    return "the generic decoder accepts what cbor_loads refused"


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    control, body = data[0], data[1:]
    limits = {"max_depth": 1 + (control & 7) * 4, "max_items": 1 + (control >> 3) * 50}
    if control & 0x80:
        limits = {}
    try:
        value = cbor_loads(body, **limits)
    except CodecError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        # The fast decoder hands every refusal to the generic one: same message.
        assert _generic_error(body, limits) == message
        return
    assert cbor_dumps(_loads_generic(body, **limits)) == cbor_dumps(value)
    try:
        encoded = cbor_dumps(value)
    except CodecError:
        return  # e.g. two NaN keys: distinct in Python, equal once encoded
    assert cbor_dumps(cbor_loads(encoded)) == encoded
    if cbor2 is not None:
        try:
            theirs = cbor2.loads(body)
        except Exception:
            return
        assert cbor_dumps(theirs) == encoded


def main() -> None:
    import atheris

    atheris.instrument_func(TestOneInput)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
