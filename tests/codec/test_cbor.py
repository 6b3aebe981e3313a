"""cbor_dumps / cbor_loads: RFC 8949 Appendix A known answers, deterministic encoding,
refusals and limits."""

from __future__ import annotations

import enum
import math
import threading
from collections import OrderedDict

import pytest

from vona.codec import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_ITEMS,
    cbor_dumps,
    cbor_loads,
)
from vona.errors import CodecError, ConfigError

# (value, preferred encoding) from RFC 8949 Appendix A; both directions hold.
APPENDIX_A = [
    (0, "00"),
    (1, "01"),
    (10, "0a"),
    (23, "17"),
    (24, "1818"),
    (25, "1819"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"),
    (-10, "29"),
    (-100, "3863"),
    (-1000, "3903e7"),
    (0.0, "f90000"),
    (-0.0, "f98000"),
    (1.0, "f93c00"),
    (1.1, "fb3ff199999999999a"),
    (1.5, "f93e00"),
    (65504.0, "f97bff"),
    (100000.0, "fa47c35000"),
    (3.4028234663852886e38, "fa7f7fffff"),
    (1.0e300, "fb7e37e43c8800759c"),
    (5.960464477539063e-8, "f90001"),
    (0.00006103515625, "f90400"),
    (-4.0, "f9c400"),
    (-4.1, "fbc010666666666666"),
    (math.inf, "f97c00"),
    (-math.inf, "f9fc00"),
    (False, "f4"),
    (True, "f5"),
    (None, "f6"),
    (b"", "40"),
    (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"),
    ("a", "6161"),
    ("IETF", "6449455446"),
    ('"\\', "62225c"),
    ("\u00fc", "62c3bc"),
    ("\u6c34", "63e6b0b4"),
    ("\U00010151", "64f0908591"),
    ([], "80"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ({}, "a0"),
    ({1: 2, 3: 4}, "a201020304"),
    ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
    (
        {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"},
        "a56161614161626142616361436164614461656145",
    ),
]

# Well-formed but not preferred encodings (indefinite lengths, wide floats): decode only.
DECODE_ONLY = [
    ("f93c00", 1.0),
    ("fa3f800000", 1.0),
    ("fb3ff0000000000000", 1.0),
    ("fa7f800000", math.inf),
    ("fb7ff0000000000000", math.inf),
    ("faff800000", -math.inf),
    ("1800", 0),
    ("190001", 1),
    ("5f42010243030405ff", b"\x01\x02\x03\x04\x05"),
    ("7f657374726561646d696e67ff", "streaming"),
    ("5fff", b""),
    ("7fff", ""),
    ("9fff", []),
    ("9f018202039f0405ffff", [1, [2, 3], [4, 5]]),
    ("9f01820203820405ff", [1, [2, 3], [4, 5]]),
    ("83018202039f0405ff", [1, [2, 3], [4, 5]]),
    ("83019f0203ff820405", [1, [2, 3], [4, 5]]),
    ("9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", list(range(1, 26))),
    ("bf61610161629f0203ffff", {"a": 1, "b": [2, 3]}),
    ("826161bf61626163ff", ["a", {"b": "c"}]),
    ("bf6346756ef563416d7421ff", {"Fun": True, "Amt": -2}),
    ("a1820102f5", {(1, 2): True}),
]


@pytest.mark.parametrize(("value", "hexstr"), APPENDIX_A, ids=[h for _, h in APPENDIX_A])
def test_appendix_a_encode_and_decode(value: object, hexstr: str) -> None:
    assert cbor_dumps(value).hex() == hexstr
    back = cbor_loads(bytes.fromhex(hexstr))
    assert back == value
    assert type(back) is type(value)
    if isinstance(value, float):
        assert math.copysign(1.0, back) == math.copysign(1.0, value)


@pytest.mark.parametrize(("hexstr", "value"), DECODE_ONLY, ids=[h for h, _ in DECODE_ONLY])
def test_decodes_non_preferred_forms(hexstr: str, value: object) -> None:
    assert cbor_loads(bytes.fromhex(hexstr)) == value


def test_nan_is_f97e00_both_ways() -> None:
    assert cbor_dumps(math.nan).hex() == "f97e00"
    assert cbor_dumps(-math.nan).hex() == "f97e00"
    for h in ("f97e00", "fa7fc00000", "fb7ff8000000000000"):
        assert math.isnan(cbor_loads(bytes.fromhex(h)))


def test_float_widths_are_shortest_exact() -> None:
    assert len(cbor_dumps(0.5)) == 3
    assert len(cbor_dumps(0.1)) == 9
    assert len(cbor_dumps(16777216.0)) == 5  # 2**24: exact in single, not half
    assert len(cbor_dumps(2.0**-24)) == 3  # smallest half subnormal
    assert len(cbor_dumps(2.0**-25)) == 5
    assert len(cbor_dumps(1e-45)) == 9  # a double, not a float32 subnormal


def test_map_keys_sorted_bytewise_by_encoding() -> None:
    # RFC 8949 section 4.2.1: 10 (0a) < 1000 (1903e8) < -1 (20) < b"x" (4178) < "b" (6162)
    # < "aa" (626161). cbor2's canonical mode sorts length-first and puts 1000 after "b".
    value = {"aa": 3, 1000: 5, "b": 1, -1: 4, 10: 2, b"x": 6}
    encoded = cbor_dumps(value)
    assert encoded.hex() == "a6" + "0a02" + "1903e805" + "2004" + "417806" + "616201" + "62616103"
    assert cbor_loads(encoded) == value


def test_insertion_order_does_not_change_the_encoding() -> None:
    a = {"type": "in", "seq": 1, "rate": 16000, "ch": 1, "pcm": b"\x00\x01"}
    b = dict(reversed(list(a.items())))
    assert cbor_dumps(a) == cbor_dumps(b)
    big = {f"k{i}": i for i in range(300)}
    assert cbor_dumps(big) == cbor_dumps(dict(reversed(list(big.items()))))
    assert cbor_loads(cbor_dumps(big)) == big


def test_bytes_likes_and_subclasses_encode_as_their_base() -> None:
    class Color(enum.IntEnum):
        RED = 7

    class Name(str):
        pass

    assert cbor_dumps(bytearray(b"ab")) == cbor_dumps(b"ab")
    assert cbor_dumps(memoryview(b"ab")) == cbor_dumps(b"ab")
    assert cbor_dumps(memoryview(bytes(range(8))).cast("H")) == cbor_dumps(bytes(range(8)))
    assert cbor_dumps(Color.RED) == b"\x07"
    assert cbor_dumps(Name("x")) == b"\x61x"
    assert cbor_dumps(OrderedDict([("b", 1), ("a", 2)])) == cbor_dumps({"a": 2, "b": 1})
    assert cbor_dumps((1, (2,))) == cbor_dumps([1, [2]])


def test_non_contiguous_memoryview_is_refused() -> None:
    with pytest.raises(CodecError, match="memoryview"):
        cbor_dumps(memoryview(b"abcdef")[::2])


def test_integer_range() -> None:
    assert cbor_loads(cbor_dumps(2**64 - 1)) == 2**64 - 1
    assert cbor_loads(cbor_dumps(-(2**64))) == -(2**64)
    assert cbor_loads(cbor_dumps(2**63)) == 2**63
    assert cbor_loads(cbor_dumps(-(2**63) - 1)) == -(2**63) - 1
    for bad in (2**64, -(2**64) - 1, 10**30):
        with pytest.raises(CodecError, match=r"outside the CBOR integer range \[-2\*\*64"):
            cbor_dumps(bad)


@pytest.mark.parametrize(
    ("obj", "what"),
    [({1, 2}, "builtins.set"), (object(), "builtins.object"), (1j, "builtins.complex")],
)
def test_unsupported_types_are_named(obj: object, what: str) -> None:
    with pytest.raises(CodecError, match=f"cannot encode {what}"):
        cbor_dumps(obj)


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(CodecError, match="UTF-8"):
        cbor_dumps("a\ud800")


def test_self_reference_hits_the_depth_limit() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(CodecError, match="max_depth=128"):
        cbor_dumps(loop)
    d: dict[str, object] = {}
    d["d"] = d
    with pytest.raises(CodecError, match="max_depth=128"):
        cbor_dumps(d)


def nested(depth: int) -> object:
    value: object = 0
    for _ in range(depth):
        value = [value]
    return value


def test_depth_limit_both_ways() -> None:
    assert cbor_loads(cbor_dumps(nested(128))) == nested(128)
    with pytest.raises(CodecError, match="max_depth=128"):
        cbor_dumps(nested(129))
    data = b"\x81" * 129 + b"\x00"
    with pytest.raises(CodecError, match="nesting depth exceeds max_depth=128"):
        cbor_loads(data)
    assert cbor_loads(data, max_depth=129) == nested(129)
    deep = cbor_loads(b"\x81" * 1000 + b"\x00", max_depth=1000)
    for _ in range(1000):  # walked, not compared: == would hit Python's recursion limit
        assert type(deep) is list
        assert len(deep) == 1
        deep = deep[0]
    assert deep == 0
    with pytest.raises(CodecError, match="max_depth=3"):
        cbor_loads(b"\x9f\x9f\x9f\x9f\xff\xff\xff\xff", max_depth=3)
    with pytest.raises(CodecError, match="max_depth=0"):
        cbor_loads(b"\x80", max_depth=0)
    assert cbor_loads(b"\x05", max_depth=0) == 5


def test_item_and_size_limits() -> None:
    assert cbor_loads(cbor_dumps(list(range(9))), max_items=10) == list(range(9))
    with pytest.raises(CodecError, match="item count exceeds max_items=10"):
        cbor_loads(cbor_dumps(list(range(10))), max_items=10)
    with pytest.raises(CodecError, match="max_items=10"):
        cbor_loads(b"\x9f" + b"\x01" * 20 + b"\xff", max_items=10)
    with pytest.raises(CodecError, match="exceeds max_bytes=4"):
        cbor_loads(b"\x44abcd", max_bytes=4)
    assert cbor_loads(b"\x43abc", max_bytes=4) == b"abc"
    with pytest.raises(CodecError, match="encoded CBOR exceeds max_bytes=4"):
        cbor_dumps(b"abcd", max_bytes=4)
    assert cbor_dumps(b"abc", max_bytes=4) == b"\x43abc"
    # A huge declared count is refused from the input size, before any allocation.
    with pytest.raises(CodecError, match="truncated"):
        cbor_loads(b"\x9b\x7f\xff\xff\xff\xff\xff\xff\xff")
    with pytest.raises(CodecError, match="truncated"):
        cbor_loads(b"\x5b\x7f\xff\xff\xff\xff\xff\xff\xff")


def test_defaults_and_bad_limits() -> None:
    assert (DEFAULT_MAX_DEPTH, DEFAULT_MAX_ITEMS, DEFAULT_MAX_BYTES) == (
        128,
        1_000_000,
        16 * 1024 * 1024,
    )
    for kwargs in ({"max_depth": -1}, {"max_depth": 1001}, {"max_items": 0}, {"max_bytes": 0}):
        with pytest.raises(ConfigError):
            cbor_loads(b"\x00", **kwargs)
    with pytest.raises(ConfigError):
        cbor_dumps(0, max_bytes=0)


@pytest.mark.parametrize(
    ("hexstr", "message"),
    [
        ("c11a514b67b0", "CBOR tag 1 is not supported"),
        ("d82076687474703a2f2f7777772e6578616d706c652e636f6d", "CBOR tag 32 is not supported"),
        ("d9d9f700", "CBOR tag 55799 is not supported"),
        ("f7", "undefined"),
        ("f0", "simple value 16 is not supported"),
        ("f8ff", "simple value 255 is not supported"),
        ("f818", "two-byte simple value below 32"),
        ("", "truncated"),
        ("18", "truncated"),
        ("4401", "truncated"),
        ("830102", "truncated"),
        ("9f01", "truncated"),
        ("a16161", "truncated"),
        ("0000", "trailing bytes after the CBOR item: 1 extra byte"),
        ("1c", "reserved"),
        ("1f", "indefinite length on an integer"),
        ("ff", "break outside"),
        ("8201ff", "break outside"),
        ("5f4101610aff", "chunk"),
        ("5f5f4101ffff", "chunk"),
        ("bf01ff", "ends after a key"),
        ("62c328", "not valid UTF-8"),
        ("63eda080", "not valid UTF-8"),
        ("62c0af", "not valid UTF-8"),
        ("7f61c3ff", "not valid UTF-8"),
        ("a2616101616102", "duplicate CBOR map key 'a'"),
        ("a201000100", "duplicate CBOR map key 1"),
        ("a2f50001f5", "duplicate CBOR map key"),  # true and 1 are equal in Python
        ("a1a0f6", "map as (or inside) a map key"),
        ("a181a0f6", "map as (or inside) a map key"),
    ],
)
def test_refusals_raise_codec_error_naming_the_problem(hexstr: str, message: str) -> None:
    with pytest.raises(CodecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cbor_loads(bytes.fromhex(hexstr))


def test_every_truncation_of_a_valid_item_is_refused() -> None:
    data = cbor_dumps({"a": [1, 2.5, "x" * 30, b"y" * 300, {"n": None}], "b": -(2**40)})
    for cut in range(len(data)):
        with pytest.raises(CodecError, match="truncated"):
            cbor_loads(data[:cut])


def test_loads_accepts_bytes_likes_only() -> None:
    data = cbor_dumps([1, "a"])
    assert cbor_loads(bytearray(data)) == [1, "a"]
    assert cbor_loads(memoryview(data)) == [1, "a"]
    with pytest.raises(CodecError, match="bytes-like"):
        cbor_loads("not bytes")  # type: ignore[arg-type]


def test_short_strings_are_shared_and_correct() -> None:
    keys = [f"k{i:03d}" for i in range(2000)] + ["", "a", "ab" * 8, "ab" * 9, "é"]
    decoded = cbor_loads(cbor_dumps(keys))
    assert decoded == keys
    again = cbor_loads(cbor_dumps(keys))
    assert again[5] is decoded[5] or again[5] == decoded[5]
    one = cbor_loads(cbor_dumps({"type": 1}))
    two = cbor_loads(cbor_dumps({"type": 2}))
    assert next(iter(one)) is next(iter(two))


def test_large_values_round_trip() -> None:
    blob = bytes(range(256)) * 4096
    assert cbor_loads(cbor_dumps(blob)) == blob
    many = list(range(-50_000, 50_000))
    assert cbor_loads(cbor_dumps(many)) == many
    text = "ü" * 100_000
    assert cbor_loads(cbor_dumps(text)) == text


def test_threads_share_nothing_mutable() -> None:
    values = [{"type": "in", "seq": i, "k": [i, str(i), b"x" * i]} for i in range(64)]
    encoded = [cbor_dumps(v) for v in values]
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                for v, e in zip(values, encoded, strict=True):
                    assert cbor_dumps(v) == e
                    assert cbor_loads(e) == v
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
