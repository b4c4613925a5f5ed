/* The index of restorable entries: a tree of IndexNodes built once by the scan, then
 * immutable, so every query here is lock-free. */
#pragma once

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include "index/name_claims.h"
#include "ntfs/mft_record.h"
#include "restorefs/restorefs.h"

typedef struct IndexNode IndexNode;

/* 192 bytes: hundreds of thousands of them make most of a scan's memory. What few nodes
 * need (a named stream's file, a carved record's place) is kept beside them, in the index. */
struct IndexNode {
	RfsEntryInfo info;     /* public view; strings live in the index's string chunk */
	IndexNode *parent;
	GPtrArray *children;   /* directories: IndexNode*, sorted by strcmp of info.name */
	uint32_t state;        /* build-time marks (path_rebuild.c) */
};

/* A named stream: a node of its own beside its file's (deleted_index_stream_base). */
static inline bool index_node_is_stream(const IndexNode *n)
{
	return n->info.stream_name != NULL;
}

/* While building, before linking gives each node its parent, info.parent_id holds the
 * parent reference of its $FILE_NAME (48-bit record, sequence): 16 bytes a node fewer. A
 * record of UINT64_MAX: none known. */
static inline MftRef index_node_parent_ref(const IndexNode *n)
{
	uint64_t record = n->info.parent_id >> 16;
	return (MftRef){ record == 0xffffffffffffull ? UINT64_MAX : record, (uint16_t)n->info.parent_id };
}

static inline void index_node_set_parent_ref(IndexNode *n, MftRef ref)
{
	n->info.parent_id = (ref.record & 0xffffffffffffull) << 16 | ref.sequence;
}

typedef struct {
	uint32_t *by_record;   /* the MFT's own entries (origin 0, slot 0), by record number:
				* 1 + the node's place in creation order (deleted_index_node_at),
				* 0 for none */
	uint64_t by_record_count;
	GHashTable *by_id;     /* &node->info.id -> node: every other entry (streams, root,
				* lost+found, ghosts, carved, shadow copies') */
	GHashTable *dirs;      /* MFT record number -> directory node, while building */
	GHashTable *carved_dirs; /* carved directory nodes by (record, sequence), while building */
	GHashTable *stream_bases; /* named-stream node -> the node of its file */
	GHashTable *carved_offsets; /* RFS_ENTRY_CARVED node -> uint64_t*: byte of the volume
				     * holding its FILE record */
	GStringChunk *names;
	GPtrArray *node_blocks; /* nodes are carved from 2 MiB blocks: no per-node malloc */
	size_t block_used;
	IndexNode *root;
	IndexNode *lost_found;
	RfsScanStats stats;
	/* While building, for path_traces.c; freed by path_rebuild_link: */
	NameClaims *name_claims;   /* names from index entries and the journal */
	uint32_t *record_states;   /* per MFT record: DELETED_INDEX_RECORD_SEEN | MFT_RECORD_*
				    * flags << 16 | sequence; 0 = no FILE record there */
	uint64_t record_count;
	GHashTable *trace_dirs;    /* packed MftRef -> folder node made from a claim */
	GHashTable *trace_wanted;  /* packed MftRef: references a claim could name (NULL: all) */
	GHashTable *trace_wanted_creation; /* creation FILETIMEs of nameless records */
} DeletedIndex;

#define DELETED_INDEX_RECORD_SEEN 0x80000000u

/* Notes the state of record `record_number` (mft_scan.c, as it meets each record). Within
 * the reserved records, it touches only that record's slot: one thread may note while
 * another builds the rest of the index. */
void deleted_index_note_record(DeletedIndex *index, uint64_t record_number, uint16_t flags,
			       uint16_t sequence);
/* Makes room for records [0, count) in the record table, and in the table of entries by
 * record number. */
void deleted_index_reserve_records(DeletedIndex *index, uint64_t count);

DeletedIndex *deleted_index_new(void);
void deleted_index_free(DeletedIndex *index);

/* The file node of the named stream `stream` (index_node_is_stream), set once when the
 * scan adds it. */
void deleted_index_set_stream_base(DeletedIndex *index, IndexNode *stream, IndexNode *base);
IndexNode *deleted_index_stream_base(const DeletedIndex *index, const IndexNode *stream);

/* The byte of the volume holding a carved node's FILE record (RFS_ENTRY_CARVED); 0 for
 * any other node. */
void deleted_index_set_carved_offset(DeletedIndex *index, IndexNode *node, uint64_t offset);
uint64_t deleted_index_carved_offset(const DeletedIndex *index, const IndexNode *node);

/* A new node with `id`, registered by id (and as a directory when it is one). `name` and
 * `stream_name` are copied into the index. Returns NULL if the id exists already. */
IndexNode *deleted_index_add(DeletedIndex *index, RfsEntryId id, const char *file_name,
			     const char *stream_name);
/* A copy of `s` in the index's string storage (NULL for NULL), as long-lived as the index. */
const char *deleted_index_copy_name(DeletedIndex *index, const char *s);

/* Registers a carved directory under its record number and sequence; the first one of a pair
 * stays. */
void deleted_index_add_carved_dir(DeletedIndex *index, IndexNode *dir);
/* The carved directory of record `record` with sequence `sequence`, or NULL. */
IndexNode *deleted_index_lookup_carved_dir(const DeletedIndex *index, uint64_t record, uint16_t sequence);

IndexNode *deleted_index_lookup(const DeletedIndex *index, RfsEntryId id);
/* The nodes in creation order, forgotten ones too: [0, deleted_index_node_count()). */
size_t deleted_index_node_count(const DeletedIndex *index);
IndexNode *deleted_index_node_at(const DeletedIndex *index, size_t i);
/* Takes `node` out of the lookups (its memory stays the index's). */
void deleted_index_forget(DeletedIndex *index, IndexNode *node);

/* Every node the lookups find, in no particular order; none may be added or forgotten
 * meanwhile. */
typedef struct {
	const DeletedIndex *index;
	uint64_t next_record;
	GHashTableIter hash;
	bool in_hash;
} DeletedIndexIter;
void deleted_index_iter_init(DeletedIndexIter *it, const DeletedIndex *index);
IndexNode *deleted_index_iter_next(DeletedIndexIter *it);
IndexNode *deleted_index_lookup_child(const DeletedIndex *index, const IndexNode *dir, const char *name);

/* The directory of the MFT that `ref` names: same sequence, or the one before a deleted
 * directory's (freeing a record bumps it); NULL otherwise. While building. */
IndexNode *path_rebuild_dir_lookup(const DeletedIndex *index, MftRef ref);

/* Uses the name claims before linking: names nameless records, makes ghosts of claims
 * whose record was reused and folders of claims that children need (path_traces.c). */
void path_traces_apply(DeletedIndex *index);
/* The folder made from a claim for exactly `ref`, or NULL. */
IndexNode *path_traces_folder(const DeletedIndex *index, MftRef ref);
/* Whether any entry lacks a name or a parent the MFT can give: if none does, the index
 * blocks need not be read. Also notes which references and creation times claims could
 * serve (path_traces_wanted). */
bool path_traces_prepare(DeletedIndex *index);
/* Whether a claim for `ref` (an unreferenced one: `referenced` false and its creation
 * time) could change anything: a reference an entry lacks, or whose record no longer
 * describes it (a ghost, or a folder in a chain). All are wanted before
 * path_traces_prepare(). Lets the readers skip the claims of live, intact files. */
bool path_traces_wanted(const DeletedIndex *index, MftRef ref, bool referenced, int64_t creation);

/* Keeps only the nodes in `keep` (a set of IndexNode*), after path_rebuild_link: the others
 * leave the lookups and their parents' children (which stay sorted), and every kept node's
 * id and parent id gain `origin` (RFS_ENTRY_ID_IN). For the views shadow copies add. */
void deleted_index_restrict(DeletedIndex *index, GHashTable *keep, unsigned origin);

/* Links every node under its parent (or lost+found), breaks cycles, prunes live directories
 * that lead to nothing, makes names unique and sorts children; counts orphans, paths from
 * traces and deleted files and streams by state. Then the index is immutable. Call it after
 * path_traces_apply() and after the cluster claims are resolved (they change states). */
void path_rebuild_link(DeletedIndex *index, bool keep_live);

/* Collision name: "stem (mft N).ext", keeping the extension for file managers; should that
 * be taken too, attempt k > 1 gives "stem (mft N, k).ext". */
char *path_rebuild_collision_name(const char *name, uint64_t record_number, unsigned attempt);
/* "stem (tag).ext", keeping the extension as the collision name does. */
char *path_rebuild_tagged_name(const char *name, const char *tag);
