# cython: always_allow_keywords=False, auto_pickle=False, autotestdict=False
"""G.711 mu-law and A-law (csrc/src/g711.c), bit-exact with sox -D.

Encoders take 1-D int16 arrays and return uint8 arrays of one code per sample;
decoders take any bytes-like object (bytes, bytearray, memoryview, uint8 array) and
return int16 arrays. The GIL is released around every kernel.
"""
from libc.stdint cimport int16_t, uint8_t

cimport numpy as cnp

cimport vona._native.audiobuf as ab
cimport vona._native.cg711 as c
from vona._native.cbuffer cimport ByteView, release_bytes, view_bytes
from vona._native.cstatus cimport check, vona_status

from vona.errors import CodecError, ConfigError

cnp.import_array()

MAX_SAMPLES = c.VONA_G711_MAX_SAMPLES


cdef object _encode(object samples, bint alaw):
    cdef ab.Samples s
    cdef cnp.ndarray out
    cdef vona_status st
    ab.get_samples(samples, cnp.NPY_INT16, &s, False, "samples")
    try:
        if <size_t>s.n > c.VONA_G711_MAX_SAMPLES:
            raise CodecError(
                f"samples holds {s.n} values, above the G.711 limit of {c.VONA_G711_MAX_SAMPLES}; "
                "encode in chunks")
        out = ab.new_array(s.n, cnp.NPY_UINT8)
        with nogil:
            if alaw:
                st = c.vona_g711_alaw_encode(<const int16_t *>s.ptr, s.n,
                                             <uint8_t *>cnp.PyArray_DATA(out))
            else:
                st = c.vona_g711_ulaw_encode(<const int16_t *>s.ptr, s.n,
                                             <uint8_t *>cnp.PyArray_DATA(out))
        check(st, "G.711 encode")
    finally:
        ab.release_samples(&s)
    return out


cdef object _decode(object data, Py_ssize_t limit, bint alaw):
    cdef ByteView v
    cdef cnp.ndarray out
    cdef vona_status st
    if limit < 0 or <size_t>limit > c.VONA_G711_MAX_SAMPLES:
        raise ConfigError(f"max_samples must be 0..{c.VONA_G711_MAX_SAMPLES}, got {limit}")
    if isinstance(data, str):
        raise CodecError("data must be bytes-like G.711 codes, got str")
    try:
        view_bytes(data, &v)
    except TypeError:
        raise CodecError(f"data must be bytes-like G.711 codes, got {type(data).__name__}")
    try:
        if v.size > limit:
            raise CodecError(f"G.711 data of {v.size} bytes exceeds max_samples={limit}")
        out = ab.new_array(v.size, cnp.NPY_INT16)
        with nogil:
            if alaw:
                st = c.vona_g711_alaw_decode(v.data, <size_t>v.size,
                                             <int16_t *>cnp.PyArray_DATA(out))
            else:
                st = c.vona_g711_ulaw_decode(v.data, <size_t>v.size,
                                             <int16_t *>cnp.PyArray_DATA(out))
        check(st, "G.711 decode")
    finally:
        release_bytes(&v)
    return out


def ulaw_encode(samples):
    """int16 PCM -> one mu-law code per sample (uint8)."""
    return _encode(samples, False)


def alaw_encode(samples):
    """int16 PCM -> one A-law code per sample (uint8)."""
    return _encode(samples, True)


def ulaw_decode(data, Py_ssize_t max_samples=c.VONA_G711_MAX_SAMPLES):
    """mu-law codes (bytes-like) -> int16 PCM; CodecError above max_samples codes."""
    return _decode(data, max_samples, False)


def alaw_decode(data, Py_ssize_t max_samples=c.VONA_G711_MAX_SAMPLES):
    """A-law codes (bytes-like) -> int16 PCM; CodecError above max_samples codes."""
    return _decode(data, max_samples, True)
