"""CBOR (RFC 8949) decoding to Python values: a fast pass, then the generic pull decoder.

decode_payload first walks the input with a fast decoder for definite-length items of
the supported kinds, straight from the bytes (heads through vona_cbor_read_head, no item
stack, no per-item C call). Anything else (indefinite lengths, tags, malformed or
truncated input, invalid UTF-8, a limit reached, a duplicate key) makes it give up, and
the generic pull decoder (vona_cbor_next, csrc/src/cbor_decode.c) decodes the input from
the start and raises the exact error, so both accept the same inputs.

Short ASCII strings come from a cache owned by the calling thread (a _DecodeState in the
thread-state dict), so two threads never share it and the module keeps no mutable state.
The GIL (or, free-threaded, the thread's own state) is held throughout: every step builds
Python objects.
"""
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItemWithError, PyDict_New, PyDict_SetItem
from cpython.float cimport PyFloat_FromDouble
from cpython.list cimport PyList_Append, PyList_New, PyList_SET_ITEM
from cpython.long cimport PyLong_FromLongLong, PyLong_FromUnsignedLongLong
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_XDECREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport INT64_MAX, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

cimport vona._native.ccbor as ccbor
from vona._native.cstatus cimport VONA_OK, vona_status

from vona.errors import CodecError, ConfigError

cdef extern from "Python.h":
    void *PyUnicode_DATA(object o)
    object PyUnicode_New(Py_ssize_t size, unsigned int maxchar)
    void PyUnicode_InternInPlace(PyObject **p)
    Py_ssize_t PyDict_GET_SIZE(object o)
    PyObject *PyThreadState_GetDict()

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
    _NOT_SHORT_TEXT = 255


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


# ------------------------------------------------------------ per-thread state

# Short ASCII strings (map keys and small values such as "in"/"out") recur in every
# message: a direct-mapped cache, keyed by the string's bytes packed into two words,
# returns the same (interned) str object, hash already computed.
cdef struct _CachedStr:
    uint64_t w0
    uint64_t w1
    size_t n
    PyObject *s


cdef class _DecodeState:
    """One thread's decoding state: the short-text cache (it holds a reference to each
    cached str)."""
    cdef _CachedStr cache[_KEY_CACHE_SIZE]

    def __dealloc__(self):
        cdef size_t i
        global _tls
        if _tls == <PyObject *>self:
            _tls = NULL
        for i in range(_KEY_CACHE_SIZE):
            Py_XDECREF(self.cache[i].s)
            self.cache[i].s = NULL


cdef str _STATE_KEY = "vona._native._cbor_decode.state"

cdef extern from *:
    """
    /* The calling thread's state, borrowed: its thread-state dict owns it, and the
     * state's dealloc (run by that thread when the dict is cleared at thread exit)
     * resets the pointer. A hint in front of the dict lookup, never shared. */
    static _Thread_local PyObject *vona_cbor_dec_tls = NULL;
    """
    PyObject *_tls "vona_cbor_dec_tls"


cdef _DecodeState _thread_state():
    """The calling thread's _DecodeState, made on first use and kept in the thread's own
    thread-state dict (cleared when the thread ends): no other thread ever sees it."""
    cdef PyObject *d
    cdef PyObject *v
    global _tls
    if _tls != NULL:
        return <_DecodeState>_tls
    d = PyThreadState_GetDict()
    if d == NULL:
        return _DecodeState()  # no thread state to hang it on: a state for this call
    v = PyDict_GetItemWithError(<object>d, _STATE_KEY)
    if v == NULL:
        PyDict_SetItem(<object>d, _STATE_KEY, _DecodeState())
        v = PyDict_GetItemWithError(<object>d, _STATE_KEY)
    _tls = v
    return <_DecodeState>v


# ------------------------------------------------------------------ strings

cdef object _text_slow(_CachedStr *cache, const uint8_t *p, size_t n, uint64_t *w, size_t slot,
                       bint *bad):
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
        c = &cache[slot]
        Py_XDECREF(c.s)
        c.s = made
        c.n = n
        c.w0 = w[0]
        c.w1 = w[1]
        return <object>made
    if n > _KEY_CACHE_MAX_LEN and ccbor.vona_cbor_ascii(p, n):
        s = PyUnicode_New(<Py_ssize_t>n, 127)
        memcpy(PyUnicode_DATA(s), p, n)
        return s
    if not ccbor.vona_cbor_utf8_valid(p, n, &ascii):
        bad[0] = True
        return None
    return PyUnicode_DecodeUTF8(<const char *>p, <Py_ssize_t>n, NULL)


cdef inline object _text(_CachedStr *cache, const uint8_t *p, size_t n, size_t avail, bint *bad):
    """The str for the text p[0..n), or None with *bad set if it is not valid UTF-8.
    Up to avail >= n bytes may be read at p."""
    cdef uint64_t w[2]
    cdef size_t slot
    cdef _CachedStr *c
    if n - 1 < _KEY_CACHE_MAX_LEN:  # 1..16 bytes
        ccbor.vona_cbor_pack16(p, n, avail, w)
        if (w[0] | w[1]) & 0x8080808080808080ULL == 0:
            slot = <size_t>(((w[0] ^ n) * 0x9E3779B97F4A7C15ULL + w[1] * 0xC2B2AE3D27D4EB4FULL)
                            >> 55) & (_KEY_CACHE_SIZE - 1)
            c = &cache[slot]
            if c.n == n and c.w0 == w[0] and c.w1 == w[1]:
                return <object>c.s
            return _text_slow(cache, p, n, w, slot, bad)
    return _text_slow(cache, p, n, NULL, 0, bad)


# ------------------------------------------------------------ fast decoder

# Definite-length items of the supported kinds, under the same limits. Anything else
# sets `bail`, and decode_payload hands the input to the generic decoder.
cdef struct _Fast:
    const uint8_t *p
    const uint8_t *end
    uint64_t items    # further items the max_items budget allows
    size_t depth      # further arrays/maps max_depth allows to be open at once
    _CachedStr *cache
    bint bail


cdef inline object _fast_string(_Fast *s, const uint8_t *p, uint64_t n, bint text):
    if n > <size_t>(s.end - p):
        s.bail = True
        return None
    s.p = p + n
    if not text:
        return PyBytes_FromStringAndSize(<const char *>p, <Py_ssize_t>n)
    return _text(s.cache, p, <size_t>n, <size_t>(s.end - p), &s.bail)


cdef object _fast_item(_Fast *s, bint key):
    cdef unsigned ib, major
    cdef uint64_t v
    cdef const uint8_t *p = s.p
    cdef uint32_t f32
    cdef float f
    cdef double dbl
    if p == s.end or s.items == 0:
        s.bail = True
        return None
    p = ccbor.vona_cbor_read_head(p, s.end, &ib, &v)
    if p == NULL:
        s.bail = True
        return None
    s.items -= 1
    major = ib >> 5
    if major == 0:
        s.p = p
        if v <= <uint64_t>INT64_MAX:
            return PyLong_FromLongLong(<long long>v)
        return PyLong_FromUnsignedLongLong(v)
    if major == 3 or major == 2:
        return _fast_string(s, p, v, major == 3)
    if major == 5:
        if key:
            s.bail = True
            return None
        s.p = p
        return _fast_map(s, v)
    if major == 4:
        s.p = p
        return _fast_array(s, v, key)
    if major == 1:
        s.p = p
        if v <= <uint64_t>INT64_MAX:
            return PyLong_FromLongLong(-1 - <long long>v)
        return -1 - PyLong_FromUnsignedLongLong(v)
    if major == 7:
        s.p = p
        ib &= 31
        if ib == 20:
            return False
        if ib == 21:
            return True
        if ib == 22:
            return None
        if ib == 25:
            return PyFloat_FromDouble(ccbor.vona_cbor_half_to_double(<uint16_t>v))
        if ib == 26:
            f32 = <uint32_t>v
            memcpy(&f, &f32, 4)
            return PyFloat_FromDouble(<double>f)
        if ib == 27:
            memcpy(&dbl, &v, 8)
            return PyFloat_FromDouble(dbl)
    s.bail = True  # tags, undefined, other simple values
    return None


cdef object _fast_array(_Fast *s, uint64_t n, bint key):
    cdef Py_ssize_t i
    # Each element takes at least one byte and one item: refuse counts that cannot fit
    # before allocating for them.
    if s.depth == 0 or n > <size_t>(s.end - s.p) or n > s.items:
        s.bail = True
        return None
    s.depth -= 1
    if key:
        res = PyTuple_New(<Py_ssize_t>n)
        for i in range(<Py_ssize_t>n):
            v = _fast_item(s, True)
            if s.bail:
                return None
            Py_INCREF(v)
            PyTuple_SET_ITEM(res, i, v)
    else:
        res = PyList_New(<Py_ssize_t>n)
        for i in range(<Py_ssize_t>n):
            v = _fast_item(s, False)
            if s.bail:
                return None
            Py_INCREF(v)
            PyList_SET_ITEM(res, i, v)
    s.depth += 1
    return res


cdef object _fast_map(_Fast *s, uint64_t n):
    cdef uint64_t i
    cdef const uint8_t *p
    cdef size_t kn
    cdef Py_ssize_t size
    if s.depth == 0 or n > <size_t>(s.end - s.p) // 2 or 2 * n > s.items:
        s.bail = True
        return None
    s.depth -= 1
    out = PyDict_New()
    for i in range(n):
        p = s.p
        kn = _NOT_SHORT_TEXT
        if p != s.end and s.items != 0:
            kn = <size_t>p[0] - 0x60
        if kn <= _KEY_CACHE_MAX_LEN and kn < <size_t>(s.end - p):
            # A short text key (the common case), inline: 1-byte head, then the bytes.
            s.items -= 1
            s.p = p + 1 + kn
            k = _text(s.cache, p + 1, kn, <size_t>(s.end - p) - 1, &s.bail)
        else:
            k = _fast_item(s, True)
        if s.bail:
            return None
        v = _fast_item(s, False)
        if s.bail:
            return None
        size = PyDict_GET_SIZE(out)
        PyDict_SetItem(out, k, v)
        if PyDict_GET_SIZE(out) == size:  # a duplicate key: the generic path names it
            s.bail = True
            return None
    s.depth += 1
    return out


# ---------------------------------------------------------- generic decoder

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


# The pull decoder and the calling thread's string cache.
cdef struct _Gen:
    ccbor.vona_cbor_decoder d
    _CachedStr *cache


cdef inline int _next(_Gen *g, ccbor.vona_cbor_item *it) except -1:
    cdef vona_status st = ccbor.vona_cbor_next(&g.d, it)
    if st != VONA_OK:
        _fail(&g.d, st)
    return 0


cdef object _chunks(_Gen *g, bint text):
    cdef ccbor.vona_cbor_item it
    cdef bint bad = False  # the C decoder validated the UTF-8 already
    parts = []
    while True:
        _next(g, &it)
        if it.type == ccbor.VONA_CBOR_BREAK:
            break
        if text:
            parts.append(_text(g.cache, it.data, <size_t>it.value, <size_t>it.value, &bad))
        else:
            parts.append(PyBytes_FromStringAndSize(<const char *>it.data, <Py_ssize_t>it.value))
    return ("" if text else b"").join(parts)


cdef object _array(_Gen *g, ccbor.vona_cbor_item *it, bint key):
    cdef ccbor.vona_cbor_item sub
    cdef Py_ssize_t i, n
    if it.indefinite:
        out = []
        while True:
            _next(g, &sub)
            if sub.type == ccbor.VONA_CBOR_BREAK:
                break
            PyList_Append(out, _build(g, &sub, key))
        return tuple(out) if key else out
    n = <Py_ssize_t>it.value  # the C decoder checked it against the remaining input
    if key:
        res = PyTuple_New(n)
        for i in range(n):
            _next(g, &sub)
            v = _build(g, &sub, True)
            Py_INCREF(v)
            PyTuple_SET_ITEM(res, i, v)
        return res
    res = PyList_New(n)
    for i in range(n):
        _next(g, &sub)
        v = _build(g, &sub, False)
        Py_INCREF(v)
        PyList_SET_ITEM(res, i, v)
    return res


cdef object _map(_Gen *g, ccbor.vona_cbor_item *it):
    cdef ccbor.vona_cbor_item sub
    cdef bint bad = False  # the C decoder validated the UTF-8 already
    cdef uint64_t i
    cdef Py_ssize_t size
    out = PyDict_New()
    i = 0
    while it.indefinite or i < it.value:
        _next(g, &sub)
        if sub.type == ccbor.VONA_CBOR_BREAK:
            break
        # Definite text keys are the common case: skip the generic dispatch.
        if sub.type == ccbor.VONA_CBOR_TEXT and not sub.indefinite:
            k = _text(g.cache, sub.data, <size_t>sub.value, <size_t>sub.value, &bad)
        else:
            k = _build(g, &sub, True)
        _next(g, &sub)
        size = PyDict_GET_SIZE(out)
        PyDict_SetItem(out, k, _build(g, &sub, False))
        if PyDict_GET_SIZE(out) == size:
            raise CodecError(f"duplicate CBOR map key {k!r}")
        i += 1
    return out


cdef object _build(_Gen *g, ccbor.vona_cbor_item *it, bint key):
    cdef ccbor.vona_cbor_type t = it.type
    cdef bint bad = False  # the C decoder validated the UTF-8 already
    if t == ccbor.VONA_CBOR_TEXT:
        if it.indefinite:
            return _chunks(g, True)
        return _text(g.cache, it.data, <size_t>it.value, <size_t>it.value, &bad)
    if t == ccbor.VONA_CBOR_UINT:
        return PyLong_FromUnsignedLongLong(it.value)
    if t == ccbor.VONA_CBOR_BYTES:
        if it.indefinite:
            return _chunks(g, False)
        return PyBytes_FromStringAndSize(<const char *>it.data, <Py_ssize_t>it.value)
    if t == ccbor.VONA_CBOR_MAP:
        if key:
            raise CodecError(
                f"a CBOR map as (or inside) a map key is not supported (before byte {g.d.pos}): "
                "Python dict keys must be hashable")
        return _map(g, it)
    if t == ccbor.VONA_CBOR_ARRAY:
        return _array(g, it, key)
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
    raise CodecError(f"malformed CBOR: unexpected break at byte {g.d.pos - 1}")


cdef object _decode_with(const uint8_t *data, size_t n, const ccbor.vona_cbor_limits *limits,
                         ccbor.vona_cbor_frame *stack, size_t cap, _CachedStr *cache):
    cdef _Gen g
    cdef ccbor.vona_cbor_item it
    cdef vona_status st = ccbor.vona_cbor_decoder_init(&g.d, data, n, limits, stack, cap)
    g.cache = cache
    if st != VONA_OK:
        _fail(&g.d, st)
    _next(&g, &it)
    obj = _build(&g, &it, False)
    st = ccbor.vona_cbor_finish(&g.d)
    if st != VONA_OK:
        _fail(&g.d, st)
    return obj


cdef object _decode_generic(const uint8_t *data, size_t n, const ccbor.vona_cbor_limits *limits,
                            _DecodeState state):
    cdef ccbor.vona_cbor_frame small[_STACK_FRAMES]
    cdef ccbor.vona_cbor_frame *stack
    cdef size_t cap = limits.max_depth + 1
    if cap <= _STACK_FRAMES:
        return _decode_with(data, n, limits, small, cap, state.cache)
    stack = <ccbor.vona_cbor_frame *>malloc(cap * sizeof(ccbor.vona_cbor_frame))
    if stack == NULL:
        raise MemoryError("out of memory for the CBOR decoder stack")
    try:
        return _decode_with(data, n, limits, stack, cap, state.cache)
    finally:
        free(stack)


cdef object decode_payload(const uint8_t *data, size_t n, const ccbor.vona_cbor_limits *limits):
    """Decode exactly one CBOR item filling data[0..n)."""
    cdef _Fast s
    cdef _DecodeState state = _thread_state()  # held for the call: the cache stays alive
    if n <= limits.max_bytes and n != 0:
        s.p = data
        s.end = data + n
        s.items = limits.max_items
        s.depth = limits.max_depth
        s.cache = state.cache
        s.bail = False
        obj = _fast_item(&s, False)
        if not s.bail and s.p == s.end:
            return obj
    return _decode_generic(data, n, limits, state)


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
                           <size_t>PyBytes_GET_SIZE(data), &lim, _thread_state())
