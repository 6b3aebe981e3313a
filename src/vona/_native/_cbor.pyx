"""CBOR (RFC 8949) for Python values: the object walk over the C encoder and decoder.

Encoding is deterministic: shortest-form integer heads, definite lengths, floats in the
shortest of half/single/double that keeps the value exactly (NaN as f97e00), and map
keys sorted bytewise by their encoded form (RFC 8949 section 4.2.1, core deterministic
encoding). The byte work is in csrc/src/cbor*.c and the inline helpers of vona/cbor.h;
this module walks Python objects. Decoding tries a fast pass over definite-length items
first and falls back to the generic pull decoder for everything else (see docs/cbor.md).
The GIL is held throughout (every step builds or reads Python objects; the C work is
per item and touches a few bytes each).
"""
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_New, PyDict_Next, PyDict_SetItem
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_FromDouble
from cpython.list cimport PyList_Append, PyList_New, PyList_SET_ITEM
from cpython.long cimport PyLong_AsUnsignedLongLong, PyLong_FromLongLong, PyLong_FromUnsignedLongLong
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF, Py_XDECREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport INT64_MAX, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp, memcpy

cimport vona._native.ccbor as ccbor
from vona._native.cstatus cimport VONA_E_INVALID_ARG, VONA_E_LIMIT, VONA_E_NOMEM, VONA_OK, vona_status

from vona.errors import CodecError, ConfigError

cdef extern from "Python.h":
    long long PyLong_AsLongLongAndOverflow(object o, int *overflow) except? -1
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    const char *PyUnicode_AsUTF8AndSize(object o, Py_ssize_t *size) except NULL
    object PyUnicode_New(Py_ssize_t size, unsigned int maxchar)
    void PyUnicode_InternInPlace(PyObject **p)
    Py_ssize_t PyDict_GET_SIZE(object o)

DEFAULT_MAX_DEPTH = 128
DEFAULT_MAX_ITEMS = 1_000_000
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH_LIMIT = 1000

cdef enum:
    _MAX_DEPTH_LIMIT = 1000
    _DEPTH_DEFAULT = 128
    _STACK_FRAMES = 129
    _KEY_CACHE_SIZE = 512
    _KEY_CACHE_MAX_LEN = 16
    _SMALL_MAP = 16
    _KEY_SCRATCH_BYTES = 512
    _NOT_SHORT_TEXT = 255
    _ORDER_CACHE_SIZE = 64

_U64_MAX = 2**64 - 1
_INT_RANGE = "[-2**64, 2**64 - 1]"


# ------------------------------------------------------------------ limits

cdef int limits_from_args(ccbor.vona_cbor_limits *lim, Py_ssize_t max_depth,
                          Py_ssize_t max_items, Py_ssize_t max_bytes) except -1:
    if max_depth < 0 or max_depth > _MAX_DEPTH_LIMIT:
        raise ConfigError(f"max_depth must be in 0..{_MAX_DEPTH_LIMIT}, got {max_depth}")
    if max_items < 1:
        raise ConfigError(f"max_items must be at least 1, got {max_items}")
    if max_bytes < 1:
        raise ConfigError(f"max_bytes must be at least 1, got {max_bytes}")
    lim.max_depth = <size_t>max_depth
    lim.max_items = <uint64_t>max_items
    lim.max_bytes = <size_t>max_bytes
    return 0


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

cdef _KeyOrder _order_cache[_ORDER_CACHE_SIZE]


cdef int _key_order(PyObject **keys, const uint8_t **kp, size_t *kn, Py_ssize_t n,
                    uint8_t *order) except -1:
    cdef size_t slot = ((<size_t>keys[0] >> 4) ^ <size_t>n * 0x9E37) & (_ORDER_CACHE_SIZE - 1)
    cdef _KeyOrder *c = &_order_cache[slot]
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


# ------------------------------------------------------------------ decoder

# Short ASCII strings (map keys and small values such as "in"/"out") recur in every
# message: a direct-mapped cache, keyed by the string's bytes packed into two words,
# returns the same (interned) str object, hash already computed.
cdef struct _CachedStr:
    uint64_t w0
    uint64_t w1
    size_t n
    PyObject *s

cdef _CachedStr _str_cache[_KEY_CACHE_SIZE]


cdef object _text_slow(const uint8_t *p, size_t n, uint64_t *w, size_t slot, bint *bad):
    """_text past the cache probe: a new short ASCII string (cached in slot) if w is
    set, else a long or non-ASCII one."""
    cdef _CachedStr *c
    cdef PyObject *made
    cdef int ascii
    if w != NULL:
        s = PyUnicode_New(<Py_ssize_t>n, 127)
        memcpy(PyUnicode_DATA(s), p, n)
        # Interned, so a decoded key is the very object of the same literal elsewhere
        # (decode_audio_frame's lookups then match by identity, not by comparing bytes).
        made = <PyObject *>s
        Py_INCREF(s)  # the cache's reference; interning may swap it for the interned twin's
        PyUnicode_InternInPlace(&made)
        c = &_str_cache[slot]
        Py_XDECREF(c.s)
        c.s = made
        c.n = n
        c.w0 = w[0]
        c.w1 = w[1]
        return <object>made
    if n > _KEY_CACHE_MAX_LEN and ccbor.vona_ascii(p, n):
        s = PyUnicode_New(<Py_ssize_t>n, 127)
        memcpy(PyUnicode_DATA(s), p, n)
        return s
    if not ccbor.vona_utf8_valid(p, n, &ascii):
        bad[0] = True
        return None
    return PyUnicode_DecodeUTF8(<const char *>p, <Py_ssize_t>n, NULL)


cdef inline object _text(const uint8_t *p, size_t n, size_t avail, bint *bad):
    """The str for the text p[0..n), or None with *bad set if it is not valid UTF-8.
    Up to avail >= n bytes may be read at p."""
    cdef uint64_t w[2]
    cdef size_t slot
    cdef _CachedStr *c
    if n - 1 < _KEY_CACHE_MAX_LEN:  # 1..16 bytes
        ccbor.vona_pack16(p, n, avail, w)
        if (w[0] | w[1]) & 0x8080808080808080ULL == 0:
            slot = <size_t>(((w[0] ^ n) * 0x9E3779B97F4A7C15ULL + w[1] * 0xC2B2AE3D27D4EB4FULL)
                            >> 55) & (_KEY_CACHE_SIZE - 1)
            c = &_str_cache[slot]
            if c.n == n and c.w0 == w[0] and c.w1 == w[1]:
                return <object>c.s
            return _text_slow(p, n, w, slot, bad)
    return _text_slow(p, n, NULL, 0, bad)


include "_cbor_fast.pxi"


cdef int _fail(ccbor.vona_cbor_decoder *d, int status) except -1:
    cdef ccbor.vona_cbor_error err = d.err
    at = d.err_pos
    arg = d.err_arg
    if err == ccbor.VONA_CBOR_ERR_TAG:
        msg = f"CBOR tag {arg} is not supported (at byte {at})"
    elif err == ccbor.VONA_CBOR_ERR_UNDEFINED:
        msg = f"CBOR undefined (simple value 23) is not supported (at byte {at}); send null"
    elif err == ccbor.VONA_CBOR_ERR_SIMPLE:
        msg = (f"CBOR simple value {arg} is not supported (at byte {at}); "
               "only false, true and null are")
    elif err == ccbor.VONA_CBOR_ERR_DEPTH:
        msg = f"CBOR nesting depth exceeds max_depth={arg} (at byte {at})"
    elif err == ccbor.VONA_CBOR_ERR_ITEMS:
        msg = f"CBOR item count exceeds max_items={arg} (at byte {at})"
    elif err == ccbor.VONA_CBOR_ERR_SIZE:
        msg = f"CBOR input of {d.len} bytes exceeds max_bytes={arg}"
    elif err == ccbor.VONA_CBOR_ERR_TRUNCATED:
        msg = f"truncated CBOR: the {d.len}-byte input ends inside the item at byte {at}"
    elif err == ccbor.VONA_CBOR_ERR_TRAILING:
        msg = f"trailing bytes after the CBOR item: {arg} extra byte(s) from byte {at}"
    elif err == ccbor.VONA_CBOR_ERR_INVALID_UTF8:
        msg = f"CBOR text string at byte {at} is not valid UTF-8"
    else:
        msg = f"malformed CBOR at byte {at}: {ccbor.vona_cbor_error_str(err).decode()}"
    raise CodecError(msg)


cdef inline int _next(ccbor.vona_cbor_decoder *d, ccbor.vona_cbor_item *it) except -1:
    cdef vona_status st = ccbor.vona_cbor_next(d, it)
    if st != VONA_OK:
        _fail(d, st)
    return 0


cdef object _chunks(ccbor.vona_cbor_decoder *d, bint text):
    cdef ccbor.vona_cbor_item it
    cdef bint bad = False  # the C decoder validated the UTF-8 already
    parts = []
    while True:
        _next(d, &it)
        if it.type == ccbor.VONA_CBOR_BREAK:
            break
        if text:
            parts.append(_text(it.data, <size_t>it.value, <size_t>it.value, &bad))
        else:
            parts.append(PyBytes_FromStringAndSize(<const char *>it.data, <Py_ssize_t>it.value))
    return ("" if text else b"").join(parts)


cdef object _array(ccbor.vona_cbor_decoder *d, ccbor.vona_cbor_item *it, bint key):
    cdef ccbor.vona_cbor_item sub
    cdef Py_ssize_t i, n
    if it.indefinite:
        out = []
        while True:
            _next(d, &sub)
            if sub.type == ccbor.VONA_CBOR_BREAK:
                break
            PyList_Append(out, _build(d, &sub, key))
        return tuple(out) if key else out
    n = <Py_ssize_t>it.value  # the C decoder checked it against the remaining input
    if key:
        res = PyTuple_New(n)
        for i in range(n):
            _next(d, &sub)
            v = _build(d, &sub, True)
            Py_INCREF(v)
            PyTuple_SET_ITEM(res, i, v)
        return res
    res = PyList_New(n)
    for i in range(n):
        _next(d, &sub)
        v = _build(d, &sub, False)
        Py_INCREF(v)
        PyList_SET_ITEM(res, i, v)
    return res


cdef object _map(ccbor.vona_cbor_decoder *d, ccbor.vona_cbor_item *it):
    cdef ccbor.vona_cbor_item sub
    cdef bint bad = False  # the C decoder validated the UTF-8 already
    cdef uint64_t i
    cdef Py_ssize_t size
    out = PyDict_New()
    i = 0
    while it.indefinite or i < it.value:
        _next(d, &sub)
        if sub.type == ccbor.VONA_CBOR_BREAK:
            break
        # Definite text keys are the common case: skip the generic dispatch.
        if sub.type == ccbor.VONA_CBOR_TEXT and not sub.indefinite:
            k = _text(sub.data, <size_t>sub.value, <size_t>sub.value, &bad)
        else:
            k = _build(d, &sub, True)
        _next(d, &sub)
        size = PyDict_GET_SIZE(out)
        PyDict_SetItem(out, k, _build(d, &sub, False))
        if PyDict_GET_SIZE(out) == size:
            raise CodecError(f"duplicate CBOR map key {k!r}")
        i += 1
    return out


cdef object _build(ccbor.vona_cbor_decoder *d, ccbor.vona_cbor_item *it, bint key):
    cdef ccbor.vona_cbor_type t = it.type
    cdef bint bad = False  # the C decoder validated the UTF-8 already
    if t == ccbor.VONA_CBOR_TEXT:
        if it.indefinite:
            return _chunks(d, True)
        return _text(it.data, <size_t>it.value, <size_t>it.value, &bad)
    if t == ccbor.VONA_CBOR_UINT:
        return PyLong_FromUnsignedLongLong(it.value)
    if t == ccbor.VONA_CBOR_BYTES:
        if it.indefinite:
            return _chunks(d, False)
        return PyBytes_FromStringAndSize(<const char *>it.data, <Py_ssize_t>it.value)
    if t == ccbor.VONA_CBOR_MAP:
        if key:
            raise CodecError(
                f"a CBOR map as (or inside) a map key is not supported (before byte {d.pos}): "
                "Python dict keys must be hashable")
        return _map(d, it)
    if t == ccbor.VONA_CBOR_ARRAY:
        return _array(d, it, key)
    if t == ccbor.VONA_CBOR_NEGINT:
        if it.value <= <uint64_t>INT64_MAX:
            return PyLong_FromLongLong(-1 - <long long>it.value)
        return -1 - PyLong_FromUnsignedLongLong(it.value)
    if t == ccbor.VONA_CBOR_FLOAT:
        return PyFloat_FromDouble(it.f)
    if t == ccbor.VONA_CBOR_TRUE:
        return True
    if t == ccbor.VONA_CBOR_FALSE:
        return False
    if t == ccbor.VONA_CBOR_NULL:
        return None
    raise CodecError(f"malformed CBOR: unexpected break at byte {d.pos - 1}")


cdef object _decode_with(const uint8_t *data, size_t n, const ccbor.vona_cbor_limits *limits,
                         ccbor.vona_cbor_frame *stack, size_t cap):
    cdef ccbor.vona_cbor_decoder d
    cdef ccbor.vona_cbor_item it
    cdef vona_status st = ccbor.vona_cbor_decoder_init(&d, data, n, limits, stack, cap)
    if st != VONA_OK:
        _fail(&d, st)
    _next(&d, &it)
    obj = _build(&d, &it, False)
    st = ccbor.vona_cbor_finish(&d)
    if st != VONA_OK:
        _fail(&d, st)
    return obj


cdef object _decode_generic(const uint8_t *data, size_t n,
                            const ccbor.vona_cbor_limits *limits):
    cdef ccbor.vona_cbor_frame small[_STACK_FRAMES]
    cdef ccbor.vona_cbor_frame *stack
    cdef size_t cap = limits.max_depth + 1
    if cap <= _STACK_FRAMES:
        return _decode_with(data, n, limits, small, cap)
    stack = <ccbor.vona_cbor_frame *>malloc(cap * sizeof(ccbor.vona_cbor_frame))
    if stack == NULL:
        raise MemoryError("out of memory for the CBOR decoder stack")
    try:
        return _decode_with(data, n, limits, stack, cap)
    finally:
        free(stack)


cdef object decode_payload(const uint8_t *data, size_t n, const ccbor.vona_cbor_limits *limits):
    """Decode exactly one CBOR item filling data[0..n)."""
    cdef _Fast s
    if n <= limits.max_bytes and n != 0:
        s.p = data
        s.end = data + n
        s.items = limits.max_items
        s.depth = limits.max_depth
        s.bail = False
        obj = _fast_item(&s, False)
        if not s.bail and s.p == s.end:
            return obj
    return _decode_generic(data, n, limits)


def cbor_loads(data, *, Py_ssize_t max_depth=_DEPTH_DEFAULT,
               Py_ssize_t max_items=DEFAULT_MAX_ITEMS, Py_ssize_t max_bytes=DEFAULT_MAX_BYTES):
    """Decode bytes holding exactly one CBOR data item.

    Raises CodecError for malformed or truncated input, trailing bytes, invalid UTF-8,
    tags, undefined and simple values other than false/true/null, duplicate map keys,
    and input over any limit (the message names it).
    """
    cdef ccbor.vona_cbor_limits lim
    cdef Py_buffer view
    limits_from_args(&lim, max_depth, max_items, max_bytes)
    if type(data) is bytes:
        return decode_payload(<const uint8_t *>PyBytes_AS_STRING(data),
                              <size_t>PyBytes_GET_SIZE(data), &lim)
    try:
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    except (TypeError, BufferError):
        raise CodecError(
            f"cbor_loads needs a bytes-like object, got {type(data).__name__}") from None
    try:
        return decode_payload(<const uint8_t *>view.buf, <size_t>view.len, &lim)
    finally:
        PyBuffer_Release(&view)


def _loads_generic(bytes data, *, Py_ssize_t max_depth=_DEPTH_DEFAULT,
                   Py_ssize_t max_items=DEFAULT_MAX_ITEMS, Py_ssize_t max_bytes=DEFAULT_MAX_BYTES):
    """cbor_loads through the generic (pull-decoder) path only, skipping the fast
    decoder: for tests that check both paths agree. bytes only."""
    cdef ccbor.vona_cbor_limits lim
    limits_from_args(&lim, max_depth, max_items, max_bytes)
    return _decode_generic(<const uint8_t *>PyBytes_AS_STRING(data),
                           <size_t>PyBytes_GET_SIZE(data), &lim)
