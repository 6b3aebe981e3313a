# C-level entry points of vona._native._cbor (the encoder) shared with _framing and
# _audio_message; the decoder's are in _cbor_decode.pxd.
from libc.stdint cimport uint8_t

cimport vona._native.ccbor as ccbor
from vona._native.cstatus cimport VONA_OK


# An encoding in progress: the output buffer plus the limits to name in errors.
cdef struct Enc:
    ccbor.vona_cbor_buf buf
    size_t limit              # the user-facing size limit (max_bytes or max_frame_bytes)
    const char *limit_name
    size_t max_depth

cdef enum:
    ENC_STACK_BYTES = 2048    # encodings this small never touch the heap

cdef int enc_init(Enc *e, uint8_t *storage, size_t cap, size_t limit, size_t overhead,
                  const char *limit_name, Py_ssize_t max_depth) except -1
cdef int encode_obj(Enc *e, object obj, size_t depth) except -1
cdef int enc_fail(Enc *e, int status) except -1


cdef inline int enc_check(Enc *e, int status) except -1:
    """Raise the CodecError/MemoryError for a failed encoder call (inline: the OK case
    is every call)."""
    if status == VONA_OK:
        return 0
    return enc_fail(e, status)
