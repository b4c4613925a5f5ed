/* Storage and lookups of the restorable-entry tree. The tree is written only while the scan
 * builds it; afterwards lookups take no locks. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/deleted_index.h"

#include <string.h>
#include <sys/mman.h>

enum {
	NODE_BLOCK_BYTES = 2 * 1024 * 1024, /* one transparent huge page */
	NODE_BLOCK_COUNT = NODE_BLOCK_BYTES / sizeof(IndexNode),
};

static void node_free(gpointer p)
{
	IndexNode *node = p;
	g_clear_pointer(&node->children, g_ptr_array_unref);
}

static void block_free(gpointer p)
{
	munmap(p, NODE_BLOCK_BYTES);
}

/* Hundreds of thousands of equal-sized nodes: carve them from 2 MiB-aligned blocks that can
 * be transparent huge pages, which costs one page fault per 2 MiB instead of one per 4 KiB,
 * no allocator header per node, and no zeroing of our own (fresh mappings are zero). */
static void *block_map(void)
{
	size_t span = 2 * (size_t)NODE_BLOCK_BYTES;
	uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		g_error("out of memory for the index");
	uintptr_t start = ((uintptr_t)raw + NODE_BLOCK_BYTES - 1) & ~(uintptr_t)(NODE_BLOCK_BYTES - 1);
	size_t head = start - (uintptr_t)raw;
	if (head > 0)
		munmap(raw, head);
	munmap((uint8_t *)start + NODE_BLOCK_BYTES, span - head - NODE_BLOCK_BYTES);
	(void)madvise((void *)start, NODE_BLOCK_BYTES, MADV_HUGEPAGE);
	return (void *)start;
}

static IndexNode *node_alloc(DeletedIndex *index)
{
	if (index->node_blocks->len == 0 || index->block_used == NODE_BLOCK_COUNT) {
		g_ptr_array_add(index->node_blocks, block_map());
		index->block_used = 0;
	}
	IndexNode *block = g_ptr_array_index(index->node_blocks, index->node_blocks->len - 1);
	return &block[index->block_used++];
}

/* Carved directories are keyed by the node itself: its record number and sequence. */
static guint carved_dir_hash(gconstpointer p)
{
	const IndexNode *n = p;
	uint64_t key = n->info.mft_record << 16 | n->info.sequence;
	return g_int64_hash(&key);
}

static gboolean carved_dir_equal(gconstpointer a, gconstpointer b)
{
	const IndexNode *x = a, *y = b;
	return x->info.mft_record == y->info.mft_record && x->info.sequence == y->info.sequence;
}

void deleted_index_add_carved_dir(DeletedIndex *index, IndexNode *dir)
{
	if (!g_hash_table_contains(index->carved_dirs, dir))
		g_hash_table_add(index->carved_dirs, dir);
}

IndexNode *deleted_index_lookup_carved_dir(const DeletedIndex *index, uint64_t record, uint16_t sequence)
{
	IndexNode probe = { .info = { .mft_record = record, .sequence = sequence } };
	return index->carved_dirs != NULL ? g_hash_table_lookup(index->carved_dirs, &probe) : NULL;
}

DeletedIndex *deleted_index_new(void)
{
	DeletedIndex *index = g_new0(DeletedIndex, 1);
	index->by_id = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, node_free);
	index->dirs = g_hash_table_new(g_direct_hash, g_direct_equal);
	index->carved_dirs = g_hash_table_new(carved_dir_hash, carved_dir_equal);
	index->nodes = g_ptr_array_new();
	index->names = g_string_chunk_new(1024 * 1024);
	index->node_blocks = g_ptr_array_new_with_free_func(block_free);
	index->name_claims = name_claims_new();
	return index;
}

void deleted_index_free(DeletedIndex *index)
{
	if (index == NULL)
		return;
	g_hash_table_unref(index->by_id);
	g_clear_pointer(&index->dirs, g_hash_table_unref);
	g_clear_pointer(&index->carved_dirs, g_hash_table_unref);
	g_clear_pointer(&index->nodes, g_ptr_array_unref);
	g_string_chunk_free(index->names);
	g_ptr_array_unref(index->node_blocks);
	name_claims_free(index->name_claims);
	g_free(index->record_states);
	g_clear_pointer(&index->trace_dirs, g_hash_table_unref);
	g_clear_pointer(&index->trace_wanted, g_hash_table_unref);
	g_clear_pointer(&index->trace_wanted_creation, g_hash_table_unref);
	g_free(index);
}

void deleted_index_note_record(DeletedIndex *index, uint64_t record_number, uint16_t flags,
			       uint16_t sequence)
{
	if (record_number >= index->record_count) {
		uint64_t grown = MAX(record_number + 1, index->record_count * 2);
		index->record_states = g_renew(uint32_t, index->record_states, grown);
		memset(index->record_states + index->record_count, 0,
		       (grown - index->record_count) * sizeof(uint32_t));
		index->record_count = grown;
	}
	index->record_states[record_number] =
		DELETED_INDEX_RECORD_SEEN | (uint32_t)(flags & 0x3) << 16 | sequence;
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
	IndexNode *node = node_alloc(index);
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

static RfsEntryId with_origin(RfsEntryId id, unsigned origin)
{
	return id | ((RfsEntryId)(uint8_t)origin << 56);
}

void deleted_index_restrict(DeletedIndex *index, GHashTable *keep, unsigned origin)
{
	GHashTable *kept = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, node_free);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, index->by_id);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		IndexNode *n = value;
		g_hash_table_iter_steal(&it);
		if (!g_hash_table_contains(keep, n)) {
			node_free(n); /* its memory is the index's node blocks */
			continue;
		}
		guint out = 0;
		for (guint i = 0; n->children != NULL && i < n->children->len; i++) {
			gpointer child = g_ptr_array_index(n->children, i);
			if (g_hash_table_contains(keep, child))
				g_ptr_array_index(n->children, out++) = child;
		}
		if (n->children != NULL)
			g_ptr_array_set_size(n->children, out);
		n->info.id = with_origin(n->info.id, origin);
		n->info.parent_id = with_origin(n->info.parent_id, origin);
		g_hash_table_insert(kept, &n->info.id, n);
	}
	g_hash_table_unref(index->by_id);
	index->by_id = kept;
	if (index->lost_found != NULL && !g_hash_table_contains(keep, index->lost_found))
		index->lost_found = NULL;
}
