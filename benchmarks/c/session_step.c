/* The floor for one session step from plain C: Opus decode (48 kHz), resample 48k -> 16k,
 * pass the 16 kHz frame through, resample 16k -> 48k, Opus encode -- with libopus and
 * libsoxr called directly (HQ, int16 in and out), no Python and no Vona.
 *
 * Built by benchmarks/bench_session.py as a shared library:
 *   cc -O3 -shared -fPIC session_step.c $(pkg-config --cflags --libs opus soxr) -o libsession_step.so
 * session_step_setup(PCM_FILE, FRAMES, COMPLEXITY) loads FRAMES frames of 960 int16 mono
 * samples (20 ms at 48 kHz), makes their packets at libopus's VoIP defaults and creates the
 * codecs and resamplers; session_step_run(N) runs N steps (cycling through the packets) and
 * returns the mean ns per step, so the Python benchmark can alternate C and Python batches
 * under the same machine load. Returns a negative value on failure. */
#include <opus.h>
#include <soxr.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define FRAME 960      /* 20 ms at 48 kHz */
#define FRAME_16K 320  /* 20 ms at 16 kHz */
#define MAX_FRAMES 500
#define FIFO (FRAME * 4)

static short pcm[MAX_FRAMES * FRAME];
static unsigned char packets[MAX_FRAMES][1500];
static int packet_len[MAX_FRAMES];
static int frames, k;
static OpusDecoder *dec;
static OpusEncoder *enc;
static soxr_t down, up;
static short decoded[FRAME], low[FRAME_16K * 2], fifo[FIFO];
static size_t fifo_len;
static unsigned char packet_out[1500];
static volatile int sink;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static soxr_t make_resampler(double in_rate, double out_rate)
{
    soxr_error_t err;
    soxr_io_spec_t io = soxr_io_spec(SOXR_INT16_I, SOXR_INT16_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    soxr_t s = soxr_create(in_rate, out_rate, 1, &err, &io, &q, NULL);
    return err ? NULL : s;
}

/* One step; returns 0, or -1 on a codec or resampler error. */
static int step(void)
{
    int n = opus_decode(dec, packets[k], packet_len[k], decoded, FRAME, 0);
    if (++k == frames) k = 0;
    if (n != FRAME) return -1;
    size_t idone, odone;
    if (soxr_process(down, decoded, FRAME, &idone, low, sizeof low / sizeof low[0], &odone))
        return -1;
    /* passthrough: the 16 kHz frame is the backend's output as it is */
    size_t room = FIFO - fifo_len, got;
    if (soxr_process(up, low, odone, &idone, fifo + fifo_len, room, &got)) return -1;
    fifo_len += got;
    if (fifo_len < FRAME) { /* resampler warm-up: encode what there is, zero padded */
        memset(fifo + fifo_len, 0, (FRAME - fifo_len) * sizeof(short));
        fifo_len = FRAME;
    }
    int bytes = opus_encode(enc, fifo, FRAME, packet_out, sizeof packet_out);
    if (bytes < 0) return -1;
    fifo_len -= FRAME;
    memmove(fifo, fifo + FRAME, fifo_len * sizeof(short));
    sink += bytes;
    return 0;
}

int session_step_setup(const char *path, int n, int complexity)
{
    if (n < 1 || n > MAX_FRAMES) return -1;
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t got = fread(pcm, sizeof(short) * FRAME, (size_t)n, f);
    fclose(f);
    if (got != (size_t)n) return -1;
    frames = n;
    int err;
    OpusEncoder *e = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
    if (err != OPUS_OK) return -1;
    for (int i = 0; i < frames; i++) {
        packet_len[i] = opus_encode(e, pcm + (size_t)i * FRAME, FRAME, packets[i], 1500);
        if (packet_len[i] < 0) return -1;
    }
    opus_encoder_destroy(e);
    dec = opus_decoder_create(48000, 1, &err);
    if (err != OPUS_OK) return -1;
    enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
    if (err != OPUS_OK) return -1;
    if (complexity >= 0 && opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity)) != OPUS_OK)
        return -1;
    down = make_resampler(48000, 16000);
    up = make_resampler(16000, 48000);
    if (!down || !up) return -1;
    k = 0;
    fifo_len = 0;
    return 0;
}

double session_step_run(int n)
{
    double t0 = now_ns();
    for (int i = 0; i < n; i++)
        if (step()) return -1.0;
    return (now_ns() - t0) / n;
}
