/* The floor for Opus from C: ns per opus_decode / opus_encode call on the same audio the
 * Python benchmark uses. Built and run by benchmarks/bench_codec.py:
 *   cc -O3 opus_raw.c $(pkg-config --cflags --libs opus) -o build/bench/opus_raw
 *   opus_raw PCM_FILE FRAMES DEC_BATCH DEC_BATCHES ENC_BATCH ENC_BATCHES
 * PCM_FILE holds FRAMES frames of 960 int16 mono samples (20 ms at 48 kHz). Each figure is
 * the median over batches of the mean ns per call within a batch, after a warm-up, like
 * benchmarks/_harness.py's time_ns_per_call. */
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

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile int sink;

static double time_decode(OpusDecoder *dec, int frames, int batch, int batches)
{
    double *samples = malloc(sizeof(double) * (size_t)batches);
    int k = 0;
    for (int i = 0; i < 50; i++, k = (k + 1) % frames)
        sink += opus_decode(dec, packets[k], packet_len[k], out, FRAME, 0);
    for (int b = 0; b < batches; b++) {
        double t0 = now_ns();
        for (int i = 0; i < batch; i++, k = (k + 1) % frames)
            sink += opus_decode(dec, packets[k], packet_len[k], out, FRAME, 0);
        samples[b] = (now_ns() - t0) / batch;
    }
    qsort(samples, (size_t)batches, sizeof(double), cmp_double);
    double med = samples[batches / 2];
    free(samples);
    return med;
}

static double time_encode(int complexity, int frames, int batch, int batches)
{
    int err;
    OpusEncoder *enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
    if (err != OPUS_OK) exit(2);
    opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity));
    unsigned char buf[7650];
    double *samples = malloc(sizeof(double) * (size_t)batches);
    int k = 0;
    for (int i = 0; i < 10; i++, k = (k + 1) % frames)
        sink += opus_encode(enc, pcm + (size_t)k * FRAME, FRAME, buf, sizeof buf);
    for (int b = 0; b < batches; b++) {
        double t0 = now_ns();
        for (int i = 0; i < batch; i++, k = (k + 1) % frames)
            sink += opus_encode(enc, pcm + (size_t)k * FRAME, FRAME, buf, sizeof buf);
        samples[b] = (now_ns() - t0) / batch;
    }
    qsort(samples, (size_t)batches, sizeof(double), cmp_double);
    double med = samples[batches / 2];
    free(samples);
    opus_encoder_destroy(enc);
    return med;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s PCM_FILE FRAMES DEC_BATCH DEC_BATCHES ENC_BATCH ENC_BATCHES\n",
                argv[0]);
        return 1;
    }
    int frames = atoi(argv[2]);
    if (frames < 1 || frames > MAX_FRAMES) return 1;
    FILE *f = fopen(argv[1], "rb");
    if (!f || fread(pcm, sizeof(int16_t) * FRAME, (size_t)frames, f) != (size_t)frames) return 1;
    fclose(f);
    int err;
    /* Packets made at libopus's default settings (what the Python side decodes too). */
    OpusEncoder *enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
    for (int k = 0; k < frames; k++) {
        packet_len[k] = opus_encode(enc, pcm + (size_t)k * FRAME, FRAME, packets[k], 1500);
        if (packet_len[k] < 0) return 2;
    }
    opus_encoder_destroy(enc);
    OpusDecoder *dec = opus_decoder_create(48000, 1, &err);
    printf("decode_48k %.1f\n", time_decode(dec, frames, atoi(argv[3]), atoi(argv[4])));
    opus_decoder_destroy(dec);
    printf("encode_c10 %.1f\n", time_encode(10, frames, atoi(argv[5]), atoi(argv[6])));
    printf("encode_c5 %.1f\n", time_encode(5, frames, atoi(argv[5]), atoi(argv[6])));
    return 0;
}
