/* LZNT1 decompression for compressed NTFS streams. On the read path, so the inner loop
 * works on pointers checked once per token; it never reads past `in` nor writes past
 * `out`, and refuses back-references before their chunk and chunks longer than 4 KiB. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/lznt1.h"

#include <string.h>

#include "util/error.h"

enum {
	LZNT1_CHUNK_SIZE   = 4096,   /* bytes a chunk decodes to (the last may be shorter) */
	LZNT1_SIZE_MASK    = 0x0FFF, /* header bits 0..11: chunk data bytes - 1 */
	LZNT1_COMPRESSED   = 0x8000, /* header bit 15; bits 12..14 hold a signature (3) */
	LZNT1_MIN_MATCH    = 3,
	LZNT1_OVERSHOOT    = 8,      /* bytes a fast copy may write past a match */
};

/* One chunk being decoded. The moving read and write positions are locals of
 * decode_chunk: stores through uint8_t pointers may alias anything, so keeping them in
 * a struct would force a reload after every byte written. */
typedef struct {
	const uint8_t *src_end;
	uint8_t *start, *end; /* start of the chunk in out; limit of this chunk in out */
	bool clipped;         /* end is the end of out, not of the chunk */
	size_t chunk_offset;  /* in `in`, for messages */
} Chunk;

static bool chunk_overrun(const Chunk *c, GError **error)
{
	return rfs_set_corrupt(error, "lznt1: chunk at byte %zu decodes to more than %d bytes",
			       c->chunk_offset, LZNT1_CHUNK_SIZE);
}

/* Copies one back-reference to dst; returns the new write position, or NULL with
 * `error` set. The 16-bit token splits into offset and length at a point that moves
 * with the position in the chunk (see offset_bits in decode_chunk). */
static inline uint8_t *copy_match(const Chunk *c, uint8_t *dst, uint16_t token,
				  unsigned offset_bits, GError **error)
{
	size_t pos = (size_t)(dst - c->start);
	size_t offset = ((size_t)token >> (16 - offset_bits)) + 1;
	size_t length = ((size_t)token & (0xFFFFu >> offset_bits)) + LZNT1_MIN_MATCH;
	if (G_UNLIKELY(offset > pos)) {
		rfs_set_corrupt(error, "lznt1: chunk at byte %zu: back-reference %zu bytes back"
				" at position %zu is before the chunk", c->chunk_offset, offset, pos);
		return NULL;
	}
	size_t room = (size_t)(c->end - dst);
	if (G_UNLIKELY(length > room)) {
		if (!c->clipped) {
			chunk_overrun(c, error);
			return NULL;
		}
		length = room; /* out is full: keep what fits */
	}
	const uint8_t *from = dst - offset;
	uint8_t *stop = dst + length;
	if (offset == 1) {
		memset(dst, *from, length);
		return stop;
	}
	/* 8-byte steps never read a byte this match has not written yet (offset >= 8). With
	 * room in the chunk the last step may write up to 7 bytes past the match: later
	 * tokens overwrite them, and lznt1_decompress zeroes them after a short last chunk. */
	if (offset >= 8 && (size_t)(c->end - stop) >= LZNT1_OVERSHOOT) {
		do {
			memcpy(dst, from, 8);
			dst += 8;
			from += 8;
		} while (dst < stop);
		return stop;
	}
	if (offset >= 8) {
		for (; stop - dst >= 8; dst += 8, from += 8)
			memcpy(dst, from, 8);
	}
	while (dst < stop) /* the tail, or a short period repeating bytes just written */
		*dst++ = *from++;
	return stop;
}

/* Decodes c's tokens from src into c->start. Offset bits: 4 up to position 16, one more
 * each time the position doubles past that, 12 at most (positions 2049..4096). */
static bool decode_chunk(const Chunk *c, const uint8_t *src, size_t *produced, GError **error)
{
	uint8_t *dst = c->start;
	unsigned offset_bits = 4;
	size_t threshold = 16;
	while (src < c->src_end) {
		unsigned flags = *src++;
		if (flags == 0 && c->src_end - src >= 8 && c->end - dst >= 8) {
			memcpy(dst, src, 8); /* eight literals, the common case in text */
			dst += 8;
			src += 8;
			continue;
		}
		for (unsigned bit = 0; bit < 8 && src < c->src_end; bit++, flags >>= 1) {
			if (G_UNLIKELY(dst == c->end)) { /* a token is left but the chunk/out is full */
				*produced = (size_t)(dst - c->start);
				return c->clipped || chunk_overrun(c, error);
			}
			if (!(flags & 1)) {
				*dst++ = *src++;
				continue;
			}
			if (G_UNLIKELY(c->src_end - src < 2))
				return rfs_set_corrupt(error, "lznt1: chunk at byte %zu ends inside a"
						       " back-reference", c->chunk_offset);
			uint16_t token = le16_at(src);
			src += 2;
			while ((size_t)(dst - c->start) > threshold) {
				offset_bits++;
				threshold <<= 1;
			}
			dst = copy_match(c, dst, token, offset_bits, error);
			if (dst == NULL)
				return false;
		}
	}
	*produced = (size_t)(dst - c->start);
	return true; /* a flag byte with no token after it is harmless */
}

static bool next_chunk_follows(ByteSpan in, size_t pos)
{
	return span_has(in, pos, 2) && le16_at(in.data + pos) != 0;
}

bool lznt1_decompress(ByteSpan in, uint8_t *out, size_t out_size, size_t *out_length,
		      GError **error)
{
	g_return_val_if_fail(out != NULL || out_size == 0, false);
	g_return_val_if_fail(out_length != NULL, false);

	size_t in_pos = 0, out_pos = 0;
	*out_length = 0;
	while (out_pos < out_size && span_has(in, in_pos, 2)) {
		uint16_t header = le16_at(in.data + in_pos);
		if (header == 0)
			break;
		size_t data_size = (size_t)(header & LZNT1_SIZE_MASK) + 1;
		if (!span_has(in, in_pos + 2, data_size))
			return rfs_set_corrupt(error, "lznt1: chunk at byte %zu: %zu data bytes run past"
					       " the end of the input (%zu bytes)", in_pos, data_size, in.size);
		size_t room = MIN(out_size - out_pos, (size_t)LZNT1_CHUNK_SIZE);
		const uint8_t *data = in.data + in_pos + 2;
		size_t produced = 0;
		if (header & LZNT1_COMPRESSED) {
			const Chunk c = { data + data_size, out + out_pos, out + out_pos + room,
					  room < LZNT1_CHUNK_SIZE, in_pos };
			if (!decode_chunk(&c, data, &produced, error))
				return false;
		} else {
			produced = MIN(data_size, room);
			memcpy(out + out_pos, data, produced);
		}
		in_pos += 2 + data_size;
		/* Each chunk stands for 4096 bytes; one that decodes short is zero-padded when
		 * another chunk follows (only the last chunk of a unit may be short). */
		if (produced < room && next_chunk_follows(in, in_pos)) {
			memset(out + out_pos + produced, 0, room - produced);
			produced = room;
		} else if (produced < room) { /* clear what a fast copy wrote past the end */
			memset(out + out_pos + produced, 0, MIN(room - produced, (size_t)LZNT1_OVERSHOOT));
		}
		out_pos += produced;
	}
	*out_length = out_pos;
	return true;
}
