/* The change journal's records ($Extend/$UsnJrnl:$J): USN_RECORD_V2, V3 and the V4 range
 * records. Parsers only: they take bytes of the $J stream and never touch a device. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntfs/mft_record.h"
#include "util/bytes.h"

enum {
	USN_PAGE_SIZE = 4096, /* records never cross one; zeros pad the rest of a page */
};

/* A 128-bit file ID (V3 and V4); V2's 64-bit MFT references fill `low` only. */
typedef struct {
	uint64_t low;
	uint64_t high;
} UsnFileId;

typedef struct {
	uint32_t length_bytes;      /* the record's length as it states it */
	uint16_t major_version;     /* 2, 3 or 4 */
	uint16_t minor_version;
	UsnFileId file_id;
	UsnFileId parent_id;
	bool has_mft_refs;          /* both IDs' high halves are 0: file and parent are valid */
	MftRef file;                /* the low 64 bits of file_id as an NTFS reference */
	MftRef parent;
	int64_t usn;                /* the record's offset in the $J stream */
	uint32_t reason;            /* USN_REASON_* bits */
	uint32_t source_info;
	/* V2 and V3 only (zero in a V4 range record) */
	int64_t timestamp;          /* FILETIME, UTC */
	uint32_t security_id;
	uint32_t file_attributes;
	const uint8_t *name;        /* UTF-16LE inside the parsed bytes; NULL in V4 */
	uint16_t name_length_bytes;
	/* V4 only: the changed ranges, extent_count entries of extent_size bytes each
	 * (offset then length, both int64) */
	uint32_t remaining_extents;
	uint16_t extent_count;
	uint16_t extent_size_bytes;
	ByteSpan extents;
} UsnRecord;

/* USN_REASON_* bits (winioctl.h). */
enum {
	USN_REASON_DATA_OVERWRITE = 0x00000001,
	USN_REASON_DATA_EXTEND = 0x00000002,
	USN_REASON_DATA_TRUNCATION = 0x00000004,
	USN_REASON_FILE_CREATE = 0x00000100,
	USN_REASON_FILE_DELETE = 0x00000200,
	USN_REASON_RENAME_OLD_NAME = 0x00001000,
	USN_REASON_RENAME_NEW_NAME = 0x00002000,
};
#define USN_REASON_CLOSE 0x80000000u

/* Decodes the record at the start of raw (which may run on past it): its length is a
 * multiple of 8, at least its version's header and inside raw; its name lies inside the
 * record. RFS_ERROR_CORRUPT otherwise, RFS_ERROR_UNSUPPORTED for a major version other
 * than 2, 3 or 4. `out` borrows raw. */
bool usn_record_parse(ByteSpan raw, UsnRecord *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The reason bits as `fsutil usn readjournal` names them, " | " between names, bits it
 * has no name for as hex; "*NONE*" for 0. g_free. */
char *usn_reason_format(uint32_t reason);

/* A walk over a buffer of $J data that starts at a page boundary of the stream. Zero
 * lengths (page padding, the hole that replaces the journal's old part) are skipped a page
 * at a time where the page is all zeros; bytes that decode as no record are skipped 8 at a
 * time until a record validates again. Work is linear in the buffer's size. */
typedef struct {
	ByteSpan data;
	size_t offset;            /* of the next candidate record */
	bool with_ranges;         /* also yield V4 range records */
	uint64_t zero_bytes;      /* skipped as padding or hole */
	uint64_t garbage_bytes;   /* skipped because no record validated there */
	uint64_t range_records;   /* V4 records seen (yielded only with_ranges) */
} UsnIter;

void usn_iter_init(UsnIter *it, ByteSpan data, bool with_ranges);

/* The next record and its offset in the buffer; false at the end of the buffer. */
bool usn_iter_next(UsnIter *it, UsnRecord *out, size_t *offset);
