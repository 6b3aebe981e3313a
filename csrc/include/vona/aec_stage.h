/* The echo-cancelling stage of the step loop: a far-end reference FIFO and a framed
 * vona_aec, at the transport rate.
 *
 * The runtime knows exactly what it played: every sample the step loop hands to the
 * transport is appended to the reference FIFO (vona_aec_stage_far), and every
 * microphone sample that comes in consumes one reference sample (vona_aec_stage_near),
 * zeros when the FIFO is empty (nothing was playing). Both sides advance at the
 * transport's sample clock, so the reference leads the echo by the transport's own
 * output latency plus the room's delay, which the adaptive filter learns (filter_ms
 * bounds it). When more than max_lead samples wait in the FIFO (a transport that is
 * sent audio ahead of real time), the oldest are dropped so the FIFO keeps the most
 * recent audio.
 *
 * The canceller works on 10 ms frames: near samples are held until a frame is whole
 * (fewer than one frame is ever held), and the output lags the input by one more frame
 * (vona_aec_delay). Mono only.
 *
 * Threads: one thread at a time. Allocation: only at create.
 */
#ifndef VONA_AEC_STAGE_H
#define VONA_AEC_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vona_aec_stage vona_aec_stage;

/* VONA_E_INVALID_ARG for an unsupported rate (vona_aec_rate_supported), a filter out of
 * range or unknown flags (see vona_aec_create). */
vona_status vona_aec_stage_create(uint32_t rate, uint32_t filter_ms, unsigned flags,
                                  vona_aec_stage **out);
void vona_aec_stage_destroy(vona_aec_stage *s);

/* Samples per frame (10 ms at the rate). */
size_t vona_aec_stage_frame(const vona_aec_stage *s);

/* Near samples held, waiting for a whole frame (< frame). */
size_t vona_aec_stage_held(const vona_aec_stage *s);

/* Append n played samples to the reference (NULL with n > 0: n zeros). */
void vona_aec_stage_far(vona_aec_stage *s, const int16_t *played, size_t n);

/* Cancel the echo in n microphone samples. Writes the completed frames into out (room
 * for out_cap samples; held + n rounded down to whole frames is enough) and *out_n
 * receives the count. VONA_E_FULL (nothing consumed) if out_cap is too small. */
vona_status vona_aec_stage_near(vona_aec_stage *s, const int16_t *in, size_t n, int16_t *out,
                                size_t out_cap, size_t *out_n);

/* Forget the reference, the held samples and the learnt echo path. */
vona_status vona_aec_stage_reset(vona_aec_stage *s);

#ifdef __cplusplus
}
#endif
#endif
