/* Plain-C tests of the audio-frame parser: known answers, every refusal, every
 * truncation, and agreement with the generic decoder on mutated frames. */
#include <stdio.h>
#include <string.h>

#define VONA_TEST_SEED 0x5eedf00du
#include "check.h"
#include "vona/audio_frame.h"
#include "vona/cbor.h"

static const vona_cbor_limits LIMITS = {8, 1u << 20, 1u << 24};

/* put_audio's layout with the given fields; ts < 0 leaves "ts" out (an output frame). */
static size_t build(uint8_t *out, size_t cap, int in, uint64_t ch, uint64_t ts,
                    const uint8_t *pcm, size_t npcm, uint64_t seq, uint64_t rate, int filler)
{
    vona_cbor_buf b;
    vona_cbor_buf_init(&b, out, cap, cap);
    vona_status st = vona_cbor_put_map(&b, 6);
    st |= vona_cbor_put_text(&b, "ch", 2) | vona_cbor_put_uint(&b, ch);
    if (in) st |= vona_cbor_put_text(&b, "ts", 2) | vona_cbor_put_uint(&b, ts);
    st |= vona_cbor_put_text(&b, "pcm", 3) | vona_cbor_put_bytes(&b, pcm, npcm);
    st |= vona_cbor_put_text(&b, "seq", 3) | vona_cbor_put_uint(&b, seq);
    st |= vona_cbor_put_text(&b, "rate", 4) | vona_cbor_put_uint(&b, rate);
    st |= vona_cbor_put_text(&b, "type", 4);
    if (in) {
        st |= vona_cbor_put_text(&b, "in", 2);
    } else {
        st |= vona_cbor_put_text(&b, "out", 3) | vona_cbor_put_text(&b, "filler", 6);
        st |= vona_cbor_put_bool(&b, filler);
    }
    CHECK(st == VONA_OK && !b.owned);
    return b.len;
}

static void test_known_answers(void)
{
    static const uint8_t pcm[8] = {1, 0, 2, 0, 0xff, 0x7f, 0, 0x80};
    uint8_t buf[128];
    vona_audio_frame f;
    size_t n = build(buf, sizeof buf, 1, 2, 123456789012ull, pcm, 8, 7, 16000, 0);
    /* The exact bytes put_audio writes. */
    static const uint8_t want[] = {
        0xa6, 0x62, 'c', 'h', 0x02, 0x62, 't', 's', 0x1b, 0, 0, 0, 0x1c, 0xbe, 0x99, 0x1a,
        0x14, 0x63, 'p', 'c', 'm', 0x48, 1, 0, 2, 0, 0xff, 0x7f, 0, 0x80, 0x63, 's', 'e',
        'q', 0x07, 0x64, 'r', 'a', 't', 'e', 0x19, 0x3e, 0x80, 0x64, 't', 'y', 'p', 'e',
        0x62, 'i', 'n'};
    CHECK(n == sizeof want && memcmp(buf, want, n) == 0);
    CHECK(vona_audio_frame_parse(buf, n, &f) == VONA_OK);
    CHECK(f.kind == VONA_AUDIO_FRAME_IN && f.channels == 2 && f.timestamp_ns == 123456789012ull);
    CHECK(f.sequence == 7 && f.sample_rate_hz == 16000 && f.filler == 0);
    CHECK(f.pcm == buf + 22 && f.pcm_bytes == 8);

    n = build(buf, sizeof buf, 0, 1, 0, pcm, 4, UINT64_MAX, 48000, 1);
    CHECK(vona_audio_frame_parse(buf, n, &f) == VONA_OK);
    CHECK(f.kind == VONA_AUDIO_FRAME_OUT && f.channels == 1 && f.timestamp_ns == 0);
    CHECK(f.sequence == UINT64_MAX && f.sample_rate_hz == 48000 && f.filler == 1);
    CHECK(f.pcm_bytes == 4 && memcmp(f.pcm, pcm, 4) == 0);
    n = build(buf, sizeof buf, 0, 1, 0, pcm, 0, 0, 1, 0); /* empty pcm, filler false */
    CHECK(vona_audio_frame_parse(buf, n, &f) == VONA_OK && f.filler == 0 && f.pcm_bytes == 0);

    CHECK(vona_audio_frame_parse(NULL, 0, &f) == VONA_E_UNSUPPORTED);
    CHECK(vona_audio_frame_parse(NULL, 1, &f) == VONA_E_INVALID_ARG);
    CHECK(vona_audio_frame_parse(buf, n, NULL) == VONA_E_INVALID_ARG);
}

static void test_refusals(void)
{
    static const uint8_t pcm[8] = {0};
    uint8_t buf[128];
    vona_audio_frame f;
    size_t n;
    /* Fields out of range: the generic path names the error. */
    n = build(buf, sizeof buf, 1, 0, 0, pcm, 8, 0, 16000, 0); /* ch 0 */
    CHECK(vona_audio_frame_parse(buf, n, &f) == VONA_E_UNSUPPORTED);
    n = build(buf, sizeof buf, 1, 1ull << 32, 0, pcm, 0, 0, 16000, 0); /* ch past 32 bits */
    CHECK(vona_audio_frame_parse(buf, n, &f) == VONA_E_UNSUPPORTED);
    n = build(buf, sizeof buf, 1, 1, 0, pcm, 8, 0, 0, 0); /* rate 0 */
    CHECK(vona_audio_frame_parse(buf, n, &f) == VONA_E_UNSUPPORTED);
    n = build(buf, sizeof buf, 1, 2, 0, pcm, 6, 0, 16000, 0); /* 3 samples, 2 channels */
    CHECK(vona_audio_frame_parse(buf, n, &f) == VONA_E_UNSUPPORTED);
    n = build(buf, sizeof buf, 1, 1, 0, pcm, 7, 0, 16000, 0); /* odd byte count */
    CHECK(vona_audio_frame_parse(buf, n, &f) == VONA_E_UNSUPPORTED);

    /* Every prefix of a valid frame, and a trailing byte. */
    n = build(buf, sizeof buf, 0, 1, 0, pcm, 8, 3, 16000, 1);
    for (size_t len = 0; len < n; len++) CHECK(vona_audio_frame_parse(buf, len, &f) == VONA_E_UNSUPPORTED);
    buf[n] = 0;
    CHECK(vona_audio_frame_parse(buf, n + 1, &f) == VONA_E_UNSUPPORTED);
    CHECK(vona_audio_frame_parse(buf, n, &f) == VONA_OK);

    /* Same message, other encodings: valid CBOR, not the layout. */
    n = build(buf, sizeof buf, 1, 1, 0, pcm, 8, 3, 16000, 0);
    uint8_t alt[128];
    memcpy(alt, buf, n);
    alt[0] = 0xbf; /* indefinite-length map */
    CHECK(vona_audio_frame_parse(alt, n, &f) == VONA_E_UNSUPPORTED);
    memcpy(alt, buf, n);
    alt[4] = 0x20; /* "ch": -1 */
    CHECK(vona_audio_frame_parse(alt, n, &f) == VONA_E_UNSUPPORTED);
    memcpy(alt, buf, n);
    alt[8] = 0x20; /* "ts": -1 (valid for decode_audio_frame, not the layout) */
    CHECK(vona_audio_frame_parse(alt, n, &f) == VONA_E_UNSUPPORTED);
    memcpy(alt, buf, n);
    alt[n - 1] = 'x'; /* "type": "ix" */
    CHECK(vona_audio_frame_parse(alt, n, &f) == VONA_E_UNSUPPORTED);
    memcpy(alt, buf, n);
    alt[12] = 0x5f; /* indefinite-length pcm */
    CHECK(vona_audio_frame_parse(alt, n, &f) == VONA_E_UNSUPPORTED);
    memcpy(alt, buf, n);
    alt[n - 1] = 0xf6; /* "type": "i" then null... */
    alt[n - 2] = 0x61;
    CHECK(vona_audio_frame_parse(alt, n, &f) == VONA_E_UNSUPPORTED);
    /* A longer (non-shortest) head for an integer still reads as that integer: the
     * parser is as lenient as the generic decoder about head length. */
    static const uint8_t wide[] = {0xa6, 0x62, 'c', 'h', 0x18, 0x01, 0x62, 't', 's', 0x00,
                                   0x63, 'p', 'c', 'm', 0x40, 0x63, 's', 'e', 'q', 0x00,
                                   0x64, 'r', 'a', 't', 'e', 0x01, 0x64, 't', 'y', 'p',
                                   'e', 0x62, 'i', 'n'};
    CHECK(vona_audio_frame_parse(wide, sizeof wide, &f) == VONA_OK && f.channels == 1);
}

/* Walk the map the generic way and compare with what the parser returned. */
static int agrees(const uint8_t *p, size_t n, const vona_audio_frame *f)
{
    vona_cbor_frame stack[9];
    vona_cbor_decoder d;
    vona_cbor_item it, v;
    if (vona_cbor_decoder_init(&d, p, n, &LIMITS, stack, 9) != VONA_OK) return 0;
    if (vona_cbor_next(&d, &it) != VONA_OK || it.type != VONA_CBOR_MAP || it.value != 6) return 0;
    int seen = 0;
    for (int i = 0; i < 6; i++) {
        if (vona_cbor_next(&d, &it) != VONA_OK || it.type != VONA_CBOR_TEXT) return 0;
        if (vona_cbor_next(&d, &v) != VONA_OK) return 0;
#define KEY(s) (it.value == sizeof s - 1 && memcmp(it.data, s, sizeof s - 1) == 0)
#define UINT_IS(x) (v.type == VONA_CBOR_UINT && v.value == (x))
        int ok;
        if (KEY("ch")) seen |= 1, ok = UINT_IS(f->channels);
        else if (KEY("ts")) seen |= 2, ok = UINT_IS(f->timestamp_ns);
        else if (KEY("pcm"))
            seen |= 4, ok = v.type == VONA_CBOR_BYTES && v.data == f->pcm && v.value == f->pcm_bytes;
        else if (KEY("seq")) seen |= 8, ok = UINT_IS(f->sequence);
        else if (KEY("rate")) seen |= 16, ok = UINT_IS(f->sample_rate_hz);
        else if (KEY("type"))
            seen |= 32, ok = v.type == VONA_CBOR_TEXT &&
                             v.value == (f->kind == VONA_AUDIO_FRAME_IN ? 2u : 3u);
        else if (KEY("filler")) seen |= 64, ok = v.type == (f->filler ? VONA_CBOR_TRUE : VONA_CBOR_FALSE);
        else ok = 0;
        if (!ok) return 0;
#undef UINT_IS
#undef KEY
    }
    int want = f->kind == VONA_AUDIO_FRAME_IN ? 1 | 2 | 4 | 8 | 16 | 32 : 1 | 4 | 8 | 16 | 32 | 64;
    return seen == want && vona_cbor_finish(&d) == VONA_OK;
}

static void test_mutations_agree_with_decoder(void)
{
    uint8_t pcm[64], base[160], buf[160];
    vona_audio_frame f;
    int accepted = 0;
    for (size_t i = 0; i < sizeof pcm; i++) pcm[i] = (uint8_t)rnd();
    for (int round = 0; round < 20000; round++) {
        int in = round & 1;
        size_t n = build(base, sizeof base, in, 1 + rnd() % 2, rnd(), pcm, 4 * (rnd() % 16),
                         rnd(), 1 + rnd() % 96000, (int)(rnd() & 1));
        memcpy(buf, base, n);
        for (int k = 1 + (int)(rnd() % 3); k > 0; k--) buf[rnd() % n] = (uint8_t)rnd();
        size_t len = rnd() % 8 ? n : rnd() % (n + 1);
        if (vona_audio_frame_parse(buf, len, &f) == VONA_OK) {
            accepted++;
            CHECK(agrees(buf, len, &f)); /* never accepts what the decoder refuses */
        }
    }
    CHECK(accepted > 100); /* mutations inside pcm keep frames valid */
}

int main(void)
{
    test_known_answers();
    test_refusals();
    test_mutations_agree_with_decoder();
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    return failures != 0;
}
