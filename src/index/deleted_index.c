/* Storage and lookups of the restorable-entry tree. The tree is written only while the scan
 * builds it; afterwards lookups take no locks. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/deleted_index.h"

#include <string.h>

static void node_free(gpointer p)
{
	IndexNode *node = p;
	if (node->children != NULL)
		g_ptr_array_unref(node->children);
	g_free(node);
}

DeletedIndex *deleted_index_new(void)
{
	DeletedIndex *index = g_new0(DeletedIndex, 1);
	index->by_id = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, node_free);
	index->dirs = g_hash_table_new(g_direct_hash, g_direct_equal);
	index->nodes = g_ptr_array_new();
	index->names = g_string_chunk_new(64 * 1024);
	return index;
}

void deleted_index_free(DeletedIndex *index)
{
	if (index == NULL)
		return;
	g_hash_table_unref(index->by_id);
	g_clear_pointer(&index->dirs, g_hash_table_unref);
	g_clear_pointer(&index->nodes, g_ptr_array_unref);
	g_string_chunk_free(index->names);
	g_free(index);
}

const char *deleted_index_intern(DeletedIndex *index, const char *s)
{
	return s == NULL ? NULL : g_string_chunk_insert_const(index->names, s);
}

IndexNode *deleted_index_add(DeletedIndex *index, RfsEntryId id, const char *file_name,
			     const char *stream_name)
{
	if (g_hash_table_contains(index->by_id, &id))
		return NULL;
	IndexNode *node = g_new0(IndexNode, 1);
	node->info.id = id;
	node->info.file_name = deleted_index_intern(index, file_name);
	node->info.stream_name = deleted_index_intern(index, stream_name);
	node->info.name = node->info.file_name;
	g_hash_table_insert(index->by_id, &node->info.id, node);
	if (index->nodes != NULL)
		g_ptr_array_add(index->nodes, node);
	return node;
}

IndexNode *deleted_index_lookup(const DeletedIndex *index, RfsEntryId id)
{
	return g_hash_table_lookup(index->by_id, &id);
}

IndexNode *deleted_index_lookup_child(const DeletedIndex *index, const IndexNode *dir, const char *name)
{
	if (dir == NULL || dir->children == NULL)
		return NULL;
	guint lo = 0, hi = dir->children->len;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		IndexNode *child = g_ptr_array_index(dir->children, mid);
		int c = strcmp(name, child->info.name);
		if (c == 0)
			return child;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	(void)index;
	return NULL;
}
