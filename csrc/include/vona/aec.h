/* Acoustic echo cancellation: remove the runtime's own played audio from the microphone.
 *
 * Engine: libspeexdsp's multi-delay block frequency-domain adaptive filter
 * (speex_echo_*) followed by its preprocessor (speex_preprocess_*), which
 * suppresses the residual echo the linear filter leaves and, optionally, noise.
 * Chosen over WebRTC's audio processing by measured echo return loss
 * enhancement on the test echo path (docs/turn-taking.md).
 *
 * Signals: mono int16 at 8000, 11025, 16000, 22050, 24000, 32000, 44100 or
 * 48000 Hz (the resampler's rates, so every transport rate).
 * "near" is what the microphone heard (the user plus the echo); "far" is the
 * reference, exactly what the runtime played for the same span of time (zeros
 * when nothing played). The filter learns the room's delay and reverb up to
 * filter_samples long (e.g. 200 ms covers a laptop or speakerphone).
 *
 * Frames: process() takes a whole number of frames of frame_samples samples
 * (10-20 ms is typical; the filter works on frame_samples blocks). The output
 * lags the input by exactly one frame (the suppressor's overlap-add), so 10 ms
 * frames add 10 ms to the input path.
 *
 * Threads: one canceller must not be used by two threads at once; separate
 * cancellers share nothing. Allocation: only at create; process() and reset()
 * never allocate.
 *
 * With VONA_AEC_ECHO_GATE a frame-level gate follows (see the flag): a coarse echo
 * model (lag and gain from frame levels) learnt in ~300 ms of playback.
 */
#ifndef VONA_AEC_H
#define VONA_AEC_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vona_aec vona_aec;

/* Flags for vona_aec_create(). */
enum {
    VONA_AEC_NOISE_SUPPRESSION = 1u, /* also suppress stationary noise (speex preprocessor) */
    /* also mute frames that hold no more than the predicted echo: the residual echo
     * gate, which covers the seconds the adaptive filter needs to converge (the first
     * reply of a session) and keeps its residue from a VAD; a talker clearly above the
     * echo (6 dB) passes, and one who was talking before the playback started is left
     * alone until they pause. The step loop's stage turns it on. */
    VONA_AEC_ECHO_GATE = 2u
};

/* Limits. */
enum {
    VONA_AEC_MAX_FRAME_MS = 40,  /* frame_samples at most 40 ms of audio */
    VONA_AEC_MAX_FILTER_MS = 1000 /* filter_samples at most 1 s of audio */
};

/* 1 if rate_hz is a supported sample rate, else 0. */
int vona_aec_rate_supported(uint32_t rate_hz);

/* Create a canceller. VONA_E_INVALID_ARG for an unsupported rate, a frame of
 * 0 or more than VONA_AEC_MAX_FRAME_MS, a filter shorter than one frame or
 * longer than VONA_AEC_MAX_FILTER_MS, or unknown flag bits; VONA_E_NOMEM on
 * allocation failure. *out is NULL on failure. */
vona_status vona_aec_create(uint32_t sample_rate, uint32_t frame_samples, uint32_t filter_samples,
                            unsigned flags, vona_aec **out);

/* Free a canceller (NULL is allowed). */
void vona_aec_destroy(vona_aec *aec);

/* Cancel the echo of `far` in `near` over n samples (a multiple of
 * frame_samples) into out. out may alias near (in place); far must not alias
 * out. VONA_E_INVALID_ARG for NULL pointers with n > 0 or n not a multiple of
 * the frame. */
vona_status vona_aec_process(vona_aec *aec, const int16_t *near, const int16_t *far, int16_t *out,
                             size_t n);

/* Forget the learnt echo path (a new call, a new device). */
vona_status vona_aec_reset(vona_aec *aec);

uint32_t vona_aec_sample_rate(const vona_aec *aec);
uint32_t vona_aec_frame_samples(const vona_aec *aec);
uint32_t vona_aec_filter_samples(const vona_aec *aec);
/* Samples the output lags the input by (one frame). */
uint32_t vona_aec_delay(const vona_aec *aec);

#ifdef __cplusplus
}
#endif
#endif
