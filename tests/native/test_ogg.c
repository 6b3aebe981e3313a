/* Ogg CRC known answers, page round trips in both writer modes at random split points,
 * corruption, truncation, chained and multiplexed streams. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vona/ogg.h"
#include "vona/opus_codec.h"

static int failures = 0;
#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                         \
        }                                                                       \
    } while (0)

static uint32_t rng = 12345;
static uint32_t next_rand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

/* sphn (an independent Rust implementation) wrote this OpusHead page: serial 42,
 * mono, pre-skip 3840, 48 kHz. */
static const uint8_t SPHN_HEAD_PAGE[47] = {
    0x4f, 0x67, 0x67, 0x53, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xae, 0xfe, 0xf3, 0xf1, 0x01, 0x13, 0x4f, 0x70, 0x75, 0x73,
    0x48, 0x65, 0x61, 0x64, 0x01, 0x01, 0x00, 0x0f, 0x80, 0xbb, 0x00, 0x00, 0x00, 0x00, 0x00};

/* Bit by bit, straight from the polynomial: the oracle for the sliced table version. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint32_t)p[i] << 24;
        for (int b = 0; b < 8; b++) crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
    return crc;
}

static void test_crc(void)
{
    static uint8_t data[300];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(next_rand() >> 3);
    for (size_t off = 0; off < 9; off++)
        for (size_t n = 0; n + off <= sizeof data; n += 1 + n / 8) {
            CHECK(vona_ogg_crc32(0, data + off, n) == crc_bitwise(data + off, n));
            size_t cut = n / 3;
            CHECK(vona_ogg_crc32(vona_ogg_crc32(0, data + off, cut), data + off + cut, n - cut) ==
                  crc_bitwise(data + off, n));
        }
    CHECK(vona_ogg_crc32(0, (const uint8_t *)"123456789", 9) == 0x89A1897Fu);
    CHECK(vona_ogg_crc32(0, NULL, 0) == 0);
    uint8_t page[47];
    memcpy(page, SPHN_HEAD_PAGE, sizeof page);
    memset(page + 22, 0, 4);
    CHECK(vona_ogg_crc32(0, page, sizeof page) == 0xf1f3feaeu);
    /* Incremental use gives the same answer. */
    CHECK(vona_ogg_crc32(vona_ogg_crc32(0, page, 10), page + 10, 37) == 0xf1f3feaeu);
}

static uint8_t out[1 << 20];

static void test_head_matches_sphn(void)
{
    vona_ogg_writer_config cfg = {.serial = 42, .channels = 1, .input_sample_rate = 48000,
                                  .pre_skip = 3840, .flush_every_packet = 1};
    vona_ogg_writer *w;
    CHECK(vona_ogg_writer_create(&w, &cfg) == VONA_OK);
    size_t n = 0;
    CHECK(vona_ogg_writer_close(w, out, sizeof out, &n) == VONA_OK);
    CHECK(n > 47 && memcmp(out, SPHN_HEAD_PAGE, 47) == 0);
    size_t again = 1;
    CHECK(vona_ogg_writer_close(w, out, sizeof out, &again) == VONA_OK && again == 0);
    uint8_t pkt[1] = {0xF8};
    CHECK(vona_ogg_writer_write(w, pkt, 1, out, sizeof out, &n, NULL) == VONA_E_STATE);
    vona_ogg_writer_destroy(w);
}

/* Packet sizes that exercise lacing: 0 and 255 multiples need a terminating 0 or short value. */
static const size_t SIZES[] = {1, 2, 3, 254, 255, 256, 509, 510, 511, 765, 1000, 4000, 7650};
#define NSIZES (sizeof SIZES / sizeof SIZES[0])
#define NPACKETS 300

static size_t make_stream(int flush, size_t target, uint8_t *buf, size_t *sizes)
{
    vona_ogg_writer_config cfg = {.serial = 7, .channels = 2, .input_sample_rate = 16000,
                                  .pre_skip = 312, .flush_every_packet = flush,
                                  .page_target_bytes = target};
    vona_ogg_writer *w;
    CHECK(vona_ogg_writer_create(&w, &cfg) == VONA_OK);
    static uint8_t pkt[VONA_OPUS_MAX_PACKET_BYTES];
    size_t total = 0;
    for (int i = 0; i < NPACKETS; i++) {
        size_t len = SIZES[next_rand() % NSIZES];
        pkt[0] = 0xF8; /* CELT fullband 20 ms, one frame */
        for (size_t k = 1; k < len; k++) pkt[k] = (uint8_t)(i + k);
        sizes[i] = len;
        size_t n = 0;
        CHECK(vona_ogg_writer_write(w, pkt, len, buf + total, (1 << 22) - total, &n, NULL) ==
              VONA_OK);
        CHECK(n <= vona_ogg_writer_output_bound(w, len) + 200);
        total += n;
    }
    size_t n = 0;
    CHECK(vona_ogg_writer_close(w, buf + total, (1 << 22) - total, &n) == VONA_OK);
    total += n;
    CHECK(vona_ogg_writer_granule(w) == (int64_t)NPACKETS * 960);
    vona_ogg_writer_destroy(w);
    return total;
}

static vona_ogg_reader *new_reader(void)
{
    vona_ogg_reader_config cfg = {.max_page_bytes = VONA_OGG_MAX_PAGE_BYTES,
                                  .max_packet_bytes = VONA_OPUS_MAX_PACKET_BYTES,
                                  .max_tags_bytes = 1 << 16};
    vona_ogg_reader *r = NULL;
    CHECK(vona_ogg_reader_create(&r, &cfg) == VONA_OK);
    return r;
}

/* Feed buf in random pieces; check every packet against sizes. Returns packets read. */
static int read_stream(vona_ogg_reader *r, const uint8_t *buf, size_t len, const size_t *sizes,
                       size_t max_piece, vona_status *status)
{
    int got = 0;
    size_t pos = 0;
    *status = VONA_OK;
    while (pos < len) {
        size_t piece = 1 + next_rand() % max_piece;
        if (piece > len - pos) piece = len - pos;
        size_t off = 0;
        while (off < piece) {
            size_t used = 0;
            vona_status st = vona_ogg_reader_feed(r, buf + pos + off, piece - off, &used);
            if (st != VONA_OK) {
                *status = st;
                return got;
            }
            off += used;
            for (size_t i = 0; i < vona_ogg_reader_packet_count(r); i++) {
                const uint8_t *p;
                size_t n;
                vona_ogg_reader_packet(r, i, &p, &n);
                if (sizes) {
                    CHECK(got < NPACKETS && n == sizes[got]);
                    CHECK(n > 0 && p[0] == 0xF8);
                    CHECK(n < 2 || p[n - 1] == (uint8_t)(got + n - 1));
                }
                got++;
            }
        }
        pos += piece;
    }
    return got;
}

static uint8_t stream[1 << 22];

static void test_round_trip(int flush, size_t target)
{
    size_t sizes[NPACKETS];
    size_t len = make_stream(flush, target, stream, sizes);
    size_t pieces[] = {1, 7, 300, 5000, 1 << 22};
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        vona_ogg_reader *r = new_reader();
        vona_status st;
        CHECK(read_stream(r, stream, len, sizes, pieces[k], &st) == NPACKETS);
        CHECK(st == VONA_OK);
        const vona_ogg_opus_head *h = vona_ogg_reader_head(r);
        CHECK(h && h->channels == 2 && h->pre_skip == 312 && h->input_sample_rate == 16000);
        CHECK(vona_ogg_reader_eos(r));
        CHECK(vona_ogg_reader_granule(r) == (int64_t)NPACKETS * 960);
        CHECK(vona_ogg_reader_corrupt_pages(r) == 0);
        vona_ogg_reader_destroy(r);
    }
}

static void test_corruption(void)
{
    size_t sizes[NPACKETS];
    size_t len = make_stream(0, 4096, stream, sizes);
    /* Flip one byte in the middle: one page is skipped, the rest still reads. */
    stream[len / 2] ^= 0x40;
    vona_ogg_reader *r = new_reader();
    vona_status st;
    int got = read_stream(r, stream, len, NULL, 1000, &st);
    CHECK(st == VONA_OK);
    CHECK(got > 0 && got < NPACKETS);
    CHECK(vona_ogg_reader_corrupt_pages(r) == 1);
    CHECK(vona_ogg_reader_eos(r));
    vona_ogg_reader_destroy(r);

    /* Junk before the stream and truncation at the end. */
    stream[len / 2] ^= 0x40;
    static uint8_t junky[(1 << 22) + 100];
    memcpy(junky, "OgJunkOggOg", 11);
    memcpy(junky + 11, stream, len - 10);
    r = new_reader();
    got = read_stream(r, junky, len + 1, sizes, 333, &st);
    CHECK(st == VONA_OK && got > 0 && got <= NPACKETS);
    CHECK(vona_ogg_reader_corrupt_pages(r) == 1);
    CHECK(!vona_ogg_reader_eos(r));
    vona_ogg_reader_destroy(r);
}

static void test_chained_and_multiplexed(void)
{
    size_t sizes[NPACKETS];
    size_t len = make_stream(1, 0, stream, sizes);
    memcpy(stream + len, stream, len);
    vona_ogg_reader *r = new_reader();
    vona_status st;
    CHECK(read_stream(r, stream, 2 * len, NULL, 4096, &st) == NPACKETS);
    CHECK(st == VONA_E_UNSUPPORTED);
    CHECK(strstr(vona_ogg_reader_error(r), "chained") != NULL);
    size_t used;
    CHECK(vona_ogg_reader_feed(r, stream, 10, &used) == VONA_E_UNSUPPORTED);
    vona_ogg_reader_destroy(r);

    /* A page of another serial in the middle (rewrite its serial and CRC). */
    size_t first = 47 + 48; /* the two header pages */
    uint8_t *pg = stream + first;
    pg[14] ^= 1;
    memset(pg + 22, 0, 4);
    size_t plen = 27 + pg[26];
    for (int i = 0; i < pg[26]; i++) plen += pg[27 + i];
    uint32_t crc = vona_ogg_crc32(0, pg, plen);
    for (int i = 0; i < 4; i++) pg[22 + i] = (uint8_t)(crc >> (8 * i));
    r = new_reader();
    CHECK(read_stream(r, stream, len, NULL, 4096, &st) == 0);
    CHECK(st == VONA_E_UNSUPPORTED);
    CHECK(strstr(vona_ogg_reader_error(r), "multiplexed") != NULL);
    vona_ogg_reader_destroy(r);
}

static void test_headers_out_of_order(void)
{
    size_t sizes[NPACKETS];
    size_t len = make_stream(1, 0, stream, sizes);
    vona_ogg_reader *r = new_reader();
    vona_status st;
    /* Start at the OpusTags page: no beginning-of-stream page. */
    CHECK(read_stream(r, stream + 47, len - 47, NULL, 4096, &st) == 0);
    CHECK(st == VONA_E_CORRUPT);
    vona_ogg_reader_destroy(r);
    /* OpusHead then audio (OpusTags missing). */
    memmove(stream + 47, stream + 95, len - 95);
    r = new_reader();
    CHECK(read_stream(r, stream, len - 48, NULL, 4096, &st) == 0);
    CHECK(st == VONA_E_CORRUPT && strstr(vona_ogg_reader_error(r), "OpusTags") != NULL);
    vona_ogg_reader_destroy(r);
}

static void test_limits(void)
{
    vona_ogg_reader_config bad = {.max_page_bytes = 10, .max_packet_bytes = 100,
                                  .max_tags_bytes = 100};
    vona_ogg_reader *r = NULL;
    CHECK(vona_ogg_reader_create(&r, &bad) == VONA_E_INVALID_ARG && r == NULL);
    /* A small packet cap refuses a big packet continued across pages. */
    size_t sizes[NPACKETS];
    size_t len = make_stream(0, 255, stream, sizes);
    vona_ogg_reader_config small = {.max_page_bytes = VONA_OGG_MAX_PAGE_BYTES,
                                    .max_packet_bytes = 300, .max_tags_bytes = 100};
    CHECK(vona_ogg_reader_create(&r, &small) == VONA_OK);
    vona_status st;
    read_stream(r, stream, len, NULL, 100000, &st);
    CHECK(st == VONA_E_LIMIT);
    vona_ogg_reader_destroy(r);
    /* Writer refuses an invalid TOC and oversized packets. */
    vona_ogg_writer_config cfg = {.serial = 1, .channels = 1, .input_sample_rate = 48000};
    vona_ogg_writer *w;
    CHECK(vona_ogg_writer_create(&w, &cfg) == VONA_OK);
    size_t n;
    int oerr = 0;
    uint8_t bad_toc[2] = {0x03, 0x00}; /* code 3 without a frame count byte */
    CHECK(vona_ogg_writer_write(w, bad_toc, 1, out, sizeof out, &n, &oerr) == VONA_E_CODEC);
    CHECK(oerr < 0);
    CHECK(vona_ogg_writer_write(w, bad_toc, 0, out, sizeof out, &n, &oerr) == VONA_E_CORRUPT);
    static uint8_t big[VONA_OPUS_MAX_PACKET_BYTES + 1] = {0xF8};
    CHECK(vona_ogg_writer_write(w, big, sizeof big, out, sizeof out, &n, &oerr) == VONA_E_LIMIT);
    CHECK(vona_ogg_writer_write(w, big, 10, out, 20, &n, &oerr) == VONA_E_FULL);
    CHECK(vona_ogg_writer_pages(w) == 0);
    vona_ogg_writer_destroy(w);
}

int main(void)
{
    test_crc();
    test_head_matches_sphn();
    test_round_trip(1, 0);
    test_round_trip(0, 0);
    test_round_trip(0, 255);
    test_round_trip(0, 32768);
    test_corruption();
    test_chained_and_multiplexed();
    test_headers_out_of_order();
    test_limits();
    if (failures) fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
