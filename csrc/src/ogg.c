/* The Ogg Opus page writer. */
#include "vona/ogg.h"

#include <stdlib.h>
#include <string.h>

#include "vona/opus_codec.h"

/* OpusHead (19 bytes, family 0) and OpusTags with vendor "vona" and no comments. */
#define HEAD_BYTES 19
static const char VENDOR[] = "vona";
#define TAGS_BYTES (8 + 4 + (sizeof VENDOR - 1) + 4)
#define HEADER_PAGES_BYTES (2 * VONA_OGG_HEADER_BYTES + 2 + HEAD_BYTES + TAGS_BYTES)

struct vona_ogg_writer {
    vona_ogg_writer_config cfg;
    uint32_t seq;
    int headers_done;
    int closed;
    int64_t granule;      /* 48 kHz samples of every packet written */
    int64_t page_granule; /* granule of the last packet completed on the open page, or -1 */
    int page_continued;   /* the open page starts in the middle of a packet */
    int nseg;
    size_t body_len;
    size_t body_cap;
    uint8_t lacing[VONA_OGG_MAX_SEGMENTS];
    uint8_t body[]; /* body_cap bytes */
};

static void put_le16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static void put_le32(uint8_t *p, uint32_t v)
{
    put_le16(p, v & 0xFFFF);
    put_le16(p + 2, v >> 16);
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Write one page (header, lacing, body) at out and return its size. */
static size_t build_page(uint8_t *out, int flags, int64_t granule, uint32_t serial, uint32_t seq,
                         const uint8_t *lacing, int nseg, const uint8_t *body, size_t body_len)
{
    memcpy(out, "OggS", 4);
    out[4] = 0;
    out[5] = (uint8_t)flags;
    put_le64(out + 6, (uint64_t)granule);
    put_le32(out + 14, serial);
    put_le32(out + 18, seq);
    memset(out + 22, 0, 4);
    out[26] = (uint8_t)nseg;
    memcpy(out + VONA_OGG_HEADER_BYTES, lacing, (size_t)nseg);
    memcpy(out + VONA_OGG_HEADER_BYTES + nseg, body, body_len);
    size_t total = VONA_OGG_HEADER_BYTES + (size_t)nseg + body_len;
    put_le32(out + 22, vona_ogg_crc32(0, out, total));
    return total;
}

/* A header packet alone on its own page. */
static size_t header_page(vona_ogg_writer *w, uint8_t *out, const uint8_t *pkt, size_t len)
{
    uint8_t lace = (uint8_t)len; /* both header packets are under 255 bytes */
    int flags = w->seq == 0 ? VONA_OGG_FLAG_BOS : 0;
    return build_page(out, flags, 0, w->cfg.serial, w->seq++, &lace, 1, pkt, len);
}

static size_t write_headers(vona_ogg_writer *w, uint8_t *out)
{
    uint8_t head[HEAD_BYTES];
    memcpy(head, "OpusHead", 8);
    head[8] = 1;
    head[9] = (uint8_t)w->cfg.channels;
    put_le16(head + 10, (uint32_t)w->cfg.pre_skip);
    put_le32(head + 12, w->cfg.input_sample_rate);
    put_le16(head + 16, (uint32_t)(uint16_t)(int16_t)w->cfg.output_gain);
    head[18] = 0;
    uint8_t tags[TAGS_BYTES];
    memcpy(tags, "OpusTags", 8);
    put_le32(tags + 8, (uint32_t)(sizeof VENDOR - 1));
    memcpy(tags + 12, VENDOR, sizeof VENDOR - 1);
    put_le32(tags + 12 + sizeof VENDOR - 1, 0);
    size_t n = header_page(w, out, head, sizeof head);
    n += header_page(w, out + n, tags, sizeof tags);
    w->headers_done = 1;
    return n;
}

static size_t flush_page(vona_ogg_writer *w, uint8_t *out, int eos)
{
    int flags = (w->page_continued ? VONA_OGG_FLAG_CONTINUED : 0) | (eos ? VONA_OGG_FLAG_EOS : 0);
    size_t n = build_page(out, flags, w->page_granule, w->cfg.serial, w->seq++, w->lacing, w->nseg,
                          w->body, w->body_len);
    w->nseg = 0;
    w->body_len = 0;
    w->page_granule = -1;
    return n;
}

vona_status vona_ogg_writer_create(vona_ogg_writer **out, const vona_ogg_writer_config *cfg)
{
    if (!out || !cfg) return VONA_E_INVALID_ARG;
    *out = NULL;
    vona_ogg_writer_config c = *cfg;
    if (c.page_target_bytes == 0) c.page_target_bytes = VONA_OGG_DEFAULT_PAGE_TARGET;
    if ((c.channels != 1 && c.channels != 2) || c.pre_skip < 0 || c.pre_skip > 65535 ||
        c.output_gain < -32768 || c.output_gain > 32767 || c.page_target_bytes < 255 ||
        c.page_target_bytes > 32768)
        return VONA_E_INVALID_ARG;
    c.flush_every_packet = c.flush_every_packet != 0;
    /* Filled pages close once the body reaches the target, so at most target + 254 bytes;
     * a page of one packet holds at most a maximal Opus packet. */
    size_t cap = c.page_target_bytes + 255;
    if (cap < VONA_OPUS_MAX_PACKET_BYTES) cap = VONA_OPUS_MAX_PACKET_BYTES;
    vona_ogg_writer *w = calloc(1, sizeof *w + cap);
    if (!w) return VONA_E_NOMEM;
    w->cfg = c;
    w->body_cap = cap;
    w->page_granule = -1;
    *out = w;
    return VONA_OK;
}

void vona_ogg_writer_destroy(vona_ogg_writer *w) { free(w); }

size_t vona_ogg_writer_output_bound(const vona_ogg_writer *w, size_t packet_len)
{
    if (!w) return 0;
    size_t headers = w->headers_done ? 0 : HEADER_PAGES_BYTES;
    size_t page_overhead = VONA_OGG_HEADER_BYTES + VONA_OGG_MAX_SEGMENTS;
    if (w->cfg.flush_every_packet)
        return headers + 2 * (page_overhead + (packet_len > w->body_cap ? w->body_cap : packet_len));
    /* A full page may close before the first segment, then once per target bytes added, and
     * once more after the packet. */
    size_t pages = 2 + packet_len / w->cfg.page_target_bytes;
    return headers + pages * (page_overhead + w->cfg.page_target_bytes + 254);
}

vona_status vona_ogg_writer_write(vona_ogg_writer *w, const uint8_t *packet, size_t len,
                                  uint8_t *out, size_t out_cap, size_t *out_len, int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (out_len) *out_len = 0;
    if (!w || !packet || !out || !out_len) return VONA_E_INVALID_ARG;
    if (w->closed) return VONA_E_STATE;
    int samples = 0;
    vona_status st = vona_opus_packet_samples_48k(packet, len, &samples, opus_error);
    if (st != VONA_OK) return st;
    if (out_cap < vona_ogg_writer_output_bound(w, len)) return VONA_E_FULL;

    size_t n = w->headers_done ? 0 : write_headers(w, out);
    w->granule += samples;
    size_t done = 0;
    int first = 1;
    for (;;) {
        size_t seg = len - done > 255 ? 255 : len - done;
        if (w->nseg == VONA_OGG_MAX_SEGMENTS ||
            (!w->cfg.flush_every_packet && w->body_len >= w->cfg.page_target_bytes)) {
            n += flush_page(w, out + n, 0);
            w->page_continued = !first;
        }
        w->lacing[w->nseg++] = (uint8_t)seg;
        memcpy(w->body + w->body_len, packet + done, seg);
        w->body_len += seg;
        done += seg;
        first = 0;
        /* A segment shorter than 255 bytes (possibly 0) ends the packet. */
        if (seg < 255) break;
    }
    w->page_granule = w->granule;
    if (w->cfg.flush_every_packet || w->body_len >= w->cfg.page_target_bytes) {
        n += flush_page(w, out + n, 0);
        w->page_continued = 0;
    }
    *out_len = n;
    return VONA_OK;
}

vona_status vona_ogg_writer_close(vona_ogg_writer *w, uint8_t *out, size_t out_cap,
                                  size_t *out_len)
{
    if (out_len) *out_len = 0;
    if (!w || !out || !out_len) return VONA_E_INVALID_ARG;
    if (w->closed) return VONA_OK;
    if (out_cap < vona_ogg_writer_output_bound(w, 0)) return VONA_E_FULL;
    size_t n = w->headers_done ? 0 : write_headers(w, out);
    /* With nothing pending (always so in realtime mode) the final page is empty; no packet
     * ends on it, so its granule position is -1 (RFC 3533) and the end position stays on
     * the page before. */
    n += flush_page(w, out + n, 1);
    w->closed = 1;
    *out_len = n;
    return VONA_OK;
}

int64_t vona_ogg_writer_granule(const vona_ogg_writer *w) { return w ? w->granule : 0; }

uint32_t vona_ogg_writer_pages(const vona_ogg_writer *w) { return w ? w->seq : 0; }
