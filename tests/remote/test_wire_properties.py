"""Decoders of peer data raise ProtocolError (and nothing else) on any CBOR-shaped input."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from vona.errors import ProtocolError
from vona.remote import wire

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=8)
)
_values = st.recursive(
    _scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=4),
    max_leaves=8,
)
_keys = st.sampled_from(
    [
        "type",
        "seq",
        "rate",
        "ch",
        "pcm",
        "ts",
        "filler",
        "kind",
        "payload",
        "call_id",
        "generation_id",
        "name",
        "audio",
        "events",
        "x",
    ]
)
_maps = st.dictionaries(_keys, _values, max_size=7)


@settings(max_examples=300, deadline=None)
@given(_maps | _values)
def test_decoders_only_raise_protocol_error(msg: object) -> None:
    for decode in (
        wire.input_frame_from_msg,
        wire.control_from_msg,
        wire.context_from_msg,
        wire.step_from_msg,
        wire.capabilities_from_msg,
    ):
        with contextlib.suppress(ProtocolError):
            decode(msg)
