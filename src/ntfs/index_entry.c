/* $I30 index entries from $INDEX_ROOT values and INDX blocks: the live entries, walked by
 * their lengths, and the stale ones in the slack past the used size, found by scanning.
 * The embedded $FILE_NAME goes through mft_record.c's decoder. Nothing here follows a
 * subnode VCN or reads a device: one node in, claims out. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/index_entry.h"

#include <inttypes.h>
#include <string.h>

#include "ntfs/fixup.h"
#include "util/error.h"

enum {                            /* $INDEX_ROOT value */
	ROOT_TYPE = 0x00,         /* u32, the indexed attribute type: $FILE_NAME for $I30 */
	ROOT_COLLATION = 0x04,    /* u32 */
	ROOT_BLOCK_SIZE = 0x08,   /* u32, bytes of each INDX block of this index */
	ROOT_CLUSTERS = 0x0C,     /* u8, clusters per block (or log2 of a negative) */
	ROOT_HEADER = 0x10,       /* the index header */
};

enum {                            /* INDX block */
	BLOCK_USA_OFFSET = 0x04,  /* u16 */
	BLOCK_USA_COUNT = 0x06,   /* u16, 512-byte strides + 1 */
	BLOCK_LSN = 0x08,         /* u64 */
	BLOCK_VCN = 0x10,         /* u64 */
	BLOCK_HEADER = 0x18,      /* the index header */
	BLOCK_MIN_SIZE = 0x28,    /* the header, then the update sequence array */
	BLOCK_MAX_SIZE = 65536,
};

enum {                            /* index header, offsets relative to its own start */
	HDR_ENTRIES_OFFSET = 0x00, /* u32 */
	HDR_USED_SIZE = 0x04,     /* u32, from the header's start to the end of the live entries */
	HDR_ALLOCATED_SIZE = 0x08, /* u32 */
	HDR_FLAGS = 0x0C,         /* u8, bit 0: the node has children */
	HDR_SIZE = 0x10,
};

enum {                            /* index entry */
	ENTRY_REF = 0x00,         /* u64 MFT reference of the named record */
	ENTRY_LENGTH = 0x08,      /* u16, multiple of 8, up to and with the subnode VCN */
	ENTRY_KEY_LENGTH = 0x0A,  /* u16 */
	ENTRY_FLAGS = 0x0C,       /* u16, INDEX_ENTRY_* */
	ENTRY_KEY = 0x10,         /* the $FILE_NAME value */
	FILE_NAME_FIXED = 0x42,   /* $FILE_NAME bytes before the name */
	FILE_NAME_NAMESPACE_MAX = 3,
};

/* The times a stale $FILE_NAME may carry: 1980 to 2100. */
static const int64_t SLACK_TIME_MIN = 0x01A8E79FE1D58000;
static const int64_t SLACK_TIME_MAX = 0x022F716377640000;

static bool header_parse(ByteSpan buf, size_t base, IndexNode *out, GError **error)
{
	if (!span_has(buf, base, HDR_SIZE))
		return rfs_set_corrupt(error, "index header at 0x%zx past %zu bytes", base, buf.size);
	const uint8_t *h = buf.data + base;
	uint32_t entries = le32_at(h + HDR_ENTRIES_OFFSET);
	uint32_t used = le32_at(h + HDR_USED_SIZE);
	uint32_t allocated = le32_at(h + HDR_ALLOCATED_SIZE);
	if (entries < HDR_SIZE || entries % 8 != 0 || entries > used || used > allocated ||
	    !span_has(buf, base, allocated))
		return rfs_set_corrupt(error, "index header at 0x%zx: entries 0x%" PRIx32 ", used 0x%"
				       PRIx32 ", allocated 0x%" PRIx32 " of %zu bytes",
				       base, entries, used, allocated, buf.size);
	out->buf = buf;
	out->entries_offset = base + entries;
	out->used_end = base + used;
	out->allocated_end = base + allocated;
	out->has_children = (h[HDR_FLAGS] & 1) != 0;
	return true;
}

bool index_entry_root_parse(ByteSpan value, IndexNode *out, GError **error)
{
	memset(out, 0, sizeof *out);
	if (!span_has(value, 0, ROOT_HEADER + HDR_SIZE))
		return rfs_set_corrupt(error, "$INDEX_ROOT of %zu bytes", value.size);
	uint32_t type = le32_at(value.data + ROOT_TYPE);
	if (type != ATTR_FILE_NAME)
		return rfs_set_error(error, RFS_ERROR_UNSUPPORTED,
				     "$INDEX_ROOT indexes attribute 0x%" PRIx32 ", not $FILE_NAME", type);
	out->block_size_bytes = le32_at(value.data + ROOT_BLOCK_SIZE);
	if (!header_parse(value, ROOT_HEADER, out, error)) {
		g_prefix_error(error, "$INDEX_ROOT: ");
		return false;
	}
	return true;
}

bool index_entry_block_parse(ByteSpan raw, IndexNode *out, GError **error)
{
	memset(out, 0, sizeof *out);
	if (!span_has(raw, 0, BLOCK_MIN_SIZE) || memcmp(raw.data, "INDX", 4) != 0)
		return rfs_set_corrupt(error, "no INDX signature in %zu bytes", raw.size);
	if (!header_parse(raw, BLOCK_HEADER, out, error)) {
		g_prefix_error(error, "INDX block: ");
		return false;
	}
	out->is_block = true;
	out->lsn = le64_at(raw.data + BLOCK_LSN);
	out->vcn = le64_at(raw.data + BLOCK_VCN);
	out->block_size_bytes = (uint32_t)MIN(raw.size, (size_t)UINT32_MAX);
	return true;
}

bool index_entry_block_decode(uint8_t *buf, size_t size, IndexNode *out, GError **error)
{
	if (size < BLOCK_MIN_SIZE || memcmp(buf, "INDX", 4) != 0)
		return rfs_set_corrupt(error, "no INDX signature in %zu bytes", size);
	if (!fixup_apply(buf, size, error)) {
		g_prefix_error(error, "INDX block: ");
		return false;
	}
	return index_entry_block_parse(byte_span(buf, size), out, error);
}

bool index_entry_block_probe(ByteSpan raw, size_t *block_size_bytes)
{
	if (!span_has(raw, 0, BLOCK_MIN_SIZE) || memcmp(raw.data, "INDX", 4) != 0)
		return false;
	uint16_t usa_offset = le16_at(raw.data + BLOCK_USA_OFFSET);
	uint16_t usa_count = le16_at(raw.data + BLOCK_USA_COUNT);
	size_t size = usa_count < 2 ? 0 : (size_t)(usa_count - 1) * FIXUP_STRIDE;
	if (size == 0 || size > BLOCK_MAX_SIZE || !span_has(raw, 0, size))
		return false;
	ByteSpan block = span_sub(raw, 0, size);
	if (usa_offset < BLOCK_MIN_SIZE || usa_offset % 2 != 0 ||
	    !span_has(span_sub(block, 0, FIXUP_STRIDE - 2), usa_offset, (size_t)usa_count * 2))
		return false;
	uint16_t usn = le16_at(block.data + usa_offset);
	for (size_t i = 1; i < usa_count; i++)
		if (le16_at(block.data + i * FIXUP_STRIDE - 2) != usn)
			return false;
	/* The index header lies in the first stride, before any fixup takes effect. */
	IndexNode node;
	if (!header_parse(block, BLOCK_HEADER, &node, NULL))
		return false;
	*block_size_bytes = size;
	return true;
}

/* Checks the entry at `off` against the node bounds [off, end) and fills out. `why` names
 * the first failed check. Keyless entries (end markers) pass with no $FILE_NAME. */
static bool entry_check(ByteSpan buf, size_t off, size_t end, IndexEntry *out, const char **why)
{
	memset(out, 0, sizeof *out);
	if (off > end || end - off < ENTRY_KEY) {
		*why = "header past the node";
		return false;
	}
	const uint8_t *e = buf.data + off;
	uint16_t length = le16_at(e + ENTRY_LENGTH);
	uint16_t key_length = le16_at(e + ENTRY_KEY_LENGTH);
	out->flags = le16_at(e + ENTRY_FLAGS);
	size_t tail = (out->flags & INDEX_ENTRY_HAS_SUBNODE) ? 8 : 0;
	if (length < ENTRY_KEY + tail || length % 8 != 0 || length > end - off) {
		*why = "length";
		return false;
	}
	if (key_length > length - ENTRY_KEY - tail) {
		*why = "key length past the entry";
		return false;
	}
	out->child = mft_ref_from_u64(le64_at(e + ENTRY_REF));
	out->offset = off;
	if (tail != 0)
		out->subnode_vcn = le64_at(e + length - 8);
	if (key_length == 0) {
		if (!(out->flags & INDEX_ENTRY_LAST)) {
			*why = "no key";
			return false;
		}
		return true;
	}
	if (!file_name_parse(span_sub(buf, off + ENTRY_KEY, key_length), &out->file_name, NULL)) {
		*why = "name length past the key";
		return false;
	}
	if (out->file_name.name_space > FILE_NAME_NAMESPACE_MAX || out->file_name.name_length == 0) {
		*why = "name namespace or length";
		return false;
	}
	return true;
}

/* A stale $FILE_NAME must look like one NTFS wrote: random bytes and fragments of
 * overwritten entries rarely carry a clean name, a parent with a sequence number and two
 * plausible times. */
static bool slack_name_plausible(const FileName *fn)
{
	if (fn->name == NULL || fn->name_length == 0 || fn->parent.sequence == 0)
		return false;
	for (size_t i = 0; i < fn->name_length; i++)
		if (le16_at(fn->name + 2 * i) == 0)
			return false;
	return fn->creation >= SLACK_TIME_MIN && fn->creation < SLACK_TIME_MAX &&
	       fn->mft_change >= SLACK_TIME_MIN && fn->mft_change < SLACK_TIME_MAX;
}

/* A whole stale entry: its key exactly as long as its name (NTFS pads only to 8). */
static bool slack_entry_check(ByteSpan buf, size_t off, size_t end, IndexEntry *out)
{
	const char *why = NULL;
	if (!entry_check(buf, off, end, out, &why) ||
	    (out->flags & ~(unsigned)INDEX_ENTRY_HAS_SUBNODE) != 0 ||
	    !slack_name_plausible(&out->file_name))
		return false;
	uint16_t key_length = le16_at(buf.data + off + ENTRY_KEY_LENGTH);
	size_t want = FILE_NAME_FIXED + (size_t)out->file_name.name_length * 2;
	if (key_length < want || key_length - want >= 8)
		return false;
	out->in_slack = true;
	out->child_known = out->child.sequence != 0;
	if (!out->child_known)
		out->child = (MftRef){ 0 };
	out->subnode_vcn = 0; /* the child block may have been freed or reused */
	out->flags &= (uint16_t)~INDEX_ENTRY_HAS_SUBNODE;
	return true;
}

/* A stale key whose entry header was overwritten: the $FILE_NAME at `off`. */
static bool slack_key_check(ByteSpan buf, size_t off, size_t end, IndexEntry *out)
{
	memset(out, 0, sizeof *out);
	if (off > end || end - off < FILE_NAME_FIXED)
		return false;
	size_t units = buf.data[off + FILE_NAME_FIXED - 2];
	size_t key_length = FILE_NAME_FIXED + units * 2;
	if (key_length > end - off ||
	    !file_name_parse(span_sub(buf, off, key_length), &out->file_name, NULL) ||
	    out->file_name.name_space > FILE_NAME_NAMESPACE_MAX ||
	    !slack_name_plausible(&out->file_name))
		return false;
	out->in_slack = true;
	out->offset = off - ENTRY_KEY;
	return true;
}

static bool slack_foreach(const IndexNode *node, IndexEntryFunc fn, void *user_data)
{
	ByteSpan buf = node->buf;
	size_t covered_key = SIZE_MAX; /* the key of the last whole entry, already claimed */
	size_t start = (node->used_end + 7) & ~(size_t)7;
	for (size_t s = start; s < node->allocated_end; s += 8) {
		IndexEntry entry;
		if (slack_entry_check(buf, s, node->allocated_end, &entry)) {
			covered_key = s + ENTRY_KEY;
			if (!fn(&entry, user_data))
				return false;
		}
		if (s != covered_key && s >= ENTRY_KEY &&
		    slack_key_check(buf, s, node->allocated_end, &entry) && !fn(&entry, user_data))
			return false;
	}
	return true;
}

bool index_entry_foreach(const IndexNode *node, IndexEntryFunc fn, void *user_data, GError **error)
{
	g_return_val_if_fail(node != NULL && fn != NULL, false);
	ByteSpan buf = node->buf;
	g_return_val_if_fail(node->used_end <= node->allocated_end && node->allocated_end <= buf.size,
			     false);

	const char *damage = NULL;
	size_t damage_offset = 0;
	size_t off = node->entries_offset;
	while (off < node->used_end) {
		IndexEntry entry;
		const char *why = NULL;
		if (!entry_check(buf, off, node->used_end, &entry, &why)) {
			damage = why;
			damage_offset = off;
			break;
		}
		if (entry.flags & INDEX_ENTRY_LAST)
			break;
		entry.child_known = true;
		if (!fn(&entry, user_data))
			return true;
		off += le16_at(buf.data + off + ENTRY_LENGTH);
	}
	if (!slack_foreach(node, fn, user_data))
		return true;
	if (damage != NULL)
		return rfs_set_corrupt(error, "index entry at 0x%zx: %s", damage_offset, damage);
	return true;
}
