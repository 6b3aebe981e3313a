/* Echo-cancelling stage of the step loop (see vona/aec_stage.h). */
#include "vona/aec_stage.h"

#include <stdlib.h>
#include <string.h>

#include "vona/aec.h"

struct vona_aec_stage {
    vona_aec *aec;
    size_t frame;
    int16_t *fifo; /* reference ring */
    size_t cap, head, len;
    int16_t *near, *far; /* one frame each: held near samples, the frame's reference */
    size_t held;
};

vona_status vona_aec_stage_create(uint32_t rate, uint32_t filter_ms, unsigned flags,
                                  vona_aec_stage **out)
{
    if (out == NULL) return VONA_E_INVALID_ARG;
    *out = NULL;
    if (!vona_aec_rate_supported(rate) || filter_ms == 0 || filter_ms > VONA_AEC_MAX_FILTER_MS)
        return VONA_E_INVALID_ARG;
    vona_aec_stage *s = calloc(1, sizeof *s);
    if (s == NULL) return VONA_E_NOMEM;
    s->frame = rate / 100;
    /* room for the filter's reach plus a second of output sent ahead of real time */
    s->cap = (size_t)rate * filter_ms / 1000 + rate;
    /* the residual echo gate always: the loop feeds a VAD, which must not hear the
     * first reply's echo while the filter converges */
    vona_status st = vona_aec_create(rate, (uint32_t)s->frame,
                                     (uint32_t)((uint64_t)rate * filter_ms / 1000),
                                     flags | VONA_AEC_ECHO_GATE, &s->aec);
    if (st == VONA_OK) {
        s->fifo = malloc(s->cap * sizeof *s->fifo);
        s->near = malloc(s->frame * sizeof *s->near);
        s->far = malloc(s->frame * sizeof *s->far);
        if (s->fifo == NULL || s->near == NULL || s->far == NULL) st = VONA_E_NOMEM;
    }
    if (st != VONA_OK) {
        vona_aec_stage_destroy(s);
        return st;
    }
    *out = s;
    return VONA_OK;
}

void vona_aec_stage_destroy(vona_aec_stage *s)
{
    if (s == NULL) return;
    vona_aec_destroy(s->aec);
    free(s->fifo);
    free(s->near);
    free(s->far);
    free(s);
}

size_t vona_aec_stage_frame(const vona_aec_stage *s) { return s->frame; }
size_t vona_aec_stage_held(const vona_aec_stage *s) { return s->held; }

void vona_aec_stage_far(vona_aec_stage *s, const int16_t *played, size_t n)
{
    if (n >= s->cap) { /* only the newest cap samples can matter */
        if (played != NULL) played += n - s->cap;
        n = s->cap;
    }
    if (s->len + n > s->cap) { /* drop the oldest */
        size_t drop = s->len + n - s->cap;
        s->head = (s->head + drop) % s->cap;
        s->len -= drop;
    }
    size_t tail = (s->head + s->len) % s->cap;
    size_t first = s->cap - tail < n ? s->cap - tail : n;
    if (played != NULL) {
        memcpy(s->fifo + tail, played, first * sizeof *played);
        memcpy(s->fifo, played + first, (n - first) * sizeof *played);
    } else {
        memset(s->fifo + tail, 0, first * sizeof *s->fifo);
        memset(s->fifo, 0, (n - first) * sizeof *s->fifo);
    }
    s->len += n;
}

/* The next frame of reference into s->far: FIFO samples, then zeros. */
static void take_far(vona_aec_stage *s)
{
    size_t n = s->len < s->frame ? s->len : s->frame;
    size_t first = s->cap - s->head < n ? s->cap - s->head : n;
    memcpy(s->far, s->fifo + s->head, first * sizeof *s->far);
    memcpy(s->far + first, s->fifo, (n - first) * sizeof *s->far);
    memset(s->far + n, 0, (s->frame - n) * sizeof *s->far);
    s->head = (s->head + n) % s->cap;
    s->len -= n;
}

vona_status vona_aec_stage_near(vona_aec_stage *s, const int16_t *in, size_t n, int16_t *out,
                                size_t out_cap, size_t *out_n)
{
    if (out_n == NULL || (n > 0 && in == NULL)) return VONA_E_INVALID_ARG;
    *out_n = 0;
    size_t whole = (s->held + n) / s->frame * s->frame;
    if (out_cap < whole || (whole > 0 && out == NULL)) return VONA_E_FULL;
    size_t used = 0, made = 0;
    while (used < n) {
        size_t take = s->frame - s->held < n - used ? s->frame - s->held : n - used;
        memcpy(s->near + s->held, in + used, take * sizeof *in);
        s->held += take;
        used += take;
        if (s->held < s->frame) break;
        take_far(s);
        vona_status st = vona_aec_process(s->aec, s->near, s->far, out + made, s->frame);
        if (st != VONA_OK) return st;
        made += s->frame;
        s->held = 0;
    }
    *out_n = made;
    return VONA_OK;
}

vona_status vona_aec_stage_reset(vona_aec_stage *s)
{
    s->head = s->len = s->held = 0;
    return vona_aec_reset(s->aec);
}
