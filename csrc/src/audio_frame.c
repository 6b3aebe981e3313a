/* The audio-frame message parser (see vona/audio_frame.h). */
#include "vona/audio_frame.h"

#include <string.h>

#include "vona/cbor_head.h"

typedef struct cursor {
    const uint8_t *p;
    const uint8_t *end;
} cursor;

/* The exact bytes lit[0..n) (an encoded key or text value) at the cursor. */
static int lit(cursor *c, const char *lit, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0) return 0;
    c->p += n;
    return 1;
}

/* A definite head of the given major type. */
static int head(cursor *c, unsigned major, uint64_t *value)
{
    unsigned ib;
    if (c->p == c->end) return 0;
    const uint8_t *q = vona_cbor_read_head(c->p, c->end, &ib, value);
    if (!q || ib >> 5 != major) return 0;
    c->p = q;
    return 1;
}

vona_status vona_audio_frame_parse(const uint8_t *data, size_t len, vona_audio_frame *f)
{
    if ((!data && len) || !f) return VONA_E_INVALID_ARG;
    cursor c = {data, data + len};
    uint64_t plen;
    memset(f, 0, sizeof *f);
    /* 2 * channels below must not wrap. */
    if (!lit(&c, "\xa6\x62" "ch", 4) || !head(&c, 0, &f->channels) || f->channels < 1 ||
        f->channels > 0xFFFFFFFFu)
        return VONA_E_UNSUPPORTED;
    f->kind = lit(&c, "\x62" "ts", 3) ? VONA_AUDIO_FRAME_IN : VONA_AUDIO_FRAME_OUT;
    if (f->kind == VONA_AUDIO_FRAME_IN && !head(&c, 0, &f->timestamp_ns))
        return VONA_E_UNSUPPORTED;
    if (!lit(&c, "\x63" "pcm", 4) || !head(&c, 2, &plen)) return VONA_E_UNSUPPORTED;
    if ((uint64_t)(c.end - c.p) < plen || plen % (2 * f->channels)) return VONA_E_UNSUPPORTED;
    f->pcm = c.p;
    f->pcm_bytes = (size_t)plen;
    c.p += plen;
    if (!lit(&c, "\x63" "seq", 4) || !head(&c, 0, &f->sequence)) return VONA_E_UNSUPPORTED;
    if (!lit(&c, "\x64" "rate", 5) || !head(&c, 0, &f->sample_rate_hz) || f->sample_rate_hz < 1)
        return VONA_E_UNSUPPORTED;
    if (f->kind == VONA_AUDIO_FRAME_IN) {
        if (!lit(&c, "\x64" "type" "\x62" "in", 8)) return VONA_E_UNSUPPORTED;
    } else {
        if (!lit(&c, "\x64" "type" "\x63" "out" "\x66" "filler", 16) || c.p == c.end ||
            (*c.p != 0xf4 && *c.p != 0xf5))
            return VONA_E_UNSUPPORTED;
        f->filler = *c.p++ == 0xf5;
    }
    return c.p == c.end ? VONA_OK : VONA_E_UNSUPPORTED;
}
