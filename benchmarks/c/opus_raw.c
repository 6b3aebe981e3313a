/* The floor for Opus from C: ns per opus_decode / opus_encode call on the same audio the
 * Python benchmark uses (benchmarks/bench_codec.py builds and runs it).
 *
 * As a program:
 *   cc -O3 opus_raw.c $(pkg-config --cflags --libs opus) -o build/bench/opus_raw
 *   opus_raw PCM_FILE FRAMES BATCH BATCHES
 * prints "decode_48k NS", "encode_c10 NS" and "encode_c5 NS": the median over BATCHES of the
 * mean ns per call within a batch of BATCH calls (encode batches are BATCH/5 calls), after
 * a warm-up, like benchmarks/_harness.py's time_ns_per_call.
 *
 * Built with -shared -DOPUS_RAW_LIB it exports opus_raw_setup / opus_raw_decode /
 * opus_raw_encode instead, so the Python benchmark can alternate C and Python batches under
 * the same machine load. PCM_FILE holds FRAMES frames of 960 int16 mono samples (20 ms at
 * 48 kHz). */
#include <opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define FRAME 960
#define MAX_FRAMES 500

static int16_t pcm[MAX_FRAMES * FRAME];
static unsigned char packets[MAX_FRAMES][1500];
static int packet_len[MAX_FRAMES];
static int16_t out[FRAME * 6];
static int frames;
static OpusDecoder *dec;
static OpusEncoder *enc[2]; /* complexity 10 and 5 */
static int dec_k, enc_k[2];
static volatile int sink;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Load the frames, make their packets at libopus's default settings, create the codecs. */
int opus_raw_setup(const char *path, int n)
{
    if (n < 1 || n > MAX_FRAMES) return -1;
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t got = fread(pcm, sizeof(int16_t) * FRAME, (size_t)n, f);
    fclose(f);
    if (got != (size_t)n) return -1;
    frames = n;
    int err;
    OpusEncoder *e = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
    if (err != OPUS_OK) return -1;
    for (int k = 0; k < frames; k++) {
        packet_len[k] = opus_encode(e, pcm + (size_t)k * FRAME, FRAME, packets[k], 1500);
        if (packet_len[k] < 0) return -1;
    }
    opus_encoder_destroy(e);
    dec = opus_decoder_create(48000, 1, &err);
    if (err != OPUS_OK) return -1;
    static const int complexity[2] = {10, 5};
    for (int i = 0; i < 2; i++) {
        enc[i] = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
        if (err != OPUS_OK) return -1;
        opus_encoder_ctl(enc[i], OPUS_SET_COMPLEXITY(complexity[i]));
    }
    return 0;
}

/* Decode `calls` packets (cycling through the frames); mean ns per call. */
double opus_raw_decode(int calls)
{
    double t0 = now_ns();
    for (int i = 0; i < calls; i++, dec_k = (dec_k + 1) % frames)
        sink += opus_decode(dec, packets[dec_k], packet_len[dec_k], out, FRAME, 0);
    return (now_ns() - t0) / calls;
}

/* Encode `calls` frames with encoder `which` (0: complexity 10, 1: complexity 5). */
double opus_raw_encode(int which, int calls)
{
    unsigned char buf[7650];
    double t0 = now_ns();
    for (int i = 0; i < calls; i++, enc_k[which] = (enc_k[which] + 1) % frames)
        sink += opus_encode(enc[which], pcm + (size_t)enc_k[which] * FRAME, FRAME, buf,
                            sizeof buf);
    return (now_ns() - t0) / calls;
}

#ifndef OPUS_RAW_LIB
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double (*batch_fn)(int, int), int which, int batch, int batches)
{
    double *s = malloc(sizeof(double) * (size_t)batches);
    batch_fn(which, batch); /* warm-up */
    for (int b = 0; b < batches; b++) s[b] = batch_fn(which, batch);
    qsort(s, (size_t)batches, sizeof(double), cmp_double);
    double m = s[batches / 2];
    free(s);
    return m;
}

static double decode_batch(int which, int calls)
{
    (void)which;
    return opus_raw_decode(calls);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s PCM_FILE FRAMES BATCH BATCHES\n", argv[0]);
        return 1;
    }
    if (opus_raw_setup(argv[1], atoi(argv[2])) != 0) {
        fprintf(stderr, "opus_raw: cannot load %s\n", argv[1]);
        return 1;
    }
    int batch = atoi(argv[3]), batches = atoi(argv[4]);
    if (batch < 5 || batches < 1) return 1;
    printf("decode_48k %.1f\n", median_of(decode_batch, 0, batch, batches));
    printf("encode_c10 %.1f\n", median_of(opus_raw_encode, 0, batch / 5, batches));
    printf("encode_c5 %.1f\n", median_of(opus_raw_encode, 1, batch / 5, batches));
    return 0;
}
#endif
