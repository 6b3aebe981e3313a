/* Streaming sample-rate conversion between the common speech/audio rates.
 *
 * Engine: libsoxr (linked from C, single-threaded, float32 internally); the
 * measurements behind that choice are in docs/architecture.md#resampling.
 *
 * Rates: 8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000 Hz, in any pair.
 * Equal rates are an exact copy. Channels: 1 or 2, interleaved ("frames" below
 * count one sample per channel). Samples: float32 (nominal range [-1, 1]) or
 * int16; int16 is converted to float as s / 32768 and back as
 * round-half-even(x * 32768) saturated to [-32768, 32767], never dithered.
 *
 * Stream semantics:
 * - Output is time-aligned with the input: output frame j is the band-limited
 *   input evaluated at time j / out_rate (the filter's group delay is removed,
 *   not added as leading silence).
 * - Chunk invariance: the concatenated output of any sequence of process()
 *   calls followed by flush() depends only on the concatenated input, never on
 *   how it was split (down to 1-frame chunks), bit for bit.
 * - How much each call returns: process() returns every output frame the
 *   filter can complete from the input seen so far. The engine works in
 *   internal blocks, so in steady state the per-call count is NOT
 *   in_frames * out / in every time: at "hq"/"vhq" a 20 ms chunk may return 0
 *   frames and the next one a block (e.g. 48k->16k hq: 0 or ~490 frames);
 *   "low" returns nearly even counts; VONA_RESAMPLE_LOW_LATENCY makes the
 *   blocks smaller (48k->16k hq: 296..444 frames per 20 ms chunk).
 *   Guaranteed: after any call, total_out <= floor(total_in * out / in + 1/2),
 *   and vona_resampler_max_output() bounds the next call exactly.
 * - flush() returns the rest, so that over the stream
 *   total_out == floor(total_in * out / in + 1/2)  (round half up), and then
 *   resets the resampler for a new stream.
 * - delay: output frames currently held inside the resampler, exactly
 *   total_in * out / in - total_out (input consumed whose output has not been
 *   returned yet): the stream's latency right now, 0 after flush or reset.
 *
 * Threads: one resampler must not be used by two threads at once; separate
 * resamplers are fully independent (no shared mutable state; tested with
 * concurrent threads in tests/native/test_resample.c and tests/dsp).
 * Allocation and cost: process() feeds the engine in blocks of at most 1024
 * frames, so after the first calls its FIFOs stop growing and process() does
 * not allocate. reset() and flush() re-initialise the engine (soxr_clear:
 * filter design plus allocation, measured 20-600 us depending on rates and
 * quality, less with VONA_RESAMPLE_LOW_LATENCY): fine on barge-in or at the end
 * of a stream, not per frame. Equal-rate resamplers never touch soxr.
 */
#ifndef VONA_RESAMPLE_H
#define VONA_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vona_resampler vona_resampler;

typedef enum vona_resample_quality {
    VONA_RESAMPLE_LOW = 0, /* soxr LQ: 16-bit, wider rolloff, even output counts */
    VONA_RESAMPLE_HQ = 1,  /* soxr HQ: 20-bit, passband to 0.913 of Nyquist      */
    VONA_RESAMPLE_VHQ = 2  /* soxr VHQ: 28-bit                                    */
} vona_resample_quality;

/* Flags for vona_resampler_create_ex(). */
enum {
    /* Smaller engine blocks: latency at hq drops from up to ~37 ms to ~15 ms
     * (lq ~20 -> ~4 ms, vhq ~80 -> ~35 ms) and a 20 ms chunk always yields
     * output, for ~1.5x the CPU time. Same filter, same quality. */
    VONA_RESAMPLE_LOW_LATENCY = 1u
};

/* 1 if rate_hz is one of the supported rates, else 0. */
int vona_resampler_rate_supported(uint32_t rate_hz);

/* Parse "low" / "hq" / "vhq" (NUL-terminated). VONA_E_INVALID_ARG otherwise. */
vona_status vona_resampler_quality_parse(const char *name, vona_resample_quality *out);

/* Create a resampler. VONA_E_INVALID_ARG for an unsupported rate, a channel
 * count other than 1 or 2, or an unknown quality; VONA_E_NOMEM on allocation
 * failure; VONA_E_CODEC if the engine refuses. *out is NULL on failure. */
vona_status vona_resampler_create(uint32_t in_rate, uint32_t out_rate, uint32_t channels,
                                  vona_resample_quality quality, vona_resampler **out);

/* As vona_resampler_create(), with flags (VONA_RESAMPLE_LOW_LATENCY or 0);
 * unknown flag bits are VONA_E_INVALID_ARG. */
vona_status vona_resampler_create_ex(uint32_t in_rate, uint32_t out_rate, uint32_t channels,
                                     vona_resample_quality quality, unsigned flags,
                                     vona_resampler **out);

/* Free a resampler (NULL is allowed). */
void vona_resampler_destroy(vona_resampler *r);

/* Exact upper bound on the output frames the next process() call of
 * in_frames frames can return (it depends on the stream position). With
 * in_frames == 0 it is the exact number of frames flush() will return. */
size_t vona_resampler_max_output(const vona_resampler *r, size_t in_frames);

/* Resample in_frames interleaved frames into out (room for out_cap_frames
 * frames); *out_frames receives the count written. All input is consumed.
 * VONA_E_FULL (state unchanged) if out_cap_frames < max_output(in_frames);
 * VONA_E_INVALID_ARG for NULL pointers with a non-zero count;
 * VONA_E_CODEC if the engine fails. in and out must not overlap. */
vona_status vona_resampler_process_f32(vona_resampler *r, const float *in, size_t in_frames,
                                       float *out, size_t out_cap_frames, size_t *out_frames);

vona_status vona_resampler_process_i16(vona_resampler *r, const int16_t *in, size_t in_frames,
                                       int16_t *out, size_t out_cap_frames, size_t *out_frames);

/* Drain the tail (see "flush" above) into out and reset for a new stream.
 * Needs out_cap_frames >= max_output(r, 0), else VONA_E_FULL (state unchanged).
 * Use the variant that matches the dtype of the stream. */
vona_status vona_resampler_flush_f32(vona_resampler *r, float *out, size_t out_cap_frames,
                                     size_t *out_frames);

vona_status vona_resampler_flush_i16(vona_resampler *r, int16_t *out, size_t out_cap_frames,
                                     size_t *out_frames);

/* Drop all buffered input/output and start a new stream. */
vona_status vona_resampler_reset(vona_resampler *r);

/* Output frames currently held inside (the stream's latency right now). */
double vona_resampler_delay(const vona_resampler *r);

/* Accessors. */
uint32_t vona_resampler_in_rate(const vona_resampler *r);
uint32_t vona_resampler_out_rate(const vona_resampler *r);
uint32_t vona_resampler_channels(const vona_resampler *r);

#ifdef __cplusplus
}
#endif
#endif
