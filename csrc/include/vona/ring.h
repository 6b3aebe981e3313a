/* Single-producer single-consumer ring of interleaved int16 audio.
 *
 * Units: every count is in samples per channel ("sample frames"): one unit is one
 * 1/rate-second step of audio, holding `channels` int16 values. For mono the two
 * meanings coincide. The ring only ever moves whole sample frames.
 *
 * Threads: exactly one producer thread may call vona_ring_write; exactly one consumer
 * thread may call vona_ring_read, vona_ring_peek, vona_ring_clear and
 * vona_ring_note_underflow. Any thread may call vona_ring_size and vona_ring_stats
 * (they return a consistent-enough snapshot: each counter is read atomically, but the
 * set is not read as one transaction). head and tail are C11 atomics published with
 * release stores and read with acquire loads, so sample data written before a head
 * update is visible to the consumer that sees the update, and vice versa for tail.
 *
 * Invariant (with no operation in flight):
 *   written == read + dropped + size
 * where overflows and underflows count samples refused by write and samples a read
 * asked for but did not find.
 */
#ifndef VONA_RING_H
#define VONA_RING_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vona_ring vona_ring;

/* Largest capacity accepted, in sample frames (times channels must fit 2^31 values). */
#define VONA_RING_MAX_VALUES ((size_t)1 << 31)
#define VONA_RING_MAX_CHANNELS 64u

typedef struct vona_ring_stats {
    uint64_t written;    /* sample frames accepted by write */
    uint64_t read;       /* sample frames consumed by read */
    uint64_t dropped;    /* sample frames discarded by clear */
    uint64_t overflows;  /* sample frames refused by write because the ring was full */
    uint64_t underflows; /* sample frames a read asked for beyond what was buffered */
} vona_ring_stats;

/* Allocate a ring holding `capacity` sample frames of `channels` channels.
 * VONA_E_INVALID_ARG if capacity is 0, channels is 0 or above VONA_RING_MAX_CHANNELS,
 * or capacity * channels exceeds VONA_RING_MAX_VALUES. */
vona_status vona_ring_create(size_t capacity, unsigned channels, vona_ring **out);

/* Free a ring (NULL is ignored). No thread may be using it. */
void vona_ring_destroy(vona_ring *ring);

size_t vona_ring_capacity(const vona_ring *ring);
unsigned vona_ring_channels(const vona_ring *ring);

/* Sample frames currently buffered. Exact from the producer or the consumer thread
 * (a lower bound for the consumer, an upper bound for the producer while the other
 * side is active). */
size_t vona_ring_size(const vona_ring *ring);

/* Producer: copy up to n sample frames from src (n * channels int16 values). Accepts as
 * many as fit, stores the count in *accepted, and adds the rest to the overflow count.
 * Never overwrites unread audio. */
void vona_ring_write(vona_ring *ring, const int16_t *src, size_t n, size_t *accepted);

/* Consumer: move up to n sample frames into dst (room for n * channels values). Stores
 * the count moved in *got; if fewer than n were buffered, adds n - *got to underflows. */
void vona_ring_read(vona_ring *ring, int16_t *dst, size_t n, size_t *got);

/* Consumer: copy up to n sample frames into dst without consuming them. Not counted. */
void vona_ring_peek(const vona_ring *ring, int16_t *dst, size_t n, size_t *got);

/* Consumer: discard everything buffered in O(1) and return the number of sample frames
 * discarded (added to dropped). Safe while the producer keeps writing: audio the
 * producer publishes after the clear's snapshot of head stays buffered. */
size_t vona_ring_clear(vona_ring *ring);

/* Consumer: add n sample frames to the underflow count. For a caller that sized its read
 * from vona_ring_size and so asked vona_ring_read for less than it wanted. */
void vona_ring_note_underflow(vona_ring *ring, size_t n);

/* Snapshot of the counters (any thread). */
void vona_ring_stats_get(const vona_ring *ring, vona_ring_stats *out);

#ifdef __cplusplus
}
#endif
#endif
