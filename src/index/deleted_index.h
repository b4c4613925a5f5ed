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
	uint32_t state;        /* build-time marks (path_rebuild.c) */
};

typedef struct {
	GHashTable *by_id;     /* &node->info.id -> node; owns the nodes */
	GHashTable *dirs;      /* MFT record number -> directory node, while building */
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

IndexNode *deleted_index_lookup(const DeletedIndex *index, RfsEntryId id);
IndexNode *deleted_index_lookup_child(const DeletedIndex *index, const IndexNode *dir, const char *name);

/* Keeps only the nodes in `keep` (a set of IndexNode*), after path_rebuild_link: the others
 * leave the lookups and their parents' children (which stay sorted), and every kept node's
 * id and parent id gain `origin` (RFS_ENTRY_ID_IN). For the views shadow copies add. */
void deleted_index_restrict(DeletedIndex *index, GHashTable *keep, unsigned origin);

/* Links every node under its parent (or lost+found), breaks cycles, prunes live directories
 * that lead to nothing, makes names unique and sorts children. Then the index is immutable. */
void path_rebuild_link(DeletedIndex *index, bool keep_live);

/* Collision name: "stem (mft N).ext", keeping the extension for file managers; should that
 * be taken too, attempt k > 1 gives "stem (mft N, k).ext". */
char *path_rebuild_collision_name(const char *name, uint64_t record_number, unsigned attempt);
