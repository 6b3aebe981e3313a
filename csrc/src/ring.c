/* SPSC int16 ring. head and tail are monotonically increasing 64-bit positions (in
 * sample frames), so "full" and "empty" never need a spare slot and never wrap in
 * practice (2^64 frames is 36 million years at 16 kHz). Each counter has exactly one
 * writer thread, so counters are updated with relaxed load + store, never an RMW. */
#include "vona/ring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64

struct vona_ring {
    /* Immutable after create. */
    int16_t *data;
    size_t capacity; /* sample frames */
    unsigned channels;

    /* Producer-owned line. */
    alignas(CACHE_LINE) _Atomic uint64_t head;
    _Atomic uint64_t overflows;

    /* Consumer-owned line. */
    alignas(CACHE_LINE) _Atomic uint64_t tail;
    _Atomic uint64_t read_total;
    _Atomic uint64_t dropped;
    _Atomic uint64_t underflows;
};

static inline void bump(_Atomic uint64_t *counter, uint64_t n)
{
    /* Single writer: a relaxed load + store is enough and cheaper than fetch_add. */
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

vona_status vona_ring_create(size_t capacity, unsigned channels, vona_ring **out)
{
    if (out == NULL) return VONA_E_INVALID_ARG;
    *out = NULL;
    if (capacity == 0 || channels == 0 || channels > VONA_RING_MAX_CHANNELS) return VONA_E_INVALID_ARG;
    if (capacity > VONA_RING_MAX_VALUES / channels) return VONA_E_INVALID_ARG;
    vona_ring *ring = aligned_alloc(CACHE_LINE, (sizeof(vona_ring) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE);
    if (ring == NULL) return VONA_E_NOMEM;
    memset(ring, 0, sizeof(*ring));
    ring->data = malloc(capacity * channels * sizeof(int16_t));
    if (ring->data == NULL) {
        free(ring);
        return VONA_E_NOMEM;
    }
    ring->capacity = capacity;
    ring->channels = channels;
    atomic_init(&ring->head, 0);
    atomic_init(&ring->overflows, 0);
    atomic_init(&ring->tail, 0);
    atomic_init(&ring->read_total, 0);
    atomic_init(&ring->dropped, 0);
    atomic_init(&ring->underflows, 0);
    *out = ring;
    return VONA_OK;
}

void vona_ring_destroy(vona_ring *ring)
{
    if (ring == NULL) return;
    free(ring->data);
    free(ring);
}

size_t vona_ring_capacity(const vona_ring *ring) { return ring->capacity; }

unsigned vona_ring_channels(const vona_ring *ring) { return ring->channels; }

size_t vona_ring_size(const vona_ring *ring)
{
    /* Load tail first: head only grows, so head - tail can only overstate, never go
     * negative, when the two are read at different moments. */
    uint64_t t = atomic_load_explicit(&ring->tail, memory_order_acquire);
    uint64_t h = atomic_load_explicit(&ring->head, memory_order_acquire);
    uint64_t n = h - t;
    return n > ring->capacity ? ring->capacity : (size_t)n;
}

/* Copy n frames between the ring at position pos and a linear buffer. */
static inline void copy_out(const vona_ring *ring, uint64_t pos, int16_t *dst, size_t n)
{
    const size_t ch = ring->channels;
    size_t off = (size_t)(pos % ring->capacity);
    size_t first = ring->capacity - off;
    if (first > n) first = n;
    memcpy(dst, ring->data + off * ch, first * ch * sizeof(int16_t));
    if (n > first) memcpy(dst + first * ch, ring->data, (n - first) * ch * sizeof(int16_t));
}

void vona_ring_write(vona_ring *ring, const int16_t *src, size_t n, size_t *accepted)
{
    const size_t ch = ring->channels;
    uint64_t h = atomic_load_explicit(&ring->head, memory_order_relaxed);
    uint64_t t = atomic_load_explicit(&ring->tail, memory_order_acquire);
    size_t room = ring->capacity - (size_t)(h - t);
    size_t k = n < room ? n : room;
    if (k > 0) {
        size_t off = (size_t)(h % ring->capacity);
        size_t first = ring->capacity - off;
        if (first > k) first = k;
        memcpy(ring->data + off * ch, src, first * ch * sizeof(int16_t));
        if (k > first) memcpy(ring->data, src + first * ch, (k - first) * ch * sizeof(int16_t));
        atomic_store_explicit(&ring->head, h + k, memory_order_release);
    }
    if (k < n) bump(&ring->overflows, n - k);
    *accepted = k;
}

void vona_ring_read(vona_ring *ring, int16_t *dst, size_t n, size_t *got)
{
    uint64_t t = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&ring->head, memory_order_acquire);
    size_t avail = (size_t)(h - t);
    size_t k = n < avail ? n : avail;
    if (k > 0) {
        copy_out(ring, t, dst, k);
        atomic_store_explicit(&ring->tail, t + k, memory_order_release);
        bump(&ring->read_total, k);
    }
    if (k < n) bump(&ring->underflows, n - k);
    *got = k;
}

void vona_ring_peek(const vona_ring *ring, int16_t *dst, size_t n, size_t *got)
{
    uint64_t t = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&ring->head, memory_order_acquire);
    size_t avail = (size_t)(h - t);
    size_t k = n < avail ? n : avail;
    if (k > 0) copy_out(ring, t, dst, k);
    *got = k;
}

size_t vona_ring_clear(vona_ring *ring)
{
    uint64_t t = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&ring->head, memory_order_acquire);
    size_t n = (size_t)(h - t);
    if (n > 0) {
        atomic_store_explicit(&ring->tail, h, memory_order_release);
        bump(&ring->dropped, n);
    }
    return n;
}

void vona_ring_note_underflow(vona_ring *ring, size_t n)
{
    if (n > 0) bump(&ring->underflows, n);
}

void vona_ring_stats_get(const vona_ring *ring, vona_ring_stats *out)
{
    /* Consumer counters first, then head: a concurrent snapshot then satisfies
     * written >= read + dropped, never the reverse. */
    out->read = atomic_load_explicit(&ring->read_total, memory_order_acquire);
    out->dropped = atomic_load_explicit(&ring->dropped, memory_order_acquire);
    out->underflows = atomic_load_explicit(&ring->underflows, memory_order_relaxed);
    out->written = atomic_load_explicit(&ring->head, memory_order_acquire);
    out->overflows = atomic_load_explicit(&ring->overflows, memory_order_relaxed);
}
