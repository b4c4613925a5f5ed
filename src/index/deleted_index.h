/* The index of restorable entries: a tree of IndexNodes built once by the scan, then
 * immutable, so every query here is lock-free. */
#pragma once

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include "ntfs/mft_record.h"
#include "restorefs/restorefs.h"

typedef struct IndexNode IndexNode;

struct IndexNode {
	RfsEntryInfo info;     /* public view; strings live in the index's string chunk */
	IndexNode *parent;
	IndexNode *base;       /* named streams: the node of their file; else NULL */
	GPtrArray *children;   /* directories: IndexNode*, sorted by strcmp of info.name */
	MftRef parent_ref;     /* from $FILE_NAME; used while building */
	uint64_t carved_offset; /* RFS_ENTRY_CARVED: byte of the volume holding its FILE record */
	uint32_t state;        /* build-time marks (path_rebuild.c) */
};

typedef struct {
	GHashTable *by_id;     /* &node->info.id -> node; owns the nodes */
	GHashTable *dirs;      /* MFT record number -> directory node, while building */
	GHashTable *carved_dirs; /* carved directory nodes by (record, sequence), while building */
	GPtrArray *nodes;      /* every node in creation order, while building */
	GStringChunk *names;
	GPtrArray *node_blocks; /* nodes are carved from 2 MiB blocks: no per-node malloc */
	size_t block_used;
	IndexNode *root;
	IndexNode *lost_found;
	RfsScanStats stats;
} DeletedIndex;

DeletedIndex *deleted_index_new(void);
void deleted_index_free(DeletedIndex *index);

/* A new node with `id`, registered by id (and as a directory when it is one). `name` and
 * `stream_name` are copied into the index. Returns NULL if the id exists already. */
IndexNode *deleted_index_add(DeletedIndex *index, RfsEntryId id, const char *file_name,
			     const char *stream_name);
const char *deleted_index_intern(DeletedIndex *index, const char *s);

/* Registers a carved directory under its record number and sequence; the first one of a pair
 * stays. */
void deleted_index_add_carved_dir(DeletedIndex *index, IndexNode *dir);
/* The carved directory of record `record` with sequence `sequence`, or NULL. */
IndexNode *deleted_index_lookup_carved_dir(const DeletedIndex *index, uint64_t record, uint16_t sequence);

IndexNode *deleted_index_lookup(const DeletedIndex *index, RfsEntryId id);
IndexNode *deleted_index_lookup_child(const DeletedIndex *index, const IndexNode *dir, const char *name);

/* Links every node under its parent (or lost+found), breaks cycles, prunes live directories
 * that lead to nothing, makes names unique and sorts children. Then the index is immutable. */
void path_rebuild_link(DeletedIndex *index, bool keep_live);

/* Collision name: "stem (mft N).ext", keeping the extension for file managers; should that
 * be taken too, attempt k > 1 gives "stem (mft N, k).ext". */
char *path_rebuild_collision_name(const char *name, uint64_t record_number, unsigned attempt);
/* "stem (tag).ext", keeping the extension as the collision name does. */
char *path_rebuild_tagged_name(const char *name, const char *tag);
