/* Plain-C tests of the CBOR encoder and decoder: RFC 8949 Appendix A known answers,
 * limits and malformed input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vona/cbor.h"

static int failures = 0;
#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                    \
        }                                                                  \
    } while (0)

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        sscanf(hex, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static const vona_cbor_limits LIMITS = {64, 1u << 20, 1u << 24};
static vona_cbor_frame STACK[65];

static int buf_is(const vona_cbor_buf *b, const char *hex)
{
    uint8_t want[256];
    size_t n = unhex(hex, want);
    if (n != b->len || memcmp(want, b->data, n) != 0) {
        fprintf(stderr, "  want %s got ", hex);
        for (size_t i = 0; i < b->len; i++) fprintf(stderr, "%02x", b->data[i]);
        fprintf(stderr, "\n");
        return 0;
    }
    return 1;
}

/* Appendix A: integers and floats, encoded and decoded. */
static void test_ints(void)
{
    static const struct { int neg; uint64_t v; const char *hex; } cases[] = {
        {0, 0, "00"}, {0, 1, "01"}, {0, 10, "0a"}, {0, 23, "17"}, {0, 24, "1818"},
        {0, 25, "1819"}, {0, 100, "1864"}, {0, 1000, "1903e8"}, {0, 1000000, "1a000f4240"},
        {0, 1000000000000ull, "1b000000e8d4a51000"},
        {0, 18446744073709551615ull, "1bffffffffffffffff"},
        {1, 18446744073709551615ull, "3bffffffffffffffff"}, /* -18446744073709551616 */
        {1, 0, "20"}, {1, 9, "29"}, {1, 99, "3863"}, {1, 999, "3903e7"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t storage[16];
        vona_cbor_buf b;
        vona_cbor_buf_init(&b, storage, sizeof storage, 0);
        CHECK((cases[i].neg ? vona_cbor_put_negint(&b, cases[i].v)
                            : vona_cbor_put_uint(&b, cases[i].v)) == VONA_OK);
        CHECK(buf_is(&b, cases[i].hex));
        vona_cbor_decoder d;
        vona_cbor_item it;
        CHECK(vona_cbor_decoder_init(&d, b.data, b.len, &LIMITS, STACK, 65) == VONA_OK);
        CHECK(vona_cbor_next(&d, &it) == VONA_OK);
        CHECK(it.type == (cases[i].neg ? VONA_CBOR_NEGINT : VONA_CBOR_UINT));
        CHECK(it.value == cases[i].v);
        CHECK(vona_cbor_finish(&d) == VONA_OK);
        vona_cbor_buf_free(&b);
    }
}

static void test_floats(void)
{
    /* value -> shortest exact encoding (RFC 8949 Appendix A, deterministic widths) */
    static const struct { double v; const char *hex; } enc[] = {
        {0.0, "f90000"}, {-0.0, "f98000"}, {1.0, "f93c00"}, {1.5, "f93e00"},
        {65504.0, "f97bff"}, {100000.0, "fa47c35000"}, {3.4028234663852886e+38, "fa7f7fffff"},
        {1.0e+300, "fb7e37e43c8800759c"}, {5.960464477539063e-8, "f90001"},
        {0.00006103515625, "f90400"}, {-4.0, "f9c400"}, {-4.1, "fbc010666666666666"},
        {1.1, "fb3ff199999999999a"}, {INFINITY, "f97c00"}, {-INFINITY, "f9fc00"},
        {NAN, "f97e00"},
    };
    for (size_t i = 0; i < sizeof enc / sizeof enc[0]; i++) {
        vona_cbor_buf b;
        vona_cbor_buf_init(&b, NULL, 0, 0);
        CHECK(vona_cbor_put_float(&b, enc[i].v) == VONA_OK);
        CHECK(buf_is(&b, enc[i].hex));
        vona_cbor_buf_free(&b);
    }
    /* Decoding every width, including the non-shortest forms of Appendix A. */
    static const struct { const char *hex; double v; } dec[] = {
        {"f93c00", 1.0}, {"fb3ff199999999999a", 1.1}, {"f97bff", 65504.0},
        {"fa47c35000", 100000.0}, {"f90001", 5.960464477539063e-8}, {"f9c400", -4.0},
        {"fa7f800000", INFINITY}, {"faff800000", -INFINITY}, {"fb7ff0000000000000", INFINITY},
        {"f93800", 0.5},
    };
    for (size_t i = 0; i < sizeof dec / sizeof dec[0]; i++) {
        uint8_t in[16];
        size_t n = unhex(dec[i].hex, in);
        vona_cbor_decoder d;
        vona_cbor_item it;
        CHECK(vona_cbor_decoder_init(&d, in, n, &LIMITS, STACK, 65) == VONA_OK);
        CHECK(vona_cbor_next(&d, &it) == VONA_OK && it.type == VONA_CBOR_FLOAT);
        CHECK(it.f == dec[i].v);
        CHECK(vona_cbor_finish(&d) == VONA_OK);
    }
    const char *nans[] = {"f97e00", "fa7fc00000", "fb7ff8000000000000"};
    for (size_t i = 0; i < 3; i++) {
        uint8_t in[16];
        size_t n = unhex(nans[i], in);
        vona_cbor_decoder d;
        vona_cbor_item it;
        CHECK(vona_cbor_decoder_init(&d, in, n, &LIMITS, STACK, 65) == VONA_OK);
        CHECK(vona_cbor_next(&d, &it) == VONA_OK && isnan(it.f));
    }
}

static void test_strings_and_containers(void)
{
    vona_cbor_buf b;
    vona_cbor_buf_init(&b, NULL, 0, 0);
    CHECK(vona_cbor_put_text(&b, "IETF", 4) == VONA_OK && buf_is(&b, "6449455446"));
    b.len = 0;
    CHECK(vona_cbor_put_text(&b, "\xc3\xbc", 2) == VONA_OK && buf_is(&b, "62c3bc"));
    b.len = 0;
    CHECK(vona_cbor_put_bytes(&b, "\x01\x02\x03\x04", 4) == VONA_OK && buf_is(&b, "4401020304"));
    b.len = 0;
    CHECK(vona_cbor_put_text(&b, "", 0) == VONA_OK && buf_is(&b, "60"));
    b.len = 0;
    /* [1, [2, 3], [4, 5]] */
    vona_cbor_put_array(&b, 3);
    vona_cbor_put_uint(&b, 1);
    vona_cbor_put_array(&b, 2);
    vona_cbor_put_uint(&b, 2);
    vona_cbor_put_uint(&b, 3);
    vona_cbor_put_array(&b, 2);
    vona_cbor_put_uint(&b, 4);
    vona_cbor_put_uint(&b, 5);
    CHECK(buf_is(&b, "8301820203820405"));
    b.len = 0;
    /* {"a": 1, "b": [2, 3]} */
    vona_cbor_put_map(&b, 2);
    vona_cbor_put_text(&b, "a", 1);
    vona_cbor_put_uint(&b, 1);
    vona_cbor_put_text(&b, "b", 1);
    vona_cbor_put_array(&b, 2);
    vona_cbor_put_uint(&b, 2);
    vona_cbor_put_uint(&b, 3);
    CHECK(buf_is(&b, "a26161016162820203"));
    b.len = 0;
    CHECK(vona_cbor_put_bool(&b, 0) == VONA_OK && vona_cbor_put_bool(&b, 1) == VONA_OK &&
          vona_cbor_put_null(&b) == VONA_OK && buf_is(&b, "f4f5f6"));
    vona_cbor_buf_free(&b);
}

/* Every well-formed Appendix A item the decoder supports walks to completion. */
static void test_appendix_a_walk(void)
{
    static const char *ok[] = {
        "00", "1bffffffffffffffff", "3bffffffffffffffff", "f4", "f5", "f6", "40", "4401020304",
        "60", "6161", "6449455446", "62225c", "62c3bc", "63e6b0b4", "64f0908591", "80",
        "83010203", "8301820203820405",
        "98190102030405060708090a0b0c0d0e0f101112131415161718181819", "a0", "a201020304",
        "a26161016162820203", "826161a161626163",
        "a56161614161626142616361436164614461656145", "5f42010243030405ff",
        "7f657374726561646d696e67ff", "9fff", "9f018202039f0405ffff", "9f01820203820405ff",
        "83018202039f0405ff", "83019f0203ff820405",
        "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff",
        "bf61610161629f0203ffff", "826161bf61626163ff", "bf6346756ef563416d7421ff",
        "fa47c35000", "f97c00",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint8_t in[128];
        size_t n = unhex(ok[i], in);
        vona_cbor_error err;
        vona_status st = vona_cbor_check(in, n, &LIMITS, STACK, 65, &err);
        if (st != VONA_OK) fprintf(stderr, "  %s: %s\n", ok[i], vona_cbor_error_str(err));
        CHECK(st == VONA_OK);
    }
}

static void expect(const char *hex, vona_status want, vona_cbor_error werr)
{
    uint8_t in[128];
    size_t n = unhex(hex, in);
    vona_cbor_error err;
    vona_status st = vona_cbor_check(in, n, &LIMITS, STACK, 65, &err);
    if (st != want || err != werr)
        fprintf(stderr, "  %s: status %d err %d (%s)\n", hex, st, err, vona_cbor_error_str(err));
    CHECK(st == want && err == werr);
}

static void test_refusals(void)
{
    expect("c074323031332d30332d32315432303a30343a30305a", VONA_E_UNSUPPORTED, VONA_CBOR_ERR_TAG);
    expect("d82076687474703a2f2f7777772e6578616d706c652e636f6d", VONA_E_UNSUPPORTED,
           VONA_CBOR_ERR_TAG);
    expect("f7", VONA_E_UNSUPPORTED, VONA_CBOR_ERR_UNDEFINED);
    expect("f0", VONA_E_UNSUPPORTED, VONA_CBOR_ERR_SIMPLE);
    expect("f8ff", VONA_E_UNSUPPORTED, VONA_CBOR_ERR_SIMPLE);
    expect("f818", VONA_E_CORRUPT, VONA_CBOR_ERR_BAD_SIMPLE);
    expect("", VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED);
    expect("18", VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED);
    expect("4401", VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED);
    expect("8301", VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED);
    expect("9b00000000ffffffff00", VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED);
    expect("9f01", VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED);
    expect("0000", VONA_E_CORRUPT, VONA_CBOR_ERR_TRAILING);
    expect("1c", VONA_E_CORRUPT, VONA_CBOR_ERR_RESERVED);
    expect("1f", VONA_E_CORRUPT, VONA_CBOR_ERR_BAD_INDEFINITE);
    expect("ff", VONA_E_CORRUPT, VONA_CBOR_ERR_UNEXPECTED_BREAK);
    expect("8201ff", VONA_E_CORRUPT, VONA_CBOR_ERR_UNEXPECTED_BREAK);
    expect("5f4101610aff", VONA_E_CORRUPT, VONA_CBOR_ERR_BAD_CHUNK);
    expect("5f5f4101ffff", VONA_E_CORRUPT, VONA_CBOR_ERR_BAD_CHUNK);
    expect("bf01ff", VONA_E_CORRUPT, VONA_CBOR_ERR_ODD_MAP);
    expect("62c328", VONA_E_CORRUPT, VONA_CBOR_ERR_INVALID_UTF8);
    expect("63eda080", VONA_E_CORRUPT, VONA_CBOR_ERR_INVALID_UTF8);  /* surrogate */
    expect("62c0af", VONA_E_CORRUPT, VONA_CBOR_ERR_INVALID_UTF8);    /* overlong */
    expect("64f4908080", VONA_E_CORRUPT, VONA_CBOR_ERR_INVALID_UTF8); /* > U+10FFFF */
    expect("7f62c3", VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED);
    expect("7f61c3ff", VONA_E_CORRUPT, VONA_CBOR_ERR_INVALID_UTF8); /* split code point */
}

static void test_limits(void)
{
    vona_cbor_limits lim = {2, 4, 8};
    vona_cbor_frame st[3];
    uint8_t in[32];
    vona_cbor_error err;
    size_t n = unhex("818180", in);
    CHECK(vona_cbor_check(in, n, &lim, st, 3, &err) == VONA_E_LIMIT && err == VONA_CBOR_ERR_DEPTH);
    n = unhex("8180", in);
    CHECK(vona_cbor_check(in, n, &lim, st, 3, &err) == VONA_OK);
    n = unhex("9f9f9fffffff", in);
    CHECK(vona_cbor_check(in, n, &lim, st, 3, &err) == VONA_E_LIMIT && err == VONA_CBOR_ERR_DEPTH);
    n = unhex("8401020304", in); /* 5 items > 4 */
    CHECK(vona_cbor_check(in, n, &lim, st, 3, &err) == VONA_E_LIMIT && err == VONA_CBOR_ERR_ITEMS);
    n = unhex("9f01020304ff", in);
    CHECK(vona_cbor_check(in, n, &lim, st, 3, &err) == VONA_E_LIMIT && err == VONA_CBOR_ERR_ITEMS);
    n = unhex("830102", in);
    CHECK(vona_cbor_check(in, n, &lim, st, 3, &err) == VONA_E_CORRUPT &&
          err == VONA_CBOR_ERR_TRUNCATED);
    n = unhex("490102030405060708", in);
    CHECK(vona_cbor_check(in, n, &lim, st, 3, &err) == VONA_E_LIMIT && err == VONA_CBOR_ERR_SIZE);
    CHECK(vona_cbor_check(in, n, &lim, st, 2, &err) == VONA_E_INVALID_ARG);
}

/* Encode {"b": 1, 10: 2, "aa": 3, -1: 4}: keys sort to 10, -1, "b", "aa" (bytewise). */
static void test_sort_keys(void)
{
    vona_cbor_buf keys, out;
    vona_cbor_map_entry e[4], tmp[4];
    uint64_t values[4] = {1, 2, 3, 4};
    vona_cbor_buf_init(&keys, NULL, 0, 0);
    vona_cbor_buf_init(&out, NULL, 0, 0);
    for (size_t i = 0; i < 4; i++) {
        e[i].off = keys.len;
        e[i].index = i;
        if (i == 0) vona_cbor_put_text(&keys, "b", 1);
        if (i == 1) vona_cbor_put_uint(&keys, 10);
        if (i == 2) vona_cbor_put_text(&keys, "aa", 2);
        if (i == 3) vona_cbor_put_int(&keys, -1);
        e[i].len = keys.len - e[i].off;
    }
    CHECK(vona_cbor_sort_keys(keys.data, e, tmp, 4) == VONA_OK);
    vona_cbor_put_map(&out, 4);
    for (size_t i = 0; i < 4; i++) {
        vona_cbor_put_raw(&out, keys.data + e[i].off, e[i].len);
        vona_cbor_put_uint(&out, values[e[i].index]);
    }
    CHECK(buf_is(&out, "a40a02200461620162616103"));
    /* Already sorted: untouched. */
    CHECK(vona_cbor_sort_keys(keys.data, e, tmp, 4) == VONA_OK && e[0].index == 1);
    /* Equal encodings are duplicate keys, adjacent or not. */
    keys.len = 0;
    const char *dup[3] = {"k", "a", "k"};
    for (size_t i = 0; i < 3; i++) {
        e[i].off = keys.len, e[i].index = i;
        vona_cbor_put_text(&keys, dup[i], 1);
        e[i].len = keys.len - e[i].off;
    }
    CHECK(vona_cbor_sort_keys(keys.data, e, tmp, 3) == VONA_E_INVALID_ARG);
    vona_cbor_buf_free(&keys);
    vona_cbor_buf_free(&out);
    /* A buffer's max stops growth. */
    uint8_t storage[8];
    vona_cbor_buf b;
    vona_cbor_buf_init(&b, storage, sizeof storage, 6);
    CHECK(vona_cbor_put_bytes(&b, "abcd", 4) == VONA_OK);
    CHECK(vona_cbor_put_uint(&b, 1000) == VONA_E_LIMIT);
    CHECK(vona_cbor_put_uint(&b, 1) == VONA_OK && b.len == 6);
    CHECK(vona_cbor_put_uint(&b, 1) == VONA_E_LIMIT);
    vona_cbor_buf_free(&b);
    /* Growth from caller storage to the heap keeps the bytes. */
    vona_cbor_buf_init(&b, storage, sizeof storage, 0);
    for (int i = 0; i < 100; i++) CHECK(vona_cbor_put_uint(&b, 1000) == VONA_OK);
    CHECK(b.owned && b.len == 300 && b.data[297] == 0x19 && b.data[299] == 0xe8);
    vona_cbor_buf_free(&b);
}

/* vona_cbor_sort_text_keys against sorting the full encodings with vona_cbor_sort_keys. */
static void test_sort_text_keys(void)
{
    static const char *const keys[] = {"type", "seq", "rate", "ch", "pcm", "abcdefgh1",
                                       "abcdefgh0", "abcdefgh", "abcdefgi", "b", "",
                                       "abcdefghij", "\xc3\xbc", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    enum { N = sizeof keys / sizeof keys[0] };
    const uint8_t *p[N];
    size_t len[N];
    uint8_t order[N];
    vona_cbor_buf enc;
    vona_cbor_map_entry e[2 * N];
    vona_cbor_buf_init(&enc, NULL, 0, 0);
    for (size_t i = 0; i < N; i++) {
        p[i] = (const uint8_t *)keys[i];
        len[i] = strlen(keys[i]);
        e[i].off = enc.len;
        e[i].index = i;
        CHECK(vona_cbor_put_text(&enc, keys[i], len[i]) == VONA_OK);
        e[i].len = enc.len - e[i].off;
    }
    CHECK(vona_cbor_sort_text_keys(p, len, order, N) == VONA_OK);
    CHECK(vona_cbor_sort_keys(enc.data, e, e + N, N) == VONA_OK);
    for (size_t i = 0; i < N; i++) CHECK(order[i] == e[i].index);
    vona_cbor_buf_free(&enc);
    /* Equal keys are duplicates, whatever their length. */
    const uint8_t *dup[3] = {(const uint8_t *)"abcdefghijk", (const uint8_t *)"x",
                             (const uint8_t *)"abcdefghijk"};
    size_t dlen[3] = {11, 1, 11};
    CHECK(vona_cbor_sort_text_keys(dup, dlen, order, 3) == VONA_E_INVALID_ARG);
    dlen[0] = dlen[2] = 3;
    CHECK(vona_cbor_sort_text_keys(dup, dlen, order, 3) == VONA_E_INVALID_ARG);
}

/* The fast-path helpers: heads, ASCII checks, packing and short copies. */
static void test_fast_helpers(void)
{
    uint8_t in[32];
    unsigned ib;
    uint64_t v;
    size_t n = unhex("1bffffffffffffffff", in);
    CHECK(vona_cbor_read_head(in, in + n, &ib, &v) == in + 9 && ib == 0x1b && v == UINT64_MAX);
    CHECK(vona_cbor_read_head(in, in + n - 1, &ib, &v) == NULL); /* argument cut off */
    n = unhex("1903e8", in);
    CHECK(vona_cbor_read_head(in, in + n, &ib, &v) == in + 3 && v == 1000);
    n = unhex("17", in);
    CHECK(vona_cbor_read_head(in, in + n, &ib, &v) == in + 1 && v == 23);
    n = unhex("1c", in);
    CHECK(vona_cbor_read_head(in, in + n, &ib, &v) == NULL); /* reserved */
    n = unhex("5f", in);
    CHECK(vona_cbor_read_head(in, in + n, &ib, &v) == NULL); /* indefinite */

    /* The head reader and the pull decoder read every initial byte of an integer alike. */
    for (unsigned b = 0; b < 0x40; b++) {
        uint8_t item[9] = {(uint8_t)b, 1, 2, 3, 4, 5, 6, 7, 8};
        vona_cbor_decoder d;
        vona_cbor_item it;
        size_t len = (b & 31) < 24 ? 1 : (b & 31) <= 27 ? 1 + ((size_t)1 << ((b & 31) - 24)) : 1;
        const uint8_t *end = vona_cbor_read_head(item, item + len, &ib, &v);
        CHECK(vona_cbor_decoder_init(&d, item, len, &LIMITS, STACK, 65) == VONA_OK);
        vona_status st = vona_cbor_next(&d, &it);
        CHECK((end != NULL) == (st == VONA_OK));
        if (end) CHECK(ib == b && it.value == v && d.pos == (size_t)(end - item));
        if (len > 1) CHECK(vona_cbor_read_head(item, item + len - 1, &ib, &v) == NULL);
    }

    uint8_t text[40];
    memset(text, 'a', sizeof text);
    for (size_t len = 0; len <= sizeof text; len++) CHECK(vona_cbor_ascii(text, len));
    for (size_t at = 0; at < sizeof text; at++) {
        text[at] = 0x80;
        CHECK(!vona_cbor_ascii(text, sizeof text));
        CHECK(vona_cbor_ascii(text, at));
        text[at] = 'a';
    }

    uint8_t src[32], dst[20];
    for (size_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)(i + 1);
    for (size_t len = 0; len <= 16; len++) {
        uint64_t w[2], w2[2];
        uint8_t want[16] = {0};
        memcpy(want, src, len);
        vona_cbor_pack16(src, len, sizeof src, w); /* 16 readable bytes: the masked load */
        vona_cbor_pack16(src, len, len, w2);       /* only len readable: the byte copy */
        CHECK(memcmp(w, want, 16) == 0);
        CHECK(memcmp(w2, want, 16) == 0);
        memset(dst, 0xee, sizeof dst);
        vona_cbor_copy(dst, src, len);
        CHECK(memcmp(dst, src, len) == 0);
        CHECK(dst[len] == 0xee);
    }
}

int main(void)
{
    test_ints();
    test_floats();
    test_strings_and_containers();
    test_appendix_a_walk();
    test_refusals();
    test_limits();
    test_sort_keys();
    test_sort_text_keys();
    test_fast_helpers();
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    return failures != 0;
}
