# Shared helpers for the audio bindings: take the raw pointer of an int16 or float32
# input without copying, and allocate numpy outputs cheaply.
#
# Fast path: a numpy array that is C-contiguous, aligned and native-endian of the right
# dtype costs a few flag checks. Anything else that exports the buffer protocol with
# the right item format ("h" / "f") goes through PyObject_GetBuffer and must be released
# with release_samples(). Everything else raises vona.errors.AudioFormatError with a
# message naming the argument and what was wrong. Modules that cimport this must call
# numpy's import_array() at import time.
from cpython.buffer cimport (
    PyBUF_C_CONTIGUOUS,
    PyBUF_FORMAT,
    PyBUF_WRITABLE,
    PyBuffer_Release,
    PyObject_GetBuffer,
)

cimport numpy as cnp


cdef struct Samples:
    void *ptr
    Py_ssize_t n  # number of values (all channels)
    Py_buffer view
    bint has_view


cdef inline str _dtype_name(int typenum):
    return "int16" if typenum == cnp.NPY_INT16 else "float32"


cdef inline int _raise_problem(object obj, int typenum, bint writable, str what) except -1:
    from vona.errors import AudioFormatError

    want = _dtype_name(typenum)
    if isinstance(obj, (bytes, bytearray)):
        raise AudioFormatError(
            f"{what} must be a numpy {want} array, got {type(obj).__name__}; "
            f"use numpy.frombuffer(data, dtype=numpy.{want})"
        )
    if isinstance(obj, cnp.ndarray):
        arr = <cnp.ndarray>obj
        if cnp.PyArray_TYPE(arr) != typenum or not cnp.PyArray_ISNOTSWAPPED(arr):
            raise AudioFormatError(f"{what} must have dtype {want} (native byte order), got {obj.dtype}")
        if not cnp.PyArray_IS_C_CONTIGUOUS(arr):
            raise AudioFormatError(
                f"{what} must be C-contiguous; pass numpy.ascontiguousarray({what})"
            )
        if writable and not cnp.PyArray_ISWRITEABLE(arr):
            raise AudioFormatError(f"{what} must be writable")
        raise AudioFormatError(f"{what} must be an aligned {want} array")
    raise AudioFormatError(
        f"{what} must be a numpy {want} array (or a C-contiguous buffer of format "
        f"'{'h' if typenum == cnp.NPY_INT16 else 'f'}'), got {type(obj).__name__}"
    )


cdef inline int get_samples(object obj, int typenum, Samples *s, bint writable, str what) except -1:
    """Fill s with obj's data pointer and value count, or raise AudioFormatError."""
    cdef cnp.ndarray arr
    cdef int flags
    s.has_view = False
    if cnp.PyArray_Check(obj):
        arr = <cnp.ndarray>obj
        if (
            cnp.PyArray_TYPE(arr) == typenum
            and cnp.PyArray_ISCARRAY_RO(arr)
            and (not writable or cnp.PyArray_ISWRITEABLE(arr))
        ):
            s.ptr = cnp.PyArray_DATA(arr)
            s.n = cnp.PyArray_SIZE(arr)
            return 0
        return _raise_problem(obj, typenum, writable, what)
    if isinstance(obj, (bytes, bytearray, str)):
        return _raise_problem(obj, typenum, writable, what)
    flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT
    if writable:
        flags |= PyBUF_WRITABLE
    try:
        PyObject_GetBuffer(obj, &s.view, flags)
    except (TypeError, BufferError):
        return _raise_problem(obj, typenum, writable, what)
    s.has_view = True
    fmt = (<bytes>s.view.format).lstrip(b"@=") if s.view.format != NULL else b"B"
    if fmt != (b"h" if typenum == cnp.NPY_INT16 else b"f") or s.view.itemsize != (
        2 if typenum == cnp.NPY_INT16 else 4
    ):
        release_samples(s)
        return _raise_problem(obj, typenum, writable, what)
    s.ptr = s.view.buf
    s.n = s.view.len // s.view.itemsize
    return 0


cdef inline void release_samples(Samples *s) noexcept:
    if s.has_view:
        PyBuffer_Release(&s.view)
        s.has_view = False


cdef inline cnp.ndarray new_array(Py_ssize_t n, int typenum):
    """A new uninitialised 1-D array of n values."""
    cdef cnp.npy_intp dim = n
    return <cnp.ndarray>cnp.PyArray_SimpleNew(1, &dim, typenum)


cdef inline cnp.ndarray new_array_2d(Py_ssize_t rows, Py_ssize_t cols, int typenum):
    """A new uninitialised C-ordered (rows, cols) array."""
    cdef cnp.npy_intp dims[2]
    dims[0] = rows
    dims[1] = cols
    return <cnp.ndarray>cnp.PyArray_SimpleNew(2, dims, typenum)


cdef inline int check_channels_multiple(Py_ssize_t values, unsigned channels, str what) except -1:
    if channels > 1 and values % channels != 0:
        from vona.errors import AudioFormatError

        raise AudioFormatError(
            f"{what} holds {values} int16 values, not a multiple of channels={channels} "
            "(interleaved audio must hold whole sample frames)"
        )
    return 0
