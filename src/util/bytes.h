/* Little-endian readers and bounds checks over untrusted byte arrays.
 * Every parser takes a ByteSpan; nothing here ever reads outside one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	const uint8_t *data;
	size_t size;
} ByteSpan;

static inline ByteSpan byte_span(const void *data, size_t size)
{
	return (ByteSpan){ data, size };
}

/* True when [off, off + len) lies inside the span. Never computes off + len: it can wrap. */
static inline bool span_has(ByteSpan s, size_t off, size_t len)
{
	return off <= s.size && len <= s.size - off;
}

/* The sub-span [off, off + len); callers check span_has() first. */
static inline ByteSpan span_sub(ByteSpan s, size_t off, size_t len)
{
	return (ByteSpan){ s.data + off, len };
}

static inline uint16_t le16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32_at(const uint8_t *p)
{
	return le16_at(p) | (uint32_t)le16_at(p + 2) << 16;
}

static inline uint64_t le64_at(const uint8_t *p)
{
	return le32_at(p) | (uint64_t)le32_at(p + 4) << 32;
}

static inline void le16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void le32_put(uint8_t *p, uint32_t v)
{
	le16_put(p, (uint16_t)v);
	le16_put(p + 2, (uint16_t)(v >> 16));
}

static inline void le64_put(uint8_t *p, uint64_t v)
{
	le32_put(p, (uint32_t)v);
	le32_put(p + 4, (uint32_t)(v >> 32));
}
