/* Directory index ($I30) entries: the nodes of a directory's B+ tree, held in the
 * $INDEX_ROOT attribute's value and in the INDX blocks of $INDEX_ALLOCATION. Parsers only:
 * they take bytes and report each entry as a claim "this directory held this name for this
 * record", from the live entries and from the slack that deletions leave behind. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntfs/mft_record.h"
#include "util/bytes.h"

enum {
	INDEX_ENTRY_HAS_SUBNODE = 0x01, /* entry flags: ends in the VCN of a child block */
	INDEX_ENTRY_LAST = 0x02,        /* the end marker of a node; carries no key */
};

/* One node: the index header and the entries behind it, from a root or a block. Offsets
 * are bytes from the start of the buffer that was parsed (the root's value or the block). */
typedef struct {
	ByteSpan buf;            /* the whole root value or block (fixups applied) */
	size_t entries_offset;   /* first live entry */
	size_t used_end;         /* end of the live entries; slack starts here */
	size_t allocated_end;    /* end of the slack, clipped to buf */
	bool has_children;       /* index header flag: entries may point at child blocks */
	bool is_block;           /* an INDX block; vcn and lsn are valid */
	uint64_t vcn;            /* of the block in $INDEX_ALLOCATION, in index block units as
				  * the block states it */
	uint64_t lsn;
	uint32_t block_size_bytes; /* root: the directory's INDX block size; block: its own size */
} IndexNode;

typedef struct {
	MftRef child;            /* the record the entry names; zero unless child_known */
	bool child_known;        /* live entries; stale ones whose header survived intact */
	FileName file_name;      /* the embedded $FILE_NAME; name points into the node's buffer */
	bool in_slack;           /* found past the used size: a stale entry */
	size_t offset;           /* of the entry, in bytes from the start of the node's buffer
				  * (a stale key's entry header may lie before the slack) */
	uint16_t flags;          /* INDEX_ENTRY_* */
	uint64_t subnode_vcn;    /* valid with INDEX_ENTRY_HAS_SUBNODE (live entries only) */
} IndexEntry;

/* Parses an $INDEX_ROOT value of a $I30 index. RFS_ERROR_CORRUPT when its header or the
 * index header lie outside the value; RFS_ERROR_UNSUPPORTED when it indexes something
 * other than $FILE_NAME. `out` borrows `value`. */
bool index_entry_root_parse(ByteSpan value, IndexNode *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Parses an INDX block whose fixups were applied. RFS_ERROR_CORRUPT when the signature,
 * the index header or its sizes do not fit the block. `out` borrows `raw`. */
bool index_entry_block_parse(ByteSpan raw, IndexNode *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Applies fixups to buf (size bytes, the block size) in place, then parses. On a fixup
 * failure buf is left as read. */
bool index_entry_block_decode(uint8_t *buf, size_t size, IndexNode *out, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

/* Whether an INDX block starts at raw.data, before fixups: the signature, an update
 * sequence array whose count gives a block size of 512 bytes to 64 KiB that fits in raw,
 * and an index header whose sizes fit that block. Sets *block_size_bytes then. Cheap and
 * never fails with an error: a sweep calls it at every candidate offset, then decodes a
 * copy of the block_size_bytes bytes there with index_entry_block_decode(). */
bool index_entry_block_probe(ByteSpan raw, size_t *block_size_bytes);

/* Return false to stop the walk. */
typedef bool (*IndexEntryFunc)(const IndexEntry *entry, void *user_data);

/* Calls fn for each live entry with a key (end markers are skipped), then for each stale
 * entry in the slack, found by scanning at 8-byte alignment for bytes that validate as an
 * entry with a $FILE_NAME key, or as a $FILE_NAME key alone: later end markers and shifted
 * entries often overwrite a stale entry's 16-byte header and leave its key, and then the
 * claim has no child reference. A stale key must look like one NTFS wrote (a name without
 * NUL units, a parent with a sequence number, creation and change times between 1980 and
 * 2100). A stale claim may also repeat a live one: removing an entry shifts the ones after it
 * and leaves copies of the last ones in the slack. Work is linear in the node's size. A damaged live entry
 * ends the live walk (the slack is still scanned) and the function then returns false
 * with RFS_ERROR_CORRUPT naming its offset; the claims already delivered stay valid. */
bool index_entry_foreach(const IndexNode *node, IndexEntryFunc fn, void *user_data,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT;
