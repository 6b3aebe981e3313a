/* The native step loop: the per-frame path between a transport and a backend.
 *
 *   input:  transport chunk (any size, transport rate)
 *             -> resample to the backend input rate -> reframe to backend frames
 *   output: backend audio (any size, backend output rate)
 *             -> resample to the transport rate -> playout ring -> pulled by the driver
 *
 * The backend's input and output rates may differ (a backend that takes 16 kHz and
 * answers at 24 kHz runs in one loop). Resampling comes before reframing on the input
 * side so every backend frame holds exactly `backend_frame` samples at the backend input
 * rate. Where a backend rate equals the transport rate, that side's resampler is
 * bypassed and audio is copied bit for bit.
 *
 * A native backend (vona/native_backend.h: passthrough, gain, or any stage with its own
 * ops table) can run the whole path in one call (vona_step_loop_process) with no
 * per-frame calls out of C.
 *
 * Turns: begin_turn starts an assistant turn. The loop then counts the transport-rate
 * samples pulled ("played"), stamps the time of the first non-silent sample pulled
 * (first audio) and, when the user's end of speech was marked, the turn latency
 * (first audio - speech end). A pull that comes back short after playback of the turn
 * started, and before end_turn or interrupt, counts as an underrun. end_turn and
 * interrupt close the turn. interrupt clears the unplayed output in O(1) and reports
 * how much of the turn was played, so a backend can truncate its history to what the
 * user heard; a turn's played count is reported once.
 *
 * Units: samples are per channel (sample frames) unless a name says "values"; times
 * are int64 nanoseconds on CLOCK_MONOTONIC, or on the loop's own virtual clock when
 * enabled (tests).
 *
 * Threads: a step loop must be used by one thread at a time.
 * Allocation: only in vona_step_loop_create; nothing per frame or per call after.
 */
#ifndef VONA_STEP_LOOP_H
#define VONA_STEP_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "vona/native_backend.h"
#include "vona/resample.h"
#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vona_step_loop vona_step_loop;

#define VONA_STEP_LOOP_MAX_RATE 768000u
#define VONA_STEP_LOOP_MAX_CHANNELS 64u

typedef struct vona_step_loop_config {
    uint32_t transport_rate;      /* Hz */
    uint32_t backend_input_rate;  /* Hz: backend frames are cut at this rate */
    uint32_t backend_output_rate; /* Hz: backend audio pushed back is at this rate */
    size_t backend_frame;         /* samples per channel per backend frame (input rate) */
    unsigned channels;       /* interleaved channels, the same on both sides */
    size_t playout_capacity; /* transport-rate samples the playout ring holds */
    vona_resample_quality quality;
    unsigned resample_flags; /* 0 or VONA_RESAMPLE_LOW_LATENCY (smaller resampler blocks) */
    /* Echo cancellation on the input (vona/aec_stage.h), mono only: 0 = off, else the
     * echo path the filter learns, in ms. What pull hands out (and echo_reference) is
     * the far end; input is cancelled at the transport rate before resampling, which
     * delays it by up to 20 ms. aec_flags: 0 or VONA_AEC_NOISE_SUPPRESSION. */
    uint32_t aec_filter_ms;
    unsigned aec_flags;
} vona_step_loop_config;

typedef struct vona_step_loop_stats {
    uint64_t frames_in;        /* backend frames produced from input */
    uint64_t frames_out;       /* backend output chunks queued (push_output calls, native frames) */
    uint64_t samples_in;       /* transport-rate samples pushed in */
    uint64_t samples_queued;   /* transport-rate samples accepted into the playout ring */
    uint64_t samples_played;   /* transport-rate samples pulled */
    uint64_t dropped_samples;  /* unplayed samples cleared by interrupt */
    uint64_t overflows;        /* transport-rate samples refused: playout ring full */
    uint64_t underruns;        /* short pulls during a playing turn */
    uint64_t underrun_samples; /* samples those pulls were short by */
    uint64_t interrupts;
    uint64_t playout_buffered; /* samples in the playout ring now */
} vona_step_loop_stats;

typedef struct vona_step_loop_interruption {
    uint64_t dropped_samples; /* transport-rate samples cleared from the playout ring */
    uint64_t played_samples;  /* transport-rate samples pulled since begin_turn */
    double played_ms;         /* played_samples in milliseconds */
} vona_step_loop_interruption;

/* VONA_E_INVALID_ARG for a zero or too large rate, frame, channel count or capacity,
 * or (where a backend rate differs from the transport rate) a rate pair, channel count
 * or quality the resampler does not support. */
vona_status vona_step_loop_create(const vona_step_loop_config *cfg, vona_step_loop **out);
void vona_step_loop_destroy(vona_step_loop *loop);

/* Upper bound on the frames the next push_input of n transport samples returns. */
size_t vona_step_loop_input_frames_bound(const vona_step_loop *loop, size_t n);

/* Resample and reframe n transport-rate samples. Each completed backend frame is
 * written to frames[i] (room for backend_frame * channels values each); *nframes
 * receives the count. VONA_E_FULL, with nothing consumed, if max_frames is below
 * vona_step_loop_input_frames_bound(loop, n). */
vona_status vona_step_loop_push_input(vona_step_loop *loop, const int16_t *src, size_t n,
                                      int16_t *const *frames, size_t max_frames, size_t *nframes);

/* Resample n backend-output-rate samples to the transport rate and queue them for playout.
 * *queued receives the transport-rate samples accepted; what does not fit in the
 * playout ring is refused and counted in overflows. */
vona_status vona_step_loop_push_output(vona_step_loop *loop, const int16_t *src, size_t n,
                                       size_t *queued);

/* The transport wants `want` transport-rate samples of playout: move up to
 * min(want, dst_cap) of them into dst (room for dst_cap samples); *got receives the
 * count. Updates played samples, first audio and turn latency; if fewer than `want`
 * were buffered during a playing turn, counts an underrun of the shortfall. (dst_cap
 * lets a caller size dst from vona_step_loop_playout_buffered without hiding an
 * underrun; pass dst_cap == want otherwise.) */
vona_status vona_step_loop_pull(vona_step_loop *loop, int16_t *dst, size_t dst_cap, size_t want,
                                size_t *got);

/* Samples waiting in the playout ring. */
size_t vona_step_loop_playout_buffered(const vona_step_loop *loop);

/* Report what was dropped and played, clear unplayed output in O(1), reset the output
 * resampler and close the turn: no more underruns or first-audio stamp, and played
 * restarts at 0 (a second interrupt before the next begin_turn reports nothing
 * played). No per-sample work; the resampler reset re-initialises libsoxr (tens to hundreds of microseconds, see
 * resample.h), a fixed cost per barge-in, never per frame. */
vona_status vona_step_loop_interrupt(vona_step_loop *loop, vona_step_loop_interruption *out);

/* Start an assistant turn at now_ns (or the loop's clock when now_ns < 0): played
 * samples, first audio and turn latency restart. */
void vona_step_loop_begin_turn(vona_step_loop *loop, int64_t now_ns);
/* The backend finished producing this turn: close it (later short pulls are not
 * underruns; its first sound, if still unplayed, is stamped when pulled). The
 * output resampler's held tail of the turn is flushed into the playout ring (*queued
 * receives the samples added; queued may be NULL) and the resampler starts afresh, so
 * the end of a turn is heard with it and not in front of the next one. */
vona_status vona_step_loop_end_turn(vona_step_loop *loop, size_t *queued);
/* The user stopped speaking at ns (or now when ns < 0): the next first audio of a turn
 * measures turn latency from here. */
void vona_step_loop_mark_user_speech_end(vona_step_loop *loop, int64_t ns);

/* Turn facts; -1 when not (yet) known. */
int64_t vona_step_loop_turn_start_ns(const vona_step_loop *loop);
int64_t vona_step_loop_first_audio_ns(const vona_step_loop *loop);
int64_t vona_step_loop_turn_latency_ns(const vona_step_loop *loop);
uint64_t vona_step_loop_played_samples(const vona_step_loop *loop);

/* Clock: real CLOCK_MONOTONIC by default. A virtual clock starts at 0 and moves only
 * with advance/set (VONA_E_STATE on a real clock; VONA_E_INVALID_ARG for a negative
 * step or time). */
void vona_step_loop_set_virtual_clock(vona_step_loop *loop, int virtual_clock);
int vona_step_loop_clock_is_virtual(const vona_step_loop *loop);
vona_status vona_step_loop_advance_clock(vona_step_loop *loop, int64_t ns);
vona_status vona_step_loop_set_time(vona_step_loop *loop, int64_t ns);
int64_t vona_step_loop_now(const vona_step_loop *loop);

/* Select the native backend used by vona_step_loop_process (copied; its context is
 * not). NULL, or a backend with NULL ops, removes it. VONA_E_INVALID_ARG for ops
 * without a process function. */
vona_status vona_step_loop_set_native_backend(vona_step_loop *loop,
                                              const vona_native_backend *backend);

/* The whole path in one call: n transport samples in -> resample -> reframe -> native
 * backend -> resample -> playout ring. A backend error stops the call and is returned
 * (samples before the failing frame stay processed). *queued receives the transport-rate samples
 * queued. VONA_E_STATE if no native backend is set. */
vona_status vona_step_loop_process(vona_step_loop *loop, const int16_t *src, size_t n,
                                   size_t *queued);

void vona_step_loop_stats_get(const vona_step_loop *loop, vona_step_loop_stats *out);

/* Audio the transport played that did not come through pull (e.g. filler): appended to
 * the echo canceller's reference. A no-op without echo cancellation. */
void vona_step_loop_echo_reference(vona_step_loop *loop, const int16_t *src, size_t n);

/* 1 if the loop cancels echo on its input. */
int vona_step_loop_echo_cancelling(const vona_step_loop *loop);

#ifdef __cplusplus
}
#endif
#endif
