"""The fast paths of the CBOR codec at their edges.

cbor_loads first tries an optimistic decoder that handles definite-length items only and
hands anything else (errors, limits, indefinite lengths, duplicates) to the generic pull
decoder, which then decodes from the start. ``_loads_generic`` runs the generic path
alone, so every case here checks that both give the same value or the same error. The
encoder's text-key map path (keys sorted by (UTF-8 length, bytes), order cached by key
identity) is checked against cbor2's canonical encoding, which agrees for text keys.
"""

from __future__ import annotations

import math
import struct

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vona._native._cbor_decode import _loads_generic
from vona.codec import cbor_dumps, cbor_loads
from vona.errors import CodecError

LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 255, 256, 65535, 65536]
INT_EDGES = [
    v
    for b in (0, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1)
    for v in (b, -1 - b)
]


def outcome(fn: object, data: bytes, **limits: int) -> tuple[str, object]:
    try:
        return "ok", fn(data, **limits)  # type: ignore[operator]
    except CodecError as exc:
        return "error", str(exc)


def same_both_ways(data: bytes, **limits: int) -> tuple[str, object]:
    fast = outcome(cbor_loads, data, **limits)
    generic = outcome(_loads_generic, data, **limits)
    assert fast[0] == generic[0], (data.hex(), fast, generic)
    if fast[0] == "ok":
        assert cbor_dumps(fast[1]) == cbor_dumps(generic[1])
    else:
        assert fast[1] == generic[1]
    return fast


@pytest.mark.parametrize("n", LENGTHS)
def test_strings_and_bytes_at_head_boundaries(n: int) -> None:
    for value in (
        "a" * n,
        "é" * (n // 2) + "a" * (n % 2),
        bytes(range(256)) * (n // 256) + bytes(n % 256),
    ):
        data = cbor_dumps(value)
        assert data == cbor2.dumps(value, canonical=True)
        assert same_both_ways(data) == ("ok", value)
        keyed = {value: n, "k" * n: value} if not isinstance(value, bytes) or n else {value: n}
        assert same_both_ways(cbor_dumps(keyed)) == ("ok", keyed)


@pytest.mark.parametrize("v", INT_EDGES)
def test_ints_at_every_width_boundary(v: int) -> None:
    data = cbor_dumps(v)
    assert data == cbor2.dumps(v)
    assert same_both_ways(data) == ("ok", v)
    assert same_both_ways(cbor_dumps({"v": v, "w": [v]})) == ("ok", {"v": v, "w": [v]})


@pytest.mark.parametrize(
    ("value", "width"),
    [
        (1.5, 3),
        (65504.0, 3),
        (5.960464477539063e-8, 3),
        (100000.0, 5),
        (1.1, 9),
        (-0.0, 3),
        (math.inf, 3),
        (3.4028234663852886e38, 5),
        (1e300, 9),
    ],
)
def test_floats_that_fit_half_single_double(value: float, width: int) -> None:
    data = cbor_dumps(value)
    assert len(data) == width
    assert same_both_ways(data) == ("ok", value)
    for hexstr in (
        "f9" + struct.pack(">e", value).hex() if width == 3 else "",
        "fa" + struct.pack(">f", value).hex() if width <= 5 else "",
        "fb" + struct.pack(">d", value).hex(),
    ):
        if hexstr:
            assert same_both_ways(bytes.fromhex(hexstr)) == ("ok", value)
    nan = same_both_ways(bytes.fromhex("f97e00"))
    assert math.isnan(nan[1])  # type: ignore[arg-type]


def test_ascii_and_non_ascii_keys_and_values() -> None:
    value = {"type": "in", "ü": "wörter", "水": b"x", "a" * 17: "é" * 17, "": "", "k": "ü" * 8}
    data = cbor_dumps(value)
    assert data == cbor2.dumps(value, canonical=True)
    assert same_both_ways(data) == ("ok", value)


def test_keys_sharing_length_and_prefix_sort_bytewise() -> None:
    keys = ["abcdefgh1", "abcdefgh0", "abcdefgh", "abcdefgi", "abcdefghij", "b", "a", "aa"]
    value = dict.fromkeys(keys, 1)
    assert cbor_dumps(value) == cbor2.dumps(value, canonical=True)
    # The remembered order is per key set and insertion order: other orders, other sets.
    for order in (keys, keys[::-1], sorted(keys), keys[3:] + keys[:3]):
        d = {k: order.index(k) for k in order}
        assert cbor_dumps(d) == cbor2.dumps(d, canonical=True)
        assert cbor_loads(cbor_dumps(d)) == d


def test_order_cache_survives_freed_keys() -> None:
    # Same shapes built from fresh key objects each time: identity must not be confused.
    for i in range(300):
        d = {f"k{i}": 1, f"j{i}x": 2, f"{i}": 3}
        assert cbor_dumps(d) == cbor2.dumps(d, canonical=True)


def test_values_that_mutate_the_dict_are_held() -> None:
    class Sneaky(list[int]):
        def __iter__(self):  # type: ignore[no-untyped-def]
            target.clear()
            return iter([1, 2])

    target: dict[str, object] = {"a": "x" * 40, "b": Sneaky([0]), "c": "y" * 40}
    data = cbor_dumps(target)
    assert cbor2.loads(data) == {"a": "x" * 40, "b": [1, 2], "c": "y" * 40}


def test_nesting_at_the_depth_limit() -> None:
    for depth in (1, 2, 5, 128):
        nested: object = 0
        for _ in range(depth):
            nested = [nested]
        data = cbor_dumps(nested)
        assert same_both_ways(data, max_depth=depth)[0] == "ok"
        kind, message = same_both_ways(data, max_depth=depth - 1)
        assert kind == "error"
        assert f"max_depth={depth - 1}" in str(message)
    maps = cbor_dumps({"a": {"b": {"c": 1}}})
    assert same_both_ways(maps, max_depth=3) == ("ok", {"a": {"b": {"c": 1}}})
    assert "max_depth=2" in str(same_both_ways(maps, max_depth=2)[1])


def test_item_limit_exactly() -> None:
    data = cbor_dumps({"type": "in", "seq": 1, "pcm": b"x"})  # 7 items
    assert same_both_ways(data, max_items=7)[0] == "ok"
    assert "max_items=6" in str(same_both_ways(data, max_items=6)[1])
    nested = cbor_dumps({"a": [1, 2, 3], "b": 4})  # 1 + 2 + 3 + 2 = 8 items
    assert same_both_ways(nested, max_items=8)[0] == "ok"
    assert same_both_ways(nested, max_items=7)[0] == "error"


def test_duplicate_keys_are_named() -> None:
    for hexstr, key in (
        ("a2616101616102", "'a'"),
        ("a2016161f56162", "True"),
        ("a2627878016278780f", "'xx'"),
    ):
        kind, message = same_both_ways(bytes.fromhex(hexstr))
        assert kind == "error"
        assert "duplicate CBOR map key" in str(message)
        assert key in str(message)


@pytest.mark.parametrize("prefix", [0, 3, 15, 16, 40, 300])
def test_invalid_utf8_after_an_ascii_prefix(prefix: int) -> None:
    for bad in (b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xe2\x82"):
        raw = b"a" * prefix + bad
        text = cbor2.dumps(raw)
        text = bytes([text[0] + 0x20]) + text[1:]  # the byte string's head, as text
        for data in (text, b"\xa1" + text + b"\x01", b"\x82\x01" + text):
            kind, message = same_both_ways(data)
            assert kind == "error"
            assert "not valid UTF-8" in str(message)


def test_short_keys_at_the_end_of_the_input() -> None:
    # Keys within 16 bytes of the end are read without over-reading the input.
    for n in range(1, 17):
        d = {"z" * n: None}
        data = cbor_dumps(d)[:-1] + b"\xf6"
        assert same_both_ways(data) == ("ok", d)
        assert same_both_ways(cbor_dumps("q" * n)) == ("ok", "q" * n)


def test_indefinite_and_unsupported_items_take_the_generic_path() -> None:
    for hexstr, expect in (
        ("bf61610161629f0203ffff", {"a": 1, "b": [2, 3]}),
        ("7f657374726561646d696e67ff", "streaming"),
        ("a1820102f5", {(1, 2): True}),
    ):
        assert same_both_ways(bytes.fromhex(hexstr)) == ("ok", expect)
    for hexstr, needle in (
        ("c11a514b67b0", "tag 1"),
        ("f7", "undefined"),
        ("a1a10101f5", "map key"),
        ("820102ff", "trailing"),
        ("9a00000010", "truncated"),
        ("f818", "simple value"),
        ("1c", "reserved"),
    ):
        kind, message = same_both_ways(bytes.fromhex(hexstr))
        assert kind == "error"
        assert needle in str(message)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), st.integers(min_value=0, max_value=4), st.integers(1, 40))
def test_fast_and_generic_paths_agree_on_any_bytes(data: bytes, depth: int, items: int) -> None:
    same_both_ways(data, max_depth=depth, max_items=items)
    same_both_ways(b"\xa2\x61a" + data)
