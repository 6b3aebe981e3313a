# The fast decoder of vona._native._cbor (textually included by _cbor.pyx, after _text).

# The fast decoder: definite-length items of the supported kinds, under the same
# limits, straight from the bytes (no item stack, no per-item C call). Anything else
# (indefinite lengths, tags, malformed or truncated input, invalid UTF-8, a limit
# reached, a duplicate key) sets `bail`; the generic decoder (_cbor.pyx) then decodes the
# input from the start and raises the exact error, so both accept the same inputs.
cdef struct _Fast:
    const uint8_t *p
    const uint8_t *end
    uint64_t items    # further items the max_items budget allows
    size_t depth      # further arrays/maps max_depth allows to be open at once
    bint bail


cdef inline object _fast_string(_Fast *s, const uint8_t *p, uint64_t n, bint text):
    if n > <size_t>(s.end - p):
        s.bail = True
        return None
    s.p = p + n
    if not text:
        return PyBytes_FromStringAndSize(<const char *>p, <Py_ssize_t>n)
    return _text(p, <size_t>n, <size_t>(s.end - p), &s.bail)


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
            return PyFloat_FromDouble(ccbor.vona_half_to_double(<uint16_t>v))
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
            k = _text(p + 1, kn, <size_t>(s.end - p) - 1, &s.bail)
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
