"""CBOR (RFC 8949) for Python values: the object walk over the C encoder.

Encoding is deterministic: shortest-form integer heads, definite lengths, floats in the
shortest of half/single/double that keeps the value exactly (NaN as f97e00), and map
keys sorted bytewise by their encoded form (RFC 8949 section 4.2.1, core deterministic
encoding). The byte work is in csrc/src/cbor.c and the inline helpers of vona/cbor.h;
this module walks Python objects. Decoding lives in vona._native._cbor_decode. The sorted-key-order cache belongs to the calling thread (an
_EncodeState in the thread-state dict): the module keeps no mutable state.
"""
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItemWithError, PyDict_Next, PyDict_SetItem
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.long cimport PyLong_AsUnsignedLongLong
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF
from libc.stdint cimport uint8_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

cimport vona._native.ccbor as ccbor
from vona._native.cstatus cimport VONA_E_INVALID_ARG, VONA_E_LIMIT, VONA_E_NOMEM, VONA_OK, vona_status

from vona._native._cbor_decode import DEFAULT_MAX_BYTES
from vona.errors import CodecError, ConfigError

cdef extern from "Python.h":
    long long PyLong_AsLongLongAndOverflow(object o, int *overflow) except? -1
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    const char *PyUnicode_AsUTF8AndSize(object o, Py_ssize_t *size) except NULL
    Py_ssize_t PyDict_GET_SIZE(object o)
    PyObject *PyThreadState_GetDict()

cdef enum:
    _MAX_DEPTH_LIMIT = 1000
    _DEPTH_DEFAULT = 128
    _SMALL_MAP = 16
    _KEY_SCRATCH_BYTES = 512
    _ORDER_CACHE_SIZE = 64

_U64_MAX = 2**64 - 1
_INT_RANGE = "[-2**64, 2**64 - 1]"


# ------------------------------------------------------------------ encoder

cdef int enc_init(Enc *e, uint8_t *storage, size_t cap, size_t limit, size_t overhead,
                  const char *limit_name, Py_ssize_t max_depth) except -1:
    if max_depth < 0 or max_depth > _MAX_DEPTH_LIMIT:
        raise ConfigError(f"max_depth must be in 0..{_MAX_DEPTH_LIMIT}, got {max_depth}")
    e.limit = limit
    e.limit_name = limit_name
    e.max_depth = <size_t>max_depth
    ccbor.vona_cbor_buf_init(&e.buf, storage, cap, limit + overhead)
    return 0


cdef int enc_fail(Enc *e, int status) except -1:
    if status == VONA_E_LIMIT:
        raise CodecError(
            f"encoded CBOR exceeds {e.limit_name.decode()}={e.limit} bytes")
    if status == VONA_E_NOMEM:
        raise MemoryError("out of memory while encoding CBOR")
    raise CodecError(f"CBOR encoding failed (status {status})")


cdef int _put_int(Enc *e, object obj) except -1:
    cdef int overflow = 0
    cdef long long v = PyLong_AsLongLongAndOverflow(obj, &overflow)
    if overflow == 0:
        return enc_check(e, ccbor.vona_cbor_put_int(&e.buf, v))
    if overflow > 0:
        if obj > _U64_MAX:
            raise CodecError(f"integer {obj} is outside the CBOR integer range {_INT_RANGE}")
        return enc_check(e, ccbor.vona_cbor_put_uint(&e.buf, PyLong_AsUnsignedLongLong(obj)))
    n = -1 - obj
    if n > _U64_MAX:
        raise CodecError(f"integer {obj} is outside the CBOR integer range {_INT_RANGE}")
    return enc_check(e, ccbor.vona_cbor_put_negint(&e.buf, PyLong_AsUnsignedLongLong(n)))


cdef int _utf8_slow(object obj, const char **p, Py_ssize_t *n) except -1:
    try:
        p[0] = PyUnicode_AsUTF8AndSize(obj, n)
    except UnicodeEncodeError as exc:
        raise CodecError(f"str is not encodable as UTF-8 (CBOR text): {exc.reason}") from None
    return 0


cdef inline int _utf8(object obj, const char **p, Py_ssize_t *n) except -1:
    """obj's UTF-8 bytes: the object's own storage for compact ASCII, else its cached
    UTF-8 copy (refused for lone surrogates)."""
    if PyUnicode_IS_COMPACT_ASCII(obj):
        p[0] = <const char *>PyUnicode_DATA(obj)
        n[0] = PyUnicode_GET_LENGTH(obj)
        return 0
    return _utf8_slow(obj, p, n)


cdef inline int _put_str(Enc *e, object obj) except -1:
    cdef const char *p
    cdef Py_ssize_t n
    _utf8(obj, &p, &n)
    return enc_check(e, ccbor.vona_cbor_put_text(&e.buf, p, <size_t>n))


cdef int _put_buffer(Enc *e, object obj) except -1:
    cdef Py_buffer view
    try:
        PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE)
    except BufferError as exc:
        raise CodecError(f"cannot encode {type(obj).__name__} as CBOR bytes: {exc}") from None
    try:
        enc_check(e, ccbor.vona_cbor_put_bytes(&e.buf, view.buf, <size_t>view.len))
    finally:
        PyBuffer_Release(&view)
    return 0


cdef int _too_deep(Enc *e, object obj) except -1:
    raise CodecError(
        f"CBOR nesting depth exceeds max_depth={e.max_depth} "
        f"(or a {type(obj).__name__} contains itself)")


cdef extern from *:
    """
    /* Values whose encoding runs no Python code (so cannot mutate the dict being
     * walked): exact int, str, bytes, float, bool and None. */
    static inline int vona_cbor_py_inert(PyObject *v) {
        PyTypeObject *t = Py_TYPE(v);
        return t == &PyLong_Type || t == &PyUnicode_Type || t == &PyBytes_Type ||
               t == &PyFloat_Type || t == &PyBool_Type || v == Py_None;
    }
    """
    bint _inert "vona_cbor_py_inert"(PyObject *v) noexcept


# Messages of one shape repeat their keys: the sorted order of a dict's keys is
# remembered by the identity of the key objects, in iteration order. The cache holds
# references to those keys, so a matching address is the same (immutable) str.
cdef struct _KeyOrder:
    Py_ssize_t n
    PyObject *keys[_SMALL_MAP]
    uint8_t order[_SMALL_MAP]


cdef class _EncodeState:
    """One thread's encoding state: the key-order cache."""
    cdef _KeyOrder orders[_ORDER_CACHE_SIZE]

    def __dealloc__(self):
        cdef Py_ssize_t i, j
        global _tls
        if _tls == <PyObject *>self:
            _tls = NULL
        for i in range(_ORDER_CACHE_SIZE):
            for j in range(self.orders[i].n):
                Py_DECREF(<object>self.orders[i].keys[j])
            self.orders[i].n = 0


cdef str _STATE_KEY = "vona._native._cbor.state"

cdef extern from *:
    """
    /* The calling thread's state, borrowed: its thread-state dict owns it, and the
     * state's dealloc (run by that thread when the dict is cleared at thread exit)
     * resets the pointer. A hint in front of the dict lookup, never shared. */
    static _Thread_local PyObject *vona_cbor_enc_tls = NULL;
    """
    PyObject *_tls "vona_cbor_enc_tls"


cdef _EncodeState _thread_state():
    """The calling thread's _EncodeState, made on first use and kept in the thread's own
    thread-state dict (cleared when the thread ends): no other thread ever sees it."""
    cdef PyObject *d
    cdef PyObject *v
    global _tls
    if _tls != NULL:
        return <_EncodeState>_tls
    d = PyThreadState_GetDict()
    if d == NULL:
        return _EncodeState()  # no thread state to hang it on: a state for this call
    v = PyDict_GetItemWithError(<object>d, _STATE_KEY)
    if v == NULL:
        PyDict_SetItem(<object>d, _STATE_KEY, _EncodeState())
        v = PyDict_GetItemWithError(<object>d, _STATE_KEY)
    _tls = v
    return <_EncodeState>v


cdef int _key_order(PyObject **keys, const uint8_t **kp, size_t *kn, Py_ssize_t n,
                    uint8_t *order) except -1:
    cdef _EncodeState state = _thread_state()  # held for the call
    cdef size_t slot = ((<size_t>keys[0] >> 4) ^ <size_t>n * 0x9E37) & (_ORDER_CACHE_SIZE - 1)
    cdef _KeyOrder *c = &state.orders[slot]
    cdef Py_ssize_t i
    if c.n == n:
        i = 0
        while i < n and c.keys[i] == keys[i]:
            i += 1
        if i == n:
            memcpy(order, c.order, <size_t>n)
            return 0
    if ccbor.vona_cbor_sort_text_keys(kp, kn, order, <size_t>n) != VONA_OK:
        raise CodecError("two dict keys have the same CBOR encoding (a duplicate map key)")
    for i in range(n):
        Py_INCREF(<object>keys[i])
    for i in range(c.n):
        Py_DECREF(<object>c.keys[i])
    c.n = n
    memcpy(c.keys, keys, <size_t>n * sizeof(PyObject *))
    memcpy(c.order, order, <size_t>n)
    return 0


cdef int _put_str_map(Enc *e, object obj, Py_ssize_t n, size_t depth) except -1:
    """A dict of at most _SMALL_MAP exact-str keys, sorted without encoding the keys
    first. Returns 1 (nothing written) if a key is not an exact str."""
    cdef PyObject *keys[_SMALL_MAP]
    cdef PyObject *vals[_SMALL_MAP]
    cdef const uint8_t *kp[_SMALL_MAP]
    cdef size_t kn[_SMALL_MAP]
    cdef uint8_t order[_SMALL_MAP]
    cdef Py_ssize_t pos = 0
    cdef Py_ssize_t i = 0
    cdef Py_ssize_t j, x
    cdef Py_ssize_t m
    cdef bint hold = False
    cdef PyObject *k
    cdef PyObject *v
    while PyDict_Next(obj, &pos, &k, &v):
        if i >= n:
            raise CodecError("dict changed size while being encoded")
        if type(<object>k) is not str:
            return 1
        keys[i] = k
        vals[i] = v
        hold |= not _inert(v)
        i += 1
    if i != n:
        raise CodecError("dict changed size while being encoded")
    # Encoding a container value may run user code (a list subclass's __iter__) that
    # mutates the dict: then hold every key and value until the map is written.
    if hold:
        for j in range(n):
            Py_INCREF(<object>keys[j])
            Py_INCREF(<object>vals[j])
    try:
        for i in range(n):
            _utf8(<object>keys[i], <const char **>&kp[i], &m)
            kn[i] = <size_t>m
        _key_order(keys, kp, kn, n, order)
        enc_check(e, ccbor.vona_cbor_put_map(&e.buf, <uint64_t>n))
        for j in range(n):
            x = order[j]
            enc_check(e, ccbor.vona_cbor_put_text(&e.buf, <const char *>kp[x], kn[x]))
            # The common value types without the call into encode_obj.
            v = vals[x]
            if type(<object>v) is bytes:
                enc_check(e, ccbor.vona_cbor_put_bytes(
                    &e.buf, PyBytes_AS_STRING(<object>v), <size_t>PyBytes_GET_SIZE(<object>v)))
            elif type(<object>v) is str:
                _put_str(e, <object>v)
            else:
                encode_obj(e, <object>v, depth + 1)
    finally:
        if hold:
            for j in range(n):
                Py_DECREF(<object>keys[j])
                Py_DECREF(<object>vals[j])
    return 0


cdef int _put_dict(Enc *e, object obj, size_t depth) except -1:
    # Keys are encoded into a scratch buffer and sorted first; then each key's bytes
    # and its value go to the output once, so large values are never moved.
    cdef ccbor.vona_cbor_map_entry small_ent[2 * _SMALL_MAP]
    cdef PyObject *small_vals[_SMALL_MAP]
    cdef uint8_t key_storage[_KEY_SCRATCH_BYTES]
    cdef ccbor.vona_cbor_map_entry *ent = small_ent
    cdef PyObject **vals = small_vals
    cdef Py_ssize_t n = PyDict_GET_SIZE(obj)
    cdef Py_ssize_t pos = 0
    cdef Py_ssize_t i = 0
    cdef Py_ssize_t j
    cdef PyObject *k
    cdef PyObject *v
    cdef int st
    cdef Enc ke
    if depth >= e.max_depth:
        _too_deep(e, obj)
    if n == 0:
        return enc_check(e, ccbor.vona_cbor_put_map(&e.buf, 0))
    if n <= _SMALL_MAP and _put_str_map(e, obj, n, depth) == 0:
        return 0
    if n > _SMALL_MAP:
        ent = <ccbor.vona_cbor_map_entry *>malloc(
            2 * <size_t>n * sizeof(ccbor.vona_cbor_map_entry))
        vals = <PyObject **>malloc(<size_t>n * sizeof(PyObject *))
        if ent == NULL or vals == NULL:
            free(ent)
            free(vals)
            raise MemoryError("out of memory while encoding a CBOR map")
    ke.limit = e.limit
    ke.limit_name = e.limit_name
    ke.max_depth = e.max_depth
    ccbor.vona_cbor_buf_init(&ke.buf, key_storage, _KEY_SCRATCH_BYTES, e.limit)
    try:
        while PyDict_Next(obj, &pos, &k, &v):
            if i >= n:
                raise CodecError("dict changed size while being encoded")
            ent[i].off = ke.buf.len
            ent[i].index = <size_t>i
            encode_obj(&ke, <object>k, depth + 1)
            ent[i].len = ke.buf.len - ent[i].off
            Py_INCREF(<object>v)
            vals[i] = v
            i += 1
        if i != n:
            raise CodecError("dict changed size while being encoded")
        st = ccbor.vona_cbor_sort_keys(ke.buf.data, ent, ent + n, <size_t>n)
        if st == VONA_E_INVALID_ARG:
            raise CodecError("two dict keys have the same CBOR encoding (a duplicate map key)")
        enc_check(e, ccbor.vona_cbor_put_map(&e.buf, <uint64_t>n))
        for j in range(n):
            enc_check(e, ccbor.vona_cbor_put_raw(&e.buf, ke.buf.data + ent[j].off, ent[j].len))
            encode_obj(e, <object>vals[ent[j].index], depth + 1)
    finally:
        for j in range(i):
            Py_DECREF(<object>vals[j])
        ccbor.vona_cbor_buf_free(&ke.buf)
        if ent != small_ent:
            free(ent)
            free(vals)
    return 0


cdef int _put_seq(Enc *e, object obj, size_t depth, bint is_list) except -1:
    cdef Py_ssize_t n = len(obj)
    cdef Py_ssize_t i
    if depth >= e.max_depth:
        _too_deep(e, obj)
    enc_check(e, ccbor.vona_cbor_put_array(&e.buf, <uint64_t>n))
    if is_list:
        for i in range(n):
            if i >= len(obj):
                raise CodecError("list changed size while being encoded")
            encode_obj(e, (<list>obj)[i], depth + 1)
    else:
        for i in range(n):
            encode_obj(e, (<tuple>obj)[i], depth + 1)
    return 0


cdef int encode_obj(Enc *e, object obj, size_t depth) except -1:
    """Append obj's CBOR encoding; depth is the number of enclosing arrays/maps."""
    cdef type t = type(obj)
    if t is str:
        return _put_str(e, obj)
    if t is int:
        return _put_int(e, obj)
    if t is bytes:
        return enc_check(e, ccbor.vona_cbor_put_bytes(
            &e.buf, PyBytes_AS_STRING(obj), <size_t>PyBytes_GET_SIZE(obj)))
    if t is float:
        return enc_check(e, ccbor.vona_cbor_put_float(&e.buf, PyFloat_AS_DOUBLE(obj)))
    if t is dict:
        return _put_dict(e, obj, depth)
    if t is list:
        return _put_seq(e, obj, depth, True)
    if t is tuple:
        return _put_seq(e, obj, depth, False)
    if obj is None:
        return enc_check(e, ccbor.vona_cbor_put_null(&e.buf))
    if t is bool:
        return enc_check(e, ccbor.vona_cbor_put_bool(&e.buf, obj is True))
    if t is bytearray:
        return enc_check(e, ccbor.vona_cbor_put_bytes(
            &e.buf, PyByteArray_AS_STRING(obj), <size_t>PyByteArray_GET_SIZE(obj)))
    if t is memoryview:
        return _put_buffer(e, obj)
    # Subclasses (IntEnum, StrEnum, OrderedDict, ...) encode as their base type.
    if isinstance(obj, int):
        return _put_int(e, obj)
    if isinstance(obj, str):
        return _put_str(e, obj)
    if isinstance(obj, float):
        return enc_check(e, ccbor.vona_cbor_put_float(&e.buf, PyFloat_AS_DOUBLE(obj)))
    if isinstance(obj, dict):
        return _put_dict(e, obj, depth)
    if isinstance(obj, list):
        return _put_seq(e, list(obj), depth, True)
    if isinstance(obj, tuple):
        return _put_seq(e, tuple(obj), depth, False)
    if isinstance(obj, bytes):
        return _put_buffer(e, obj)
    raise CodecError(f"cannot encode {t.__module__}.{t.__qualname__} as CBOR")


def cbor_dumps(obj, *, Py_ssize_t max_depth=_DEPTH_DEFAULT,
               Py_ssize_t max_bytes=DEFAULT_MAX_BYTES):
    """Encode obj as one deterministic CBOR data item.

    Raises CodecError for unsupported types, integers outside [-2**64, 2**64 - 1],
    nesting deeper than max_depth (including a container that contains itself) and
    output larger than max_bytes.
    """
    cdef Enc e
    cdef uint8_t storage[ENC_STACK_BYTES]
    if max_bytes < 1:
        raise ConfigError(f"max_bytes must be at least 1, got {max_bytes}")
    enc_init(&e, storage, ENC_STACK_BYTES, <size_t>max_bytes, 0, "max_bytes", max_depth)
    try:
        encode_obj(&e, obj, 0)
        return PyBytes_FromStringAndSize(<char *>e.buf.data, <Py_ssize_t>e.buf.len)
    finally:
        ccbor.vona_cbor_buf_free(&e.buf)
