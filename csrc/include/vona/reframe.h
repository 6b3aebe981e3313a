/* Reframing: any chunk sizes in, fixed-size frames out.
 *
 * Units: sizes are in samples per channel ("sample frames"); buffers hold interleaved
 * int16, `channels` values per sample. A frame is `frame_samples` samples per channel.
 * The reframer keeps fewer than one frame pending between calls and never drops or
 * duplicates audio: the concatenation of every frame it emits, followed by what
 * flush returns, equals the concatenation of every chunk pushed (plus zero padding in
 * the last frame when flushing with pad).
 *
 * Threads: one reframer must not be used by two threads at once.
 * Allocation: only in vona_reframe_create.
 */
#ifndef VONA_REFRAME_H
#define VONA_REFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vona_reframe vona_reframe;

#define VONA_REFRAME_MAX_CHANNELS 64u
#define VONA_REFRAME_MAX_FRAME ((size_t)1 << 24) /* samples per channel per frame */

/* VONA_E_INVALID_ARG if frame_samples is 0 or above VONA_REFRAME_MAX_FRAME, or
 * channels is 0 or above VONA_REFRAME_MAX_CHANNELS. */
vona_status vona_reframe_create(size_t frame_samples, unsigned channels, vona_reframe **out);

void vona_reframe_destroy(vona_reframe *r);

size_t vona_reframe_frame_samples(const vona_reframe *r);
unsigned vona_reframe_channels(const vona_reframe *r);

/* Samples (per channel) held back, always < frame_samples. */
size_t vona_reframe_pending(const vona_reframe *r);

/* Whole frames that pushing n more samples would complete. */
size_t vona_reframe_frames_after(const vona_reframe *r, size_t n);

/* Push n samples from src. Completed frames are written back to back into out, which
 * has room for max_frames frames; *frames receives how many were written and
 * *consumed how many samples of src were taken. All of src is taken unless out fills
 * up first, in which case the call stops right after the last frame that fit (and
 * keeps nothing new pending): push the rest of src again. out may be NULL when
 * max_frames is 0. */
vona_status vona_reframe_push(vona_reframe *r, const int16_t *src, size_t n, int16_t *out,
                              size_t max_frames, size_t *frames, size_t *consumed);

/* Emit what is pending and reset. With pad != 0 a pending partial frame is completed
 * with zeros and written as one whole frame (*samples = frame_samples); without pad
 * the pending samples are written as they are (*samples = pending). Nothing pending:
 * *samples = 0. out needs room for one frame. */
vona_status vona_reframe_flush(vona_reframe *r, int16_t *out, int pad, size_t *samples);

/* Drop anything pending. */
void vona_reframe_reset(vona_reframe *r);

#ifdef __cplusplus
}
#endif
#endif
