/* The streaming Ogg Opus reader: page sync, CRC check, header validation, packet assembly. */
#include <stdlib.h>
#include <string.h>

#include "vona/ogg.h"

enum { WANT_HEAD = 0, WANT_TAGS = 1, AUDIO = 2, ENDED = 3 };

struct vona_ogg_reader {
    vona_ogg_reader_config cfg;
    uint8_t *page; /* cfg.max_page_bytes */
    size_t fill;
    int in_junk; /* discarding bytes since the last good page (counted once) */

    uint8_t *asm_buf; /* a packet continued across pages */
    size_t asm_len, asm_cap;
    int asm_active;
    int skipping; /* skipping the rest of a packet whose start was lost (counted once) */
    size_t tail_off, tail_len; /* packet begun at the end of the last page, moved to asm_buf */
    int tail_pending;          /* at the next feed, before the page buffer is reused */

    const uint8_t *pkt_data[VONA_OGG_MAX_SEGMENTS];
    size_t pkt_len[VONA_OGG_MAX_SEGMENTS];
    size_t npkt;

    int state;
    int have_serial;
    uint32_t serial, next_seq;
    int64_t granule;
    uint64_t corrupt_pages, lost_packets;
    vona_ogg_opus_head head;
    vona_status fatal;
    const char *error;
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

#define MAX_ASSEMBLY (16u << 20)

vona_status vona_ogg_reader_create(vona_ogg_reader **out, const vona_ogg_reader_config *cfg)
{
    if (!out || !cfg) return VONA_E_INVALID_ARG;
    *out = NULL;
    vona_ogg_reader_config c = *cfg;
    if (c.max_page_bytes < 64 || c.max_page_bytes > VONA_OGG_MAX_PAGE_BYTES ||
        c.max_packet_bytes < 1 || c.max_packet_bytes > MAX_ASSEMBLY || c.max_tags_bytes < 20 ||
        c.max_tags_bytes > MAX_ASSEMBLY)
        return VONA_E_INVALID_ARG;
    vona_ogg_reader *r = calloc(1, sizeof *r);
    if (!r) return VONA_E_NOMEM;
    r->cfg = c;
    r->page = malloc(c.max_page_bytes);
    r->asm_cap = 8192;
    r->asm_buf = malloc(r->asm_cap);
    if (!r->page || !r->asm_buf) {
        vona_ogg_reader_destroy(r);
        return VONA_E_NOMEM;
    }
    r->granule = -1;
    r->error = "";
    *out = r;
    return VONA_OK;
}

void vona_ogg_reader_destroy(vona_ogg_reader *r)
{
    if (!r) return;
    free(r->page);
    free(r->asm_buf);
    free(r);
}

static vona_status fail(vona_ogg_reader *r, vona_status st, const char *why)
{
    r->fatal = st;
    r->error = why;
    r->npkt = 0;
    return st;
}

/* Grow the assembly buffer to hold need bytes, within the packet or tags cap. */
static vona_status asm_reserve(vona_ogg_reader *r, size_t need)
{
    size_t limit = r->state == WANT_TAGS ? r->cfg.max_tags_bytes : r->cfg.max_packet_bytes;
    if (need > limit)
        return fail(r, VONA_E_LIMIT,
                    r->state == WANT_TAGS ? "OpusTags packet larger than max_tags_bytes"
                                          : "audio packet larger than max_packet_bytes");
    if (need <= r->asm_cap) return VONA_OK;
    size_t cap = r->asm_cap;
    while (cap < need) cap *= 2;
    if (cap > limit) cap = limit;
    uint8_t *p = realloc(r->asm_buf, cap);
    if (!p) return fail(r, VONA_E_NOMEM, "out of memory assembling a packet");
    r->asm_buf = p;
    r->asm_cap = cap;
    return VONA_OK;
}

static vona_status asm_append(vona_ogg_reader *r, const uint8_t *data, size_t len)
{
    vona_status st = asm_reserve(r, r->asm_len + len);
    if (st != VONA_OK) return st;
    memcpy(r->asm_buf + r->asm_len, data, len);
    r->asm_len += len;
    return VONA_OK;
}

static vona_status parse_head(vona_ogg_reader *r, const uint8_t *p, size_t len)
{
    if (len < 19 || memcmp(p, "OpusHead", 8) != 0)
        return fail(r, VONA_E_CORRUPT, "first packet is not an OpusHead header (RFC 7845 5.1)");
    if (p[8] & 0xF0)
        return fail(r, VONA_E_UNSUPPORTED, "OpusHead major version is not 0 (RFC 7845 5.1)");
    vona_ogg_opus_head h = {
        .version = p[8],
        .channels = p[9],
        .pre_skip = (int)(p[10] | p[11] << 8),
        .input_sample_rate = le32(p + 12),
        .output_gain = (int)(int16_t)(uint16_t)(p[16] | p[17] << 8),
        .mapping_family = p[18],
    };
    if (h.channels == 0) return fail(r, VONA_E_CORRUPT, "OpusHead channel count is 0");
    if (h.mapping_family != 0)
        return fail(r, VONA_E_UNSUPPORTED,
                    "OpusHead channel mapping family is not 0 (only mono and stereo are supported)");
    if (h.channels > 2)
        return fail(r, VONA_E_CORRUPT, "OpusHead mapping family 0 allows 1 or 2 channels only");
    r->head = h;
    return VONA_OK;
}

static vona_status parse_tags(vona_ogg_reader *r, const uint8_t *p, size_t len)
{
    if (len < 16 || memcmp(p, "OpusTags", 8) != 0)
        return fail(r, VONA_E_CORRUPT,
                    "second packet is not an OpusTags header (header packets out of order)");
    size_t pos = 8;
    uint32_t vendor = le32(p + pos);
    pos += 4;
    if (vendor > len - pos || len - pos - vendor < 4)
        return fail(r, VONA_E_CORRUPT, "OpusTags vendor string runs past the packet");
    pos += vendor;
    uint32_t count = le32(p + pos);
    pos += 4;
    for (uint32_t i = 0; i < count; i++) {
        if (len - pos < 4) return fail(r, VONA_E_CORRUPT, "OpusTags comment count runs past the packet");
        uint32_t n = le32(p + pos);
        pos += 4;
        if (n > len - pos) return fail(r, VONA_E_CORRUPT, "OpusTags comment runs past the packet");
        pos += n;
    }
    return VONA_OK;
}

/* One complete packet from the current page (or the assembly buffer). */
static vona_status on_packet(vona_ogg_reader *r, const uint8_t *data, size_t len, int whole_page)
{
    switch (r->state) {
    case WANT_HEAD:
        if (!whole_page)
            return fail(r, VONA_E_CORRUPT, "OpusHead must be alone on the first page (RFC 7845 3)");
        if (parse_head(r, data, len) != VONA_OK) return r->fatal;
        r->state = WANT_TAGS;
        return VONA_OK;
    case WANT_TAGS:
        if (parse_tags(r, data, len) != VONA_OK) return r->fatal;
        r->state = AUDIO;
        return VONA_OK;
    default:
        if (len > r->cfg.max_packet_bytes)
            return fail(r, VONA_E_LIMIT, "audio packet larger than max_packet_bytes");
        r->pkt_data[r->npkt] = data;
        r->pkt_len[r->npkt] = len;
        r->npkt++;
        return VONA_OK;
    }
}

static vona_status check_stream(vona_ogg_reader *r, int flags, uint32_t serial, uint32_t seq)
{
    if (!r->have_serial) {
        if (!(flags & VONA_OGG_FLAG_BOS))
            return fail(r, VONA_E_CORRUPT,
                        "stream does not start with a beginning-of-stream page holding OpusHead");
        r->have_serial = 1;
        r->serial = serial;
        r->next_seq = seq;
    } else if (r->state == ENDED) {
        return fail(r, VONA_E_UNSUPPORTED,
                    (flags & VONA_OGG_FLAG_BOS)
                        ? "chained Ogg streams are not supported (a new stream began after "
                          "end of stream)"
                        : "page after the end-of-stream page");
    } else if (serial != r->serial) {
        return fail(r, VONA_E_UNSUPPORTED,
                    "multiplexed Ogg streams are not supported (a second serial number)");
    } else if (flags & VONA_OGG_FLAG_BOS) {
        return fail(r, VONA_E_CORRUPT, "beginning-of-stream flag on a page after the first");
    }
    if (seq != r->next_seq) {
        /* Pages went missing: a packet in progress cannot be completed (counted here, so
         * skipping its continuation does not count it again). */
        if (r->asm_active) {
            r->lost_packets++;
            r->skipping = 1;
        }
        r->asm_active = 0;
        r->asm_len = 0;
    }
    r->next_seq = seq + 1;
    return VONA_OK;
}

static vona_status process_page(vona_ogg_reader *r)
{
    const uint8_t *pg = r->page;
    int flags = pg[5];
    int64_t granule = (int64_t)le64(pg + 6);
    size_t nseg = pg[26];
    const uint8_t *lacing = pg + VONA_OGG_HEADER_BYTES;
    const uint8_t *body = lacing + nseg;
    vona_status st = check_stream(r, flags, le32(pg + 14), le32(pg + 18));
    if (st != VONA_OK) return st;
    if (r->state == WANT_HEAD && (flags & VONA_OGG_FLAG_CONTINUED))
        return fail(r, VONA_E_CORRUPT, "first page is flagged as a continuation");

    size_t seg = 0, off = 0;
    int continued = (flags & VONA_OGG_FLAG_CONTINUED) != 0;
    if (!continued && r->asm_active) {
        /* The previous page promised more of a packet that this page does not carry. */
        r->lost_packets++;
        r->asm_active = 0;
        r->asm_len = 0;
    }
    int was_head = r->state == WANT_HEAD;
    if (!continued) r->skipping = 0;
    while (seg < nseg) {
        size_t start = off, first_seg = seg;
        int ended = 0;
        while (seg < nseg) {
            size_t l = lacing[seg++];
            off += l;
            if (l < 255) {
                ended = 1;
                break;
            }
        }
        size_t len = off - start;
        if (first_seg == 0 && continued) {
            if (!r->asm_active) {
                /* The start of this packet was lost (a corrupt or missing page): skip its
                 * rest, counting the packet once however many pages it spans. */
                if (!r->skipping) r->lost_packets++;
                r->skipping = !ended;
                continue;
            }
            if (asm_append(r, body + start, len) != VONA_OK) return r->fatal;
            if (!ended) continue;
            r->asm_active = 0;
            if (on_packet(r, r->asm_buf, r->asm_len, 0) != VONA_OK) return r->fatal;
            continue;
        }
        if (!ended) {
            /* Begins here, continues on the next page: keep it until the next feed. */
            size_t limit = r->state == WANT_TAGS ? r->cfg.max_tags_bytes : r->cfg.max_packet_bytes;
            if (r->state == WANT_HEAD)
                return fail(r, VONA_E_CORRUPT, "OpusHead must be alone on the first page (RFC 7845 3)");
            if (len > limit) return asm_reserve(r, len);
            r->tail_off = (size_t)(body + start - r->page);
            r->tail_len = len;
            r->tail_pending = 1;
            continue;
        }
        int whole = first_seg == 0 && seg == nseg && !continued;
        if (on_packet(r, body + start, len, whole) != VONA_OK) return r->fatal;
    }
    if (was_head && r->state == WANT_HEAD)
        return fail(r, VONA_E_CORRUPT, "first page does not hold an OpusHead packet");
    if (r->npkt > 0 && granule != -1) r->granule = granule;
    if (flags & VONA_OGG_FLAG_EOS) {
        if (r->state < AUDIO)
            return fail(r, VONA_E_CORRUPT, "end of stream before the OpusTags header");
        if (r->tail_pending) r->lost_packets++;
        r->tail_pending = 0;
        r->state = ENDED;
        if (r->granule < 0 || (granule != -1 && granule > r->granule)) r->granule = granule;
    }
    return VONA_OK;
}

/* Offset of the first position in buf where "OggS" (or a prefix of it cut by the end of buf)
 * starts; n if none. */
static size_t sync_scan(const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = memchr(buf + i, 'O', n - i);
        if (!p) return n;
        i = (size_t)(p - buf);
        size_t k = n - i < 4 ? n - i : 4;
        if (memcmp(p, "OggS", k) == 0) return i;
    }
    return n;
}

static void junk(vona_ogg_reader *r)
{
    if (!r->in_junk) r->corrupt_pages++;
    r->in_junk = 1;
}

/* Drop the first `skip` buffered bytes and resynchronise on the next capture pattern. */
static void discard(vona_ogg_reader *r, size_t skip)
{
    junk(r);
    size_t k = skip + sync_scan(r->page + skip, r->fill - skip);
    memmove(r->page, r->page + k, r->fill - k);
    r->fill -= k;
}

vona_status vona_ogg_reader_feed(vona_ogg_reader *r, const uint8_t *data, size_t len,
                                 size_t *consumed)
{
    if (consumed) *consumed = 0;
    if (!r || (!data && len) || !consumed) return VONA_E_INVALID_ARG;
    r->npkt = 0;
    if (r->fatal != VONA_OK) return r->fatal;
    if (r->tail_pending) {
        r->tail_pending = 0;
        r->asm_len = 0;
        if (asm_append(r, r->page + r->tail_off, r->tail_len) != VONA_OK) return r->fatal;
        r->asm_active = 1;
    }
    size_t used = 0;
    for (;;) {
        if (r->fill == 0) {
            /* Skip junk straight from the input without buffering it. */
            size_t k = sync_scan(data + used, len - used);
            if (k) junk(r);
            used += k;
        } else if (memcmp(r->page, "OggS", r->fill < 4 ? r->fill : 4) != 0) {
            discard(r, 1);
            continue;
        }
        size_t need = VONA_OGG_HEADER_BYTES;
        if (r->fill >= VONA_OGG_HEADER_BYTES) {
            if (r->page[4] != 0 || (r->page[5] & ~7)) {
                discard(r, 1); /* unknown version or flags: not a page we understand */
                continue;
            }
            need += r->page[26];
            if (r->fill >= need)
                for (size_t i = 0; i < r->page[26]; i++) need += r->page[VONA_OGG_HEADER_BYTES + i];
            if (need > r->cfg.max_page_bytes) {
                discard(r, 1); /* over the page size cap: treated as corrupt */
                continue;
            }
        }
        if (r->fill < need) {
            if (used == len) break;
            size_t take = need - r->fill < len - used ? need - r->fill : len - used;
            memcpy(r->page + r->fill, data + used, take);
            r->fill += take;
            used += take;
            continue;
        }
        uint8_t saved[4];
        memcpy(saved, r->page + 22, 4);
        memset(r->page + 22, 0, 4);
        uint32_t crc = vona_ogg_crc32(0, r->page, need);
        memcpy(r->page + 22, saved, 4);
        uint32_t stored = le32(saved);
        if (crc != stored) {
            r->corrupt_pages++;
            r->in_junk = 1;
            discard(r, 1);
            continue;
        }
        r->in_junk = 0;
        r->fill = 0; /* the page stays readable in r->page until the next feed */
        vona_status st = process_page(r);
        *consumed = used;
        return st;
    }
    *consumed = used;
    return VONA_OK;
}

size_t vona_ogg_reader_packet_count(const vona_ogg_reader *r) { return r ? r->npkt : 0; }

void vona_ogg_reader_packet(const vona_ogg_reader *r, size_t index, const uint8_t **data,
                            size_t *len)
{
    if (!r || index >= r->npkt) {
        *data = NULL;
        *len = 0;
        return;
    }
    *data = r->pkt_data[index];
    *len = r->pkt_len[index];
}

const vona_ogg_opus_head *vona_ogg_reader_head(const vona_ogg_reader *r)
{
    return r && r->state > WANT_HEAD ? &r->head : NULL;
}

int64_t vona_ogg_reader_granule(const vona_ogg_reader *r) { return r ? r->granule : -1; }

int vona_ogg_reader_eos(const vona_ogg_reader *r) { return r && r->state == ENDED; }

uint64_t vona_ogg_reader_corrupt_pages(const vona_ogg_reader *r) { return r ? r->corrupt_pages : 0; }

uint64_t vona_ogg_reader_lost_packets(const vona_ogg_reader *r) { return r ? r->lost_packets : 0; }

const char *vona_ogg_reader_error(const vona_ogg_reader *r) { return r ? r->error : ""; }
