/* The change journal joined to the index: the sequence rule for deletions, names from the
 * Windows-written $J excerpt, and the journal found and walked on a volume built in memory,
 * hostile ones included (impossible sizes, references past the MFT, duplicate deletes). */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "fixture_index.h"
#include "fixture_volume.h"
#include "index/usn_join.h"
#include "ntfs/usn_journal.h"
#include "ntfs/volume.h"
#include "test_fixtures.h"
#include "util/error.h"

static const int64_t TIME_A = 132000000000000000ll; /* 2019 */
static const int64_t TIME_B = 132100000000000000ll;

static uint64_t ref(uint64_t record, uint16_t sequence)
{
	return record | (uint64_t)sequence << 48;
}

/* A USN_RECORD_V2 at p; returns its length. */
static size_t put_v2(uint8_t *p, uint64_t file, uint64_t parent, int64_t usn, int64_t time,
		     uint32_t reason, const char *ascii)
{
	size_t units = strlen(ascii);
	size_t length = (0x3C + units * 2 + 7) & ~(size_t)7;
	memset(p, 0, length);
	le32_put(p, (uint32_t)length);
	le16_put(p + 4, 2);
	le64_put(p + 0x08, file);
	le64_put(p + 0x10, parent);
	le64_put(p + 0x18, (uint64_t)usn);
	le64_put(p + 0x20, (uint64_t)time);
	le32_put(p + 0x28, reason);
	le32_put(p + 0x34, 0x20);
	le16_put(p + 0x38, (uint16_t)(units * 2));
	le16_put(p + 0x3A, 0x3C);
	for (size_t i = 0; i < units; i++)
		le16_put(p + 0x3C + 2 * i, (uint16_t)ascii[i]);
	return length;
}

static void add_v2(UsnJoin *join, uint64_t file, uint64_t parent, int64_t usn, int64_t time,
		   uint32_t reason, const char *name)
{
	uint8_t buf[1024];
	size_t n = put_v2(buf, file, parent, usn, time, reason, name);
	UsnRecord rec;
	cr_assert(usn_record_parse(byte_span(buf, n), &rec, NULL));
	usn_join_add(join, &rec);
}

static IndexNode *add_node(DeletedIndex *index, uint64_t record, unsigned slot, uint16_t sequence,
			   bool removed)
{
	IndexNode *n = deleted_index_add(index, RFS_ENTRY_ID(record, slot), "f", slot ? "s" : NULL);
	n->info.mft_record = record;
	n->info.sequence = sequence;
	n->info.flags = removed ? RFS_ENTRY_REMOVED : 0;
	return n;
}

Test(usn_join, delete_matches_the_sequence_before_the_free)
{
	DeletedIndex *index = deleted_index_new();
	IndexNode *a = add_node(index, 40, 0, 3, true);  /* lived as 40/2 */
	IndexNode *a_s = add_node(index, 40, 1, 3, true);
	IndexNode *b = add_node(index, 41, 0, 2, true);  /* the journal says 41/2: not this one */
	IndexNode *c = add_node(index, 42, 0, 5, false); /* live: never a deletion */
	IndexNode *d = add_node(index, 43, 0, 1, true);  /* 43/0xFFFF freed wraps to 1 */
	g_autoptr(UsnJoin) join = usn_join_new();
	add_v2(join, ref(40, 2), ref(5, 5), 100, TIME_A, USN_REASON_FILE_DELETE | USN_REASON_CLOSE, "a");
	add_v2(join, ref(41, 2), ref(5, 5), 200, TIME_A, USN_REASON_FILE_DELETE | USN_REASON_CLOSE, "b");
	add_v2(join, ref(42, 4), ref(5, 5), 300, TIME_A, USN_REASON_FILE_DELETE | USN_REASON_CLOSE, "c");
	add_v2(join, ref(43, 0xFFFF), ref(5, 5), 400, TIME_B, USN_REASON_FILE_DELETE, "d");
	cr_assert_eq(usn_join_apply(join, index), 3);
	cr_assert_eq(a->info.deleted_time, TIME_A);
	cr_assert_eq(a_s->info.deleted_time, TIME_A, "named streams share their file's deletion");
	cr_assert_eq(b->info.deleted_time, 0);
	cr_assert_eq(c->info.deleted_time, 0);
	cr_assert_eq(d->info.deleted_time, TIME_B);
	cr_assert_eq(usn_join_records(join), 4);
	deleted_index_free(index);
}

Test(usn_join, hostile_references_and_duplicate_deletes)
{
	DeletedIndex *index = deleted_index_new();
	IndexNode *a = add_node(index, 40, 0, 3, true);
	IndexNode *root = add_node(index, 5, 0, 6, true);
	g_autoptr(UsnJoin) join = usn_join_new();
	/* The same reference deleted twice: the later USN wins, whatever the order. */
	add_v2(join, ref(40, 2), ref(5, 5), 500, TIME_B, USN_REASON_FILE_DELETE | USN_REASON_CLOSE, "a");
	add_v2(join, ref(40, 2), ref(5, 5), 100, TIME_A, USN_REASON_FILE_DELETE | USN_REASON_CLOSE, "a");
	/* Past any MFT, the largest 48-bit record, the root's record, a zero time. */
	add_v2(join, ref(0xFFFFFFFFFFFFull, 7), ref(5, 5), 600, TIME_A, USN_REASON_FILE_DELETE, "x");
	add_v2(join, ref(1ull << 40, 1), ref(1ull << 40, 1), 700, TIME_A, USN_REASON_FILE_DELETE, "y");
	add_v2(join, ref(5, 5), ref(5, 5), 800, TIME_A, USN_REASON_FILE_DELETE, "z");
	add_v2(join, ref(40, 2), ref(5, 5), 50, 0, USN_REASON_FILE_DELETE, "a");
	cr_assert_eq(usn_join_apply(join, index), 1);
	cr_assert_eq(a->info.deleted_time, TIME_B);
	cr_assert_eq(root->info.deleted_time, 0);
	cr_assert_eq(usn_join_deleted_time(join, (MftRef){ 40, 2 }), TIME_B);
	cr_assert_eq(usn_join_deleted_time(join, (MftRef){ 40, 3 }), 0);
	deleted_index_free(index);
}

typedef struct {
	GPtrArray *seen; /* g_strdup'ed "child/seq parent/seq name reason" */
} NameLog;

static bool log_name(const UsnJoinName *n, void *user_data)
{
	NameLog *log = user_data;
	g_ptr_array_add(log->seen, g_strdup_printf("%" PRIu64 "/%u %" PRIu64 "/%u %s %08x %" PRId64,
						   n->child.record, n->child.sequence, n->parent.record,
						   n->parent.sequence, n->name, n->reason, n->time));
	return true;
}

Test(usn_join, names_from_create_rename_and_delete_merged)
{
	g_autoptr(UsnJoin) join = usn_join_new();
	add_v2(join, ref(40, 2), ref(30, 1), 0, TIME_A, USN_REASON_FILE_CREATE, "draft.txt");
	add_v2(join, ref(40, 2), ref(30, 1), 96, TIME_A + 1,
	       USN_REASON_FILE_CREATE | USN_REASON_DATA_EXTEND, "draft.txt");
	add_v2(join, ref(40, 2), ref(30, 1), 192, TIME_A + 2, USN_REASON_DATA_EXTEND, "draft.txt");
	add_v2(join, ref(40, 2), ref(30, 1), 288, TIME_A + 3, USN_REASON_RENAME_OLD_NAME, "draft.txt");
	add_v2(join, ref(40, 2), ref(31, 4), 384, TIME_A + 4, USN_REASON_RENAME_NEW_NAME, "final.txt");
	add_v2(join, ref(40, 2), ref(31, 4), 480, TIME_B,
	       USN_REASON_FILE_DELETE | USN_REASON_CLOSE, "final.txt");
	add_v2(join, 1ull << 63, 0, 576, TIME_B, USN_REASON_FILE_CREATE, ""); /* no name: none */
	NameLog log = { g_ptr_array_new_with_free_func(g_free) };
	usn_join_foreach_name(join, log_name, &log);
	cr_assert_eq(log.seen->len, 2);
	g_autofree char *first = g_strdup_printf("40/2 30/1 draft.txt %08x %" PRId64,
						 USN_REASON_FILE_CREATE | USN_REASON_DATA_EXTEND |
							 USN_REASON_RENAME_OLD_NAME, TIME_A + 3);
	g_autofree char *second = g_strdup_printf("40/2 31/4 final.txt %08x %" PRId64,
						  USN_REASON_RENAME_NEW_NAME | USN_REASON_FILE_DELETE |
							  USN_REASON_CLOSE, TIME_B);
	cr_assert_str_eq(g_ptr_array_index(log.seen, 0), first);
	cr_assert_str_eq(g_ptr_array_index(log.seen, 1), second);
	g_ptr_array_free(log.seen, true);
}

static bool find_new_folder(const UsnJoinName *n, void *user_data)
{
	if (strcmp(n->name, "New folder") != 0)
		return true;
	*(const UsnJoinName **)user_data = n;
	return false;
}

Test(usn_join, names_of_the_windows_journal)
{
	size_t size = 0;
	g_autofree uint8_t *bin = test_fixture_load("usnjrnlj.bin", &size);
	g_autoptr(UsnJoin) join = usn_join_new();
	UsnIter it;
	UsnRecord rec;
	size_t offset;
	usn_iter_init(&it, byte_span(bin, size), true); /* V4 counted, not used */
	while (usn_iter_next(&it, &rec, &offset))
		usn_join_add(join, &rec);
	cr_assert_eq(usn_join_records(join), 268 + 3); /* fsutil's, and 3 written after it ran */
	const UsnJoinName *nf = NULL;
	usn_join_foreach_name(join, find_new_folder, &nf);
	cr_assert_not_null(nf);
	cr_assert_eq(nf->child.record, 0x28);
	cr_assert_eq(nf->child.sequence, 1);
	cr_assert_eq(nf->parent.record, 5);
	cr_assert_eq(nf->parent.sequence, 5);
	cr_assert(nf->reason & USN_REASON_FILE_CREATE);
	cr_assert(nf->reason & USN_REASON_CLOSE);
}

/* ---- a volume with $Extend/$UsnJrnl:$J ---- */

enum {
	JRNL_RECORD = 20,
	JRNL_SEQ = 3,
	J_LCN = 40,              /* the $J clusters */
	J_HOLE_CLUSTERS = 1000,  /* the leading hole: past the volume's 128 clusters */
};

static const uint16_t name_i30[] = { '$', 'I', '3', '0' };
static const uint16_t name_j[] = { '$', 'J' };

/* $Extend (record 11) whose $INDEX_ROOT names "$UsnJrnl" as `journal`. */
static void put_extend(FixtureVolume *v, uint64_t journal)
{
	uint8_t value[FIXTURE_INDEX_ROOT_MAX];
	size_t used = fixture_index_entry(value + 0x20, ref(25, 1), ref(11, 11), "$ObjId", 3, 0, 0);
	used += fixture_index_entry(value + 0x20 + used, journal, ref(11, 11), "$UsnJrnl", 3, 0, 0);
	used += fixture_index_end(value + 0x20 + used, ~(uint64_t)0);
	size_t length = fixture_index_root(value, used, false);
	FixtureRecord r;
	fixture_record_init(&r, 11, 3, 0); /* in use, directory */
	fixture_record_add_name(&r, 5, 5, "$Extend", 3);
	fixture_record_add_resident(&r, 0x90, value, (uint32_t)length, name_i30, 4);
	fixture_volume_put(v, 11, &r);
}

/* $UsnJrnl: a $J of `runs` (a hole then clusters), stating `data_size`. */
static void put_journal(FixtureVolume *v, const Run *runs, size_t count, uint64_t data_size)
{
	FixtureRecord r;
	fixture_record_init(&r, JRNL_SEQ, 1, 0);
	fixture_record_add_name(&r, 11, 11, "$UsnJrnl", 3);
	uint64_t clusters = runs[count - 1].vcn + runs[count - 1].length_clusters;
	FixtureNonResident nr = {
		.last_vcn = clusters - 1,
		.allocated_size = clusters * FV_CLUSTER,
		.data_size = data_size,
		.initialized_size = data_size,
		.flags = ATTR_FLAG_SPARSE,
		.runs = runs,
		.run_count = count,
		.name = name_j,
		.name_length = 2,
	};
	fixture_record_add_non_resident(&r, 0x80, &nr);
	fixture_volume_put(v, JRNL_RECORD, &r);
}

static Volume *open_fixture(FixtureVolume *v)
{
	BlockSource *src = fixture_volume_source(v);
	g_autoptr(GError) error = NULL;
	Volume *vol = volume_open(src, &v->boot, &error);
	cr_assert_not_null(vol, "%s", error ? error->message : "");
	return vol;
}

static void close_fixture(Volume *vol)
{
	BlockSource *src = vol->mft.src;
	volume_free(vol);
	block_source_close(src);
}

/* Three deletions in the first page of cluster J_LCN, one in the second. */
static void put_records(FixtureVolume *v)
{
	uint8_t *p = v->image + (size_t)J_LCN * FV_CLUSTER;
	int64_t base = (int64_t)J_HOLE_CLUSTERS * FV_CLUSTER;
	size_t at = 0;
	for (int i = 0; i < 3; i++)
		at += put_v2(p + at, ref(30 + (uint64_t)i, 1), ref(5, 5), base + (int64_t)at,
			     TIME_A + i, USN_REASON_FILE_DELETE | USN_REASON_CLOSE, "gone");
	put_v2(p + 4096, ref(33, 1), ref(5, 5), base + 4096, TIME_B,
	       USN_REASON_FILE_DELETE | USN_REASON_CLOSE, "gone");
}

static bool count_record(const UsnRecord *rec, void *user_data)
{
	(void)rec;
	(*(int *)user_data)++;
	return true;
}

Test(usn_join, journal_found_and_walked_past_its_hole)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	put_extend(&v, ref(JRNL_RECORD, JRNL_SEQ));
	const Run runs[] = { { 0, RUN_LCN_SPARSE, J_HOLE_CLUSTERS }, { J_HOLE_CLUSTERS, J_LCN, 2 } };
	put_journal(&v, runs, 2, (uint64_t)(J_HOLE_CLUSTERS + 2) * FV_CLUSTER);
	put_records(&v);
	Volume *vol = open_fixture(&v);
	g_autoptr(UsnJoin) join = usn_join_new();
	cr_assert(usn_join_read(join, vol, NULL));
	cr_assert_eq(usn_join_records(join), 4);
	cr_assert_eq(usn_join_deleted_time(join, (MftRef){ 33, 1 }), TIME_B);
	cr_assert_eq(usn_join_deleted_time(join, (MftRef){ 31, 1 }), TIME_A + 1);
	int n = 0;
	UsnJournalStats stats;
	cr_assert(usn_journal_read(vol, USN_JOURNAL_MAX_BYTES, count_record, &n, &stats, NULL));
	cr_assert(stats.found);
	cr_assert_eq(stats.file.record, JRNL_RECORD);
	cr_assert_eq(stats.data_bytes, 2 * FV_CLUSTER, "the hole is never read");
	cr_assert_eq(stats.read_bytes, 2 * FV_CLUSTER);
	cr_assert_eq(n, 4);
	close_fixture(vol);
	fixture_volume_clear(&v);
}

Test(usn_join, impossible_sizes_cost_nothing)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	put_extend(&v, ref(JRNL_RECORD, JRNL_SEQ));
	/* A hole of 2^50 clusters, a stated size near 2^63, and clusters over the whole
	 * volume, metadata included: garbage to the decoder. */
	const uint64_t hole = 1ull << 50;
	const Run runs[] = { { 0, RUN_LCN_SPARSE, hole }, { hole, 0, FV_CLUSTERS } };
	put_journal(&v, runs, 2, INT64_MAX & ~(uint64_t)7);
	put_records(&v);
	Volume *vol = open_fixture(&v);
	int n = 0;
	UsnJournalStats stats;
	gint64 t0 = g_get_monotonic_time();
	cr_assert(usn_journal_read(vol, 2 * FV_CLUSTER, count_record, &n, &stats, NULL));
	cr_assert_lt(g_get_monotonic_time() - t0, 2 * G_USEC_PER_SEC);
	cr_assert(stats.found);
	cr_assert_eq(stats.data_bytes, (uint64_t)FV_BYTES);
	cr_assert_eq(stats.read_bytes, 2 * FV_CLUSTER, "the bound holds");
	cr_assert_eq(stats.skipped_bytes, (uint64_t)FV_BYTES - 2 * FV_CLUSTER);
	/* The whole volume read: every record it holds, the rest garbage or zeros. */
	n = 0;
	cr_assert(usn_journal_read(vol, USN_JOURNAL_MAX_BYTES, count_record, &n, &stats, NULL));
	cr_assert_eq(n, 4);
	cr_assert_eq(stats.read_bytes, (uint64_t)FV_BYTES);
	close_fixture(vol);
	fixture_volume_clear(&v);
}

Test(usn_join, no_journal_or_a_stale_name_is_nothing)
{
	FixtureVolume v;
	fixture_volume_init(&v);
	Volume *vol = open_fixture(&v);
	UsnJournalStats stats;
	int n = 0;
	g_autoptr(GError) error = NULL;
	/* Record 11 is all zeros here: $Extend unreadable is an error, the scan only logs it. */
	cr_assert_not(usn_journal_read(vol, USN_JOURNAL_MAX_BYTES, count_record, &n, &stats, &error));
	close_fixture(vol);

	put_extend(&v, ref(JRNL_RECORD, JRNL_SEQ + 1)); /* names an older $UsnJrnl */
	const Run runs[] = { { 0, RUN_LCN_SPARSE, 4 }, { 4, J_LCN, 2 } };
	put_journal(&v, runs, 2, 6 * FV_CLUSTER);
	put_records(&v);
	vol = open_fixture(&v);
	cr_assert(usn_journal_read(vol, USN_JOURNAL_MAX_BYTES, count_record, &n, &stats, NULL));
	cr_assert_not(stats.found);
	cr_assert_eq(n, 0);
	g_autoptr(UsnJoin) join = usn_join_new();
	cr_assert(usn_join_read(join, vol, NULL));
	cr_assert_eq(usn_join_records(join), 0);
	close_fixture(vol);
	fixture_volume_clear(&v);
}
