/* FILE record headers, the attribute walker, and the small fixed-layout attribute values
 * ($STANDARD_INFORMATION, $FILE_NAME, $ATTRIBUTE_LIST entries). Records whose in-use flag
 * is clear are the normal case here: nothing rejects them. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/mft_record.h"

#include <string.h>

#include "ntfs/fixup.h"
#include "util/error.h"

enum {                            /* FILE record header, NTFS 3.0 (3.1 adds 6 bytes at 0x2A) */
	FILE_REC_USA_OFFSET = 0x04,   /* u16, update sequence array (fixup.c reads it too) */
	FILE_REC_LSN = 0x08,          /* u64, $LogFile sequence number of the last change */
	FILE_REC_SEQUENCE = 0x10,     /* u16 */
	FILE_REC_LINK_COUNT = 0x12,   /* u16 */
	FILE_REC_ATTRS_OFFSET = 0x14, /* u16, 8-aligned */
	FILE_REC_FLAGS = 0x16,        /* u16, MFT_RECORD_* */
	FILE_REC_USED_SIZE = 0x18,    /* u32, <= record size */
	FILE_REC_ALLOCATED = 0x1C,    /* u32, the record size */
	FILE_REC_BASE_REF = 0x20,     /* u64 MFT reference, 0 for base records */
	FILE_REC_MIN_HEADER = 0x2A,
	FILE_REC_NUMBER = 0x2C,       /* u32, NTFS 3.1: the record's own number, low 32 bits */
	FILE_REC_V31_HEADER = 0x30,   /* where a 3.1 header ends and its update sequence starts */
};

enum {                        /* attribute header, common part */
	ATTR_TYPE = 0x00,         /* u32 */
	ATTR_LENGTH = 0x04,       /* u32, whole attribute */
	ATTR_NON_RESIDENT = 0x08, /* u8 */
	ATTR_NAME_LENGTH = 0x09,  /* u8, UTF-16 units */
	ATTR_NAME_OFFSET = 0x0A,  /* u16 */
	ATTR_FLAGS = 0x0C,        /* u16 */
	ATTR_INSTANCE = 0x0E,     /* u16 */
	ATTR_RES_VALUE_LENGTH = 0x10, /* u32 */
	ATTR_RES_VALUE_OFFSET = 0x14, /* u16 */
	ATTR_RES_HEADER = 0x18,
	ATTR_NR_FIRST_VCN = 0x10,     /* u64 */
	ATTR_NR_LAST_VCN = 0x18,      /* u64 */
	ATTR_NR_PAIRS_OFFSET = 0x20,  /* u16 */
	ATTR_NR_COMPRESSION = 0x22,   /* u8 */
	ATTR_NR_ALLOCATED = 0x28,     /* u64 */
	ATTR_NR_DATA_SIZE = 0x30,     /* u64 */
	ATTR_NR_INITIALIZED = 0x38,   /* u64 */
	ATTR_NR_HEADER = 0x40,
};

enum {                     /* $STANDARD_INFORMATION value */
	SI_CREATION = 0x00,
	SI_LAST_WRITE = 0x08,
	SI_MFT_CHANGE = 0x10,
	SI_LAST_ACCESS = 0x18,
	SI_ATTRIBUTES = 0x20,  /* u32 */
	SI_MIN_SIZE = 0x30,    /* NTFS 1.2 layout; 3.x adds owner, security, quota, USN */
};

enum {                     /* $FILE_NAME value */
	FN_PARENT = 0x00,
	FN_CREATION = 0x08,
	FN_LAST_WRITE = 0x10,
	FN_MFT_CHANGE = 0x18,
	FN_LAST_ACCESS = 0x20,
	FN_ALLOCATED = 0x28,
	FN_DATA_SIZE = 0x30,
	FN_ATTRIBUTES = 0x38,  /* u32 */
	FN_NAME_LENGTH = 0x40, /* u8 */
	FN_NAME_SPACE = 0x41,  /* u8 */
	FN_NAME = 0x42,
};

enum {                     /* $ATTRIBUTE_LIST entry */
	AL_TYPE = 0x00,        /* u32 */
	AL_LENGTH = 0x04,      /* u16 */
	AL_NAME_LENGTH = 0x06, /* u8 */
	AL_NAME_OFFSET = 0x07, /* u8 */
	AL_FIRST_VCN = 0x08,   /* u64 */
	AL_REF = 0x10,         /* u64 MFT reference */
	AL_INSTANCE = 0x18,    /* u16 */
	AL_MIN_SIZE = 0x1A,
};

bool mft_record_parse(ByteSpan raw, uint64_t record_number, MftRecord *out, GError **error)
{
	if (!span_has(raw, 0, FILE_REC_MIN_HEADER) || memcmp(raw.data, "FILE", 4) != 0)
		return rfs_set_corrupt(error, "record %" PRIu64 ": no FILE signature", record_number);
	uint16_t attrs_offset = le16_at(raw.data + FILE_REC_ATTRS_OFFSET);
	uint32_t used_size = le32_at(raw.data + FILE_REC_USED_SIZE);
	if (used_size > raw.size || attrs_offset < FILE_REC_MIN_HEADER || attrs_offset > used_size)
		return rfs_set_corrupt(error, "record %" PRIu64 ": attrs 0x%x, used 0x%x of 0x%zx",
				       record_number, attrs_offset, used_size, raw.size);
	out->record_number = record_number;
	out->sequence = le16_at(raw.data + FILE_REC_SEQUENCE);
	out->lsn = le64_at(raw.data + FILE_REC_LSN);
	out->flags = le16_at(raw.data + FILE_REC_FLAGS);
	out->link_count = le16_at(raw.data + FILE_REC_LINK_COUNT);
	out->allocated_size = le32_at(raw.data + FILE_REC_ALLOCATED);
	out->used_size = used_size;
	out->base = mft_ref_from_u64(le64_at(raw.data + FILE_REC_BASE_REF));
	out->attrs = span_sub(raw, attrs_offset, used_size - attrs_offset);
	out->has_own_number = le16_at(raw.data + FILE_REC_USA_OFFSET) >= FILE_REC_V31_HEADER &&
			      span_has(raw, FILE_REC_NUMBER, 4);
	out->own_number = out->has_own_number ? le32_at(raw.data + FILE_REC_NUMBER) : 0;
	return true;
}

bool mft_record_peek(ByteSpan raw, MftRecordHeader *out)
{
	if (!span_has(raw, 0, FILE_REC_MIN_HEADER) || memcmp(raw.data, "FILE", 4) != 0)
		return false;
	out->flags = le16_at(raw.data + FILE_REC_FLAGS);
	out->sequence = le16_at(raw.data + FILE_REC_SEQUENCE);
	out->base = mft_ref_from_u64(le64_at(raw.data + FILE_REC_BASE_REF));
	return true;
}

bool mft_record_decode(uint8_t *buf, size_t size, uint64_t record_number, MftRecord *out,
		       GError **error)
{
	if (size >= 4 && memcmp(buf, "FILE", 4) != 0)
		return rfs_set_corrupt(error, "record %" PRIu64 ": no FILE signature%s", record_number,
				       memcmp(buf, "BAAD", 4) == 0 ? " (marked BAAD)" : "");
	if (!fixup_apply(buf, size, error)) {
		g_prefix_error(error, "record %" PRIu64 ": ", record_number);
		return false;
	}
	return mft_record_parse(byte_span(buf, size), record_number, out, error);
}

void attribute_iter_init(AttributeIter *it, const MftRecord *rec)
{
	it->attrs = rec->attrs;
	it->offset = 0;
}

static bool attribute_parse_resident(ByteSpan a, Attribute *out, GError **error)
{
	if (!span_has(a, 0, ATTR_RES_HEADER))
		return rfs_set_corrupt(error, "resident attribute 0x%x: header of %zu bytes", out->type, a.size);
	uint32_t value_length = le32_at(a.data + ATTR_RES_VALUE_LENGTH);
	uint16_t value_offset = le16_at(a.data + ATTR_RES_VALUE_OFFSET);
	if (!span_has(a, value_offset, value_length))
		return rfs_set_corrupt(error, "attribute 0x%x: value of %u bytes at 0x%x past its end 0x%zx",
				       out->type, value_length, value_offset, a.size);
	out->value = span_sub(a, value_offset, value_length);
	return true;
}

static bool attribute_parse_non_resident(ByteSpan a, Attribute *out, GError **error)
{
	if (!span_has(a, 0, ATTR_NR_HEADER))
		return rfs_set_corrupt(error, "non-resident attribute 0x%x: header of %zu bytes", out->type, a.size);
	uint16_t pairs_offset = le16_at(a.data + ATTR_NR_PAIRS_OFFSET);
	if (pairs_offset > a.size)
		return rfs_set_corrupt(error, "attribute 0x%x: mapping pairs at 0x%x past its end 0x%zx",
				       out->type, pairs_offset, a.size);
	out->first_vcn = le64_at(a.data + ATTR_NR_FIRST_VCN);
	out->last_vcn = le64_at(a.data + ATTR_NR_LAST_VCN);
	out->compression_unit = a.data[ATTR_NR_COMPRESSION];
	out->allocated_size = le64_at(a.data + ATTR_NR_ALLOCATED);
	out->data_size = le64_at(a.data + ATTR_NR_DATA_SIZE);
	out->initialized_size = le64_at(a.data + ATTR_NR_INITIALIZED);
	out->mapping_pairs = span_sub(a, pairs_offset, a.size - pairs_offset);
	if (out->last_vcn != UINT64_MAX && out->first_vcn > out->last_vcn + 1)
		return rfs_set_corrupt(error, "attribute 0x%x: VCNs %" PRIu64 "..%" PRIu64,
				       out->type, out->first_vcn, out->last_vcn);
	if (out->initialized_size > out->data_size)
		out->initialized_size = out->data_size; /* cosmetic: reads stop at data_size */
	return true;
}

AttributeNext attribute_iter_next(AttributeIter *it, Attribute *out, GError **error)
{
	ByteSpan s = it->attrs;
	if (!span_has(s, it->offset, 4))
		return ATTRIBUTE_NEXT_END; /* the used size cut the end marker off: tolerated */
	uint32_t type = le32_at(s.data + it->offset);
	if (type == ATTR_END)
		return ATTRIBUTE_NEXT_END;
	if (!span_has(s, it->offset, 16)) {
		rfs_set_corrupt(error, "attribute at 0x%zx: truncated header", it->offset);
		return ATTRIBUTE_NEXT_ERROR;
	}
	const uint8_t *p = s.data + it->offset;
	uint32_t length = le32_at(p + ATTR_LENGTH);
	if (length < 16 || !span_has(s, it->offset, length)) {
		rfs_set_corrupt(error, "attribute 0x%x at 0x%zx: length %u (0x%zx left)", type,
				it->offset, length, s.size - it->offset);
		return ATTRIBUTE_NEXT_ERROR;
	}
	ByteSpan a = span_sub(s, it->offset, length);
	memset(out, 0, sizeof *out);
	out->type = type;
	out->non_resident = p[ATTR_NON_RESIDENT] != 0;
	out->name_length = p[ATTR_NAME_LENGTH];
	out->flags = le16_at(p + ATTR_FLAGS);
	out->instance = le16_at(p + ATTR_INSTANCE);
	if (out->name_length > 0) {
		uint16_t name_offset = le16_at(p + ATTR_NAME_OFFSET);
		if (!span_has(a, name_offset, (size_t)out->name_length * 2)) {
			rfs_set_corrupt(error, "attribute 0x%x: name past its end", type);
			return ATTRIBUTE_NEXT_ERROR;
		}
		out->name = a.data + name_offset;
	}
	bool ok = out->non_resident ? attribute_parse_non_resident(a, out, error)
				    : attribute_parse_resident(a, out, error);
	if (!ok)
		return ATTRIBUTE_NEXT_ERROR;
	it->offset += length;
	return ATTRIBUTE_NEXT_OK;
}

bool attribute_name_equals(const Attribute *attr, const uint8_t *name, uint8_t name_length)
{
	if (attr->name_length != name_length)
		return false;
	return name_length == 0 || memcmp(attr->name, name, (size_t)name_length * 2) == 0;
}

bool standard_information_parse(ByteSpan value, StandardInformation *out, GError **error)
{
	if (!span_has(value, 0, SI_MIN_SIZE))
		return rfs_set_corrupt(error, "$STANDARD_INFORMATION of %zu bytes", value.size);
	out->creation = (int64_t)le64_at(value.data + SI_CREATION);
	out->last_write = (int64_t)le64_at(value.data + SI_LAST_WRITE);
	out->mft_change = (int64_t)le64_at(value.data + SI_MFT_CHANGE);
	out->last_access = (int64_t)le64_at(value.data + SI_LAST_ACCESS);
	out->file_attributes = le32_at(value.data + SI_ATTRIBUTES);
	return true;
}

bool file_name_parse(ByteSpan value, FileName *out, GError **error)
{
	if (!span_has(value, 0, FN_NAME))
		return rfs_set_corrupt(error, "$FILE_NAME of %zu bytes", value.size);
	out->name_length = value.data[FN_NAME_LENGTH];
	if (!span_has(value, FN_NAME, (size_t)out->name_length * 2))
		return rfs_set_corrupt(error, "$FILE_NAME: name of %u units past the value (%zu bytes)",
				       out->name_length, value.size);
	out->parent = mft_ref_from_u64(le64_at(value.data + FN_PARENT));
	out->creation = (int64_t)le64_at(value.data + FN_CREATION);
	out->last_write = (int64_t)le64_at(value.data + FN_LAST_WRITE);
	out->mft_change = (int64_t)le64_at(value.data + FN_MFT_CHANGE);
	out->last_access = (int64_t)le64_at(value.data + FN_LAST_ACCESS);
	out->allocated_size = le64_at(value.data + FN_ALLOCATED);
	out->data_size = le64_at(value.data + FN_DATA_SIZE);
	out->file_attributes = le32_at(value.data + FN_ATTRIBUTES);
	out->name_space = value.data[FN_NAME_SPACE];
	out->name = value.data + FN_NAME;
	return true;
}

void attribute_list_iter_init(AttributeListIter *it, ByteSpan list)
{
	it->list = list;
	it->offset = 0;
}

AttributeNext attribute_list_iter_next(AttributeListIter *it, AttributeListEntry *out,
				       GError **error)
{
	ByteSpan s = it->list;
	if (!span_has(s, it->offset, AL_MIN_SIZE))
		return ATTRIBUTE_NEXT_END; /* slack shorter than an entry ends the list */
	const uint8_t *p = s.data + it->offset;
	uint16_t length = le16_at(p + AL_LENGTH);
	if (length < AL_MIN_SIZE || !span_has(s, it->offset, length)) {
		rfs_set_corrupt(error, "$ATTRIBUTE_LIST entry at 0x%zx: length %u", it->offset, length);
		return ATTRIBUTE_NEXT_ERROR;
	}
	ByteSpan e = span_sub(s, it->offset, length);
	memset(out, 0, sizeof *out);
	out->type = le32_at(p + AL_TYPE);
	out->name_length = p[AL_NAME_LENGTH];
	if (out->name_length > 0) {
		uint8_t name_offset = p[AL_NAME_OFFSET];
		if (!span_has(e, name_offset, (size_t)out->name_length * 2)) {
			rfs_set_corrupt(error, "$ATTRIBUTE_LIST entry at 0x%zx: name past its end", it->offset);
			return ATTRIBUTE_NEXT_ERROR;
		}
		out->name = e.data + name_offset;
	}
	out->first_vcn = le64_at(p + AL_FIRST_VCN);
	out->ref = mft_ref_from_u64(le64_at(p + AL_REF));
	out->instance = le16_at(p + AL_INSTANCE);
	it->offset += length;
	return ATTRIBUTE_NEXT_OK;
}
