# C-level entry point of vona._native._audio_message shared with _framing.
from libc.stdint cimport uint8_t

from vona._native._cbor cimport Enc


cdef int put_audio(Enc *e, object frame) except -1
cdef object decode_audio_payload(const uint8_t *p, size_t n)
