/* libFuzzer target: the claims join. The input is INDX blocks (fixups applied to copies)
 * whose entries become claims; then a deleted file for every claim, under the claimed
 * reference, and a record table from the input's bytes; then the path tree is linked. The
 * walk must end, and every node must hang from the root. */
#include <glib.h>
#include <string.h>

#include "index/deleted_index.h"
#include "index/index_traces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { BLOCK = 4096, MAX_FILES = 4096 };

static void add_files(DeletedIndex *index)
{
	g_autoptr(GPtrArray) sorted = name_claims_sorted(index->name_claims);
	for (guint i = 0; i < sorted->len && i < MAX_FILES; i++) {
		const NameClaim *c = g_ptr_array_index(sorted, i);
		IndexNode *n = deleted_index_add(index, RFS_ENTRY_ID(1000000 + i, 0), "f", NULL);
		n->info.flags = RFS_ENTRY_REMOVED;
		n->info.mft_record = 1000000 + i;
		index_node_set_parent_ref(n, c->child); /* every claim is someone's parent */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	DeletedIndex *index = deleted_index_new();
	IndexNode *root = deleted_index_add(index, RFS_ENTRY_ROOT, "", NULL);
	root->info.flags = RFS_ENTRY_DIRECTORY | RFS_ENTRY_SYNTHETIC;
	root->info.mft_record = 5;
	root->info.sequence = 5;
	index->root = root;
	g_hash_table_insert(index->dirs, GSIZE_TO_POINTER(5), root);
	IndexNode *lf = deleted_index_add(index, RFS_ENTRY_LOST_FOUND, "lost+found", NULL);
	lf->info.flags = RFS_ENTRY_DIRECTORY | RFS_ENTRY_SYNTHETIC;
	index->lost_found = lf;
	uint8_t *copy = g_malloc(BLOCK);
	for (size_t off = 0; off < size; off += BLOCK) {
		size_t n = MIN((size_t)BLOCK, size - off);
		memset(copy, 0, BLOCK);
		memcpy(copy, data + off, n);
		(void)index_traces_add_node(index->name_claims, copy, n, true, RFS_PATH_SOURCE_INDEX);
		(void)index_traces_add_node(index->name_claims, copy, n, false, RFS_PATH_SOURCE_INDEX_SLACK);
	}
	g_free(copy);
	/* The record table: the input's bytes as sequence numbers and in-use flags. */
	for (size_t r = 0; r < 64 && 2 * r + 1 < size; r++)
		deleted_index_note_record(index, 16 + r, data[2 * r] & 1, data[2 * r + 1]);
	add_files(index);
	path_traces_apply(index);
	path_rebuild_link(index, false);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, index->by_id);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const IndexNode *n = value;
		guint depth = 0;
		for (const IndexNode *p = n; p != NULL && p != index->root; p = p->parent)
			g_assert(++depth <= g_hash_table_size(index->by_id));
	}
	deleted_index_free(index);
	return 0;
}
