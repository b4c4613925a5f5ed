/* A builder for FILE records: header, attributes, end marker, fixups, for unit tests. */
#pragma once

#include <glib.h>
#include <string.h>

#include "ntfs/runlist.h"
#include "util/bytes.h"

enum { FIXTURE_RECORD_SIZE = 1024 };

typedef struct {
	uint8_t buf[FIXTURE_RECORD_SIZE];
	size_t used; /* next attribute offset */
} FixtureRecord;

static inline void fixture_record_init(FixtureRecord *r, uint16_t sequence, uint16_t flags,
				       uint64_t base_ref)
{
	memset(r->buf, 0, sizeof r->buf);
	memcpy(r->buf, "FILE", 4);
	le16_put(r->buf + 0x04, 0x30);  /* USA offset */
	le16_put(r->buf + 0x06, 3);     /* 1 + 1024 / 512 */
	le16_put(r->buf + 0x10, sequence);
	le16_put(r->buf + 0x12, 1);
	le16_put(r->buf + 0x14, 0x38);  /* first attribute */
	le16_put(r->buf + 0x16, flags);
	le32_put(r->buf + 0x1C, FIXTURE_RECORD_SIZE);
	le64_put(r->buf + 0x20, base_ref);
	r->used = 0x38;
}

/* Appends raw attribute bytes (length rounded up to 8 by the caller). */
static inline uint8_t *fixture_record_add(FixtureRecord *r, uint32_t type, uint32_t length)
{
	g_assert(r->used + length + 8 <= FIXTURE_RECORD_SIZE); /* room for the end marker */
	uint8_t *a = r->buf + r->used;
	le32_put(a, type);
	le32_put(a + 4, length);
	r->used += length;
	return a;
}

static inline uint8_t *fixture_record_add_resident(FixtureRecord *r, uint32_t type, const void *value,
						  uint32_t value_length, const uint16_t *name, uint8_t name_length)
{
	uint32_t name_bytes = (uint32_t)name_length * 2;
	uint32_t length = (0x18 + name_bytes + value_length + 7) & ~7u;
	uint8_t *a = fixture_record_add(r, type, length);
	a[9] = name_length;
	le16_put(a + 0x0A, 0x18);
	for (uint8_t i = 0; i < name_length; i++)
		le16_put(a + 0x18 + 2 * i, name[i]);
	le32_put(a + 0x10, value_length);
	le16_put(a + 0x14, (uint16_t)(0x18 + name_bytes));
	memcpy(a + 0x18 + name_bytes, value, value_length);
	return a;
}

/* Sets the record's own number (NTFS 3.1 header, at 0x2C). */
static inline void fixture_record_set_number(FixtureRecord *r, uint32_t number)
{
	le32_put(r->buf + 0x2C, number);
}

/* Encodes runs (lcn RUN_LCN_SPARSE for holes) as mapping pairs with the terminator;
 * returns the bytes written (out needs 17 per run + 1). */
static inline size_t fixture_pairs(uint8_t *out, const Run *runs, size_t count)
{
	size_t n = 0;
	int64_t prev = 0;
	for (size_t i = 0; i < count; i++) {
		uint8_t len_bytes = 0, off_bytes = 0;
		uint64_t length = runs[i].length_clusters;
		do /* lengths are read signed: keep the top bit clear */
			len_bytes++;
		while (len_bytes < 8 && (length >> (8 * len_bytes - 1)) != 0);
		int64_t delta = 0;
		if (runs[i].lcn != RUN_LCN_SPARSE) {
			delta = (int64_t)runs[i].lcn - prev;
			prev = (int64_t)runs[i].lcn;
			do
				off_bytes++;
			while (off_bytes < 8 && (delta >> (8 * off_bytes - 1)) != 0 &&
			       (delta >> (8 * off_bytes - 1)) != -1);
		}
		out[n++] = (uint8_t)(off_bytes << 4 | len_bytes);
		for (uint8_t b = 0; b < len_bytes; b++)
			out[n++] = (uint8_t)(length >> (8 * b));
		for (uint8_t b = 0; b < off_bytes; b++)
			out[n++] = (uint8_t)((uint64_t)delta >> (8 * b));
	}
	out[n++] = 0;
	return n;
}

typedef struct {
	uint64_t first_vcn;
	uint64_t last_vcn;
	uint64_t allocated_size;
	uint64_t data_size;
	uint64_t initialized_size;
	uint16_t flags;            /* ATTR_FLAG_* */
	uint8_t compression_unit;
	const Run *runs;           /* encoded with fixture_pairs */
	size_t run_count;
	const uint16_t *name;
	uint8_t name_length;
} FixtureNonResident;

/* Appends a non-resident attribute: the 0x40-byte header, the name, the mapping pairs. */
static inline uint8_t *fixture_record_add_non_resident(FixtureRecord *r, uint32_t type,
						      const FixtureNonResident *nr)
{
	uint8_t pairs[17 * 16 + 1];
	g_assert(nr->run_count <= 16);
	size_t pairs_length = fixture_pairs(pairs, nr->runs, nr->run_count);
	uint32_t pairs_offset = (0x40 + (uint32_t)nr->name_length * 2 + 7) & ~7u;
	uint32_t length = (pairs_offset + (uint32_t)pairs_length + 7) & ~7u;
	uint8_t *a = fixture_record_add(r, type, length);
	a[8] = 1;
	a[9] = nr->name_length;
	le16_put(a + 0x0A, 0x40);
	le16_put(a + 0x0C, nr->flags);
	for (uint8_t i = 0; i < nr->name_length; i++)
		le16_put(a + 0x40 + 2 * i, nr->name[i]);
	le64_put(a + 0x10, nr->first_vcn);
	le64_put(a + 0x18, nr->last_vcn);
	le16_put(a + 0x20, (uint16_t)pairs_offset);
	a[0x22] = nr->compression_unit;
	le64_put(a + 0x28, nr->allocated_size);
	le64_put(a + 0x30, nr->data_size);
	le64_put(a + 0x38, nr->initialized_size);
	memcpy(a + pairs_offset, pairs, pairs_length);
	return a;
}

/* Appends one $ATTRIBUTE_LIST entry to `list` at *used; returns the entry. */
static inline uint8_t *fixture_attr_list_add(uint8_t *list, size_t *used, uint32_t type,
					     uint64_t first_vcn, uint64_t record, uint16_t sequence,
					     const uint16_t *name, uint8_t name_length)
{
	uint8_t *e = list + *used;
	uint16_t length = (uint16_t)((0x1A + 2 * name_length + 7) & ~7);
	memset(e, 0, length);
	le32_put(e, type);
	le16_put(e + 4, length);
	e[6] = name_length;
	e[7] = 0x1A;
	le64_put(e + 8, first_vcn);
	le64_put(e + 0x10, record | (uint64_t)sequence << 48);
	for (uint8_t i = 0; i < name_length; i++)
		le16_put(e + 0x1A + 2 * i, name[i]);
	*used += length;
	return e;
}

/* $FILE_NAME value for the UTF-8 `name` (at most 255 UTF-16 units) under parent
 * (record, sequence). */
static inline void fixture_record_add_name(FixtureRecord *r, uint64_t parent, uint16_t parent_seq,
					   const char *name, uint8_t name_space)
{
	uint8_t v[0x42 + 2 * 255] = { 0 };
	size_t n = 0;
	g_autofree gunichar2 *units = g_utf8_to_utf16(name, -1, NULL, (glong *)&n, NULL);
	g_assert(units != NULL && n <= 255);
	le64_put(v, parent | (uint64_t)parent_seq << 48);
	le64_put(v + 0x10, 132000000000000000ull); /* a 2019 FILETIME */
	v[0x40] = (uint8_t)n;
	v[0x41] = name_space;
	for (size_t i = 0; i < n; i++)
		le16_put(v + 0x42 + 2 * i, units[i]);
	fixture_record_add_resident(r, 0x30, v, (uint32_t)(0x42 + 2 * n), NULL, 0);
}

/* Ends the attributes, sets the used size and protects the record with fixups. */
static inline void fixture_record_finish(FixtureRecord *r)
{
	le32_put(r->buf + r->used, 0xFFFFFFFFu);
	r->used += 8;
	le32_put(r->buf + 0x18, (uint32_t)r->used);
	uint16_t usn = 0x0001;
	le16_put(r->buf + 0x30, usn);
	for (int s = 0; s < 2; s++) {
		uint8_t *tail = r->buf + (s + 1) * 512 - 2;
		memcpy(r->buf + 0x32 + 2 * s, tail, 2);
		le16_put(tail, usn);
	}
}

/* Finishes `r` and puts it in slot `number` of an MFT image of FIXTURE_RECORD_SIZE records. */
static inline void fixture_record_store(uint8_t *image, uint64_t number, FixtureRecord *r)
{
	fixture_record_finish(r);
	memcpy(image + number * FIXTURE_RECORD_SIZE, r->buf, FIXTURE_RECORD_SIZE);
}
