# C-level entry point of vona._native._audio_message shared with _framing.
from vona._native._cbor cimport Enc


cdef int put_audio(Enc *e, object frame) except -1
