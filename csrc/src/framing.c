/* Length-prefixed framing (see vona/framing.h). */
#include "vona/framing.h"

#include <stdlib.h>
#include <string.h>

vona_status vona_frame_put_header(uint8_t out[VONA_FRAME_HEADER_BYTES], size_t n, size_t max_frame)
{
    if (n > max_frame || n > VONA_FRAME_MAX_PAYLOAD) return VONA_E_LIMIT;
    out[0] = (uint8_t)(n >> 24);
    out[1] = (uint8_t)(n >> 16);
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    return VONA_OK;
}

vona_status vona_frame_reader_init(vona_frame_reader *r, size_t max_frame)
{
    memset(r, 0, sizeof *r);
    if (max_frame > VONA_FRAME_MAX_PAYLOAD) return VONA_E_INVALID_ARG;
    r->max_frame = max_frame;
    return VONA_OK;
}

void vona_frame_reader_free(vona_frame_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->buf_cap = 0;
}

void vona_frame_reader_reset(vona_frame_reader *r)
{
    vona_frame_reader_free(r);
    r->have = r->need = 0;
    r->failed = 0;
    r->bad_len = 0;
}

static vona_status refuse(vona_frame_reader *r, uint32_t n)
{
    r->failed = 1;
    r->bad_len = n;
    return VONA_E_LIMIT;
}

vona_status vona_frame_reader_next(vona_frame_reader *r, const uint8_t *data, size_t len,
                                   size_t *pos, const uint8_t **payload, size_t *payload_len)
{
    if (r->failed) return VONA_E_STATE;
    size_t p = *pos;
    if (r->have == 0) {
        /* Fast path: the whole frame is in the input; hand out a pointer into it. */
        if (len - p < VONA_FRAME_HEADER_BYTES) {
            if (p == len) return VONA_E_INCOMPLETE;
        } else {
            uint32_t n = vona_frame_get_header(data + p);
            if (n > r->max_frame) return refuse(r, n);
            if (len - p - VONA_FRAME_HEADER_BYTES >= n) {
                *payload = data + p + VONA_FRAME_HEADER_BYTES;
                *payload_len = n;
                *pos = p + VONA_FRAME_HEADER_BYTES + n;
                return VONA_OK;
            }
        }
    }
    /* Slow path: gather the header, check it, then gather the payload. */
    if (r->have < VONA_FRAME_HEADER_BYTES) {
        while (r->have < VONA_FRAME_HEADER_BYTES && p < len) r->header[r->have++] = data[p++];
        if (r->have < VONA_FRAME_HEADER_BYTES) {
            *pos = p;
            return VONA_E_INCOMPLETE;
        }
        uint32_t n = vona_frame_get_header(r->header);
        if (n > r->max_frame) {
            *pos = p;
            return refuse(r, n);
        }
        if (n > r->buf_cap) {
            uint8_t *nb = realloc(r->buf, n);
            if (!nb) {
                r->failed = 1;
                r->bad_len = n;
                *pos = p;
                return VONA_E_NOMEM;
            }
            r->buf = nb;
            r->buf_cap = n;
        }
        r->need = n;
    }
    size_t got = r->have - VONA_FRAME_HEADER_BYTES;
    size_t take = len - p < r->need - got ? len - p : r->need - got;
    if (take) memcpy(r->buf + got, data + p, take);
    r->have += take;
    p += take;
    *pos = p;
    if (r->have - VONA_FRAME_HEADER_BYTES < r->need) return VONA_E_INCOMPLETE;
    *payload = r->buf;
    *payload_len = r->need;
    r->have = 0;
    r->need = 0;
    return VONA_OK;
}
