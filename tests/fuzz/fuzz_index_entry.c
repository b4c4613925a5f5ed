/* libFuzzer target: $I30 index entries. The first byte picks the input's kind: an
 * $INDEX_ROOT value, an INDX block (fixups applied to a copy), or an area swept for INDX
 * blocks at 512-byte steps as a free-space sweep would. Every claim must lie in the node. */
#include <glib.h>
#include <string.h>

#include "ntfs/index_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool check_claim(const IndexEntry *entry, void *user_data)
{
	const IndexNode *node = user_data;
	const uint8_t *end = node->buf.data + node->buf.size;
	const FileName *fn = &entry->file_name;
	g_assert(fn->name >= node->buf.data && fn->name + 2 * (size_t)fn->name_length <= end);
	g_assert(entry->in_slack || entry->offset < node->used_end);
	g_assert(entry->offset < node->allocated_end);
	g_assert(entry->child_known || entry->child.record == 0);
	return true;
}

static void walk(const IndexNode *node)
{
	GError *error = NULL;
	if (!index_entry_foreach(node, check_claim, (void *)node, &error))
		g_clear_error(&error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	ByteSpan in = byte_span(data + 1, size - 1);
	IndexNode node;
	GError *error = NULL;
	if (data[0] % 3 == 0) {
		if (index_entry_root_parse(in, &node, &error))
			walk(&node);
		g_clear_error(&error);
		return 0;
	}
	if (data[0] % 3 == 1) {
		uint8_t *copy = g_malloc(in.size ? in.size : 1);
		memcpy(copy, in.data, in.size);
		if (index_entry_block_decode(copy, in.size, &node, &error))
			walk(&node);
		g_clear_error(&error);
		g_free(copy);
		return 0;
	}
	for (size_t off = 0; off < in.size; off += 512) {
		size_t block = 0;
		if (!index_entry_block_probe(span_sub(in, off, in.size - off), &block))
			continue;
		g_assert(block >= 512 && block <= in.size - off);
		uint8_t *copy = g_memdup2(in.data + off, block);
		if (index_entry_block_decode(copy, block, &node, &error))
			walk(&node);
		else /* a probed block always decodes: the fixups were checked */
			g_assert_not_reached();
		g_free(copy);
	}
	return 0;
}
