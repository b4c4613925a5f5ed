/* Storage and lookups of the restorable-entry tree. The tree is written only while the scan
 * builds it; afterwards lookups take no locks. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/deleted_index.h"

#include <string.h>
#include <sys/mman.h>

/* The sizes the comments of RfsEntryInfo and IndexNode promise, on 64-bit machines. */
G_STATIC_ASSERT(sizeof(void *) != 8 || sizeof(RfsEntryInfo) == 168);
G_STATIC_ASSERT(sizeof(void *) != 8 || sizeof(IndexNode) == 192);

enum {
	NODE_BLOCK_BYTES = 2 * 1024 * 1024,
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

/* Hundreds of thousands of equal-sized nodes: carve them from 2 MiB blocks, with no
 * allocator header per node and no zeroing of our own (fresh mappings are zero). Not asked
 * to be huge pages: where the kernel compacts memory to make one on request, the fault costs
 * more than the 512 small ones it saves. */
static void *block_map(void)
{
	void *block = mmap(NULL, NODE_BLOCK_BYTES, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (block == MAP_FAILED)
		g_error("out of memory for the index");
	return block;
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
	index->by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	index->dirs = g_hash_table_new(g_direct_hash, g_direct_equal);
	index->carved_dirs = g_hash_table_new(carved_dir_hash, carved_dir_equal);
	index->stream_bases = g_hash_table_new(g_direct_hash, g_direct_equal);
	index->carved_offsets = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	index->names = g_string_chunk_new(1024 * 1024);
	index->node_blocks = g_ptr_array_new_with_free_func(block_free);
	index->name_claims = name_claims_new();
	return index;
}

void deleted_index_free(DeletedIndex *index)
{
	if (index == NULL)
		return;
	/* every node ever made, found or forgotten, lies in the blocks */
	for (guint b = 0; b < index->node_blocks->len; b++) {
		IndexNode *block = g_ptr_array_index(index->node_blocks, b);
		size_t used = b + 1 < index->node_blocks->len ? NODE_BLOCK_COUNT : index->block_used;
		for (size_t i = 0; i < used; i++)
			node_free(&block[i]);
	}
	g_hash_table_unref(index->by_id);
	g_free(index->by_record);
	g_clear_pointer(&index->dirs, g_hash_table_unref);
	g_clear_pointer(&index->carved_dirs, g_hash_table_unref);
	g_hash_table_unref(index->stream_bases);
	g_hash_table_unref(index->carved_offsets);
	g_string_chunk_free(index->names);
	g_ptr_array_unref(index->node_blocks);
	name_claims_free(index->name_claims);
	g_free(index->record_states);
	g_clear_pointer(&index->trace_dirs, g_hash_table_unref);
	g_clear_pointer(&index->trace_wanted, g_hash_table_unref);
	g_clear_pointer(&index->trace_wanted_creation, g_hash_table_unref);
	g_free(index);
}

void deleted_index_set_stream_base(DeletedIndex *index, IndexNode *stream, IndexNode *base)
{
	g_hash_table_insert(index->stream_bases, stream, base);
}

IndexNode *deleted_index_stream_base(const DeletedIndex *index, const IndexNode *stream)
{
	return g_hash_table_lookup(index->stream_bases, stream);
}

void deleted_index_set_carved_offset(DeletedIndex *index, IndexNode *node, uint64_t offset)
{
	g_hash_table_insert(index->carved_offsets, node, g_memdup2(&offset, sizeof offset));
}

uint64_t deleted_index_carved_offset(const DeletedIndex *index, const IndexNode *node)
{
	const uint64_t *offset = g_hash_table_lookup(index->carved_offsets, node);
	return offset != NULL ? *offset : 0;
}

static void grow_record_states(DeletedIndex *index, uint64_t count)
{
	index->record_states = g_renew(uint32_t, index->record_states, count);
	memset(index->record_states + index->record_count, 0,
	       (count - index->record_count) * sizeof(uint32_t));
	index->record_count = count;
}

void deleted_index_reserve_records(DeletedIndex *index, uint64_t count)
{
	if (count > index->record_count)
		grow_record_states(index, count);
	if (count > index->by_record_count) {
		index->by_record = g_renew(uint32_t, index->by_record, count);
		memset(index->by_record + index->by_record_count, 0,
		       (count - index->by_record_count) * sizeof(uint32_t));
		index->by_record_count = count;
	}
}

/* The slot of `id` in the table by record number, or NULL: the id lives in by_id. */
static uint32_t *record_slot(const DeletedIndex *index, RfsEntryId id)
{
	if (RFS_ENTRY_ORIGIN(id) != RFS_ORIGIN_MFT || (id & 0xff) != 0)
		return NULL;
	uint64_t record = (id >> 8) & 0xffffffffffffull;
	return record < index->by_record_count ? &index->by_record[record] : NULL;
}

void deleted_index_note_record(DeletedIndex *index, uint64_t record_number, uint16_t flags,
			       uint16_t sequence)
{
	if (record_number >= index->record_count)
		grow_record_states(index, MAX(record_number + 1, index->record_count * 2));
	index->record_states[record_number] =
		DELETED_INDEX_RECORD_SEEN | (uint32_t)(flags & 0x3) << 16 | sequence;
}

const char *deleted_index_copy_name(DeletedIndex *index, const char *s)
{
	return s == NULL ? NULL : g_string_chunk_insert(index->names, s);
}

IndexNode *deleted_index_add(DeletedIndex *index, RfsEntryId id, const char *file_name,
			     const char *stream_name)
{
	uint32_t *slot = record_slot(index, id);
	if (slot != NULL ? *slot != 0 : g_hash_table_contains(index->by_id, &id))
		return NULL;
	size_t place = deleted_index_node_count(index);
	IndexNode *node = node_alloc(index);
	node->info.id = id;
	node->info.file_name = deleted_index_copy_name(index, file_name);
	node->info.stream_name = deleted_index_copy_name(index, stream_name);
	node->info.name = node->info.file_name;
	if (slot != NULL)
		*slot = (uint32_t)(place + 1); /* 2^32 nodes would take a terabyte first */
	else
		g_hash_table_insert(index->by_id, &node->info.id, node);
	return node;
}

size_t deleted_index_node_count(const DeletedIndex *index)
{
	guint blocks = index->node_blocks->len;
	return blocks == 0 ? 0 : (size_t)(blocks - 1) * NODE_BLOCK_COUNT + index->block_used;
}

IndexNode *deleted_index_node_at(const DeletedIndex *index, size_t i)
{
	IndexNode *block = g_ptr_array_index(index->node_blocks, (guint)(i / NODE_BLOCK_COUNT));
	return &block[i % NODE_BLOCK_COUNT];
}

IndexNode *deleted_index_lookup(const DeletedIndex *index, RfsEntryId id)
{
	uint32_t *slot = record_slot(index, id);
	if (slot == NULL)
		return g_hash_table_lookup(index->by_id, &id);
	return *slot != 0 ? deleted_index_node_at(index, *slot - 1) : NULL;
}

void deleted_index_forget(DeletedIndex *index, IndexNode *node)
{
	uint32_t *slot = record_slot(index, node->info.id);
	if (slot == NULL)
		g_hash_table_steal(index->by_id, &node->info.id);
	else if (*slot != 0 && deleted_index_node_at(index, *slot - 1) == node)
		*slot = 0;
}

void deleted_index_iter_init(DeletedIndexIter *it, const DeletedIndex *index)
{
	*it = (DeletedIndexIter){ .index = index };
}

IndexNode *deleted_index_iter_next(DeletedIndexIter *it)
{
	while (!it->in_hash && it->next_record < it->index->by_record_count) {
		uint32_t place = it->index->by_record[it->next_record++];
		if (place != 0)
			return deleted_index_node_at(it->index, place - 1);
	}
	if (!it->in_hash) {
		g_hash_table_iter_init(&it->hash, it->index->by_id);
		it->in_hash = true;
	}
	gpointer value;
	return g_hash_table_iter_next(&it->hash, NULL, &value) ? value : NULL;
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
	GHashTable *kept = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	DeletedIndexIter it;
	deleted_index_iter_init(&it, index);
	for (IndexNode *n; (n = deleted_index_iter_next(&it)) != NULL;)
		g_ptr_array_add(all, n);
	g_hash_table_steal_all(index->by_id);
	g_clear_pointer(&index->by_record, g_free);
	index->by_record_count = 0;
	for (guint i = 0; i < all->len; i++) {
		IndexNode *n = g_ptr_array_index(all, i);
		if (!g_hash_table_contains(keep, n)) {
			node_free(n); /* its memory is the index's node blocks */
			continue;
		}
		guint out = 0;
		for (guint c = 0; n->children != NULL && c < n->children->len; c++) {
			gpointer child = g_ptr_array_index(n->children, c);
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
