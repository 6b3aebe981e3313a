# Cheap read-only byte views of Python objects: bytes directly, anything else through the
# buffer protocol. Cython typed memoryviews cost several hundred ns to acquire, which is a
# visible share of a 20 ms packet's work; these cost tens.
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_GET_SIZE


cdef struct ByteView:
    const unsigned char *data
    Py_ssize_t size
    bint release
    Py_buffer buf


cdef inline int view_bytes(object obj, ByteView *v) except -1:
    """Point v at obj's bytes; call release_bytes(v) when done."""
    if PyBytes_CheckExact(obj):
        v.data = <const unsigned char *>PyBytes_AS_STRING(obj)
        v.size = PyBytes_GET_SIZE(obj)
        v.release = False
        return 0
    PyObject_GetBuffer(obj, &v.buf, PyBUF_SIMPLE)
    v.data = <const unsigned char *>v.buf.buf
    v.size = v.buf.len
    v.release = True
    return 0


cdef inline void release_bytes(ByteView *v) noexcept:
    if v.release:
        PyBuffer_Release(&v.buf)
        v.release = False
