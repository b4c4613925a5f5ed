/* Joins change-journal records to the index by MFT reference. Owns the rule that matches a
 * journal's reference to a deleted record (below) and the names kept for the path rebuild;
 * never reads the disk except through ntfs/usn_journal.c.
 *
 * The sequence rule: a USN record names a file by the reference it had while it lived,
 * record R with sequence S. NTFS increments a record's sequence number each time it frees
 * the record (MFT_SEGMENT_REFERENCE: "incremented each time that a file record segment is
 * freed"; skipping 0 on wrap, mft_sequence_next()), and Windows writes the FILE_DELETE
 * record before it frees it, so the deleted record now carries S + 1. A FILE_DELETE for
 * R/S therefore describes the deleted entry of record R exactly when that entry's sequence
 * is mft_sequence_next(S); a delete of an older file in the same record (R/S-1) or of a
 * later one does not match. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/usn_join.h"

#include <inttypes.h>
#include <string.h>

#include "ntfs/usn_journal.h"
#include "util/error.h"
#include "util/utf16.h"

typedef struct {
	uint64_t key;          /* the reference as NTFS packs it: first, for g_int64_hash */
	int64_t time;
	int64_t usn;
} DeleteSeen;

struct UsnJoin {
	GHashTable *deletes;   /* &DeleteSeen.key -> DeleteSeen*, owned */
	GHashTable *name_set;  /* UsnJoinName* -> same, for merging repeats */
	GPtrArray *names;      /* UsnJoinName*, owned, in journal order */
	GStringChunk *strings;
	uint64_t records;
};

static uint64_t ref_key(MftRef ref)
{
	return (ref.record & 0xFFFFFFFFFFFFull) | (uint64_t)ref.sequence << 48;
}

static guint name_hash(gconstpointer p)
{
	const UsnJoinName *n = p;
	uint64_t refs = ref_key(n->child) * 31 + ref_key(n->parent);
	return g_str_hash(n->name) ^ (guint)refs ^ (guint)(refs >> 32);
}

static gboolean name_equal(gconstpointer a, gconstpointer b)
{
	const UsnJoinName *x = a, *y = b;
	return ref_key(x->child) == ref_key(y->child) && ref_key(x->parent) == ref_key(y->parent) &&
	       strcmp(x->name, y->name) == 0;
}

UsnJoin *usn_join_new(void)
{
	UsnJoin *join = g_new0(UsnJoin, 1);
	join->deletes = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
	join->name_set = g_hash_table_new(name_hash, name_equal);
	join->names = g_ptr_array_new_with_free_func(g_free);
	join->strings = g_string_chunk_new(64 * 1024);
	return join;
}

void usn_join_free(UsnJoin *join)
{
	if (join == NULL)
		return;
	g_hash_table_destroy(join->deletes);
	g_hash_table_destroy(join->name_set);
	g_ptr_array_free(join->names, true);
	g_string_chunk_free(join->strings);
	g_free(join);
}

static void add_delete(UsnJoin *join, const UsnRecord *rec)
{
	uint64_t key = ref_key(rec->file);
	DeleteSeen *seen = g_hash_table_lookup(join->deletes, &key);
	if (seen == NULL) {
		seen = g_new(DeleteSeen, 1);
		seen->key = key;
		g_hash_table_insert(join->deletes, &seen->key, seen);
	} else if (seen->usn > rec->usn) {
		return;
	}
	seen->time = rec->timestamp;
	seen->usn = rec->usn;
}

static void add_name(UsnJoin *join, const UsnRecord *rec)
{
	g_autofree char *utf8 = utf16_to_utf8_name(rec->name, rec->name_length_bytes / 2);
	UsnJoinName probe = { .child = rec->file, .parent = rec->parent, .name = utf8 };
	UsnJoinName *n = g_hash_table_lookup(join->name_set, &probe);
	if (n == NULL) {
		n = g_new(UsnJoinName, 1);
		*n = probe;
		n->name = g_string_chunk_insert(join->strings, utf8);
		n->reason = 0;
		n->time = rec->timestamp;
		n->usn = rec->usn;
		g_ptr_array_add(join->names, n);
		g_hash_table_add(join->name_set, n);
	}
	n->reason |= rec->reason;
	if (rec->usn >= n->usn) {
		n->time = rec->timestamp;
		n->usn = rec->usn;
	}
}

void usn_join_add(UsnJoin *join, const UsnRecord *rec)
{
	const uint32_t naming = USN_REASON_FILE_CREATE | USN_REASON_FILE_DELETE |
				USN_REASON_RENAME_OLD_NAME | USN_REASON_RENAME_NEW_NAME;
	join->records++;
	if (!rec->has_mft_refs || rec->major_version == 4)
		return;
	if (rec->reason & USN_REASON_FILE_DELETE)
		add_delete(join, rec);
	if ((rec->reason & naming) && rec->name_length_bytes > 0)
		add_name(join, rec);
}

static bool take_record(const UsnRecord *rec, void *user_data)
{
	usn_join_add(user_data, rec);
	return true;
}

bool usn_join_read(UsnJoin *join, const Volume *vol, GError **error)
{
	UsnJournalStats stats;
	g_autoptr(GError) read_error = NULL;
	if (!usn_journal_read(vol, USN_JOURNAL_MAX_BYTES, take_record, join, &stats, &read_error)) {
		if (rfs_take_gone(&read_error, error))
			return false;
		g_info("change journal not read: %s", read_error->message);
		return true;
	}
	if (!stats.found) {
		g_info("no change journal ($Extend/$UsnJrnl:$J)");
		return true;
	}
	g_info("change journal: %" PRIu64 " records in %" PRIu64 " of %" PRIu64 " bytes read "
	       "(%" PRIu64 " left out over the bound, %" PRIu64 " unreadable, %" PRIu64
	       " garbage), %u deletions, %u names", stats.records, stats.read_bytes,
	       stats.data_bytes, stats.skipped_bytes, stats.unreadable_bytes, stats.garbage_bytes,
	       g_hash_table_size(join->deletes), join->names->len);
	return true;
}

uint64_t usn_join_records(const UsnJoin *join)
{
	return join->records;
}

int64_t usn_join_deleted_time(const UsnJoin *join, MftRef ref)
{
	uint64_t key = ref_key(ref);
	const DeleteSeen *seen = g_hash_table_lookup(join->deletes, &key);
	return seen != NULL ? seen->time : 0;
}

/* The entry of record `record` and its named streams (slots 1.. until the first gap). */
static uint64_t set_deleted_time(DeletedIndex *index, uint64_t record, uint16_t sequence,
				 int64_t time)
{
	uint64_t set = 0;
	for (unsigned slot = 0; slot <= 255; slot++) {
		IndexNode *node = deleted_index_lookup(index, RFS_ENTRY_ID(record, slot));
		if (node == NULL)
			break;
		if (!(node->info.flags & RFS_ENTRY_REMOVED) || node->info.sequence != sequence)
			continue;
		node->info.deleted_time = time;
		set++;
	}
	return set;
}

uint64_t usn_join_apply(const UsnJoin *join, DeletedIndex *index)
{
	uint64_t set = 0;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, join->deletes);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const DeleteSeen *seen = value;
		MftRef ref = mft_ref_from_u64(seen->key);
		if (ref.record == MFT_RECORD_ROOT || seen->time == 0)
			continue; /* record 5's entry is the synthetic root */
		set += set_deleted_time(index, ref.record, mft_sequence_next(ref.sequence), seen->time);
	}
	return set;
}

void usn_join_foreach_name(const UsnJoin *join, UsnJoinNameFunc fn, void *user_data)
{
	for (guint i = 0; i < join->names->len; i++)
		if (!fn(g_ptr_array_index(join->names, i), user_data))
			return;
}
