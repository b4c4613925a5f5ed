/* A small greedy LZNT1 compressor, for round trips and compressed-file fixtures in unit
 * tests. Slow (quadratic per chunk) but simple enough to trust by reading. */
#pragma once

#include <glib.h>
#include <string.h>

#include "util/bytes.h"

enum { FIXTURE_LZNT1_CHUNK = 4096 };

/* Bits of a back-reference token that hold the offset, at `pos` bytes into a chunk. */
static inline unsigned fixture_lznt1_offset_bits(size_t pos)
{
	unsigned bits = 4;
	while (((size_t)1 << bits) < pos)
		bits++;
	return bits;
}

/* Compresses one chunk of 1..4096 bytes to dst (room for 2 * 4096 + 2); returns its size.
 * A chunk that does not shrink is stored, as NTFS stores it. */
static inline size_t fixture_lznt1_compress_chunk(const uint8_t *src, size_t len, uint8_t *dst)
{
	uint8_t *out = dst + 2;
	size_t pos = 0;
	while (pos < len) {
		uint8_t *flags = out++;
		*flags = 0;
		for (unsigned bit = 0; bit < 8 && pos < len; bit++) {
			unsigned obits = fixture_lznt1_offset_bits(pos);
			size_t max_len = MIN(((size_t)1 << (16 - obits)) + 2, len - pos);
			size_t best_len = 0, best_off = 0;
			for (size_t off = 1; off <= pos && best_len < max_len; off++) {
				size_t l = 0;
				while (l < max_len && src[pos - off + l] == src[pos + l])
					l++;
				if (l > best_len) {
					best_len = l;
					best_off = off;
				}
			}
			if (best_len >= 3) {
				le16_put(out, (uint16_t)(((best_off - 1) << (16 - obits)) | (best_len - 3)));
				out += 2;
				*flags |= (uint8_t)(1u << bit);
				pos += best_len;
			} else {
				*out++ = src[pos++];
			}
		}
	}
	size_t data = (size_t)(out - (dst + 2));
	if (data >= len) {
		le16_put(dst, (uint16_t)(0x3000 | (len - 1)));
		memcpy(dst + 2, src, len);
		return len + 2;
	}
	le16_put(dst, (uint16_t)(0xB000 | (data - 1)));
	return data + 2;
}

/* Compresses `len` bytes chunk by chunk, ending with a zero chunk header (g_free). */
static inline uint8_t *fixture_lznt1_compress(const uint8_t *src, size_t len, size_t *out_len)
{
	const size_t chunk = FIXTURE_LZNT1_CHUNK;
	uint8_t *dst = g_malloc((len / chunk + 1) * (2 * chunk + 2) + 2);
	size_t n = 0;
	for (size_t at = 0; at < len; at += chunk)
		n += fixture_lznt1_compress_chunk(src + at, MIN(chunk, len - at), dst + n);
	le16_put(dst + n, 0);
	*out_len = n + 2;
	return dst;
}
