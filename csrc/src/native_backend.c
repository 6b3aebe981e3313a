/* The native backends the core ships: passthrough and gain (see vona/native_backend.h). */
#include "vona/native_backend.h"

#include <math.h>

#include "vona/pcm.h"

static vona_status passthrough_process(void *ctx, int16_t *frame, size_t n, unsigned channels,
                                       const int16_t **out, size_t *out_n)
{
    (void)ctx;
    (void)channels;
    *out = frame; /* the frame already is the output */
    *out_n = n;
    return VONA_OK;
}

const vona_native_backend_ops vona_native_passthrough_ops = {"passthrough", passthrough_process, NULL};

vona_native_backend vona_native_passthrough(void)
{
    vona_native_backend b = {&vona_native_passthrough_ops, NULL};
    return b;
}

static vona_status gain_process(void *ctx, int16_t *frame, size_t n, unsigned channels,
                                const int16_t **out, size_t *out_n)
{
    const vona_native_gain *g = ctx;
    vona_pcm_gain_int16(frame, frame, n * channels, g->gain);
    *out = frame;
    *out_n = n;
    return VONA_OK;
}

const vona_native_backend_ops vona_native_gain_ops = {"gain", gain_process, NULL};

vona_status vona_native_gain_init(vona_native_gain *g, double gain_db)
{
    if (g == NULL || !isfinite(gain_db)) return VONA_E_INVALID_ARG;
    g->gain = vona_pcm_db_to_gain(gain_db);
    return VONA_OK;
}

vona_native_backend vona_native_gain_backend(vona_native_gain *g)
{
    vona_native_backend b = {&vona_native_gain_ops, g};
    return b;
}
