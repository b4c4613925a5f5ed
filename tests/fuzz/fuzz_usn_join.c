/* libFuzzer target: change-journal records joined to an index. The input is $J bytes; every
 * record the walk finds goes into a UsnJoin, which is then applied to a few deleted entries
 * named by the input's first records and asked for its names: references of any value,
 * duplicate deletes and names of any bytes must neither crash nor leave bad UTF-8. */
#include <glib.h>

#include "index/usn_join.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool check_name(const UsnJoinName *n, void *user_data)
{
	g_assert(g_utf8_validate(n->name, -1, NULL));
	(*(unsigned *)user_data)++;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	UsnJoin *join = usn_join_new();
	DeletedIndex *index = deleted_index_new();
	UsnIter it;
	UsnRecord r;
	size_t offset;
	unsigned nodes = 0;
	usn_iter_init(&it, byte_span(data, size), true);
	while (usn_iter_next(&it, &r, &offset)) {
		usn_join_add(join, &r);
		if (nodes < 4 && r.has_mft_refs) { /* a deleted entry the record may name */
			IndexNode *n = deleted_index_add(index, RFS_ENTRY_ID(r.file.record, 0), "f", NULL);
			if (n != NULL) {
				n->info.flags = RFS_ENTRY_REMOVED;
				n->info.sequence = (uint16_t)(r.file.sequence + (nodes & 1));
				nodes++;
			}
		}
	}
	uint64_t set = usn_join_apply(join, index);
	g_assert(set <= nodes);
	unsigned names = 0;
	usn_join_foreach_name(join, check_name, &names);
	g_assert(names <= usn_join_records(join));
	deleted_index_free(index);
	usn_join_free(join);
	return 0;
}
