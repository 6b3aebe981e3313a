/* Plain-C tests of length-prefixed framing: headers, every split point, limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vona/cbor.h"
#include "vona/framing.h"

static int failures = 0;
#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                    \
        }                                                                  \
    } while (0)

static void test_header(void)
{
    uint8_t h[4];
    CHECK(vona_frame_put_header(h, 0x01020304, 0xffffffffu) == VONA_OK);
    CHECK(h[0] == 1 && h[1] == 2 && h[2] == 3 && h[3] == 4);
    CHECK(vona_frame_get_header(h) == 0x01020304u);
    CHECK(vona_frame_put_header(h, 101, 100) == VONA_E_LIMIT);
    CHECK(vona_frame_put_header(h, 100, 100) == VONA_OK);
    vona_frame_reader r;
    CHECK(vona_frame_reader_init(&r, (size_t)0xffffffffu + 1) == VONA_E_INVALID_ARG);
}

/* A stream of frames of sizes 0..N, each payload a CBOR byte string, fed in pieces of
 * every size from 1 to the whole stream: the same payloads come out in order. */
static void test_splits(void)
{
    enum { FRAMES = 12 };
    uint8_t stream[4096];
    size_t len = 0;
    size_t sizes[FRAMES];
    for (int i = 0; i < FRAMES; i++) {
        vona_cbor_buf b;
        vona_cbor_buf_init(&b, stream + len + 4, sizeof stream - len - 4, 0);
        uint8_t payload[64];
        for (int k = 0; k < i * 5; k++) payload[k] = (uint8_t)(i * 31 + k);
        CHECK(vona_cbor_put_bytes(&b, payload, (size_t)i * 5) == VONA_OK);
        CHECK(vona_frame_put_header(stream + len, b.len, 1000) == VONA_OK);
        sizes[i] = b.len;
        len += 4 + b.len;
    }
    for (size_t piece = 1; piece <= len; piece++) {
        vona_frame_reader r;
        CHECK(vona_frame_reader_init(&r, 1000) == VONA_OK);
        int got = 0;
        size_t off = 0;
        while (off < len) {
            size_t n = len - off < piece ? len - off : piece;
            size_t pos = 0;
            for (;;) {
                const uint8_t *p;
                size_t plen;
                vona_status st = vona_frame_reader_next(&r, stream + off, n, &pos, &p, &plen);
                if (st == VONA_E_INCOMPLETE) break;
                CHECK(st == VONA_OK);
                if (st != VONA_OK) break;
                CHECK(got < FRAMES && plen == sizes[got]);
                if (got < FRAMES && plen == sizes[got]) {
                    vona_cbor_decoder d;
                    vona_cbor_item it;
                    vona_cbor_frame stk[2];
                    vona_cbor_limits lim = {1, 10, 1000};
                    CHECK(vona_cbor_decoder_init(&d, p, plen, &lim, stk, 2) == VONA_OK);
                    CHECK(vona_cbor_next(&d, &it) == VONA_OK && it.type == VONA_CBOR_BYTES);
                    CHECK(it.value == (uint64_t)got * 5);
                    for (uint64_t k = 0; k < it.value; k++)
                        CHECK(it.data[k] == (uint8_t)(got * 31 + (int)k));
                    CHECK(vona_cbor_finish(&d) == VONA_OK);
                }
                got++;
            }
            CHECK(pos == n);
            off += n;
        }
        CHECK(got == FRAMES);
        CHECK(vona_frame_reader_pending(&r) == 0);
        vona_frame_reader_free(&r);
    }
}

static void test_limit_and_failed_state(void)
{
    vona_frame_reader r;
    CHECK(vona_frame_reader_init(&r, 16) == VONA_OK);
    const uint8_t big[] = {0x00, 0x00, 0x00, 0x11, 0xaa};
    size_t pos = 0;
    const uint8_t *p;
    size_t plen;
    /* header split: 2 bytes, then the rest */
    CHECK(vona_frame_reader_next(&r, big, 2, &pos, &p, &plen) == VONA_E_INCOMPLETE);
    CHECK(vona_frame_reader_pending(&r) == 2);
    pos = 0;
    CHECK(vona_frame_reader_next(&r, big + 2, 3, &pos, &p, &plen) == VONA_E_LIMIT);
    CHECK(r.bad_len == 17 && r.buf == NULL); /* refused before allocating */
    pos = 0;
    const uint8_t ok[] = {0x00, 0x00, 0x00, 0x01, 0x01};
    CHECK(vona_frame_reader_next(&r, ok, sizeof ok, &pos, &p, &plen) == VONA_E_STATE);
    vona_frame_reader_reset(&r);
    pos = 0;
    CHECK(vona_frame_reader_next(&r, ok, sizeof ok, &pos, &p, &plen) == VONA_OK);
    CHECK(plen == 1 && p[0] == 1 && pos == sizeof ok);
    /* whole-header fast path refusal */
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff};
    pos = 0;
    CHECK(vona_frame_reader_next(&r, huge, 4, &pos, &p, &plen) == VONA_E_LIMIT);
    CHECK(r.bad_len == 0xffffffffu);
    vona_frame_reader_free(&r);
    /* zero-length frame and exactly-max frame */
    CHECK(vona_frame_reader_init(&r, 3) == VONA_OK);
    const uint8_t two[] = {0, 0, 0, 0, 0, 0, 0, 3, 7, 8, 9};
    pos = 0;
    CHECK(vona_frame_reader_next(&r, two, sizeof two, &pos, &p, &plen) == VONA_OK && plen == 0);
    CHECK(vona_frame_reader_next(&r, two, sizeof two, &pos, &p, &plen) == VONA_OK && plen == 3);
    CHECK(p[2] == 9);
    CHECK(vona_frame_reader_next(&r, two, sizeof two, &pos, &p, &plen) == VONA_E_INCOMPLETE);
    vona_frame_reader_free(&r);
}

int main(void)
{
    test_header();
    test_splits();
    test_limit_and_failed_state();
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    return failures != 0;
}
