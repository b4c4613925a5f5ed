/* USN_RECORD_V2/V3/V4 from $UsnJrnl:$J bytes, and a walk that survives the stream's holes
 * and garbage. Every length and offset is checked against the record before use; a record
 * is never read past its stated length. Nothing here knows where $J lives on a volume. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/usn.h"

#include <inttypes.h>
#include <string.h>

#include "util/error.h"

enum {                              /* common to every version */
	USN_LENGTH = 0x00,          /* u32, multiple of 8 */
	USN_MAJOR = 0x04,           /* u16 */
	USN_MINOR = 0x06,           /* u16 */
	USN_FILE_ID = 0x08,         /* u64 (V2) or 128-bit (V3, V4) */
};

enum {                              /* USN_RECORD_V2 */
	V2_PARENT = 0x10,           /* u64 */
	V2_USN = 0x18,              /* i64 */
	V2_TIMESTAMP = 0x20,        /* FILETIME */
	V2_REASON = 0x28,           /* u32 */
	V2_SOURCE_INFO = 0x2C,      /* u32 */
	V2_SECURITY_ID = 0x30,      /* u32 */
	V2_ATTRIBUTES = 0x34,       /* u32 */
	V2_NAME_LENGTH = 0x38,      /* u16, bytes */
	V2_NAME_OFFSET = 0x3A,      /* u16, from the record's start */
	V2_HEADER = 0x3C,
};

enum {                              /* USN_RECORD_V3: V2 with 128-bit IDs */
	V3_PARENT = 0x18,           /* 128-bit */
	V3_USN = 0x28,
	V3_TIMESTAMP = 0x30,
	V3_REASON = 0x38,
	V3_SOURCE_INFO = 0x3C,
	V3_SECURITY_ID = 0x40,
	V3_ATTRIBUTES = 0x44,
	V3_NAME_LENGTH = 0x48,
	V3_NAME_OFFSET = 0x4A,
	V3_HEADER = 0x4C,
};

enum {                              /* USN_RECORD_V4: a range record, no name */
	V4_PARENT = 0x18,           /* 128-bit */
	V4_USN = 0x28,
	V4_REASON = 0x30,
	V4_SOURCE_INFO = 0x34,
	V4_REMAINING_EXTENTS = 0x38, /* u32 */
	V4_EXTENT_COUNT = 0x3C,     /* u16 */
	V4_EXTENT_SIZE = 0x3E,      /* u16, 16 */
	V4_EXTENTS = 0x40,          /* extent_count x (i64 offset, i64 length) */
	V4_EXTENT_MIN = 16,
};

static bool check_name(ByteSpan rec, size_t header, size_t length_at, size_t offset_at,
		       UsnRecord *out, GError **error)
{
	uint16_t length = le16_at(rec.data + length_at);
	uint16_t offset = le16_at(rec.data + offset_at);
	if (offset < header || length % 2 != 0 || !span_has(rec, offset, length))
		return rfs_set_corrupt(error, "USN record %" PRId64 ": name of %" PRIu16
				       " bytes at 0x%" PRIx16 " outside its %zu bytes",
				       out->usn, length, offset, rec.size);
	out->name = rec.data + offset;
	out->name_length_bytes = length;
	return true;
}

static bool parse_v2(ByteSpan rec, UsnRecord *out, GError **error)
{
	const uint8_t *p = rec.data;
	out->file_id = (UsnFileId){ le64_at(p + USN_FILE_ID), 0 };
	out->parent_id = (UsnFileId){ le64_at(p + V2_PARENT), 0 };
	out->usn = (int64_t)le64_at(p + V2_USN);
	out->timestamp = (int64_t)le64_at(p + V2_TIMESTAMP);
	out->reason = le32_at(p + V2_REASON);
	out->source_info = le32_at(p + V2_SOURCE_INFO);
	out->security_id = le32_at(p + V2_SECURITY_ID);
	out->file_attributes = le32_at(p + V2_ATTRIBUTES);
	return check_name(rec, V2_HEADER, V2_NAME_LENGTH, V2_NAME_OFFSET, out, error);
}

static UsnFileId file_id_at(const uint8_t *p)
{
	return (UsnFileId){ le64_at(p), le64_at(p + 8) };
}

static bool parse_v3(ByteSpan rec, UsnRecord *out, GError **error)
{
	const uint8_t *p = rec.data;
	out->file_id = file_id_at(p + USN_FILE_ID);
	out->parent_id = file_id_at(p + V3_PARENT);
	out->usn = (int64_t)le64_at(p + V3_USN);
	out->timestamp = (int64_t)le64_at(p + V3_TIMESTAMP);
	out->reason = le32_at(p + V3_REASON);
	out->source_info = le32_at(p + V3_SOURCE_INFO);
	out->security_id = le32_at(p + V3_SECURITY_ID);
	out->file_attributes = le32_at(p + V3_ATTRIBUTES);
	return check_name(rec, V3_HEADER, V3_NAME_LENGTH, V3_NAME_OFFSET, out, error);
}

static bool parse_v4(ByteSpan rec, UsnRecord *out, GError **error)
{
	const uint8_t *p = rec.data;
	out->file_id = file_id_at(p + USN_FILE_ID);
	out->parent_id = file_id_at(p + V4_PARENT);
	out->usn = (int64_t)le64_at(p + V4_USN);
	out->reason = le32_at(p + V4_REASON);
	out->source_info = le32_at(p + V4_SOURCE_INFO);
	out->remaining_extents = le32_at(p + V4_REMAINING_EXTENTS);
	out->extent_count = le16_at(p + V4_EXTENT_COUNT);
	out->extent_size_bytes = le16_at(p + V4_EXTENT_SIZE);
	size_t bytes = (size_t)out->extent_count * out->extent_size_bytes;
	if ((out->extent_count != 0 && out->extent_size_bytes < V4_EXTENT_MIN) ||
	    !span_has(rec, V4_EXTENTS, bytes))
		return rfs_set_corrupt(error, "USN record %" PRId64 ": %" PRIu16 " extents of %"
				       PRIu16 " bytes outside its %zu bytes", out->usn,
				       out->extent_count, out->extent_size_bytes, rec.size);
	out->extents = span_sub(rec, V4_EXTENTS, bytes);
	return true;
}

bool usn_record_parse(ByteSpan raw, UsnRecord *out, GError **error)
{
	memset(out, 0, sizeof *out);
	if (!span_has(raw, 0, USN_FILE_ID))
		return rfs_set_corrupt(error, "USN record header past %zu bytes", raw.size);
	out->length_bytes = le32_at(raw.data + USN_LENGTH);
	out->major_version = le16_at(raw.data + USN_MAJOR);
	out->minor_version = le16_at(raw.data + USN_MINOR);
	size_t header = out->major_version == 2 ? V2_HEADER :
			out->major_version == 3 ? V3_HEADER :
			out->major_version == 4 ? V4_EXTENTS : 0;
	if (header == 0)
		return rfs_set_unsupported(error, "USN record version %" PRIu16 ".%" PRIu16,
					   out->major_version, out->minor_version);
	if (out->length_bytes % 8 != 0 || out->length_bytes < header ||
	    !span_has(raw, 0, out->length_bytes))
		return rfs_set_corrupt(error, "USN record v%" PRIu16 " of %" PRIu32
				       " bytes (header %zu, %zu bytes left)", out->major_version,
				       out->length_bytes, header, raw.size);
	ByteSpan rec = span_sub(raw, 0, out->length_bytes);
	bool ok = out->major_version == 2 ? parse_v2(rec, out, error) :
		  out->major_version == 3 ? parse_v3(rec, out, error) : parse_v4(rec, out, error);
	if (!ok)
		return false;
	out->has_mft_refs = out->file_id.high == 0 && out->parent_id.high == 0;
	if (out->has_mft_refs) {
		out->file = mft_ref_from_u64(out->file_id.low);
		out->parent = mft_ref_from_u64(out->parent_id.low);
	}
	return true;
}

static const struct {
	uint32_t bit;
	const char *name;
} reason_names[] = {
	{ 0x00000001, "Data overwrite" },
	{ 0x00000002, "Data extend" },
	{ 0x00000004, "Data truncation" },
	{ 0x00000010, "Named data overwrite" },
	{ 0x00000020, "Named data extend" },
	{ 0x00000040, "Named data truncation" },
	{ 0x00000100, "File create" },
	{ 0x00000200, "File delete" },
	{ 0x00000400, "EA change" },
	{ 0x00000800, "Security change" },
	{ 0x00001000, "Rename: old name" },
	{ 0x00002000, "Rename: new name" },
	{ 0x00004000, "Indexable change" },
	{ 0x00008000, "Basic info change" },
	{ 0x00010000, "Hard link change" },
	{ 0x00020000, "Compression change" },
	{ 0x00040000, "Encryption change" },
	{ 0x00080000, "Object ID change" },
	{ 0x00100000, "Reparse point change" },
	{ 0x00200000, "Stream change" },
	{ 0x00400000, "Transacted change" },
	{ 0x00800000, "Integrity change" },
	{ 0x01000000, "Desired storage class change" },
	{ 0x80000000u, "Close" },
};

char *usn_reason_format(uint32_t reason)
{
	if (reason == 0)
		return g_strdup("*NONE*");
	GString *s = g_string_new(NULL);
	uint32_t rest = reason;
	for (size_t i = 0; i < G_N_ELEMENTS(reason_names); i++) {
		if (!(reason & reason_names[i].bit))
			continue;
		g_string_append_printf(s, "%s%s", s->len ? " | " : "", reason_names[i].name);
		rest &= ~reason_names[i].bit;
	}
	if (rest != 0)
		g_string_append_printf(s, "%s0x%08" PRIx32, s->len ? " | " : "", rest);
	return g_string_free(s, false);
}

void usn_iter_init(UsnIter *it, ByteSpan data, bool with_ranges)
{
	*it = (UsnIter){ .data = data, .with_ranges = with_ranges };
}

static const uint8_t zero_page[USN_PAGE_SIZE];

/* Past the zeros at it->offset: whole pages at a time when they are all zeros (a hole),
 * else 8 bytes at a time up to the first non-zero word. */
static void skip_zeros(UsnIter *it)
{
	ByteSpan d = it->data;
	size_t start = it->offset;
	while (span_has(d, it->offset, 8) && le64_at(d.data + it->offset) == 0) {
		size_t page_left = USN_PAGE_SIZE - it->offset % USN_PAGE_SIZE;
		if (page_left == USN_PAGE_SIZE && span_has(d, it->offset, USN_PAGE_SIZE) &&
		    memcmp(d.data + it->offset, zero_page, USN_PAGE_SIZE) == 0) {
			it->offset += USN_PAGE_SIZE;
			continue;
		}
		it->offset += 8;
	}
	it->zero_bytes += it->offset - start;
}

bool usn_iter_next(UsnIter *it, UsnRecord *out, size_t *offset)
{
	for (;;) {
		it->offset = (it->offset + 7) & ~(size_t)7;
		skip_zeros(it);
		if (!span_has(it->data, it->offset, 8)) {
			it->offset = it->data.size;
			return false;
		}
		size_t at = it->offset;
		if (!usn_record_parse(span_sub(it->data, at, it->data.size - at), out, NULL)) {
			it->offset += 8;
			it->garbage_bytes += 8;
			continue;
		}
		it->offset += out->length_bytes;
		if (out->major_version == 4) {
			it->range_records++;
			if (!it->with_ranges)
				continue;
		}
		*offset = at;
		return true;
	}
}
