# C-level entry points of vona._native._cbor_decode shared with _cbor, _framing and
# _audio_message.
cimport vona._native.ccbor as ccbor
from libc.stdint cimport uint8_t


cdef object decode_payload(const uint8_t *data, size_t n, const ccbor.vona_cbor_limits *limits)
cdef int limits_from_args(ccbor.vona_cbor_limits *lim, Py_ssize_t max_depth,
                          Py_ssize_t max_items, Py_ssize_t max_bytes) except -1
