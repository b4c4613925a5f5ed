/* Update sequence arrays of FILE and INDX records. Every 512-byte stride ends in a copy of
 * the update sequence number; the real bytes live in the array. All strides are checked
 * before any is restored, so a torn or malformed record is left exactly as read. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/fixup.h"

#include <inttypes.h>

#include "util/bytes.h"
#include "util/error.h"

enum {                       /* multi-sector record header, common to FILE and INDX */
	FIXUP_USA_OFFSET = 0x04, /* u16, even, after the header's first 8 bytes */
	FIXUP_USA_COUNT  = 0x06, /* u16, strides + 1 (the sequence number itself) */
	FIXUP_HEADER_END = 0x08,
};

/* The array must lie inside the first stride and end before that stride's last two bytes:
 * otherwise restoring one stride would rewrite the array while it is being read. */
static bool check_array(ByteSpan rec, size_t *usa_offset, size_t *strides, GError **error)
{
	if (rec.size == 0 || rec.size % FIXUP_STRIDE != 0)
		return rfs_set_corrupt(error, "fixup: record size %zu is not a multiple of %d",
				       rec.size, FIXUP_STRIDE);
	uint16_t offset = le16_at(rec.data + FIXUP_USA_OFFSET);
	uint16_t count = le16_at(rec.data + FIXUP_USA_COUNT);
	size_t want = rec.size / FIXUP_STRIDE + 1;
	if (count != want)
		return rfs_set_corrupt(error, "fixup: update sequence count %" PRIu16
				       " does not match %zu strides + 1", count, want - 1);
	ByteSpan first = span_sub(rec, 0, FIXUP_STRIDE - 2);
	if (offset < FIXUP_HEADER_END || offset % 2 != 0 || !span_has(first, offset, (size_t)count * 2))
		return rfs_set_corrupt(error, "fixup: update sequence array at 0x%" PRIx16
				       " (%" PRIu16 " entries) is not inside the record header",
				       offset, count);
	*usa_offset = offset;
	*strides = want - 1;
	return true;
}

bool fixup_apply(uint8_t *record, size_t size, GError **error)
{
	g_return_val_if_fail(record != NULL || size == 0, false);

	ByteSpan rec = byte_span(record, size);
	size_t usa_offset = 0, strides = 0;
	if (!check_array(rec, &usa_offset, &strides, error))
		return false;

	const uint8_t *usa = record + usa_offset;
	uint16_t usn = le16_at(usa);
	for (size_t i = 0; i < strides; i++) {
		uint16_t tail = le16_at(record + (i + 1) * FIXUP_STRIDE - 2);
		if (tail != usn)
			return rfs_set_corrupt(error, "fixup: stride %zu ends in 0x%04" PRIx16
					       ", not the sequence number 0x%04" PRIx16 " (torn write)",
					       i, tail, usn);
	}
	/* The array sits in the first stride before its tail, so this never overwrites it. */
	for (size_t i = 0; i < strides; i++) {
		uint8_t *tail = record + (i + 1) * FIXUP_STRIDE - 2;
		tail[0] = usa[2 + 2 * i];
		tail[1] = usa[3 + 2 * i];
	}
	return true;
}
