"""Audio frames as CBOR messages: the wire form shared with the sidecar.

An AudioInputFrame is the map {"ch", "ts", "pcm", "seq", "rate", "type": "in"} and an
AudioOutputFrame {"ch", "pcm", "seq", "rate", "type": "out", "filler"} (written in
RFC 8949 deterministic key order); "pcm" holds the interleaved samples as int16
little-endian bytes. Encoding copies the samples once, from the numpy buffer into the
output; decoding wraps the decoded pcm bytes in a read-only numpy array (no copy
beyond the one out of the wire bytes).
"""
import sys

import numpy as np

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItemWithError
from cpython.object cimport PyObject
from libc.stdint cimport uint8_t

cimport vona._native.caudio_frame as caf
cimport vona._native.ccbor as ccbor
from vona._native._cbor cimport ENC_STACK_BYTES, Enc, enc_check, enc_init, encode_obj
from vona._native.cstatus cimport VONA_OK

from vona._native._cbor_decode import DEFAULT_MAX_BYTES, DEFAULT_MAX_ITEMS, cbor_loads
from vona.errors import AudioFormatError, CodecError, ConfigError
from vona.frames import AudioInputFrame, AudioOutputFrame

cdef extern from "Python.h":
    ctypedef struct PyTypeObject
    ctypedef int (*descrsetfunc)(object, object, object) except -1
    ctypedef object (*allocfunc)(PyTypeObject *, Py_ssize_t)
    ctypedef struct PyTypeObject:
        descrsetfunc tp_descr_set
        allocfunc tp_alloc
    PyTypeObject *Py_TYPE(object o)
    long long PyLong_AsLongLongAndOverflow(object o, int *overflow) except? -1

cnp.import_array()

cdef bint _LITTLE = sys.byteorder == "little"
_PCM_DTYPE = np.dtype("<i2")
cdef str _IN = "in"
cdef str _OUT = "out"


# Frames are built without their Python-level dataclass __init__ (a quarter of the
# decode cost): the type's tp_alloc (what object.__new__ does) plus each slot's member descriptor set directly. The
# descriptors are looked up once; a class without them (no longer slotted) falls back
# to the ordinary constructor.
cdef tuple _slot_descriptors(type cls, tuple names):
    descrs = []
    if cls.__new__ is not object.__new__:
        return None
    for name in names:
        d = cls.__dict__.get(name)
        if d is None or type(d).__name__ != "member_descriptor":
            return None
        descrs.append(d)
    return tuple(descrs)


cdef tuple _IN_SLOTS = _slot_descriptors(
    AudioInputFrame, ("sequence", "sample_rate_hz", "channels", "samples", "timestamp_ns"))
cdef tuple _OUT_SLOTS = _slot_descriptors(
    AudioOutputFrame, ("sequence", "sample_rate_hz", "channels", "samples", "is_filler"))


cdef object _new_frame(type cls, tuple slots, object a, object b, object c, object d, object e):
    if slots is None:
        return cls(a, b, c, d, e)
    obj = (<PyTypeObject *>cls).tp_alloc(<PyTypeObject *>cls, 0)
    Py_TYPE(slots[0]).tp_descr_set(slots[0], obj, a)
    Py_TYPE(slots[1]).tp_descr_set(slots[1], obj, b)
    Py_TYPE(slots[2]).tp_descr_set(slots[2], obj, c)
    Py_TYPE(slots[3]).tp_descr_set(slots[3], obj, d)
    Py_TYPE(slots[4]).tp_descr_set(slots[4], obj, e)
    return obj


cdef inline int _key(Enc *e, const char *k, size_t n) except -1:
    return enc_check(e, ccbor.vona_cbor_put_text(&e.buf, k, n))


cdef int put_audio(Enc *e, object frame) except -1:
    """Append the CBOR map for an AudioInputFrame or AudioOutputFrame."""
    cdef type t = type(frame)
    cdef bint is_in
    cdef cnp.ndarray arr
    if t is AudioInputFrame or isinstance(frame, AudioInputFrame):
        is_in = True
    elif t is AudioOutputFrame or isinstance(frame, AudioOutputFrame):
        is_in = False
    else:
        raise AudioFormatError(
            f"expected an AudioInputFrame or AudioOutputFrame, got {t.__name__}")
    samples = frame.samples
    channels = frame.channels
    if not isinstance(samples, np.ndarray) or (<cnp.ndarray>samples).descr.type_num != cnp.NPY_INT16:
        raise AudioFormatError(
            f"frame samples must be an int16 numpy array, got "
            f"{getattr(samples, 'dtype', type(samples).__name__)}")
    arr = <cnp.ndarray>samples
    if not _LITTLE or not cnp.PyArray_ISNOTSWAPPED(arr) or not cnp.PyArray_IS_C_CONTIGUOUS(arr):
        # little-endian and contiguous: the raw memory is then exactly the wire bytes
        arr = np.ascontiguousarray(arr, dtype=_PCM_DTYPE)
    if type(channels) is not int or channels < 1:
        raise AudioFormatError(f"frame channels must be a positive int, got {channels!r}")
    if cnp.PyArray_SIZE(arr) % <Py_ssize_t>channels:
        raise AudioFormatError(
            f"{cnp.PyArray_SIZE(arr)} samples are not a whole number of "
            f"{channels}-channel frames")
    enc_check(e, ccbor.vona_cbor_put_map(&e.buf, 6))
    _key(e, "ch", 2)
    encode_obj(e, channels, 1)
    if is_in:
        _key(e, "ts", 2)
        _int(e, frame.timestamp_ns, "timestamp_ns")
    _key(e, "pcm", 3)
    enc_check(e, ccbor.vona_cbor_put_bytes(
        &e.buf, cnp.PyArray_DATA(arr), <size_t>cnp.PyArray_NBYTES(arr)))
    _key(e, "seq", 3)
    _int(e, frame.sequence, "sequence")
    _key(e, "rate", 4)
    rate = frame.sample_rate_hz
    if type(rate) is not int or rate < 1:
        raise AudioFormatError(f"frame sample_rate_hz must be a positive int, got {rate!r}")
    encode_obj(e, rate, 1)
    _key(e, "type", 4)
    if is_in:
        _key(e, "in", 2)
    else:
        _key(e, "out", 3)
        _key(e, "filler", 6)
        enc_check(e, ccbor.vona_cbor_put_bool(&e.buf, bool(frame.is_filler)))
    return 0


cdef int _int(Enc *e, object v, str name) except -1:
    if not isinstance(v, int) or isinstance(v, bool):
        raise AudioFormatError(f"frame {name} must be an int, got {v!r}")
    return encode_obj(e, v, 1)


def encode_audio_frame(frame, *, Py_ssize_t max_bytes=DEFAULT_MAX_BYTES):
    """The CBOR bytes of the message for an AudioInputFrame or AudioOutputFrame."""
    cdef Enc e
    cdef uint8_t storage[ENC_STACK_BYTES]
    if max_bytes < 1:
        raise ConfigError(f"max_bytes must be at least 1, got {max_bytes}")
    enc_init(&e, storage, ENC_STACK_BYTES, <size_t>max_bytes, 0, "max_bytes", 2)
    try:
        put_audio(&e, frame)
        return PyBytes_FromStringAndSize(<char *>e.buf.data, <Py_ssize_t>e.buf.len)
    finally:
        ccbor.vona_cbor_buf_free(&e.buf)


cdef object _get(dict msg, str key):
    cdef PyObject *v = PyDict_GetItemWithError(msg, key)
    if v == NULL:
        raise CodecError(f"audio message has no {key!r} field")
    return <object>v


cdef object _get_int(dict msg, str key, int low):
    cdef int overflow = 0
    v = _get(msg, key)
    # Exact ints only (bool is refused); compared in C, a huge value counts as >= low.
    if type(v) is not int or (PyLong_AsLongLongAndOverflow(v, &overflow) < low and overflow == 0) \
            or overflow < 0:
        raise CodecError(f"audio message field {key!r} must be an int >= {low}, got {v!r}")
    return v


cdef object _samples(bytes pcm):
    """A read-only int16 view of pcm (a converted copy on a big-endian host)."""
    cdef cnp.npy_intp dims[1]
    if _LITTLE:
        dims[0] = PyBytes_GET_SIZE(pcm) // 2
        samples = cnp.PyArray_SimpleNewFromData(1, dims, cnp.NPY_INT16,
                                                <void *>PyBytes_AS_STRING(pcm))
        cnp.set_array_base(samples, pcm)
        cnp.PyArray_CLEARFLAGS(samples, cnp.NPY_ARRAY_WRITEABLE)
        return samples
    return np.frombuffer(pcm, dtype=_PCM_DTYPE).astype(np.int16)


def decode_audio_frame(message, *, Py_ssize_t max_bytes=DEFAULT_MAX_BYTES):
    """An AudioInputFrame or AudioOutputFrame from its message.

    ``message`` is the decoded map (as FrameReader.feed returns it) or its CBOR bytes.
    The samples are a read-only int16 view of the decoded pcm bytes. Unknown fields are
    ignored (forward compatibility); "ts" and "filler" default to 0 and False.
    """
    cdef Py_ssize_t nbytes
    if type(message) is not dict:
        if type(message) is bytes and PyBytes_GET_SIZE(message) <= max_bytes:
            frame = decode_audio_payload(<const uint8_t *>PyBytes_AS_STRING(message),
                                         <size_t>PyBytes_GET_SIZE(message))
            if frame is not None:
                return frame
        if isinstance(message, (bytes, bytearray, memoryview)):
            message = cbor_loads(message, max_depth=2, max_items=DEFAULT_MAX_ITEMS,
                                 max_bytes=max_bytes)
        if type(message) is not dict:
            raise CodecError(f"an audio message must be a CBOR map, got {type(message).__name__}")
    msg = <dict>message
    kind = _get(msg, "type")
    # Decoded short keys and values are interned: identity settles the common case.
    if kind is _IN or kind is _OUT:
        pass
    elif kind == "in":
        kind = _IN
    elif kind == "out":
        kind = _OUT
    else:
        raise CodecError(f"audio message field 'type' must be 'in' or 'out', got {kind!r}")
    seq = _get_int(msg, "seq", 0)
    rate = _get_int(msg, "rate", 1)
    channels = _get_int(msg, "ch", 1)
    pcm = _get(msg, "pcm")
    if type(pcm) is not bytes:
        raise CodecError(f"audio message field 'pcm' must be bytes, got {type(pcm).__name__}")
    nbytes = PyBytes_GET_SIZE(pcm)
    if nbytes % (2 * <Py_ssize_t>channels):
        raise CodecError(
            f"audio message 'pcm' of {nbytes} bytes is not a whole number of int16 "
            f"{channels}-channel frames")
    samples = _samples(pcm)
    if kind is _IN:
        ts = msg.get("ts", 0)
        if type(ts) is not int:
            raise CodecError(f"audio message field 'ts' must be an int, got {ts!r}")
        return _new_frame(AudioInputFrame, _IN_SLOTS, seq, rate, channels, samples, ts)
    filler = msg.get("filler", False)
    if type(filler) is not bool:
        raise CodecError(f"audio message field 'filler' must be a bool, got {filler!r}")
    return _new_frame(AudioOutputFrame, _OUT_SLOTS, seq, rate, channels, samples, filler)


# The exact encodings put_audio writes are parsed in place by vona_audio_frame_parse
# (csrc/src/audio_frame.c) without building a dict. Anything else (another key set or
# order, a negative "ts", indefinite lengths, a bad value) is VONA_E_UNSUPPORTED there,
# and the caller decodes the payload the generic way, so every refusal and its message
# stay those of cbor_loads + decode_audio_frame.
cdef object decode_audio_payload(const uint8_t *p, size_t n):
    """The frame for a payload in put_audio's exact layout, or None to decode generically."""
    cdef caf.vona_audio_frame f
    if caf.vona_audio_frame_parse(p, n, &f) != VONA_OK:
        return None
    samples = _samples(PyBytes_FromStringAndSize(<const char *>f.pcm, <Py_ssize_t>f.pcm_bytes))
    if f.kind == caf.VONA_AUDIO_FRAME_IN:
        return _new_frame(AudioInputFrame, _IN_SLOTS, f.sequence, f.sample_rate_hz, f.channels,
                          samples, f.timestamp_ns)
    return _new_frame(AudioOutputFrame, _OUT_SLOTS, f.sequence, f.sample_rate_hz, f.channels,
                      samples, f.filler != 0)
