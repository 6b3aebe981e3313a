/* Reframer: a partial-frame buffer plus straight copies of whole frames from the
 * input, so a chunk that lines up with frame boundaries is copied exactly once. */
#include "vona/reframe.h"

#include <stdlib.h>
#include <string.h>

struct vona_reframe {
    size_t frame;      /* samples per channel per frame */
    unsigned channels;
    size_t pending;    /* samples per channel in buf, < frame */
    int16_t *buf;      /* frame * channels values */
};

vona_status vona_reframe_create(size_t frame_samples, unsigned channels, vona_reframe **out)
{
    if (out == NULL) return VONA_E_INVALID_ARG;
    *out = NULL;
    if (frame_samples == 0 || frame_samples > VONA_REFRAME_MAX_FRAME) return VONA_E_INVALID_ARG;
    if (channels == 0 || channels > VONA_REFRAME_MAX_CHANNELS) return VONA_E_INVALID_ARG;
    vona_reframe *r = calloc(1, sizeof(*r));
    if (r == NULL) return VONA_E_NOMEM;
    r->buf = malloc(frame_samples * channels * sizeof(int16_t));
    if (r->buf == NULL) {
        free(r);
        return VONA_E_NOMEM;
    }
    r->frame = frame_samples;
    r->channels = channels;
    *out = r;
    return VONA_OK;
}

void vona_reframe_destroy(vona_reframe *r)
{
    if (r == NULL) return;
    free(r->buf);
    free(r);
}

size_t vona_reframe_frame_samples(const vona_reframe *r) { return r->frame; }

unsigned vona_reframe_channels(const vona_reframe *r) { return r->channels; }

size_t vona_reframe_pending(const vona_reframe *r) { return r->pending; }

size_t vona_reframe_frames_after(const vona_reframe *r, size_t n)
{
    /* pending < frame, so pending + n cannot overflow for any n a buffer can hold. */
    return (r->pending + n) / r->frame;
}

vona_status vona_reframe_push(vona_reframe *r, const int16_t *src, size_t n, int16_t *out,
                              size_t max_frames, size_t *frames, size_t *consumed)
{
    if (frames == NULL || consumed == NULL) return VONA_E_INVALID_ARG;
    *frames = 0;
    *consumed = 0;
    if (n > 0 && src == NULL) return VONA_E_INVALID_ARG;
    if (max_frames > 0 && out == NULL) return VONA_E_INVALID_ARG;
    const size_t ch = r->channels, fs = r->frame, fv = fs * ch; /* values per frame */
    size_t used = 0, made = 0;

    if (r->pending > 0) {
        size_t need = fs - r->pending;
        if (n < need) { /* still not a whole frame: keep it all */
            memcpy(r->buf + r->pending * ch, src, n * ch * sizeof(int16_t));
            r->pending += n;
            *consumed = n;
            return VONA_OK;
        }
        if (max_frames == 0) return VONA_OK;
        memcpy(out, r->buf, r->pending * ch * sizeof(int16_t));
        memcpy(out + r->pending * ch, src, need * ch * sizeof(int16_t));
        r->pending = 0;
        used = need;
        made = 1;
    }

    size_t whole = (n - used) / fs;
    if (whole > max_frames - made) whole = max_frames - made;
    if (whole > 0) {
        memcpy(out + made * fv, src + used * ch, whole * fv * sizeof(int16_t));
        made += whole;
        used += whole * fs;
    }

    size_t rest = n - used;
    if (rest < fs) { /* only a partial frame is left: hold it (out did not run out) */
        memcpy(r->buf, src + used * ch, rest * ch * sizeof(int16_t));
        r->pending = rest;
        used = n;
    }
    *frames = made;
    *consumed = used;
    return VONA_OK;
}

vona_status vona_reframe_flush(vona_reframe *r, int16_t *out, int pad, size_t *samples)
{
    if (samples == NULL) return VONA_E_INVALID_ARG;
    *samples = 0;
    if (r->pending == 0) return VONA_OK;
    if (out == NULL) return VONA_E_INVALID_ARG;
    const size_t ch = r->channels;
    memcpy(out, r->buf, r->pending * ch * sizeof(int16_t));
    if (pad) {
        memset(out + r->pending * ch, 0, (r->frame - r->pending) * ch * sizeof(int16_t));
        *samples = r->frame;
    } else {
        *samples = r->pending;
    }
    r->pending = 0;
    return VONA_OK;
}

void vona_reframe_reset(vona_reframe *r) { r->pending = 0; }
