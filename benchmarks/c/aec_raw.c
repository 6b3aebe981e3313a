/* The floor for echo cancellation from C: libspeexdsp's echo canceller and preprocessor
 * called directly, configured as csrc/src/aec.c configures them (residual echo
 * suppression on, noise attenuation 0 dB, no AGC, no dereverb), on the same frames
 * benchmarks/bench_aec.py gives Vona's EchoCanceller.
 *
 * Built with -shared (bench_aec.py does it): aec_raw_setup(rate, frame, filter, near,
 * far, calls) copies `calls` blocks of 2 * frame samples (20 ms of 10 ms frames);
 * aec_raw_run(n) makes n calls, cycling through them, and returns the mean ns per call. */
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static SpeexEchoState *echo;
static SpeexPreprocessState *pre;
static int16_t *near_pcm, *far_pcm, *out;
static int frame, calls, next_call;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: other jobs on the machine do not count */
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int aec_raw_setup(int rate, int frame_samples, int filter_samples, const int16_t *near,
                  const int16_t *far, int n_calls)
{
    int on = 1, off = 0, zero_db = 0;
    frame = frame_samples;
    calls = n_calls;
    size_t n = (size_t)calls * 2 * frame;
    near_pcm = malloc(n * sizeof *near_pcm);
    far_pcm = malloc(n * sizeof *far_pcm);
    out = malloc(2 * (size_t)frame * sizeof *out);
    if (!near_pcm || !far_pcm || !out) return -1;
    memcpy(near_pcm, near, n * sizeof *near_pcm);
    memcpy(far_pcm, far, n * sizeof *far_pcm);
    echo = speex_echo_state_init(frame, filter_samples);
    pre = speex_preprocess_state_init(frame, rate);
    if (!echo || !pre) return -1;
    speex_echo_ctl(echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
    speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_ECHO_STATE, echo);
    speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_DENOISE, &on);
    speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &zero_db);
    speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_AGC, &off);
    speex_preprocess_ctl(pre, SPEEX_PREPROCESS_SET_DEREVERB, &off);
    return 0;
}

double aec_raw_run(int n)
{
    double t0 = now_ns();
    for (int i = 0; i < n; i++) {
        size_t at = (size_t)next_call * 2 * frame;
        for (int k = 0; k < 2; k++) {
            speex_echo_cancellation(echo, near_pcm + at + k * frame, far_pcm + at + k * frame,
                                    out + k * frame);
            speex_preprocess_run(pre, out + k * frame);
        }
        next_call = (next_call + 1) % calls;
    }
    return (now_ns() - t0) / n;
}
