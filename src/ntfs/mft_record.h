/* FILE records of the MFT and the attributes inside them. Parsers only: they take the bytes
 * of one record (fixups already applied) and never touch a device. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/bytes.h"

enum {
	MFT_RECORD_IN_USE = 0x0001,
	MFT_RECORD_IS_DIRECTORY = 0x0002,
};

enum {
	ATTR_STANDARD_INFORMATION = 0x10,
	ATTR_ATTRIBUTE_LIST = 0x20,
	ATTR_FILE_NAME = 0x30,
	ATTR_VOLUME_NAME = 0x60,
	ATTR_DATA = 0x80,
	ATTR_INDEX_ROOT = 0x90,
	ATTR_INDEX_ALLOCATION = 0xA0,
};

#define ATTR_END 0xFFFFFFFFu /* type of the end marker */

enum {
	ATTR_FLAG_COMPRESSED = 0x0001,
	ATTR_FLAG_ENCRYPTED = 0x4000,
	ATTR_FLAG_SPARSE = 0x8000,
};

/* An MFT reference: 48-bit record number and 16-bit sequence number. */
typedef struct {
	uint64_t record;
	uint16_t sequence;
} MftRef;

static inline MftRef mft_ref_from_u64(uint64_t v)
{
	return (MftRef){ v & 0xFFFFFFFFFFFFull, (uint16_t)(v >> 48) };
}

/* The sequence number a record gets when it is freed: one more, skipping 0 on wrap. */
static inline uint16_t mft_sequence_next(uint16_t sequence)
{
	return sequence == 0xFFFF ? 1 : (uint16_t)(sequence + 1);
}

typedef struct {
	uint64_t record_number;
	uint16_t sequence;
	uint16_t flags;       /* MFT_RECORD_* */
	uint16_t link_count;
	uint64_t lsn;         /* $LogFile sequence number of the record's last change; 0 = none
			       * (ntfs-3g writes 0) */
	MftRef base;          /* record 0 = this is a base record */
	uint32_t allocated_size; /* the record size the header states (unchecked here) */
	uint32_t used_size;   /* bytes of the record in use, <= the buffer's size */
	ByteSpan attrs;       /* from the first attribute to the end of the used part */
	bool has_own_number;  /* NTFS 3.1 header (update sequence array at >= 0x30) */
	uint32_t own_number;  /* the low 32 bits of its number, as the record states them */
} MftRecord;

/* Validates the header of a record whose fixups were applied: FILE signature, attribute
 * offset and used size inside the record. RFS_ERROR_CORRUPT otherwise. */
bool mft_record_parse(ByteSpan raw, uint64_t record_number, MftRecord *out, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

/* Applies fixups to buf in place, then parses. */
bool mft_record_decode(uint8_t *buf, size_t size, uint64_t record_number, MftRecord *out,
		       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The header fields a scan needs to skip a record without decoding it: all of them lie in
 * the first stride ahead of its last two bytes, where fixups change nothing. */
typedef struct {
	uint16_t flags;       /* MFT_RECORD_* */
	uint16_t sequence;
	MftRef base;          /* as in MftRecord */
} MftRecordHeader;

/* Reads those fields from a record as it lies on disk. False (no error: not every record
 * is one) when `raw` has no FILE signature or is shorter than a header. */
bool mft_record_peek(ByteSpan raw, MftRecordHeader *out);

typedef struct {
	uint32_t type;
	uint16_t flags;          /* ATTR_FLAG_* */
	uint16_t instance;
	bool non_resident;
	const uint8_t *name;     /* UTF-16LE, name_length code units; NULL when unnamed */
	uint8_t name_length;
	/* resident */
	ByteSpan value;
	/* non-resident */
	uint64_t first_vcn;
	uint64_t last_vcn;
	ByteSpan mapping_pairs;
	uint8_t compression_unit; /* log2 of clusters per compression unit; 0 = none */
	uint64_t allocated_size;
	uint64_t data_size;
	uint64_t initialized_size;
} Attribute;

typedef struct {
	ByteSpan attrs;
	size_t offset;
} AttributeIter;

typedef enum {
	ATTRIBUTE_NEXT_OK,
	ATTRIBUTE_NEXT_END,
	ATTRIBUTE_NEXT_ERROR, /* error is set; the rest of the record cannot be walked */
} AttributeNext;

void attribute_iter_init(AttributeIter *it, const MftRecord *rec);
AttributeNext attribute_iter_next(AttributeIter *it, Attribute *out, GError **error);

/* Compares an attribute's name with a UTF-16LE name (NULL / 0 = unnamed). */
bool attribute_name_equals(const Attribute *attr, const uint8_t *name, uint8_t name_length);

typedef struct {
	int64_t creation;    /* FILETIME */
	int64_t last_write;
	int64_t mft_change;
	int64_t last_access;
	uint32_t file_attributes;
} StandardInformation;

bool standard_information_parse(ByteSpan value, StandardInformation *out, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

enum {
	FILE_NAME_POSIX = 0,
	FILE_NAME_WIN32 = 1,
	FILE_NAME_DOS = 2,
	FILE_NAME_WIN32_AND_DOS = 3,
};

typedef struct {
	MftRef parent;
	int64_t creation;
	int64_t last_write;
	int64_t mft_change;
	int64_t last_access;
	uint64_t allocated_size;
	uint64_t data_size;
	uint32_t file_attributes;
	uint8_t name_space;       /* FILE_NAME_* */
	uint8_t name_length;      /* UTF-16 code units */
	const uint8_t *name;      /* UTF-16LE inside the parsed value */
} FileName;

bool file_name_parse(ByteSpan value, FileName *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct {
	uint32_t type;
	uint8_t name_length;
	const uint8_t *name;      /* UTF-16LE or NULL */
	uint64_t first_vcn;
	MftRef ref;               /* the record holding the attribute */
	uint16_t instance;
} AttributeListEntry;

typedef struct {
	ByteSpan list;
	size_t offset;
} AttributeListIter;

void attribute_list_iter_init(AttributeListIter *it, ByteSpan list);
AttributeNext attribute_list_iter_next(AttributeListIter *it, AttributeListEntry *out,
				       GError **error);
