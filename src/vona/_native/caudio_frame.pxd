# Declarations for csrc/include/vona/audio_frame.h.
from libc.stdint cimport uint8_t, uint64_t

from vona._native.cstatus cimport vona_status


cdef extern from "vona/audio_frame.h" nogil:
    ctypedef enum vona_audio_frame_kind:
        VONA_AUDIO_FRAME_IN
        VONA_AUDIO_FRAME_OUT

    ctypedef struct vona_audio_frame:
        vona_audio_frame_kind kind
        uint64_t channels
        uint64_t timestamp_ns
        uint64_t sequence
        uint64_t sample_rate_hz
        int filler
        const uint8_t *pcm
        size_t pcm_bytes

    vona_status vona_audio_frame_parse(const uint8_t *data, size_t len, vona_audio_frame *f)
