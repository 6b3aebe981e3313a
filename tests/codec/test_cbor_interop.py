"""Interop with cbor2 (the reference oracle) on property-generated values.

Where the rules coincide our bytes equal ``cbor2.dumps(value, canonical=True)``: integers,
strings, arrays, shortest floats, and maps whose keys share one kind (all text or all
bytes). They differ for maps that mix key kinds or key lengths across kinds: cbor2 sorts
keys length-first (RFC 7049 canonical), we sort bytewise (RFC 8949 section 4.2.1); those
are compared with a small independent RFC 8949 oracle built on cbor2's scalar encodings.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st

from vona.codec import cbor_dumps, cbor_loads

INTS = st.integers(min_value=-(2**64), max_value=2**64 - 1)
FLOATS = st.floats(allow_nan=False)
SCALARS = st.one_of(
    st.none(), st.booleans(), INTS, FLOATS, st.text(max_size=40), st.binary(max_size=80)
)


def values(keys: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=6), st.dictionaries(keys, children, max_size=6)
        ),
        max_leaves=20,
    )


TEXT_KEYED = values(st.text(max_size=30))
ANY_KEYED = values(st.one_of(INTS, st.text(max_size=30), st.binary(max_size=10)))


def rfc8949(value: Any) -> bytes:
    """Core deterministic encoding: cbor2's canonical scalars, maps sorted bytewise."""
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(rfc8949(v) for v in value)
    if isinstance(value, dict):
        items = sorted((rfc8949(k), rfc8949(v)) for k, v in value.items())
        return _head(5, len(value)) + b"".join(k + v for k, v in items)
    return cbor2.dumps(value, canonical=True)


def _head(major: int, n: int) -> bytes:
    # cbor2 writes a minimal head for an integer; swap in the major type.
    head = bytearray(cbor2.dumps(n))
    head[0] = (head[0] & 0x1F) | (major << 5)
    return bytes(head)


def same(a: Any, b: Any) -> bool:
    """Equality that also tells -0.0 from 0.0 and bool from int."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@settings(max_examples=150, deadline=None)
@given(ANY_KEYED)
def test_cbor2_decodes_our_bytes_to_equal_values(value: Any) -> None:
    assert same(cbor2.loads(cbor_dumps(value)), value)


@settings(max_examples=150, deadline=None)
@given(ANY_KEYED)
def test_we_decode_cbor2_output(value: Any) -> None:
    assert same(cbor_loads(cbor2.dumps(value)), value)
    assert same(cbor_loads(cbor2.dumps(value, canonical=True)), value)


@settings(max_examples=150, deadline=None)
@given(TEXT_KEYED)
def test_equal_to_cbor2_canonical_when_keys_are_text(value: Any) -> None:
    assert cbor_dumps(value) == cbor2.dumps(value, canonical=True)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.binary(max_size=40), INTS, max_size=12))
def test_equal_to_cbor2_canonical_when_keys_are_bytes(value: Any) -> None:
    assert cbor_dumps(value) == cbor2.dumps(value, canonical=True)


@settings(max_examples=150, deadline=None)
@given(ANY_KEYED)
def test_mixed_keys_follow_rfc8949_bytewise_order(value: Any) -> None:
    assert cbor_dumps(value) == rfc8949(value)


@settings(max_examples=150, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float_encoding_matches_cbor2_canonical(x: float) -> None:
    assert cbor_dumps(x) == cbor2.dumps(x, canonical=True)
    back = cbor_loads(cbor_dumps(x))
    assert (math.isnan(back) and math.isnan(x)) or same(back, x)


@settings(max_examples=100, deadline=None)
@given(st.floats(width=16) | st.floats(width=32))
def test_every_float_width_decodes(x: float) -> None:
    for width, head in (("e", b"\xf9"), ("f", b"\xfa"), ("d", b"\xfb")):
        try:
            raw = struct.pack(">" + width, x)
        except OverflowError:
            continue
        back = cbor_loads(head + raw)
        want = struct.unpack(">" + width, raw)[0]
        assert (math.isnan(back) and math.isnan(want)) or same(back, want)


def test_mixed_key_order_differs_from_cbor2_as_documented() -> None:
    value = {"a": 1, 1000: 2}
    assert cbor_dumps(value).hex() == "a21903e8026161" + "01"
    assert cbor2.dumps(value, canonical=True).hex() == "a2616101" + "1903e802"
