/* A builder for $I30 index entries, INDX blocks (with fixups) and $INDEX_ROOT values, for
 * unit tests. Names are ASCII; times are a fixed FILETIME of 2019. */
#pragma once

#include <glib.h>
#include <string.h>

#include "util/bytes.h"

enum {
	FIXTURE_INDEX_BLOCK_SIZE = 4096,
	FIXTURE_INDEX_FIRST_ENTRY = 0x40,   /* after the header and a 9-entry update sequence array */
	FIXTURE_INDEX_ROOT_MAX = 1024,
};

#define FIXTURE_INDEX_TIME 0x01d4b29a7e004ce3ll

/* Writes one entry with a $FILE_NAME key at p; returns its length. flags: INDEX_ENTRY_*. */
static inline size_t fixture_index_entry(uint8_t *p, uint64_t ref, uint64_t parent_ref,
					 const char *name, uint8_t name_space, uint16_t flags,
					 uint64_t subnode_vcn)
{
	size_t units = strlen(name);
	size_t key = 0x42 + units * 2;
	size_t length = (0x10 + key + 7) & ~(size_t)7;
	if (flags & 0x01)
		length += 8;
	memset(p, 0, length);
	le64_put(p, ref);
	le16_put(p + 0x08, (uint16_t)length);
	le16_put(p + 0x0A, (uint16_t)key);
	le16_put(p + 0x0C, flags);
	uint8_t *fn = p + 0x10;
	le64_put(fn + 0x00, parent_ref);
	for (int t = 0; t < 4; t++)
		le64_put(fn + 0x08 + 8 * t, (uint64_t)FIXTURE_INDEX_TIME + (uint64_t)t);
	le64_put(fn + 0x28, 4096);
	le64_put(fn + 0x30, units * 100);
	le32_put(fn + 0x38, 0x20);
	fn[0x40] = (uint8_t)units;
	fn[0x41] = name_space;
	for (size_t i = 0; i < units; i++)
		le16_put(fn + 0x42 + 2 * i, (uint8_t)name[i]);
	if (flags & 0x01)
		le64_put(p + length - 8, subnode_vcn);
	return length;
}

/* The end marker: no key, flag LAST (and HAS_SUBNODE with a VCN when subnode_vcn != ~0). */
static inline size_t fixture_index_end(uint8_t *p, uint64_t subnode_vcn)
{
	bool sub = subnode_vcn != ~(uint64_t)0;
	size_t length = sub ? 0x18 : 0x10;
	memset(p, 0, length);
	le16_put(p + 0x08, (uint16_t)length);
	le16_put(p + 0x0C, sub ? 0x03 : 0x02);
	if (sub)
		le64_put(p + 0x10, subnode_vcn);
	return length;
}

typedef struct {
	uint8_t buf[FIXTURE_INDEX_BLOCK_SIZE];
	size_t used;   /* next entry's offset */
} FixtureIndexBlock;

static inline void fixture_index_block_init(FixtureIndexBlock *b, uint64_t vcn)
{
	memset(b->buf, 0, sizeof b->buf);
	memcpy(b->buf, "INDX", 4);
	le16_put(b->buf + 0x04, 0x28);
	le16_put(b->buf + 0x06, FIXTURE_INDEX_BLOCK_SIZE / 512 + 1);
	le64_put(b->buf + 0x10, vcn);
	le32_put(b->buf + 0x18, FIXTURE_INDEX_FIRST_ENTRY - 0x18);
	le32_put(b->buf + 0x20, FIXTURE_INDEX_BLOCK_SIZE - 0x18);
	b->used = FIXTURE_INDEX_FIRST_ENTRY;
}

static inline size_t fixture_index_block_add(FixtureIndexBlock *b, uint64_t ref, const char *name,
					     uint16_t flags, uint64_t subnode_vcn)
{
	size_t at = b->used;
	b->used += fixture_index_entry(b->buf + at, ref, 0x0005000000000005, name, 1, flags,
				       subnode_vcn);
	return at;
}

/* Ends the live entries with an end marker and sets the used size. */
static inline void fixture_index_block_end(FixtureIndexBlock *b)
{
	b->used += fixture_index_end(b->buf + b->used, ~(uint64_t)0);
	le32_put(b->buf + 0x1C, (uint32_t)(b->used - 0x18));
}

/* Moves every stride's last two bytes into the update sequence array, as on disk. */
static inline void fixture_index_block_protect(FixtureIndexBlock *b)
{
	uint8_t *usa = b->buf + 0x28;
	le16_put(usa, 0x0007);
	for (size_t i = 0; i < FIXTURE_INDEX_BLOCK_SIZE / 512; i++) {
		uint8_t *tail = b->buf + (i + 1) * 512 - 2;
		memcpy(usa + 2 + 2 * i, tail, 2);
		memcpy(tail, usa, 2);
	}
}

/* An $INDEX_ROOT value with the given entries (already written at value + 0x20 by the
 * caller, `entries` bytes, end marker included); returns the value's size. */
static inline size_t fixture_index_root(uint8_t *value, size_t entries, bool has_children)
{
	le32_put(value + 0x00, 0x30);
	le32_put(value + 0x04, 1);
	le32_put(value + 0x08, FIXTURE_INDEX_BLOCK_SIZE);
	value[0x0C] = 1;
	le32_put(value + 0x10, 0x10);
	le32_put(value + 0x14, (uint32_t)(0x10 + entries));
	le32_put(value + 0x18, (uint32_t)(0x10 + entries));
	value[0x1C] = has_children ? 1 : 0;
	return 0x20 + entries;
}
