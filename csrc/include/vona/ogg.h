/* Ogg pages (RFC 3533) carrying one Opus stream (RFC 7845): a writer and a streaming reader.
 *
 * The writer turns Opus packets into CRC-checked pages with 48 kHz granule positions,
 * emitting the OpusHead and OpusTags header pages first and an end-of-stream page on close.
 * The reader accepts bytes split anywhere, validates CRCs and the two header packets,
 * reassembles packets continued across pages up to a size cap, skips corrupt pages (counted)
 * by resynchronising on the next "OggS", and refuses chained or multiplexed streams.
 * Neither object may be used from two threads at once.
 */
#ifndef VONA_OGG_H
#define VONA_OGG_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VONA_OGG_HEADER_BYTES 27
#define VONA_OGG_MAX_SEGMENTS 255
/* A page holds at most 255 segments of at most 255 bytes each. */
#define VONA_OGG_MAX_PAGE_BYTES (VONA_OGG_HEADER_BYTES + 255 + 255 * 255)
#define VONA_OGG_DEFAULT_PAGE_TARGET 4096
#define VONA_OGG_FLAG_CONTINUED 0x01
#define VONA_OGG_FLAG_BOS 0x02
#define VONA_OGG_FLAG_EOS 0x04

/* Ogg's CRC-32 (polynomial 0x04C11DB7, no reflection, initial value 0, no final xor).
 * Pass 0 as crc to start; feed the result back to continue over more bytes. */
uint32_t vona_ogg_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* The fields of an OpusHead packet (RFC 7845 section 5.1). */
typedef struct vona_ogg_opus_head {
    int version;
    int channels;
    int pre_skip;
    uint32_t input_sample_rate;
    int output_gain; /* Q7.8 dB */
    int mapping_family;
} vona_ogg_opus_head;

/* ---- writer ---- */
typedef struct vona_ogg_writer vona_ogg_writer;

typedef struct vona_ogg_writer_config {
    uint32_t serial;
    int channels;               /* 1 or 2 (mapping family 0) */
    uint32_t input_sample_rate; /* informational, written into OpusHead */
    int pre_skip;               /* samples at 48 kHz to drop at the start, 0..65535 */
    int output_gain;            /* Q7.8 dB, -32768..32767 */
    int flush_every_packet;     /* 1: one page per packet, at once (realtime); 0: fill pages */
    size_t page_target_bytes;   /* filled mode: close a page once its body reaches this
                                   (255..32768; 0 means VONA_OGG_DEFAULT_PAGE_TARGET) */
} vona_ogg_writer_config;

vona_status vona_ogg_writer_create(vona_ogg_writer **out, const vona_ogg_writer_config *cfg);
void vona_ogg_writer_destroy(vona_ogg_writer *w);

/* Most bytes one write of a packet of packet_len bytes (or a close) can produce. */
size_t vona_ogg_writer_output_bound(const vona_ogg_writer *w, size_t packet_len);

/* Append one Opus packet; the pages it completes (the header pages first, on the first call)
 * go to out. Fails with VONA_E_FULL before changing state when out_cap is below the bound,
 * VONA_E_CODEC (with *opus_error) for a packet whose TOC libopus rejects, VONA_E_LIMIT for a
 * packet over VONA_OPUS_MAX_PACKET_BYTES and VONA_E_STATE after close. */
vona_status vona_ogg_writer_write(vona_ogg_writer *w, const uint8_t *packet, size_t len,
                                  uint8_t *out, size_t out_cap, size_t *out_len, int *opus_error);

/* Flush what is pending in a final page flagged end-of-stream (an empty one if nothing is
 * pending). A second close writes nothing. */
vona_status vona_ogg_writer_close(vona_ogg_writer *w, uint8_t *out, size_t out_cap,
                                  size_t *out_len);

/* Granule position (48 kHz samples, pre-skip included) after the packets written so far. */
int64_t vona_ogg_writer_granule(const vona_ogg_writer *w);
/* Pages emitted so far. */
uint32_t vona_ogg_writer_pages(const vona_ogg_writer *w);

/* ---- reader ---- */
typedef struct vona_ogg_reader vona_ogg_reader;

typedef struct vona_ogg_reader_config {
    size_t max_page_bytes;   /* larger pages count as corrupt (64..VONA_OGG_MAX_PAGE_BYTES) */
    size_t max_packet_bytes; /* largest audio packet assembled (1..16 MiB) */
    size_t max_tags_bytes;   /* largest OpusTags packet assembled (20..16 MiB) */
} vona_ogg_reader_config;

vona_status vona_ogg_reader_create(vona_ogg_reader **out, const vona_ogg_reader_config *cfg);
void vona_ogg_reader_destroy(vona_ogg_reader *r);

/* Consume bytes until one page has been processed or the input is used up; *consumed says
 * how many. The audio packets completed by that page are then available through
 * vona_ogg_reader_packet_count/packet until the next feed. A fatal stream error (bad or
 * out-of-order headers, chained or multiplexed streams, an oversized packet) is sticky:
 * every later feed returns it too; vona_ogg_reader_error describes it. */
vona_status vona_ogg_reader_feed(vona_ogg_reader *r, const uint8_t *data, size_t len,
                                 size_t *consumed);
size_t vona_ogg_reader_packet_count(const vona_ogg_reader *r);
void vona_ogg_reader_packet(const vona_ogg_reader *r, size_t index, const uint8_t **data,
                            size_t *len);

/* The stream's OpusHead, or NULL before it has been read. */
const vona_ogg_opus_head *vona_ogg_reader_head(const vona_ogg_reader *r);
/* Granule position of the last page that completed a packet (-1 before any). */
int64_t vona_ogg_reader_granule(const vona_ogg_reader *r);
int vona_ogg_reader_eos(const vona_ogg_reader *r);
/* How many times the reader discarded bytes: bad CRCs, malformed or oversized pages, junk. */
uint64_t vona_ogg_reader_corrupt_pages(const vona_ogg_reader *r);
/* Partial packets dropped because a page carrying part of them was lost. */
uint64_t vona_ogg_reader_lost_packets(const vona_ogg_reader *r);
/* A static description of the fatal error, or "" if none. */
const char *vona_ogg_reader_error(const vona_ogg_reader *r);

#ifdef __cplusplus
}
#endif
#endif
