# Declarations for csrc/include/vona/step_loop.h.
from libc.stdint cimport int16_t, int64_t, uint32_t, uint64_t

from vona._native.cnative_backend cimport vona_native_backend
from vona._native.cresample cimport vona_resample_quality
from vona._native.cstatus cimport vona_status


cdef extern from "vona/step_loop.h" nogil:
    ctypedef struct vona_step_loop:
        pass

    unsigned VONA_STEP_LOOP_MAX_RATE
    unsigned VONA_STEP_LOOP_MAX_CHANNELS

    ctypedef struct vona_step_loop_config:
        uint32_t transport_rate
        uint32_t backend_input_rate
        uint32_t backend_output_rate
        size_t backend_frame
        unsigned channels
        size_t playout_capacity
        vona_resample_quality quality
        unsigned resample_flags
        uint32_t aec_filter_ms
        unsigned aec_flags

    ctypedef struct vona_step_loop_stats:
        uint64_t frames_in
        uint64_t frames_out
        uint64_t samples_in
        uint64_t samples_queued
        uint64_t samples_played
        uint64_t dropped_samples
        uint64_t overflows
        uint64_t underruns
        uint64_t underrun_samples
        uint64_t interrupts
        uint64_t playout_buffered

    ctypedef struct vona_step_loop_interruption:
        uint64_t dropped_samples
        uint64_t played_samples
        double played_ms

    vona_status vona_step_loop_create(const vona_step_loop_config *cfg, vona_step_loop **out)
    void vona_step_loop_destroy(vona_step_loop *loop)
    size_t vona_step_loop_input_frames_bound(const vona_step_loop *loop, size_t n)
    vona_status vona_step_loop_push_input(vona_step_loop *loop, const int16_t *src, size_t n,
                                          int16_t *const *frames, size_t max_frames,
                                          size_t *nframes)
    vona_status vona_step_loop_push_output(vona_step_loop *loop, const int16_t *src, size_t n,
                                           size_t *queued)
    vona_status vona_step_loop_pull(vona_step_loop *loop, int16_t *dst, size_t dst_cap,
                                    size_t want, size_t *got)
    size_t vona_step_loop_playout_buffered(const vona_step_loop *loop)
    vona_status vona_step_loop_interrupt(vona_step_loop *loop, vona_step_loop_interruption *out)
    void vona_step_loop_begin_turn(vona_step_loop *loop, int64_t now_ns)
    vona_status vona_step_loop_end_turn(vona_step_loop *loop, size_t *queued)
    void vona_step_loop_mark_user_speech_end(vona_step_loop *loop, int64_t ns)
    int64_t vona_step_loop_turn_start_ns(const vona_step_loop *loop)
    int64_t vona_step_loop_first_audio_ns(const vona_step_loop *loop)
    int64_t vona_step_loop_turn_latency_ns(const vona_step_loop *loop)
    uint64_t vona_step_loop_played_samples(const vona_step_loop *loop)
    void vona_step_loop_set_virtual_clock(vona_step_loop *loop, int virtual_clock)
    int vona_step_loop_clock_is_virtual(const vona_step_loop *loop)
    vona_status vona_step_loop_advance_clock(vona_step_loop *loop, int64_t ns)
    vona_status vona_step_loop_set_time(vona_step_loop *loop, int64_t ns)
    int64_t vona_step_loop_now(const vona_step_loop *loop)
    vona_status vona_step_loop_set_native_backend(vona_step_loop *loop,
                                                  const vona_native_backend *backend)
    vona_status vona_step_loop_process(vona_step_loop *loop, const int16_t *src, size_t n,
                                       size_t *queued)
    void vona_step_loop_stats_get(const vona_step_loop *loop, vona_step_loop_stats *out)
    void vona_step_loop_echo_reference(vona_step_loop *loop, const int16_t *src, size_t n)
    int vona_step_loop_echo_cancelling(const vona_step_loop *loop)
