/* A native backend: per-frame work the step loop runs itself, with no call out of C.
 *
 * A backend is an ops table (what it does) plus a context pointer (its state). The step
 * loop calls `process` once per backend frame: `frame` holds `n` samples per channel at
 * the loop's backend input rate; the backend answers with its output at the backend
 * output rate, either in place (writing `frame` and pointing *out at it) or in memory it
 * owns (valid until its next call). Any output length is allowed, including none.
 *
 * `reset` (may be NULL) drops state tied to the turn that was playing: the loop calls it
 * before the first frame it processes after an interrupt.
 *
 * New stages (an ONNX model, echo cancellation) plug in by defining their own ops table
 * and context; step_loop.c knows none of them. The loop does not own the context: it
 * must outlive the loop's use of it (until another backend is set or the loop is
 * destroyed). Same threading and allocation rules as the loop: one thread at a time,
 * nothing allocated per frame.
 */
#ifndef VONA_NATIVE_BACKEND_H
#define VONA_NATIVE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vona_native_backend_ops {
    const char *name;
    vona_status (*process)(void *ctx, int16_t *frame, size_t n, unsigned channels,
                           const int16_t **out, size_t *out_n);
    void (*reset)(void *ctx);
} vona_native_backend_ops;

typedef struct vona_native_backend {
    const vona_native_backend_ops *ops; /* NULL: no backend */
    void *ctx;
} vona_native_backend;

/* Output = input, unchanged (no context). */
extern const vona_native_backend_ops vona_native_passthrough_ops;
vona_native_backend vona_native_passthrough(void);

/* Output = input times a linear gain, rounded half to even and saturated (vona_pcm). */
typedef struct vona_native_gain {
    float gain;
} vona_native_gain;

extern const vona_native_backend_ops vona_native_gain_ops;
/* Set g to gain_db decibels; VONA_E_INVALID_ARG (g untouched) for a non-finite gain. */
vona_status vona_native_gain_init(vona_native_gain *g, double gain_db);
vona_native_backend vona_native_gain_backend(vona_native_gain *g);

#ifdef __cplusplus
}
#endif
#endif
